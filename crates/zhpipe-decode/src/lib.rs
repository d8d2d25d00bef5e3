//! Decoding: raw bytes to text, with a report of how the encoding was chosen.
//!
//! This first version accepts UTF-8 (with or without a byte-order mark) and refuses empty and
//! non-UTF-8 input with an error naming the cause.

use zhpipe_core::{
    ConfigError, Document, EncodingReport, EncodingSource, Layers, Registry, Stage, StageError, StageSpec,
};

/// Registers this crate's stages.
pub fn register(registry: &mut Registry) {
    registry.register("decode", "bytes to text: UTF-8 with BOM handling", build);
}

fn build(_spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    Ok(Box::new(Decode))
}

/// The decode stage.
pub struct Decode;

impl Stage for Decode {
    fn name(&self) -> &str {
        "decode"
    }

    fn requires(&self) -> Layers {
        Layers::empty()
    }

    fn provides(&self) -> Layers {
        Layers::TEXT
    }

    fn process(&self, doc: &mut Document) -> Result<(), StageError> {
        if !doc.layers.contains(Layers::RAW) {
            // Already text (a JSONL `text` record): nothing to decode.
            doc.encoding.get_or_insert(EncodingReport {
                encoding: "UTF-8".into(),
                source: EncodingSource::Text,
                declared: None,
                overridden: false,
                replacements: 0,
                repaired: None,
            });
            return Ok(());
        }
        let raw = std::mem::take(&mut doc.raw);
        doc.layers.remove(Layers::RAW);
        if raw.is_empty() {
            return Err(StageError::invalid_input("empty file"));
        }
        let (body, source) = match raw.strip_prefix(b"\xEF\xBB\xBF") {
            Some(body) => (body, EncodingSource::Bom),
            None => (&raw[..], EncodingSource::Fallback),
        };
        let text = std::str::from_utf8(body).map_err(|e| {
            StageError::invalid_input(format!("not valid UTF-8 (first bad byte at offset {})", e.valid_up_to()))
        })?;
        doc.set_text(text.to_owned());
        doc.encoding = Some(EncodingReport {
            encoding: "UTF-8".into(),
            source,
            declared: None,
            overridden: false,
            replacements: 0,
            repaired: None,
        });
        Ok(())
    }
}
