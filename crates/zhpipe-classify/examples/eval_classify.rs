//! `cargo xtask eval classify [--data FILE] [--add FILES] [--folds K] [--test FILE] [--errors]`:
//! scores both classify models against hand-labelled sentences and prints per-label precision,
//! recall and F1.
//!
//! Without `--test`: cross-validation over `--data` and `--add`, by document (the trained model is
//! retrained without each fold's documents in turn and scored on them; the lexicon has nothing
//! fitted, so it is scored on every sentence as is). Leave one document out by default; with
//! `--folds K` the documents are dealt into K folds, which keeps a set of hundreds of documents
//! quick. With `--test FILE`: the trained model is trained on all of `--data` and `--add` and both
//! models are scored on FILE, sentences neither has seen.

mod common;

use zhpipe_classify::metrics::{Scores, table};
use zhpipe_classify::{Classifier, LexiconModel, SentenceView, Taxonomy, TrainOptions, TrainedModel};

const USAGE: &str = "\
usage: cargo xtask eval classify [--data FILE] [--add FILES] [--folds K] [--test FILE]
                                 [--themes FILE] [--config FILE] [--errors]

  --data FILE    labelled JSONL for training and cross-validation
                 (default: corpus/labels/samples.jsonl)
  --add FILES    more labelled JSONL, comma-separated, added to --data (e.g. local sets that
                 may not be redistributed)
  --folds K      cross-validate in K folds of whole documents instead of leaving one document
                 out at a time
  --test FILE    score models trained on all of --data against this labelled JSONL instead
  --themes FILE  taxonomy and lexicon (default: dictionaries/themes.toml)
  --config FILE  pipeline whose `segment` and `gazetteer` stages prepare the text
                 (default: pipeline.toml)
  --errors       also list every sentence a model got wrong";

fn main() {
    let args = common::parse_args(USAGE, &["data", "add", "folds", "test", "themes", "config", "errors"]);
    if let Err(message) = run(&args) {
        eprintln!("eval classify: {message}");
        std::process::exit(1);
    }
}

fn ids(labels: &[zhpipe_core::Label]) -> Vec<&str> {
    labels.iter().map(|l| l.label.as_str()).collect()
}

fn run(args: &std::collections::BTreeMap<String, String>) -> Result<(), String> {
    let data = common::path_or(args.get("data"), "corpus/labels/samples.jsonl");
    let themes = common::path_or(args.get("themes"), "dictionaries/themes.toml");
    let config = common::path_or(args.get("config"), "pipeline.toml");
    let show_errors = args.contains_key("errors");
    let taxonomy = Taxonomy::load(&themes).map_err(|e| e.to_string())?;
    let lexicon = Classifier::Lexicon(LexiconModel::new(taxonomy.clone()));
    let preprocess = common::Preprocess::from_pipeline(&config);
    let (train_records, data_name) = common::read_training(&data, args.get("add"), &taxonomy)?;
    let folds: Option<usize> = match args.get("folds") {
        None => None,
        Some(k) => Some(
            k.parse()
                .ok()
                .filter(|&k: &usize| k >= 2)
                .ok_or_else(|| format!("--folds {k}: expected a number of folds, at least 2"))?,
        ),
    };
    let train_docs: Vec<_> = train_records.iter().map(|r| preprocess.document(r)).collect();
    let train_examples = common::examples(&train_records, &train_docs);
    let options = TrainOptions { lexicon: Some(taxonomy.clone()), ..TrainOptions::default() };

    let mut lexicon_scores = Scores::new(taxonomy.ids());
    let mut trained_scores = Scores::new(taxonomy.ids());
    let mut errors: Vec<String> = Vec::new();
    let mut note = |model: &str, text: &str, gold: &[&str], predicted: &[&str]| {
        let (mut g, mut p) = (gold.to_vec(), predicted.to_vec());
        g.sort();
        p.sort();
        if show_errors && g != p {
            errors.push(format!("{model}\tgold {}\tgot {}\t{text}", g.join(","), p.join(",")));
        }
    };

    let heading = match args.get("test") {
        None => {
            let mut groups: Vec<&str> = train_records.iter().map(|r| r.doc.as_str()).collect();
            groups.sort_unstable();
            groups.dedup();
            // Documents dealt round-robin in name order: dated files spread over every fold.
            let fold_count = folds.map_or(groups.len(), |k| k.min(groups.len()));
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
            let how = match folds {
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
            let test = std::path::PathBuf::from(test);
            let model = Classifier::Trained(TrainedModel::train(&train_examples, &options));
            let test_records = common::read_labelled(&test, &taxonomy)?;
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
