//! Shared by the training and evaluation examples: labelled JSONL, and the segmentation and
//! gazetteer stages that turn a labelled sentence into what the classify stage sees.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use zhpipe_classify::{Example, SentenceView, Taxonomy};
use zhpipe_core::{Document, Layers, PipelineConfig, Registry, Span, Stage};

/// The repository root (examples run from anywhere).
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// A path from the command line, or a default relative to the repository root.
pub fn path_or(arg: Option<&String>, default: &str) -> PathBuf {
    arg.map(PathBuf::from).unwrap_or_else(|| repo_root().join(default))
}

/// `--key value` arguments; flags without a value map to an empty string.
pub fn parse_args(usage: &str, known: &[&str]) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut args = std::env::args().skip(1).peekable();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            println!("{usage}");
            std::process::exit(0);
        }
        let Some(key) = arg.strip_prefix("--").filter(|k| known.contains(k)) else {
            eprintln!("unknown argument `{arg}`\n\n{usage}");
            std::process::exit(2);
        };
        let value = match args.peek() {
            Some(v) if !v.starts_with("--") => args.next().unwrap_or_default(),
            _ => String::new(),
        };
        out.insert(key.to_owned(), value);
    }
    out
}

/// One labelled sentence: `{"doc": "...", "text": "...", "labels": ["..."]}`.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    pub doc: String,
    pub text: String,
    pub labels: Vec<String>,
}

/// Reads a labelled JSONL file; every label must be in the taxonomy, `other` only alone.
pub fn read_labelled(path: &Path, taxonomy: &Taxonomy) -> Result<Vec<Labelled>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{}:{}", path.display(), i + 1);
        let record: Labelled = serde_json::from_str(line).map_err(|e| format!("{at}: {e}"))?;
        if record.labels.is_empty() {
            return Err(format!("{at}: no labels (use [\"other\"])"));
        }
        if let Some(bad) = record.labels.iter().find(|l| taxonomy.get(l).is_none()) {
            return Err(format!(
                "{at}: unknown label `{bad}`; labels are: {}",
                taxonomy.ids().collect::<Vec<_>>().join(", ")
            ));
        }
        if record.labels.len() > 1 && record.labels.iter().any(|l| l == "other") {
            return Err(format!("{at}: `other` only when no other label applies"));
        }
        out.push(record);
    }
    if out.is_empty() {
        return Err(format!("{}: no labelled sentences", path.display()));
    }
    Ok(out)
}

/// `--data` plus every file of `--add` (comma-separated): the labelled sentences to train on.
/// `--add` is for local sets that may not be redistributed (they never reach a shipped model
/// unless a user trains one on them).
pub fn read_training(
    data: &Path,
    add: Option<&String>,
    taxonomy: &Taxonomy,
) -> Result<(Vec<Labelled>, String), String> {
    let mut records = read_labelled(data, taxonomy)?;
    let mut names = vec![data.display().to_string()];
    for extra in add.into_iter().flat_map(|a| a.split(',')).filter(|a| !a.is_empty()) {
        records.extend(read_labelled(Path::new(extra), taxonomy)?);
        names.push(extra.to_owned());
    }
    Ok((records, names.join(" + ")))
}

/// The stages that run before classify: `segment` and `gazetteer` as configured in a pipeline
/// file, so that the features seen in training are the ones the pipeline will produce. A stage
/// that cannot be built (e.g. its dictionaries are missing) is left out with a warning.
pub struct Preprocess {
    stages: Vec<Box<dyn Stage>>,
    pub description: String,
}

impl Preprocess {
    pub fn from_pipeline(config_path: &Path) -> Self {
        let mut registry = Registry::new();
        zhpipe_segment::register(&mut registry);
        zhpipe_gazetteer::register(&mut registry);
        let mut stages: Vec<Box<dyn Stage>> = Vec::new();
        let mut used = Vec::new();
        match std::fs::read_to_string(config_path)
            .map_err(|e| format!("{}: {e}", config_path.display()))
            .and_then(|text| PipelineConfig::parse(&text, config_path).map_err(|e| e.message()))
        {
            Ok(config) => {
                for entry in config.stages.iter().filter(|e| registry.contains(&e.name)) {
                    match registry.build(entry, &config.base_dir()) {
                        Ok(stage) => {
                            used.push(entry.name.clone());
                            stages.push(stage);
                        }
                        Err(e) => eprintln!("warning: {}: {e}; continuing without it", config_path.display()),
                    }
                }
            }
            Err(e) => eprintln!("warning: {e}; continuing without segmentation and gazetteer"),
        }
        let description = if used.is_empty() { "text only (character bigrams)".to_owned() } else { used.join(" + ") };
        Self { stages, description }
    }

    /// A document holding one labelled sentence, annotated by the stages; the whole text is
    /// one sentence whatever the segmenter's sentence splitter says.
    pub fn document(&self, record: &Labelled) -> Document {
        let mut doc = Document::from_text(record.doc.clone(), record.text.clone());
        for stage in &self.stages {
            if let Err(e) = stage.process(&mut doc) {
                eprintln!("warning: {}: {}: {e}", record.doc, stage.descriptor().name);
            }
        }
        doc.sentences = vec![Span::new(0, doc.text.len())];
        doc.mark_filled(Layers::SENTENCES);
        doc
    }
}

/// Training examples from annotated documents (one sentence each).
pub fn examples<'a>(records: &[Labelled], docs: &'a [Document]) -> Vec<Example<'a>> {
    records
        .iter()
        .zip(docs)
        .map(|(r, d)| Example {
            view: SentenceView::of_document(d).remove(0),
            labels: r.labels.clone(),
            group: r.doc.clone(),
        })
        .collect()
}
