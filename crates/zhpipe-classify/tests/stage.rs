//! The `classify` stage as the driver builds and runs it: config errors, the shipped model, the
//! labelled samples, and labels for any sentence split.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use zhpipe_classify::metrics::Scores;
use zhpipe_classify::{Classifier, LexiconModel, SentenceView, Taxonomy, TrainOptions, TrainedModel};
use zhpipe_core::{Document, Layers, Registry, Span, Stage, StageSpec};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn build(keys: &str, base: &Path) -> Result<Box<dyn Stage>, String> {
    let mut registry = Registry::new();
    zhpipe_classify::register(&mut registry);
    assert!(registry.contains("classify"));
    let spec = StageSpec::from_toml("classify", keys, base).map_err(|e| e.to_string())?;
    zhpipe_classify::build(&spec).map_err(|e| e.to_string())
}

/// A document with sentences cut after every `。`.
fn document(text: &str) -> Document {
    let mut doc = Document::from_text("d", text);
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '。' {
            doc.sentences.push(Span::new(start, i + c.len_utf8()));
            start = i + c.len_utf8();
        }
    }
    if start < text.len() {
        doc.sentences.push(Span::new(start, text.len()));
    }
    doc.mark_filled(Layers::SENTENCES);
    doc
}

fn rendered(doc: &Document) -> Vec<String> {
    doc.labels
        .iter()
        .map(|s| {
            let ids: Vec<&str> = s.labels.iter().map(|l| l.label.as_str()).collect();
            format!("{}:{}", s.sentence, ids.join(","))
        })
        .collect()
}

#[test]
fn default_stage_labels_every_sentence_with_the_lexicon() {
    let stage = build("", Path::new(".")).unwrap();
    assert_eq!(stage.descriptor().name, "classify");
    assert_eq!(stage.descriptor().requires, Layers::SENTENCES);
    assert_eq!(stage.descriptor().provides, Layers::LABELS);
    let mut doc =
        document("要推进医联体建设，推动京津养老项目向河北延伸布局。实践证明，这条路是对的。京雄高铁开通运行。");
    stage.process(&mut doc).unwrap();
    let mut out = rendered(&doc);
    out[0] = out[0].replace("0:", "");
    assert_eq!(out, ["public_services", "1:other", "2:transport"]);
    assert!(doc.labels[0].labels[0].evidence.is_empty(), "evidence only when asked for");
}

#[test]
fn evidence_names_the_terms_that_fired() {
    let stage = build("evidence = true", Path::new(".")).unwrap();
    let mut doc = document("京雄高铁开通运行。");
    stage.process(&mut doc).unwrap();
    assert_eq!(doc.labels[0].labels[0].evidence, ["高铁", "开通运行"]);
}

#[test]
fn config_errors_name_the_key_or_file() {
    let err = build("modle = \"lexicon\"", Path::new(".")).err().unwrap();
    assert!(err.contains("unknown field `modle`"), "{err}");
    let err = build("model = \"neural\"", Path::new(".")).err().unwrap();
    assert!(err.contains("unknown variant `neural`"), "{err}");
    let err = build("model = \"trained\"", Path::new(".")).err().unwrap();
    assert!(err.contains("needs `trained_model"), "{err}");
    let err = build("trained_model = \"x.model\"", Path::new(".")).err().unwrap();
    assert!(err.contains("only used with `model = \"trained\"`"), "{err}");
    let err = build("themes = \"no/such/themes.toml\"", Path::new("/base")).err().unwrap();
    assert!(err.starts_with("/base/no/such/themes.toml: cannot read themes file"), "{err}");
    let err = build("model = \"trained\"\ntrained_model = \"missing.model\"", Path::new("/base")).err().unwrap();
    assert!(err.starts_with("/base/missing.model: cannot read model file"), "{err}");
}

#[test]
fn a_bad_themes_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let themes = std::fs::read_to_string(repo().join("dictionaries/themes.toml")).unwrap();
    let broken = themes.replacen("\"疏解\" = 1.5", "\"疏解\" = -inf", 1);
    let line = broken.lines().position(|l| l.starts_with("\"疏解\" = -inf")).unwrap() + 1;
    std::fs::write(dir.path().join("themes.toml"), broken).unwrap();
    let err = build("themes = \"themes.toml\"", dir.path()).err().unwrap();
    let expected =
        format!("{}:{line}: label `relocation`: term `疏解`: weight must be", dir.path().join("themes.toml").display());
    assert!(err.starts_with(&expected), "{err}");
}

/// The stage names the `[label.kinds]` of the lexicon it scores with, at their lines, for the
/// chain to check against the gazetteers before it; a trained model names those of the lexicon
/// embedded in it.
#[test]
fn the_stage_names_the_mention_kinds_of_its_lexicon_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let themes = std::fs::read_to_string(repo().join("dictionaries/themes.toml")).unwrap();
    let edited = themes.replacen("\"person\" = 0.3", "\"peson\" = 0.3", 1);
    let line = edited.lines().position(|l| l == "\"peson\" = 0.3").unwrap() + 1;
    std::fs::write(dir.path().join("themes.toml"), edited).unwrap();
    let stage = build("themes = \"themes.toml\"", dir.path()).unwrap();
    let named: Vec<(String, String)> = stage.kinds_named().into_iter().map(|n| (n.kind, n.location)).collect();
    let location = format!("{}:{line}: label `meeting`", dir.path().join("themes.toml").display());
    assert_eq!(named, [("peson".to_owned(), location)]);

    let trained = build("model = \"trained\"\ntrained_model = \"dictionaries/themes.model\"", &repo()).unwrap();
    let named: Vec<String> = trained.kinds_named().into_iter().map(|n| format!("{} {}", n.kind, n.location)).collect();
    assert_eq!(named.len(), 1, "{named:?}");
    assert!(named[0].starts_with("person ") && named[0].contains("themes.model (embedded themes):"), "{named:?}");
}

fn tiny_model() -> TrainedModel {
    let texts = [
        ("高铁线路开通运行", "transport"),
        ("港口航线加密", "transport"),
        ("城际铁路建成通车", "transport"),
        ("空气质量改善", "ecology"),
        ("水质达到三类", "ecology"),
        ("大气污染联防联控", "ecology"),
        ("会议在京举行", "other"),
    ];
    let examples: Vec<_> = texts
        .iter()
        .map(|(t, l)| zhpipe_classify::Example {
            view: SentenceView::text(t),
            labels: vec![l.to_string()],
            group: "g".into(),
        })
        .collect();
    TrainedModel::train(&examples, &TrainOptions::default())
}

#[test]
fn trained_stage_loads_its_model_file_and_notes_missing_words() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model().save(&dir.path().join("tiny.model")).unwrap();
    let stage = build("model = \"trained\"\ntrained_model = \"tiny.model\"", dir.path()).unwrap();
    let mut doc = document("新建铁路开通运行。污染治理见效。");
    stage.process(&mut doc).unwrap();
    assert_eq!(rendered(&doc), ["0:transport", "1:ecology"]);
    assert_eq!(doc.notes.len(), 1);
    assert_eq!(doc.notes[0].kind, "no-tokens");
}

#[test]
fn a_model_file_of_another_version_or_truncated_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = tiny_model().to_bytes();
    let path = dir.path().join("old.model");
    bytes[8..12].copy_from_slice(&7u32.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let err = build("model = \"trained\"\ntrained_model = \"old.model\"", dir.path()).err().unwrap();
    assert_eq!(
        err,
        format!(
            "{}: zhpipe classify model format version 7, but this build reads version 2; rebuild it with `cargo xtask train classify`",
            path.display()
        )
    );
    let good = tiny_model().to_bytes();
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let err = build("model = \"trained\"\ntrained_model = \"old.model\"", dir.path()).err().unwrap();
    assert_eq!(
        err,
        format!(
            "{}: truncated zhpipe classify model: the file holds {} bytes, {} expected",
            path.display(),
            good.len() / 2,
            good.len()
        )
    );
}

#[test]
fn shipped_model_loads_and_knows_every_theme() {
    let stage = build("model = \"trained\"\ntrained_model = \"dictionaries/themes.model\"", &repo());
    let stage = stage.unwrap_or_else(|e| panic!("{e}\nretrain with `cargo xtask train classify`"));
    let mut doc = document("加快推进京雄高铁建设。");
    stage.process(&mut doc).unwrap();
    assert_eq!(doc.labels[0].labels[0].label, "transport");
    let model = TrainedModel::load(&repo().join("dictionaries/themes.model")).unwrap();
    let taxonomy = Taxonomy::bundled();
    let mut sorted: Vec<&str> = taxonomy.themes().iter().map(|t| t.id.as_str()).collect();
    sorted.sort();
    assert_eq!(model.data().labels, sorted);
}

#[test]
fn missing_sentences_is_an_error_and_bad_spans_never_reach_the_stage() {
    let stage = build("", Path::new(".")).unwrap();
    let mut doc = Document::from_text("d", "京雄高铁");
    let err = stage.process(&mut doc).unwrap_err();
    assert!(err.message().contains("no sentences"), "{err}");
    // A stage that wrote a span off a char boundary is named by the chain's check, after it
    // ran: classify reads only documents that passed it.
    doc.sentences = vec![Span::new(0, 4)];
    let err = doc.check().unwrap_err();
    assert_eq!(err.layer, "sentences", "{err}");
}

/// The labelled samples, as the lexicon labels them: reviewed by reading, regenerated with
/// `cargo xtask bless`. The lexicon's scores against the hand labels must not fall.
#[test]
fn lexicon_on_the_labelled_samples() {
    let text = std::fs::read_to_string(repo().join("corpus/labels/samples.jsonl")).unwrap();
    let model = Classifier::Lexicon(LexiconModel::new(Taxonomy::bundled()));
    let taxonomy = Taxonomy::bundled();
    let mut scores = Scores::new(taxonomy.ids());
    let mut golden = String::new();
    for line in text.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let sentence = record["text"].as_str().unwrap();
        let gold: Vec<&str> = record["labels"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        let labels = model.classify(&SentenceView::text(sentence), true);
        let predicted: Vec<&str> = labels.iter().map(|l| l.label.as_str()).collect();
        scores.add(&gold, &predicted);
        let (mut g, mut p) = (gold.clone(), predicted.clone());
        g.sort();
        p.sort();
        let mark = if g == p { ' ' } else { '✗' };
        let shown: Vec<String> = labels.iter().map(|l| format!("{}[{}]", l.label, l.evidence.join("+"))).collect();
        golden.push_str(&format!("{mark} {}\n  gold {}\n  {sentence}\n", shown.join(" "), gold.join(",")));
    }
    zhpipe_core::check_golden(repo().join("tests/golden/classify/samples-lexicon.txt"), &golden);
    assert!(scores.macro_f1() >= 0.90, "lexicon macro-F1 on the samples fell to {:.3}", scores.macro_f1());
}

proptest! {
    /// Any text cut anywhere into sentences: one entry per sentence, in order, each with at
    /// least one label, `other` only alone, scores in 0..=1.
    #[test]
    fn every_sentence_gets_labels(text in "[京津冀雄安疏解高铁污染产业创新。，a-z0-9 ]{0,60}", cuts in proptest::collection::vec(0usize..80, 0..6)) {
        let stage = build("", Path::new(".")).unwrap();
        let mut doc = Document::from_text("p", text.clone());
        let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c.min(text.len())).filter(|&c| text.is_char_boundary(c)).collect();
        bounds.push(0);
        bounds.push(text.len());
        bounds.sort();
        bounds.dedup();
        doc.sentences = bounds.windows(2).map(|w| Span::new(w[0], w[1])).collect();
        doc.mark_filled(Layers::SENTENCES);
        stage.process(&mut doc).unwrap();
        prop_assert_eq!(doc.labels.len(), doc.sentences.len());
        for (i, s) in doc.labels.iter().enumerate() {
            prop_assert_eq!(s.sentence, i);
            prop_assert!(!s.labels.is_empty());
            if s.labels.iter().any(|l| l.label == "other") {
                prop_assert_eq!(s.labels.len(), 1);
            }
            for l in &s.labels {
                prop_assert!((0.0..=1.0).contains(&l.score), "{:?}", l);
            }
        }
    }
}

#[test]
fn the_definitions_baseline_loads_with_the_same_labels_as_the_shipped_taxonomy() {
    let shipped = Taxonomy::load(&repo().join("dictionaries/themes.toml")).unwrap();
    let baseline = Taxonomy::load(&repo().join("corpus/labels/themes-definitions.toml")).unwrap();
    assert!(baseline.ids().eq(shipped.ids()), "the baseline must label with the shipped ids, in order");
}
