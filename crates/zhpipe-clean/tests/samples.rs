//! The bundled samples, cleaned: golden files of the whole text and metadata, and idempotence.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use zhpipe_clean::Clean;
use zhpipe_core::{Document, Stage, check_golden};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn samples() -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repo().join("corpus/samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 5, "the five bundled samples");
    paths
        .into_iter()
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

fn clean(text: &str) -> Document {
    let mut doc = Document::from_text("t", text);
    Clean::bundled().process(&mut doc).unwrap();
    doc
}

/// The text, then the metadata as pretty JSON, then the notes one per line.
fn render(doc: &Document) -> String {
    let mut out = String::new();
    out.push_str(&doc.text);
    out.push_str("\n\n=== meta ===\n");
    out.push_str(&serde_json::to_string_pretty(&doc.meta).unwrap());
    out.push_str("\n\n=== notes ===\n");
    for note in &doc.notes {
        match note.count {
            Some(n) => out.push_str(&format!("{} {n}\n", note.kind)),
            None => out.push_str(&format!("{}\n", note.kind)),
        }
    }
    out
}

#[test]
fn samples_match_golden_files() {
    for (name, text) in samples() {
        let doc = clean(&text);
        check_golden(repo().join(format!("tests/golden/clean/{name}.txt")), &render(&doc));
    }
}

#[test]
fn cleaning_cleaned_samples_changes_nothing() {
    for (name, text) in samples() {
        let once = clean(&text);
        let twice = clean(&once.text);
        assert_eq!(twice.text, once.text, "{name}");
        let removals: Vec<_> = twice.notes.iter().filter(|n| n.kind.starts_with("removed-")).collect();
        assert!(removals.is_empty(), "{name}: second pass removed {removals:?}");
    }
}

fn paragraphs() -> Vec<String> {
    samples()
        .into_iter()
        .flat_map(|(_, text)| text.lines().map(str::to_owned).collect::<Vec<_>>())
        .filter(|l| !l.trim().is_empty())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn cleaning_is_idempotent_on_mixed_paragraphs(picks in prop::collection::vec((any::<prop::sample::Index>(), 0..3usize), 1..24)) {
        let paragraphs = paragraphs();
        let separators = ["\n", "\n\n", "\n  \n"];
        let mut text = String::new();
        for (index, sep) in picks {
            text.push_str(index.get::<String>(&paragraphs));
            text.push_str(separators[sep]);
        }
        let once = clean(&text);
        let twice = clean(&once.text);
        prop_assert_eq!(&twice.text, &once.text, "input: {:?}", text);
    }
}

/// Pieces that exercise every rule: Han text, punctuation of both widths, parentheses, pinyin,
/// spaces of every kind, digits, separators, header labels, caption credits and tags.
const PIECES: &[&str] = &[
    "京津冀",
    "协同发展",
    "，",
    ",",
    ".",
    "。",
    ";",
    ":",
    "?",
    "(",
    ")",
    "（",
    "）",
    "(xié)",
    "(fā)",
    "(完)",
    " ",
    "  ",
    "\u{3000}",
    "\u{a0}",
    "\n",
    "\n\n",
    "2024",
    "５",
    "Ａ",
    "PM2.5",
    "“",
    "”",
    "|",
    "来源:",
    "发布日期:",
    "2024-05-14",
    "记者赵海江摄",
    "责编:",
    "微信",
    "23 第 22 期",
    "<p>",
    "</p>",
    "<br>",
    "&amp;",
    "—",
    "a",
    "x",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn cleaning_is_idempotent_on_any_mix_of_rule_triggers(picks in prop::collection::vec(0..PIECES.len(), 0..60)) {
        let text: String = picks.iter().map(|&i| PIECES[i]).collect();
        let once = clean(&text);
        let twice = clean(&once.text);
        prop_assert_eq!(&twice.text, &once.text, "input: {:?}", text);
    }
}
