//! Policy theme of every sentence.
//!
//! Placeholder: registers the `classify` stage, which passes documents through unchanged.

use zhpipe_core::{ConfigError, Document, Layers, Registry, Stage, StageError, StageSpec};

/// Registers this crate's stages.
pub fn register(registry: &mut Registry) {
    registry.register("classify", "Policy theme of every sentence.", build);
}

fn build(_spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    Ok(Box::new(Placeholder))
}

struct Placeholder;

impl Stage for Placeholder {
    fn name(&self) -> &str {
        "classify"
    }
    fn requires(&self) -> Layers {
        Layers::SENTENCES
    }
    fn provides(&self) -> Layers {
        Layers::LABELS
    }
    fn process(&self, _doc: &mut Document) -> Result<(), StageError> {
        Ok(())
    }
}
