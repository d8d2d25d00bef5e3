//! `train ner CORPUS [--config FILE] [--output FILE] [--epochs N] [--exclude GOLD.bio]` and
//! `eval ner GOLD.bio [--config FILE] [--model FILE]`: the named-entity stage's model.
//!
//! Both run the config's segment and gazetteer stages over each sentence first, so the model
//! is trained on the same words and dictionary matches it sees in a run. Training reads
//! PKU-tagged text (People's Daily of January 1998, or a user's own text in the same format,
//! see `zhpipe_ner::corpus`), or a BIO file; `.xz` files are read as they are.
//!
//! Evaluation scores exact spans per type (precision, recall, F1) for four systems side by side:
//! the gazetteer alone (its place, organisation and person mentions), jieba's part-of-speech
//! tags read as names (`nr`, `ns`, `nt`), the tagger's own names, and the ner stage after the
//! gazetteer (the mention layer a run writes: the tagger's names merged with the dictionaries').

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use zhpipe_core::{Category, Document, Layers, PipelineConfig, Registry, Span, Stage};
use zhpipe_ner::corpus::{self, Annotated};
use zhpipe_ner::train::{Example, TrainOptions};
use zhpipe_ner::{Entity, EntityType, Model, Ner};

use crate::common::metrics::{Counts, micro};
use crate::common::{Result, paths};

/// `train ner`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// PKU-tagged text (`word/TAG` separated by spaces, one paragraph a line) or a `.bio` file;
    /// `.xz` compressed or not.
    #[arg(value_name = "CORPUS")]
    pub corpus: PathBuf,
    /// The pipeline whose segment and gazetteer stages give the model its word and dictionary
    /// features (default: the repository's pipeline.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where to write the model (default: the repository's dictionaries/ner.model).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Passes over the corpus.
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub epochs: usize,
    /// Features seen fewer times than this are not used.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_count: u32,
    /// A BIO file whose sentences are left out of training wherever the corpus holds them (so
    /// that scoring on it stays honest).
    #[arg(long, value_name = "GOLD")]
    pub exclude: Option<PathBuf>,
}

/// `eval ner`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// A BIO file: one character and its tag a line, a blank line between sentences.
    #[arg(value_name = "GOLD")]
    pub gold: PathBuf,
    /// The pipeline whose segment, gazetteer and ner stages run (default: the repository's
    /// pipeline.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The model to score instead of the config's.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Also write the ner stage's names as a BIO file, to compare with the gold line by line.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The segment and gazetteer stages of a config, and its ner entry.
struct Stages {
    before: Vec<Box<dyn Stage>>,
    ner: Option<zhpipe_core::StageSpec>,
}

fn stages(config: Option<&Path>) -> Result<Stages> {
    let config_path = paths::or_in_repo(config, "pipeline.toml");
    let text = crate::common::read_text(&config_path)?;
    let config = PipelineConfig::parse(&text, &config_path).map_err(|e| e.to_string())?;
    let base = config.base_dir();
    let mut registry = Registry::new();
    zhpipe_segment::register(&mut registry);
    zhpipe_gazetteer::register(&mut registry);
    let mut before = Vec::new();
    let mut ner = None;
    for entry in &config.stages {
        match entry.name.as_str() {
            "segment" | "gazetteer" => before.push(registry.build(entry, &base).map_err(|e| e.to_string())?),
            "ner" => ner = Some(zhpipe_core::StageSpec::new("ner", entry.table.clone(), &base)),
            _ => {}
        }
    }
    if !before.iter().any(|s| s.descriptor().provides.contains(Layers::SENTENCES)) {
        return Err(format!("{}: no segment stage: the model needs its sentences and words", config_path.display()));
    }
    Ok(Stages { before, ner })
}

fn read_corpus(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bytes = if path.extension().is_some_and(|e| e == "xz") {
        let mut out = Vec::new();
        lzma_rs::xz_decompress(&mut bytes.as_slice(), &mut out)
            .map_err(|e| format!("{}: not xz: {e}", path.display()))?;
        out
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|e| format!("{}: not UTF-8: {e}", path.display()))
}

fn read_annotated(path: &Path) -> Result<Vec<Annotated>> {
    let text = read_corpus(path)?;
    let name = path.to_string_lossy();
    let bio = name.ends_with(".bio") || name.ends_with(".bio.xz");
    let read = if bio { corpus::read_bio(&text) } else { corpus::read_pku(&text) };
    read.map_err(|e| format!("{}: {e}", path.display()))
}

/// A document of one annotated sentence after the stages before ner.
fn prepared(stages: &Stages, sentence: &Annotated) -> Result<Document> {
    let mut doc = Document::from_text("sentence", sentence.text.clone());
    for stage in &stages.before {
        stage.process(&mut doc).map_err(|e| format!("{}: {e}", stage.descriptor().name))?;
        doc.mark_filled(stage.descriptor().provides);
    }
    Ok(doc)
}

/// Character index of every byte offset that starts a character (and of the end).
fn char_index(text: &str) -> impl Fn(usize) -> usize + '_ {
    move |byte| text[..byte].chars().count()
}

/// Runs `train ner`.
pub fn train(args: &TrainArgs) -> Result<()> {
    let started = Instant::now();
    let mut annotated = read_annotated(&args.corpus)?;
    let read = annotated.len();
    let mut excluded = String::new();
    if let Some(gold) = &args.exclude {
        let held: BTreeSet<String> = read_annotated(gold)?.into_iter().map(|s| s.text).collect();
        annotated.retain(|a| !held.iter().any(|h| h.chars().count() >= 8 && a.text.contains(h.as_str())));
        let name = gold.file_name().map_or_else(|| gold.display().to_string(), |n| n.to_string_lossy().into_owned());
        println!("left out {} paragraphs that hold a sentence of {}", read - annotated.len(), gold.display());
        excluded = format!("; paragraphs holding a sentence of {name} left out: {}", read - annotated.len());
    }
    let stages = stages(args.config.as_deref())?;
    let mut examples = Vec::new();
    let (mut names, mut cut) = (0usize, 0usize);
    for a in &annotated {
        let doc = prepared(&stages, a)?;
        let chars = char_index(&doc.text);
        for view in zhpipe_ner::sentences(&doc) {
            let (from, to) = (chars(view.span.start), chars(view.span.end));
            let inside: Vec<Entity> = a
                .entities
                .iter()
                .filter(|e| e.start >= from && e.end <= to)
                .map(|e| Entity { start: e.start - from, end: e.end - from, ty: e.ty })
                .collect();
            cut +=
                a.entities.iter().filter(|e| e.start < to && e.end > from && !(e.start >= from && e.end <= to)).count();
            names += inside.len();
            let gold = zhpipe_ner::encode(&inside, view.sentence.len());
            examples.push(Example { sentence: view.sentence, gold });
        }
    }
    let chars: usize = examples.iter().map(|e| e.gold.len()).sum();
    println!(
        "{} paragraphs, {} sentences, {chars} characters, {names} names ({cut} across a sentence break, left out); features ready in {:.1} s",
        annotated.len(),
        examples.len(),
        started.elapsed().as_secs_f64()
    );
    let corpus_name =
        args.corpus.file_name().map_or_else(|| args.corpus.display().to_string(), |n| n.to_string_lossy().into_owned());
    let options = TrainOptions {
        epochs: args.epochs,
        min_count: args.min_count,
        about: format!(
            "averaged perceptron, BIOES over PER/LOC/ORG; trained on {corpus_name} ({} sentences, {chars} characters), {} epochs, min_count {}{excluded}",
            examples.len(),
            args.epochs,
            args.min_count
        ),
        ..TrainOptions::default()
    };
    let model = zhpipe_ner::train::train(&examples, &options, |r| {
        println!(
            "epoch {:>2}: {:.2}% of characters mistagged ({:.1} s)",
            r.epoch,
            100.0 * r.wrong as f64 / r.chars.max(1) as f64,
            started.elapsed().as_secs_f64()
        );
    });
    let output = args.output.clone().unwrap_or_else(|| paths::dictionaries().join("ner.model"));
    let bytes = model.to_bytes();
    zhpipe_artefact::write_atomically(&output, &bytes).map_err(|e| format!("{}: {e}", output.display()))?;
    println!(
        "{}: {} features, {} bytes ({:.1} s in all)",
        output.display(),
        model.features(),
        bytes.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn entity_type(category: Category) -> Option<EntityType> {
    match category {
        Category::Person => Some(EntityType::Person),
        Category::Place => Some(EntityType::Place),
        Category::Organisation => Some(EntityType::Organisation),
        _ => None,
    }
}

type Spans = BTreeSet<(usize, usize, EntityType)>;

fn mention_spans(doc: &Document) -> Spans {
    let chars = char_index(&doc.text);
    doc.mentions
        .iter()
        .filter_map(|m| entity_type(m.names().category).map(|t| (chars(m.span().start), chars(m.span().end), t)))
        .collect()
}

fn tag_spans(doc: &Document) -> Spans {
    let chars = char_index(&doc.text);
    let mut out = Spans::new();
    let mut open: Option<(Span, EntityType)> = None;
    for t in &doc.tokens {
        let ty = match t.pos.as_ref().map(|p| p.as_str()) {
            Some("nr" | "nrfg" | "nrt") => Some(EntityType::Person),
            Some("ns") => Some(EntityType::Place),
            Some("nt") => Some(EntityType::Organisation),
            _ => None,
        };
        // Surname and given name tagged apart are one name, as in the gold.
        if let (Some((span, EntityType::Person)), Some(EntityType::Person)) = (open, ty)
            && span.end == t.span.start
        {
            open = Some((Span::new(span.start, t.span.end), EntityType::Person));
            continue;
        }
        if let Some((span, ty)) = open.take() {
            out.insert((chars(span.start), chars(span.end), ty));
        }
        open = ty.map(|ty| (t.span, ty));
    }
    if let Some((span, ty)) = open {
        out.insert((chars(span.start), chars(span.end), ty));
    }
    out
}

fn score(counts: &mut [Counts; 3], gold: &Spans, found: &Spans) {
    for (i, ty) in EntityType::ALL.into_iter().enumerate() {
        let g: BTreeSet<_> = gold.iter().filter(|s| s.2 == ty).collect();
        let f: BTreeSet<_> = found.iter().filter(|s| s.2 == ty).collect();
        counts[i].gold += g.len();
        counts[i].predicted += f.len();
        counts[i].correct += g.intersection(&f).count();
    }
}

/// The spans as entities, longest first where they overlap (a BIO file holds no overlaps).
fn disjoint(spans: &Spans) -> Vec<Entity> {
    let mut by_length: Vec<_> = spans.iter().collect();
    by_length.sort_by_key(|s| std::cmp::Reverse(s.1 - s.0));
    let mut kept: Vec<Entity> = Vec::new();
    for &(start, end, ty) in by_length {
        if kept.iter().all(|e| e.end <= start || end <= e.start) {
            kept.push(Entity { start, end, ty });
        }
    }
    kept.sort();
    kept
}

/// Runs `eval ner`.
pub fn eval(args: &EvalArgs) -> Result<()> {
    let gold = read_annotated(&args.gold)?;
    let stages = stages(args.config.as_deref())?;
    let model_path = match (&args.model, &stages.ner) {
        (Some(path), _) => path.clone(),
        (None, Some(spec)) => match spec.table().get("model").and_then(|v| v.as_str()) {
            Some(path) => spec.resolve(path),
            None => paths::dictionaries().join("ner.model"),
        },
        (None, None) => paths::dictionaries().join("ner.model"),
    };
    let setting = |key: &str| stages.ner.as_ref().and_then(|s| s.table().get(key)).and_then(|v| v.as_bool());
    let (overlapping, token_boundaries) = (setting("overlapping"), setting("token_boundaries"));
    let started = Instant::now();
    let model = Model::load(&model_path).map_err(|e| e.to_string())?;
    println!(
        "model {}: {} features, loaded in {:.0} ms",
        model_path.display(),
        model.features(),
        started.elapsed().as_secs_f64() * 1e3
    );
    println!("  {}", model.about());
    let ner = Ner::new(model, overlapping.unwrap_or(false)).with_token_boundaries(token_boundaries.unwrap_or(true));
    let systems = ["gazetteer alone", "jieba POS tags", "ner tagger alone", "ner stage"];
    let mut counts = [[Counts::default(); 3]; 4];
    let mut predicted = Vec::new();
    for sentence in &gold {
        let spans: Spans = sentence.entities.iter().map(|e| (e.start, e.end, e.ty)).collect();
        let mut doc = prepared(&stages, sentence)?;
        score(&mut counts[0], &spans, &mention_spans(&doc));
        score(&mut counts[1], &spans, &tag_spans(&doc));
        let tagged: Spans = {
            let chars = char_index(&doc.text);
            ner.find(&doc).into_iter().map(|(s, ty)| (chars(s.start), chars(s.end), ty)).collect()
        };
        score(&mut counts[2], &spans, &tagged);
        ner.process(&mut doc).map_err(|e| e.to_string())?;
        let found = mention_spans(&doc);
        score(&mut counts[3], &spans, &found);
        if args.output.is_some() {
            let entities = disjoint(&found);
            predicted.push(Annotated { text: sentence.text.clone(), entities });
        }
    }
    if let Some(path) = &args.output {
        std::fs::write(path, corpus::write_bio(&predicted)).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let names: usize = gold.iter().map(|s| s.entities.len()).sum();
    println!("{}: {} sentences, {names} names; exact spans\n", args.gold.display(), gold.len());
    println!("| system | type | precision | recall | F1 |\n| --- | --- | ---: | ---: | ---: |");
    for (system, by_type) in systems.iter().zip(&counts) {
        for (ty, c) in EntityType::ALL.iter().zip(by_type) {
            println!("| {system} | {ty} | {:.3} | {:.3} | {:.3} |", c.precision(), c.recall(), c.f1());
        }
        let all = micro(by_type);
        println!("| {system} | all | {:.3} | {:.3} | **{:.3}** |", all.precision(), all.recall(), all.f1());
    }
    Ok(())
}
