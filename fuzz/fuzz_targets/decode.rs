//! `decode`: the decode stage alone on arbitrary bytes, as the bytes of an input file reach it.
//!
//! Whatever the bytes, decoding does not panic, a refusal is an input error (binary, empty,
//! undecodable), never an internal one, and a decoded document has no raw bytes left, has an
//! encoding report and passes `Document::check`. Every input is decoded with the default config
//! (that of `pipeline.toml`) and again with a `default_encoding` hint chosen by its length, so
//! that the hint's paths are reached too; valid UTF-8 also goes through the path of a JSONL
//! `text` record (already text: size limit and mojibake repair only).

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zhpipe_core::{Document, Layers, Stage, StageErrorKind};
use zhpipe_decode::{Decode, DecodeConfig};

/// The default config first, then the hints.
const HINTS: [Option<&str>; 4] = [None, Some("gb18030"), Some("big5"), Some("windows-1252")];

fn stages() -> &'static [Decode] {
    static STAGES: OnceLock<Vec<Decode>> = OnceLock::new();
    STAGES.get_or_init(|| {
        HINTS
            .iter()
            .map(|hint| {
                let config = DecodeConfig { default_encoding: hint.map(str::to_owned), ..DecodeConfig::default() };
                Decode::new(config).expect("the hints are WHATWG labels")
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let stages = stages();
    decode(&stages[0], Document::from_bytes("fuzz", data.to_vec()));
    decode(&stages[1 + data.len() % (stages.len() - 1)], Document::from_bytes("fuzz", data.to_vec()));
    if let Ok(text) = std::str::from_utf8(data) {
        decode(&stages[0], Document::from_text("fuzz", text));
    }
});

/// Runs the stage on `doc` and checks what it left.
fn decode(stage: &Decode, mut doc: Document) {
    match stage.process(&mut doc) {
        Ok(()) => {
            assert!(doc.raw.is_empty() && !doc.layers().contains(Layers::RAW), "decode left raw bytes");
            assert!(doc.layers().contains(Layers::TEXT), "decode did not mark the text filled");
            assert!(doc.encoding.is_some(), "decode left no encoding report");
            if let Err(violation) = doc.check() {
                panic!("broken invariant after decode: {violation}");
            }
        }
        Err(error) => assert_ne!(error.kind(), StageErrorKind::Internal, "decode: {error}"),
    }
}
