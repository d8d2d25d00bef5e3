//! Sentence splitting and word segmentation with jieba-rs.
//!
//! Placeholder: registers the `segment` stage, which passes documents through unchanged.

use zhpipe_core::{ConfigError, Document, Layers, Registry, Stage, StageError, StageSpec};

/// Registers this crate's stages.
pub fn register(registry: &mut Registry) {
    registry.register("segment", "Sentence splitting and word segmentation with jieba-rs.", build);
}

fn build(_spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    Ok(Box::new(Placeholder))
}

struct Placeholder;

impl Stage for Placeholder {
    fn name(&self) -> &str {
        "segment"
    }
    fn requires(&self) -> Layers {
        Layers::TEXT
    }
    fn provides(&self) -> Layers {
        Layers::SENTENCES | Layers::TOKENS
    }
    fn process(&self, _doc: &mut Document) -> Result<(), StageError> {
        Ok(())
    }
}
