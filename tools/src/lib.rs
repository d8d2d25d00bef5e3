//! zhpipe's tools: scoring every stage against reference data, training the classify stage's
//! model, rebuilding `dictionaries/places.tsv`, and measuring the segment stage, as the
//! subcommands of one binary, `zhpipe-tools` (run through `cargo xtask eval|train|dictionaries`).
//!
//! | subcommand | what it does |
//! | --- | --- |
//! | `eval decode DIR...` | encoding detection accuracy per expected encoding ([`decode`]) |
//! | `eval clean DIR` | the clean stage against GeneralNewsExtractor's extractions ([`clean`]) |
//! | `eval convert DIR` | the native converter against OpenCC's golden outputs ([`convert`]) |
//! | `eval segment DIR` | both segmenters against the SIGHAN 2005 gold standards ([`segment`]) |
//! | `eval gazetteer DIR` | the gazetteer's mentions on an unseen corpus ([`gazetteer`]) |
//! | `eval classify` | both classify models against labelled sentences ([`classify`]) |
//! | `eval ner GOLD.bio` | the ner stage, the gazetteer alone and jieba's tags against BIO gold ([`ner`]) |
//! | `train classify` | trains the classify stage's linear model ([`classify`]) |
//! | `train ner CORPUS` | trains the ner stage's tagger on PKU-tagged or BIO text ([`ner`]) |
//! | `dictionaries DIR` | `dictionaries/places.tsv` from the administrative divisions ([`dictionaries`]) |
//! | `measure segment` | instruction counts and best-of-15 times of segmentation ([`measure`]) |
//!
//! Data that may not be redistributed (test pages, bakeoff gold sets, corpora) is always given
//! as an argument and never read from a fixed place; the defaults point into the repository
//! only ([`common::paths`]).

pub mod classify;
pub mod clean;
pub mod common;
pub mod convert;
pub mod decode;
pub mod dictionaries;
pub mod gazetteer;
pub mod measure;
pub mod ner;
pub mod segment;

use clap::{Parser, Subcommand};

pub use common::Result;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "zhpipe-tools",
    version,
    about = "Evaluation, training, dictionary and measuring tools of zhpipe's stages"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Score a stage against reference data.
    #[command(subcommand)]
    Eval(Eval),
    /// Train a stage's model.
    #[command(subcommand)]
    Train(Train),
    /// Rebuild dictionaries/places.tsv from the administrative-division tables.
    Dictionaries(dictionaries::Args),
    /// Measure a stage beside its bare engine.
    #[command(subcommand)]
    Measure(Measure),
}

/// `eval <stage>`.
#[derive(Debug, Subcommand)]
pub enum Eval {
    /// Detection accuracy per expected encoding over test trees of encoded files.
    Decode(decode::Args),
    /// The clean stage against GeneralNewsExtractor's extraction of its test pages.
    Clean(clean::Args),
    /// The native converter against OpenCC's golden outputs, and its speed on OpenCC's benchmark text.
    Convert(convert::Args),
    /// Both segmenters against the SIGHAN 2005 bakeoff gold standards.
    Segment(segment::Args),
    /// The gazetteer on a corpus its dictionaries were not built from.
    Gazetteer(gazetteer::Args),
    /// Both classify models against hand-labelled sentences: per-label precision, recall, F1.
    Classify(classify::EvalArgs),
    /// The ner stage beside the gazetteer alone and jieba's tags: per-type precision, recall, F1.
    Ner(ner::EvalArgs),
}

/// `train <stage>`.
#[derive(Debug, Subcommand)]
pub enum Train {
    /// Train the classify stage's linear model from labelled JSONL and write the model file.
    Classify(classify::TrainArgs),
    /// Train the ner stage's tagger from PKU-tagged or BIO text and write the model file.
    Ner(ner::TrainArgs),
}

/// `measure <stage>`.
#[derive(Debug, Subcommand)]
pub enum Measure {
    /// The segment stage beside bare jieba: one setting for callgrind, or best-of-15 times.
    Segment(measure::SegmentArgs),
}

impl Command {
    /// The subcommand's name, which prefixes its error messages (`eval classify: ...`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Eval(Eval::Decode(_)) => "eval decode",
            Command::Eval(Eval::Clean(_)) => "eval clean",
            Command::Eval(Eval::Convert(_)) => "eval convert",
            Command::Eval(Eval::Segment(_)) => "eval segment",
            Command::Eval(Eval::Gazetteer(_)) => "eval gazetteer",
            Command::Eval(Eval::Classify(_)) => "eval classify",
            Command::Eval(Eval::Ner(_)) => "eval ner",
            Command::Train(Train::Classify(_)) => "train classify",
            Command::Train(Train::Ner(_)) => "train ner",
            Command::Dictionaries(_) => "dictionaries",
            Command::Measure(Measure::Segment(_)) => "measure segment",
        }
    }

    /// Runs the subcommand, printing its report on standard output.
    pub fn run(&self) -> Result<()> {
        match self {
            Command::Eval(Eval::Decode(args)) => decode::run(args),
            Command::Eval(Eval::Clean(args)) => clean::run(args),
            Command::Eval(Eval::Convert(args)) => convert::run(args),
            Command::Eval(Eval::Segment(args)) => segment::run(args),
            Command::Eval(Eval::Gazetteer(args)) => gazetteer::run(args),
            Command::Eval(Eval::Classify(args)) => classify::eval(args),
            Command::Eval(Eval::Ner(args)) => ner::eval(args),
            Command::Train(Train::Classify(args)) => classify::train(args),
            Command::Train(Train::Ner(args)) => ner::train(args),
            Command::Dictionaries(args) => dictionaries::run(args),
            Command::Measure(Measure::Segment(args)) => measure::segment(args),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
