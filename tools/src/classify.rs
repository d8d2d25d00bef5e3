//! `eval classify` and `train classify`: the classify stage's two models against hand-labelled
//! sentences, and training the linear one.
//!
//! `eval classify [--data FILE] [--add FILES] [--folds K] [--test FILE] [--errors]` prints
//! per-label precision, recall and F1 of both models. Without `--test`: cross-validation over
//! `--data` and `--add`, by document (the trained model is retrained without each fold's
//! documents in turn and scored on them; the lexicon has nothing fitted, so it is scored on every
//! sentence as is). Leave one document out by default; with `--folds K` the documents are dealt
//! into K folds, which keeps a set of hundreds of documents quick. With `--test FILE`: the
//! trained model is trained on all of `--data` and `--add` and both models are scored on FILE,
//! sentences neither has seen.
//!
//! `train classify [--data FILE] [--add FILES] [--out FILE]` trains the linear model and writes
//! the model file.
//!
//! Labelled sentences are the JSONL of [`crate::common::labelled`]; every label must be in the
//! taxonomy, `other` only alone. Text is prepared by the `segment` and `gazetteer` stages of a
//! pipeline file, so that the features seen in training are the ones the pipeline will produce.

use std::path::{Path, PathBuf};

use clap::builder::RangedU64ValueParser;
use zhpipe_classify::metrics::{Scores, table};
use zhpipe_classify::{Classifier, Example, LexiconModel, SentenceView, Taxonomy, TrainOptions, TrainedModel};
use zhpipe_core::{Document, Layers, PipelineConfig, Registry, Span, Stage};

use crate::common::labelled::{self, Labelled};
use crate::common::{Result, paths, read_text};

/// What `eval classify` and `train classify` share.
#[derive(Debug, clap::Args)]
pub struct Inputs {
    /// Labelled JSONL, one {"doc", "text", "labels"} per line (default: corpus/labels/samples.jsonl).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// More labelled JSONL, comma-separated, added to --data (e.g. local sets that may not be
    /// redistributed: a model trained on them belongs elsewhere, written with --out).
    #[arg(long, value_name = "FILES", value_delimiter = ',')]
    pub add: Vec<PathBuf>,
    /// The taxonomy the labels must belong to, and the lexicon (default: dictionaries/themes.toml).
    #[arg(long, value_name = "FILE")]
    pub themes: Option<PathBuf>,
    /// The pipeline whose `segment` and `gazetteer` stages prepare the text (default: pipeline.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `eval classify`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The labelled sentences and the taxonomy they are scored against.
    #[command(flatten)]
    pub inputs: Inputs,
    /// Cross-validate in K folds of whole documents instead of leaving one document out at a time.
    #[arg(long, value_name = "K", value_parser = RangedU64ValueParser::<usize>::new().range(2..))]
    pub folds: Option<usize>,
    /// Score models trained on all of --data against this labelled JSONL instead.
    #[arg(long, value_name = "FILE")]
    pub test: Option<PathBuf>,
    /// Also list every sentence a model got wrong.
    #[arg(long)]
    pub errors: bool,
}

/// `train classify`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// The labelled sentences and the taxonomy they are scored against.
    #[command(flatten)]
    pub inputs: Inputs,
    /// The model file to write (default: dictionaries/themes.model).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The inputs read: taxonomy, labelled sentences and the stages that prepare them.
struct Loaded {
    taxonomy: Taxonomy,
    records: Vec<Labelled>,
    data_name: String,
    preprocess: Preprocess,
}

impl Inputs {
    fn load(&self) -> Result<Loaded> {
        let data = paths::or_in_repo(self.data.as_deref(), "corpus/labels/samples.jsonl");
        let themes = self.themes.clone().unwrap_or_else(|| paths::dictionaries().join("themes.toml"));
        let config = paths::or_in_repo(self.config.as_deref(), "pipeline.toml");
        let taxonomy = Taxonomy::load(&themes).map_err(|e| e.to_string())?;
        let add: Vec<&PathBuf> = self.add.iter().filter(|p| !p.as_os_str().is_empty()).collect();
        let (records, data_name) = labelled::read_all(&data, &add, |r| check_labels(r, &taxonomy))?;
        let preprocess = Preprocess::from_pipeline(&config);
        Ok(Loaded { taxonomy, records, data_name, preprocess })
    }
}

/// Every label in the taxonomy, at least one, `other` only alone.
pub fn check_labels(record: &Labelled, taxonomy: &Taxonomy) -> Result<()> {
    if record.labels.is_empty() {
        return Err("no labels (use [\"other\"])".into());
    }
    if let Some(bad) = record.labels.iter().find(|l| taxonomy.get(l).is_none()) {
        return Err(format!("unknown label `{bad}`; labels are: {}", taxonomy.ids().collect::<Vec<_>>().join(", ")));
    }
    if record.labels.len() > 1 && record.labels.iter().any(|l| l == "other") {
        return Err("`other` only when no other label applies".into());
    }
    Ok(())
}

fn ids(labels: &[zhpipe_core::Label]) -> Vec<&str> {
    labels.iter().map(|l| l.label.as_str()).collect()
}

/// Runs `eval classify`.
pub fn eval(args: &EvalArgs) -> Result<()> {
    let Loaded { taxonomy, records: train_records, data_name, preprocess } = args.inputs.load()?;
    let lexicon = Classifier::Lexicon(LexiconModel::new(taxonomy.clone()));
    let train_docs: Vec<_> = train_records.iter().map(|r| preprocess.document(r)).collect();
    let train_examples = examples(&train_records, &train_docs);
    let options = TrainOptions { lexicon: Some(taxonomy.clone()), ..TrainOptions::default() };

    let mut lexicon_scores = Scores::new(taxonomy.ids());
    let mut trained_scores = Scores::new(taxonomy.ids());
    let mut errors: Vec<String> = Vec::new();
    let mut note = |model: &str, text: &str, gold: &[&str], predicted: &[&str]| {
        let (mut g, mut p) = (gold.to_vec(), predicted.to_vec());
        g.sort();
        p.sort();
        if args.errors && g != p {
            errors.push(format!("{model}\tgold {}\tgot {}\t{text}", g.join(","), p.join(",")));
        }
    };

    let heading = match &args.test {
        None => {
            let mut groups: Vec<&str> = train_records.iter().map(|r| r.doc.as_str()).collect();
            groups.sort_unstable();
            groups.dedup();
            // Documents dealt round-robin in name order: dated files spread over every fold.
            let fold_count = args.folds.map_or(groups.len(), |k| k.min(groups.len()));
            let fold_of = |doc: &str| groups.binary_search(&doc).expect("listed") % fold_count;
            for fold in 0..fold_count {
                let training: Vec<_> = train_examples.iter().filter(|e| fold_of(&e.group) != fold).cloned().collect();
                let model = Classifier::Trained(TrainedModel::train(&training, &options));
                for (record, example) in
                    train_records.iter().zip(&train_examples).filter(|(r, _)| fold_of(&r.doc) == fold)
                {
                    let gold: Vec<&str> = record.labels.iter().map(String::as_str).collect();
                    let predicted = model.classify(&example.view, false);
                    trained_scores.add(&gold, &ids(&predicted));
                    note("trained", &record.text, &gold, &ids(&predicted));
                }
            }
            for (record, example) in train_records.iter().zip(&train_examples) {
                let gold: Vec<&str> = record.labels.iter().map(String::as_str).collect();
                let predicted = lexicon.classify(&example.view, false);
                lexicon_scores.add(&gold, &ids(&predicted));
                note("lexicon", &record.text, &gold, &ids(&predicted));
            }
            let how = match args.folds {
                None => "leave-one-document-out cross-validation".to_owned(),
                Some(_) => format!("{fold_count}-fold cross-validation by document"),
            };
            format!(
                "{how} over {data_name} ({} sentences, {} documents; text prepared by {})",
                train_records.len(),
                groups.len(),
                preprocess.description
            )
        }
        Some(test) => {
            let model = Classifier::Trained(TrainedModel::train(&train_examples, &options));
            let test_records = labelled::read(test, |r| check_labels(r, &taxonomy))?;
            for record in &test_records {
                let doc = preprocess.document(record);
                let view: SentenceView<'_> = SentenceView::of_document(&doc).remove(0);
                let gold: Vec<&str> = record.labels.iter().map(String::as_str).collect();
                let predicted = model.classify(&view, false);
                trained_scores.add(&gold, &ids(&predicted));
                note("trained", &record.text, &gold, &ids(&predicted));
                let predicted = lexicon.classify(&view, false);
                lexicon_scores.add(&gold, &ids(&predicted));
                note("lexicon", &record.text, &gold, &ids(&predicted));
            }
            format!(
                "{} ({} sentences), models trained on {} ({} sentences); text prepared by {}",
                test.display(),
                test_records.len(),
                data_name,
                train_records.len(),
                preprocess.description
            )
        }
    };
    println!("{heading}\n");
    print!("{}", table(&[("lexicon", &lexicon_scores), ("trained", &trained_scores)]));
    for line in errors {
        println!("{line}");
    }
    Ok(())
}

/// Runs `train classify`.
pub fn train(args: &TrainArgs) -> Result<()> {
    let out = args.out.clone().unwrap_or_else(|| paths::dictionaries().join("themes.model"));
    let Loaded { taxonomy, records, preprocess, .. } = args.inputs.load()?;
    let docs: Vec<_> = records.iter().map(|r| preprocess.document(r)).collect();
    let examples = examples(&records, &docs);
    let options = TrainOptions { lexicon: Some(taxonomy.clone()), ..TrainOptions::default() };
    let model = TrainedModel::train(&examples, &options);
    model.save(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let m = model.data();
    println!(
        "{}: {} sentences from {} documents ({}), {} labels, {} features, threshold {:.2}{}",
        out.display(),
        m.trained_on.0,
        m.trained_on.1,
        preprocess.description,
        m.labels.len(),
        m.features.len(),
        m.threshold,
        m.cv_macro_f1.map(|f| format!(" (leave-one-document-out macro-F1 {f:.3})")).unwrap_or_default()
    );
    Ok(())
}

/// The stages that run before classify: `segment` and `gazetteer` as configured in a pipeline
/// file. A stage that cannot be built (e.g. its dictionaries are missing), or a config that
/// cannot be read, is left out with a warning.
pub struct Preprocess {
    stages: Vec<Box<dyn Stage>>,
    /// The stages used, for headings.
    pub description: String,
}

impl Preprocess {
    /// The `segment` and `gazetteer` stages of the pipeline at `config_path`.
    pub fn from_pipeline(config_path: &Path) -> Self {
        let mut registry = Registry::new();
        zhpipe_segment::register(&mut registry);
        zhpipe_gazetteer::register(&mut registry);
        let mut stages: Vec<Box<dyn Stage>> = Vec::new();
        let mut used = Vec::new();
        match read_text(config_path).and_then(|text| PipelineConfig::parse(&text, config_path).map_err(|e| e.message()))
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
fn examples<'a>(records: &[Labelled], docs: &'a [Document]) -> Vec<Example<'a>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_checked_against_the_taxonomy() {
        let taxonomy = Taxonomy::load(&paths::dictionaries().join("themes.toml")).unwrap();
        let record = |labels: &[&str]| Labelled {
            doc: "d".into(),
            text: "t".into(),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        };
        assert!(check_labels(&record(&["relocation"]), &taxonomy).is_ok());
        assert!(check_labels(&record(&[]), &taxonomy).unwrap_err().starts_with("no labels"));
        assert!(check_labels(&record(&["nope"]), &taxonomy).unwrap_err().starts_with("unknown label `nope`"));
        assert!(check_labels(&record(&["relocation", "other"]), &taxonomy).unwrap_err().contains("`other` only"));
    }
}
