//! Dictionary matching of places, organisations, people and policy terms.
//!
//! Placeholder: registers the `gazetteer` stage, which passes documents through unchanged.

use zhpipe_core::{ConfigError, Document, Layers, Registry, Stage, StageError, StageSpec};

/// Registers this crate's stages.
pub fn register(registry: &mut Registry) {
    registry.register("gazetteer", "Dictionary matching of places, organisations, people and policy terms.", build);
}

fn build(_spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    Ok(Box::new(Placeholder))
}

struct Placeholder;

impl Stage for Placeholder {
    fn name(&self) -> &str {
        "gazetteer"
    }
    fn requires(&self) -> Layers {
        Layers::TEXT
    }
    fn provides(&self) -> Layers {
        Layers::MENTIONS
    }
    fn process(&self, _doc: &mut Document) -> Result<(), StageError> {
        Ok(())
    }
}
