//! `clean`: decode, then clean, on arbitrary bytes.
//!
//! Whatever the bytes, neither stage panics, a refusal is an input error, never an internal one,
//! and the cleaned document passes `Document::check`.
//!
//! An input whose first byte is a control character other than whitespace (0x00–0x08, 0x0B,
//! 0x0E–0x1F) uses that byte to choose the clean config and is decoded without it: `html`
//! (`auto`, `always`, which sends any text through the HTML parser, `never`) × `layout` (`auto`,
//! `web`, `pdf`) × which of `extract_main`, `strip_pinyin` and `normalize` are on, with
//! `keep_removed` on for every other choice. Any other input, such as the seed samples, is
//! decoded whole and cleaned with the default config (that of `pipeline.toml`).

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zhpipe_clean::{Clean, CleanConfig, HtmlMode, Layout};
use zhpipe_core::{Document, Stage, StageErrorKind};
use zhpipe_decode::{Decode, DecodeConfig};

/// The decode stage, the clean stage of the default config, and one per selector byte (indexed
/// by the byte).
struct Stages {
    decode: Decode,
    default: Clean,
    chosen: Vec<Clean>,
}

fn stages() -> &'static Stages {
    static STAGES: OnceLock<Stages> = OnceLock::new();
    STAGES.get_or_init(|| {
        let build = |config: &CleanConfig| Clean::new(config, Path::new(".")).expect("the bundled rules compile");
        let chosen = (0..0x20u8)
            .map(|byte| {
                let i = usize::from(byte);
                let switches = i / 9 % 4;
                let config = CleanConfig {
                    html: [HtmlMode::Auto, HtmlMode::Always, HtmlMode::Never][i % 3],
                    layout: [Layout::Auto, Layout::Web, Layout::Pdf][i / 3 % 3],
                    extract_main: switches != 2 && switches != 3,
                    strip_pinyin: switches != 2 && switches != 3,
                    normalize: switches != 1 && switches != 3,
                    keep_removed: i % 2 == 0,
                    ..CleanConfig::default()
                };
                build(&config)
            })
            .collect();
        Stages {
            decode: Decode::new(DecodeConfig::default()).expect("the default decode config builds"),
            default: build(&CleanConfig::default()),
            chosen,
        }
    })
}

/// A first byte that chooses the clean config rather than being part of the document.
fn is_selector(byte: u8) -> bool {
    byte < 0x20 && !byte.is_ascii_whitespace()
}

fuzz_target!(|data: &[u8]| {
    let stages = stages();
    let (clean, bytes) = match data.split_first() {
        Some((&first, rest)) if is_selector(first) => (&stages.chosen[usize::from(first)], rest),
        _ => (&stages.default, data),
    };
    let mut doc = Document::from_bytes("fuzz", bytes.to_vec());
    if let Err(error) = stages.decode.process(&mut doc) {
        assert_ne!(error.kind(), StageErrorKind::Internal, "decode: {error}");
        return;
    }
    match clean.process(&mut doc) {
        Ok(()) => {
            if let Err(violation) = doc.check() {
                panic!("broken invariant after clean: {violation}");
            }
        }
        Err(error) => assert_ne!(error.kind(), StageErrorKind::Internal, "clean: {error}"),
    }
});
