//! Cleaning: the article's own text and metadata out of web pages, gateways and PDFs.
//!
//! Placeholder: registers the `clean` stage, which passes documents through unchanged.

use zhpipe_core::{ConfigError, Document, Layers, Registry, Stage, StageError, StageSpec};

/// Registers this crate's stages.
pub fn register(registry: &mut Registry) {
    registry.register("clean", "Cleaning: the article's own text and metadata out of web pages, gateways and PDFs.", build);
}

fn build(_spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    Ok(Box::new(Placeholder))
}

struct Placeholder;

impl Stage for Placeholder {
    fn name(&self) -> &str {
        "clean"
    }
    fn requires(&self) -> Layers {
        Layers::TEXT
    }
    fn provides(&self) -> Layers {
        Layers::TEXT | Layers::META
    }
    fn process(&self, _doc: &mut Document) -> Result<(), StageError> {
        Ok(())
    }
}
