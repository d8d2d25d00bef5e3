//! `chain`: the default chain of `pipeline.toml` (decode → clean → convert → segment →
//! gazetteer → classify) on arbitrary bytes, as the bytes of an input file reach it.
//!
//! The chain is built once, with the repository's dictionaries, and checks the document's
//! invariants (`Document::check`) after every stage. A document may be refused (binary, empty,
//! undecodable: an input error record); a panic in any stage, a broken invariant or any other
//! internal error is a finding. A processed document also passes `Document::check` at the end,
//! and its output record reads back with the same text.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zhpipe::record::{self, Record};
use zhpipe_core::{Chain, Document, Layers, StageErrorKind};

/// The default chain and the layers its records hold.
fn chain() -> &'static (Chain, Layers) {
    static CHAIN: OnceLock<(Chain, Layers)> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("fuzz/ has a parent");
        let config = zhpipe::load_config(&root.join("pipeline.toml")).unwrap_or_else(|e| panic!("{e}"));
        let chain = config.build(&zhpipe::registry(), Layers::RAW).unwrap_or_else(|e| panic!("{e}")).with_checks(true);
        let layers = chain.provides(Layers::RAW);
        (chain, layers)
    })
}

fuzz_target!(|data: &[u8]| {
    let (chain, layers) = chain();
    let mut doc = Document::from_bytes("fuzz", data.to_vec());
    match chain.run(&mut doc, |_, _| {}) {
        Ok(()) => {
            if let Err(violation) = doc.check() {
                panic!("broken invariant after the chain: {violation}");
            }
            let line = record::ok_line(&doc, *layers);
            let read = Record::parse(&line).unwrap_or_else(|e| panic!("the record does not read back: {e}: {line}"));
            assert!(read.is_ok(), "a processed document's record is not ok: {line}");
            assert_eq!(read.text(), doc.text, "the record's text is not the document's");
        }
        Err((stage, error)) => {
            let stage = chain.names().nth(stage).unwrap_or("?");
            assert_ne!(error.kind(), StageErrorKind::Internal, "stage `{stage}`: {error}");
            let line = record::error_line(&doc.id, stage, error.message());
            Record::parse(&line).unwrap_or_else(|e| panic!("the error record does not read back: {e}: {line}"));
        }
    }
});
