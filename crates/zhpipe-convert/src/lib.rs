//! Script conversion (Traditional ↔ Simplified) with OpenCC's dictionaries.
//!
//! Placeholder: registers the `convert` stage, which passes documents through unchanged.

use zhpipe_core::{ConfigError, Document, Layers, Registry, Stage, StageError, StageSpec};

/// Registers this crate's stages.
pub fn register(registry: &mut Registry) {
    registry.register("convert", "Script conversion (Traditional ↔ Simplified) with OpenCC's dictionaries.", build);
}

fn build(_spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    Ok(Box::new(Placeholder))
}

struct Placeholder;

impl Stage for Placeholder {
    fn name(&self) -> &str {
        "convert"
    }
    fn requires(&self) -> Layers {
        Layers::TEXT
    }
    fn provides(&self) -> Layers {
        Layers::TEXT
    }
    fn process(&self, _doc: &mut Document) -> Result<(), StageError> {
        Ok(())
    }
}
