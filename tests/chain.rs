//! The default chain on arbitrary input: whatever the bytes, every stage leaves a document that
//! passes `Document::check`, and every record is JSON whose spans slice its own text.

use std::path::PathBuf;
use std::sync::LazyLock;

use proptest::prelude::*;
use serde_json::Value;
use zhpipe::record::{self, Record};
use zhpipe::report::ThemeNames;
use zhpipe_core::{Chain, Document, Layers, PipelineConfig, StageErrorKind};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The default pipeline, with the invariants checked after every stage.
static CHAIN: LazyLock<(Chain, Layers)> = LazyLock::new(|| {
    let path = repo().join("pipeline.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let config = PipelineConfig::parse(&text, &path).unwrap();
    let chain = config.build(&zhpipe::registry(), Layers::RAW).unwrap_or_else(|e| panic!("{e}")).with_checks(true);
    let layers = chain.provides(Layers::RAW);
    (chain, layers)
});

/// Runs one document through the default chain and checks what came out.
fn check_document(doc: Document) -> Result<(), TestCaseError> {
    let (chain, layers) = &*CHAIN;
    let mut doc = doc;
    let line = match chain.run(&mut doc, |_, _| {}) {
        Ok(()) => {
            let line = record::ok_line(&doc, *layers);
            prop_assert_eq!(summary_of_line(&line), summary_of_record(&Record::ok(&doc, *layers)));
            line
        }
        Err((stage, error)) => {
            // A document may be refused (binary, empty, undecodable), never broken by a stage.
            prop_assert_ne!(error.kind(), StageErrorKind::Internal, "stage {}: {}", stage, error);
            record::error_line(&doc.id, "stage", error.message())
        }
    };
    let value: Value = serde_json::from_str(&line).map_err(|e| TestCaseError::fail(format!("{e}: {line}")))?;
    if value["status"] == "ok" {
        let text = value["text"].as_str().unwrap();
        for m in value["mentions"].as_array().into_iter().flatten() {
            let (start, end) = (m["span"][0].as_u64().unwrap() as usize, m["span"][1].as_u64().unwrap() as usize);
            prop_assert_eq!(text.get(start..end), m["surface"].as_str(), "{}", m);
        }
    }
    Ok(())
}

fn summary_of_line(line: &str) -> String {
    format!("{:?}", zhpipe::report::summarise(line, true, &ThemeNames::default()))
}

fn summary_of_record(record: &Record) -> String {
    format!("{:?}", zhpipe::report::summarise_record(record, true, &ThemeNames::default()))
}

/// A run summarises the record it has built for the report; `zhpipe report` and `--resume`
/// summarise the record read back from its line. Both must give the same report.
#[test]
fn the_report_summary_of_a_record_equals_that_of_its_line() {
    let (chain, layers) = &*CHAIN;
    let mut samples = 0;
    for entry in std::fs::read_dir(repo().join("corpus/samples")).unwrap() {
        let path = entry.unwrap().path();
        let mut doc = Document::from_bytes(path.display().to_string(), std::fs::read(&path).unwrap());
        chain.run(&mut doc, |_, _| {}).unwrap();
        let record = Record::ok(&doc, *layers);
        assert!(record.mentions.as_ref().is_some_and(|m| !m.is_empty()), "{}", path.display());
        assert_eq!(summary_of_line(&record.to_line()), summary_of_record(&record), "{}", path.display());
        samples += 1;
    }
    assert_eq!(samples, 5);
    let failed = Record::error("broken", "decode", "not text");
    assert_eq!(summary_of_line(&failed.to_line()), summary_of_record(&failed));
}

/// Pieces that each make some stage work: markup, front matter, Traditional script, names in
/// the dictionaries, credits and dates clean looks for, odd whitespace and astral characters.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<char>().prop_map(String::from),
        3 => prop::sample::select(vec![
            "<p>", "</p>", "<div class=\"article\">", "</div>", "<br>", "<title>", "</title>", "<!--x-->", "&amp;",
            "---\n", "title: 標題\n", "date: 2024-05-14\n", "河北省", "北京", "京津冀", "雄安新区", "發展", "協同",
            "臺灣", "习近平", "。", "，", "\n", "\r\n", "\n\n", " ", "\u{3000}", "\u{feff}", "\u{fffd}", "𠀀",
            "责任编辑：", "来源：", "2024年5月14日", "交通一体化", "a", "1",
        ])
        .prop_map(String::from),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..60).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_keep_every_invariant(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check_document(Document::from_bytes("bytes", bytes))?;
    }

    #[test]
    fn arbitrary_text_keeps_every_invariant(text in text()) {
        check_document(Document::from_bytes("text", text.into_bytes()))?;
    }

    #[test]
    fn text_in_other_encodings_keeps_every_invariant(text in text(), encoding in 0..3usize) {
        let bytes = match encoding {
            0 => encoding_rs::GB18030.encode(&text).0.into_owned(),
            1 => encoding_rs::BIG5.encode(&text).0.into_owned(),
            _ => [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect(),
        };
        check_document(Document::from_bytes("encoded", bytes))?;
    }
}

/// The default stages in the order given, with their keys from `pipeline.toml`.
fn chain_in_order(order: &[&str]) -> (Chain, Layers) {
    let keys = |stage: &str| match stage {
        "convert" => "profile = \"t2s\"\ndetect = \"paragraph\"\n",
        "segment" => "user_dictionaries = [\"dictionaries/terms.dict\"]\n",
        "classify" => "model = \"lexicon\"\nthemes = \"dictionaries/themes.toml\"\n",
        _ => "",
    };
    let text: String = order.iter().map(|stage| format!("[[stage]]\nuse = \"{stage}\"\n{}\n", keys(stage))).collect();
    let config = PipelineConfig::parse(&text, &repo().join("reordered.toml")).unwrap();
    let chain = config.build(&zhpipe::registry(), Layers::RAW).unwrap_or_else(|e| panic!("{e}")).with_checks(true);
    let layers = chain.provides(Layers::RAW);
    (chain, layers)
}

/// Converting before or after cleaning, every mention found in the Simplified text points at
/// the same words as the Traditional source wrote them.
#[test]
fn decode_convert_clean_original_spans_point_into_the_original() {
    let t2s = zhpipe_convert::Converter::build(zhpipe_convert::Profile::T2s, false).unwrap();
    for order in [
        ["decode", "convert", "clean", "segment", "gazetteer", "classify"],
        ["decode", "clean", "convert", "segment", "gazetteer", "classify"],
    ] {
        let (chain, _) = chain_in_order(&order);
        for sample in ["002_d2ed7689422571ad.txt", "004_1e751c50671583d8.txt"] {
            let bytes = std::fs::read(repo().join("corpus/samples").join(sample)).unwrap();
            let mut doc = Document::from_bytes(sample, bytes);
            chain.run(&mut doc, |_, _| {}).unwrap_or_else(|(stage, e)| panic!("{sample}: stage {stage}: {e}"));
            let original = doc.original().unwrap_or_else(|| panic!("{order:?} {sample}: no original: {:?}", doc.notes));
            let mut differ = 0;
            for m in &doc.mentions {
                let surface = doc.slice(m.span());
                let source = original.slice(m.span());
                assert_eq!(t2s.convert(source), surface, "{order:?} {sample}: {} maps to {source:?}", m.span());
                differ += usize::from(source != surface);
            }
            assert!(
                doc.mentions.len() > 10 && differ > 5,
                "{order:?} {sample}: {} mentions, {differ} in Traditional",
                doc.mentions.len()
            );
        }
    }
}

/// Panics on a document that says `PANIC`; gives one that says `BREAK` a token past its end.
struct Faulty;

static FAULTY: zhpipe_core::StageDescriptor =
    zhpipe_core::StageDescriptor::new("faulty", "fails on purpose", Layers::TEXT, Layers::TOKENS);

impl zhpipe_core::Stage for Faulty {
    fn descriptor(&self) -> &'static zhpipe_core::StageDescriptor {
        &FAULTY
    }
    fn process(&self, doc: &mut Document) -> Result<(), zhpipe_core::StageError> {
        if doc.text.contains("PANIC") {
            panic!("told to panic on {}", doc.id);
        }
        if doc.text.contains("BREAK") {
            let end = doc.text.len() + 3;
            doc.tokens.push(zhpipe_core::Token::new(zhpipe_core::Span::new(0, end), None));
        }
        Ok(())
    }
}

/// Runs decode → faulty over three documents (the second one `text`), returning the records
/// by file name and the exit status.
fn run_faulty(text: &str, check: bool) -> (std::collections::BTreeMap<String, Value>, zhpipe::ExitStatus) {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    for (name, body) in [("a.txt", "京津冀协同发展"), ("b.txt", text), ("c.txt", "雄安新区")] {
        std::fs::write(inputs.join(name), body).unwrap();
    }
    let config = dir.path().join("faulty.toml");
    std::fs::write(&config, "[[stage]]\nuse = \"decode\"\n\n[[stage]]\nuse = \"faulty\"\n").unwrap();
    let mut registry = zhpipe::registry();
    registry.register(&FAULTY, |_| Ok(Box::new(Faulty)));
    let mut options = zhpipe::RunOptions::new(&config);
    options.inputs = vec![inputs.display().to_string()];
    options.output = Some(zhpipe::Output::Dir(dir.path().join("out")));
    options.threads = Some(2);
    options.check = check;
    let (_, status) = zhpipe::run_with_registry(&options, &registry).unwrap_or_else(|e| panic!("{}", e.message));
    let records = std::fs::read_to_string(dir.path().join("out/documents.jsonl")).unwrap();
    let records = records
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .map(|r| (r["id"].as_str().unwrap().rsplit('/').next().unwrap().to_owned(), r))
        .collect();
    (records, status)
}

#[test]
fn a_panicking_stage_is_one_error_record() {
    let (records, status) = run_faulty("PANIC here", false);
    assert_eq!(status, zhpipe::ExitStatus::SomeFailed);
    assert_eq!(records.len(), 3, "{records:?}");
    assert_eq!(records["a.txt"]["status"], "ok");
    assert_eq!(records["c.txt"]["status"], "ok");
    let failed = &records["b.txt"];
    assert_eq!((failed["status"].as_str(), failed["stage"].as_str()), (Some("error"), Some("faulty")));
    let error = failed["error"].as_str().unwrap();
    assert!(error.starts_with("internal error: told to panic on ") && error.ends_with("b.txt"), "{error}");
}

#[test]
fn a_broken_invariant_under_check_is_an_error_record_naming_the_stage() {
    let (records, status) = run_faulty("BREAK here", true);
    assert_eq!(status, zhpipe::ExitStatus::SomeFailed);
    assert_eq!(records["a.txt"]["status"], "ok");
    let failed = &records["b.txt"];
    assert_eq!(failed["stage"], "faulty");
    let error = failed["error"].as_str().unwrap();
    assert_eq!(error, "broken invariant: tokens: span 0 (0..13) is not on char boundaries of the 10-byte text");
}
