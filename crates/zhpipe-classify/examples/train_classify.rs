//! `cargo xtask train classify [--data FILE] [--add FILES] [--out FILE] [--themes FILE] [--config FILE]`:
//! trains the classify stage's linear model from labelled JSONL and writes the model file.

mod common;

use zhpipe_classify::{Taxonomy, TrainOptions, TrainedModel};

const USAGE: &str = "\
usage: cargo xtask train classify [--data FILE] [--add FILES] [--out FILE] [--themes FILE] [--config FILE]

  --data FILE    labelled JSONL, one {\"doc\", \"text\", \"labels\"} per line
                 (default: corpus/labels/samples.jsonl)
  --add FILES    more labelled JSONL, comma-separated, trained on with --data; a model trained
                 on text that may not be redistributed should be written elsewhere with --out,
                 not over the shipped dictionaries/themes.model
  --out FILE     the model file to write (default: dictionaries/themes.model)
  --themes FILE  the taxonomy the labels must belong to (default: dictionaries/themes.toml)
  --config FILE  the pipeline whose `segment` and `gazetteer` stages prepare the text, so
                 that training sees the words and mentions the pipeline will produce
                 (default: pipeline.toml)";

fn main() {
    let args = common::parse_args(USAGE, &["data", "add", "out", "themes", "config"]);
    if let Err(message) = run(&args) {
        eprintln!("train classify: {message}");
        std::process::exit(1);
    }
}

fn run(args: &std::collections::BTreeMap<String, String>) -> Result<(), String> {
    let data = common::path_or(args.get("data"), "corpus/labels/samples.jsonl");
    let out = common::path_or(args.get("out"), "dictionaries/themes.model");
    let themes = common::path_or(args.get("themes"), "dictionaries/themes.toml");
    let config = common::path_or(args.get("config"), "pipeline.toml");
    let taxonomy = Taxonomy::load(&themes).map_err(|e| e.to_string())?;
    let (records, _) = common::read_training(&data, args.get("add"), &taxonomy)?;
    let preprocess = common::Preprocess::from_pipeline(&config);
    let docs: Vec<_> = records.iter().map(|r| preprocess.document(r)).collect();
    let examples = common::examples(&records, &docs);
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
