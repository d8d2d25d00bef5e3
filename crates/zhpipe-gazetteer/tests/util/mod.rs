//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use zhpipe_core::Mentions;
use zhpipe_gazetteer::{AhoCorasickKind, CompileOptions, EngineKind, Gazetteer, Source};

/// The repository root.
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The four dictionaries of the default pipeline.
pub(crate) fn repo_dictionaries() -> Vec<PathBuf> {
    ["places", "organisations", "people", "policy-terms"]
        .iter()
        .map(|name| repo().join(format!("dictionaries/{name}.tsv")))
        .collect()
}

/// Every engine configuration that must agree, by name.
pub(crate) fn engines(overlapping: bool) -> Vec<(&'static str, CompileOptions)> {
    let base = CompileOptions { overlapping, ..CompileOptions::default() };
    vec![
        ("daachorse", CompileOptions { engine: EngineKind::Daachorse, ..base }),
        (
            "aho-corasick/nfa-contiguous",
            CompileOptions {
                engine: EngineKind::AhoCorasick,
                aho_corasick_kind: AhoCorasickKind::NfaContiguous,
                ..base
            },
        ),
        (
            "aho-corasick/nfa-noncontiguous",
            CompileOptions {
                engine: EngineKind::AhoCorasick,
                aho_corasick_kind: AhoCorasickKind::NfaNoncontiguous,
                ..base
            },
        ),
        (
            "aho-corasick/dfa",
            CompileOptions { engine: EngineKind::AhoCorasick, aho_corasick_kind: AhoCorasickKind::Dfa, ..base },
        ),
    ]
}

/// A dictionary from rows written `surface|id|kind|parent|attributes` (trailing fields optional).
pub(crate) fn dictionary(name: &str, rows: &[&str]) -> Source {
    let mut text = String::from("surface\tid\tkind\tparent\tattributes\n");
    for row in rows {
        text.push_str(&row.replace('|', "\t"));
        text.push('\n');
    }
    Source::from_text(name, text)
}

/// `北京/province@6..12`.
pub(crate) fn render(text: &str, mentions: &Mentions) -> Vec<String> {
    mentions.iter().map(|m| format!("{}/{}@{}", &text[m.span().range()], m.kind(), m.span())).collect()
}

/// Compiles `sources` with `options`, panicking with the error.
pub(crate) fn compile(sources: &[Source], options: CompileOptions) -> Gazetteer {
    Gazetteer::from_sources(sources, options).unwrap_or_else(|e| panic!("{e}"))
}
