//! `eval gazetteer CORPUS_DIR [--config FILE] [--sample N] [--max-files N] [--common-words RULE]`:
//! the gazetteer on a corpus its dictionaries were not built from.
//!
//! Runs the config's clean, convert and segment stages (those present) and its gazetteer over
//! every UTF-8 file under `CORPUS_DIR`, then prints:
//! - mentions by kind and by dictionary;
//! - the common-word rule: how many common-word matches (和平, 东方, 城区, …) it kept, how and
//!   which, and which it refused;
//! - the token-boundary option: how many mentions it would drop;
//! - a fixed pseudo-random sample of place mentions with their context, to judge by reading
//!   (precision = the share a reader confirms).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize as _;
use zhpipe_core::{Document, MentionRef, Mentions, PipelineConfig, Registry, Stage};
use zhpipe_gazetteer::{CommonWords, Gazetteer, GazetteerConfig, MatchRules};

use crate::common::{Result, paths, read_text, walk};

const PLACE_KINDS: &[&str] =
    &["province", "prefecture", "county", "town", "region", "new_area", "zone", "lake", "country", "city"];

/// `eval gazetteer`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A file or a tree of UTF-8 text files.
    #[arg(value_name = "CORPUS_DIR")]
    pub corpus: PathBuf,
    /// The pipeline whose clean, convert, segment and gazetteer stages run (default: the
    /// repository's pipeline.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How many place mentions to sample for reading.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub sample: usize,
    /// Read only the first N files (in path order).
    #[arg(long, value_name = "N")]
    pub max_files: Option<usize>,
    /// The common-word rule instead of the config's: context, place-token, always or never.
    #[arg(long, value_name = "RULE")]
    pub common_words: Option<String>,
}

/// Runs `eval gazetteer`.
pub fn run(args: &Args) -> Result<()> {
    let config_path = paths::or_in_repo(args.config.as_deref(), "pipeline.toml");
    let (corpus, sample) = (&args.corpus, args.sample);
    let common_words: Option<CommonWords> = args
        .common_words
        .as_ref()
        .map(|w| CommonWords::deserialize(toml::Value::String(w.clone())).map_err(|e| format!("--common-words: {e}")))
        .transpose()?;
    let text = read_text(&config_path)?;
    let config = PipelineConfig::parse(&text, &config_path).map_err(|e| e.to_string())?;
    let base = config_path.parent().unwrap_or(Path::new(".")).to_owned();

    let mut registry = Registry::new();
    zhpipe_clean::register(&mut registry);
    zhpipe_convert::register(&mut registry);
    zhpipe_segment::register(&mut registry);
    let mut before: Vec<Box<dyn Stage>> = Vec::new();
    let mut gazetteer_config = GazetteerConfig::default();
    for entry in &config.stages {
        match entry.name.as_str() {
            "clean" | "convert" | "segment" => before.push(registry.build(entry, &base).map_err(|e| e.to_string())?),
            "gazetteer" => {
                gazetteer_config = GazetteerConfig::deserialize(toml::Value::Table(entry.table.clone()))
                    .map_err(|e| format!("{}: {e}", entry.location()))?;
            }
            _ => {}
        }
    }
    let paths: Vec<PathBuf> = gazetteer_config.dictionaries.iter().map(|p| base.join(p)).collect();
    let (gazetteer, _) =
        Gazetteer::open(&paths, gazetteer_config.compile_options(), None).map_err(|e| e.to_string())?;
    let configured = MatchRules {
        token_boundaries: gazetteer_config.token_boundaries,
        common_words: common_words.unwrap_or(gazetteer_config.common_words),
    };
    let with = |rules: MatchRules| {
        Gazetteer::open(&paths, gazetteer_config.compile_options(), None).map(|(g, _)| g.with_rules(rules))
    };
    let always = with(MatchRules { common_words: CommonWords::Always, ..configured }).map_err(|e| e.to_string())?;
    let never = with(MatchRules { common_words: CommonWords::Never, ..configured }).map_err(|e| e.to_string())?;
    let aligned = with(MatchRules { token_boundaries: true, ..configured }).map_err(|e| e.to_string())?;
    let gazetteer = gazetteer.with_rules(configured);

    let mut files = walk(corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    files.truncate(args.max_files.unwrap_or(usize::MAX));

    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_dictionary: BTreeMap<String, usize> = BTreeMap::new();
    let mut kept_common: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut refused_common: BTreeMap<String, usize> = BTreeMap::new();
    let mut kept_by_token = 0;
    let mut unaligned: BTreeMap<String, usize> = BTreeMap::new();
    let mut dropped_aligned: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut places: Vec<String> = Vec::new();
    let (mut bytes, mut total, mut has_tokens) = (0, 0, false);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let mut doc = Document::from_text(path.display().to_string(), text);
        for stage in &before {
            stage.process(&mut doc).map_err(|e| format!("{}: {}: {e}", path.display(), stage.descriptor().name))?;
        }
        has_tokens |= !doc.tokens.is_empty();
        bytes += doc.text.len();
        let found = gazetteer.find(&doc.text, &doc.tokens);
        total += found.len();
        for m in &found {
            *by_kind.entry(m.kind().to_string()).or_default() += 1;
            *by_dictionary.entry(m.dictionary().to_string()).or_default() += 1;
            if PLACE_KINDS.contains(&m.kind()) {
                places.push(format!("{}\t{}\t{}", m.kind(), m.id(), context(&doc.text, m)));
            }
        }
        let spans = |ms: &Mentions| ms.iter().map(|m| (m.span(), m.id().to_owned())).collect::<Vec<_>>();
        let kept = spans(&found);
        let never_spans = spans(&never.find(&doc.text, &doc.tokens));
        for m in &always.find(&doc.text, &doc.tokens) {
            let key = (m.span(), m.id().to_owned());
            if never_spans.contains(&key) {
                continue;
            }
            let surface = doc.text[m.span().range()].to_owned();
            if kept.contains(&key) {
                let by_token = doc
                    .tokens
                    .iter()
                    .any(|t| t.span == m.span() && t.pos.is_some_and(|p| p.as_str().starts_with("ns")));
                kept_by_token += by_token as usize;
                let (n, examples) = kept_common.entry(surface).or_default();
                *n += 1;
                if examples.len() < 2 {
                    examples.push(context(&doc.text, m));
                }
            } else {
                *refused_common.entry(surface).or_default() += 1;
            }
        }
        // Without tokens the `within-token` short forms are not checked: the difference is
        // what that flag drops.
        for m in &gazetteer.find(&doc.text, &[]) {
            if !kept.contains(&(m.span(), m.id().to_owned())) && !found.iter().any(|f| f.span() == m.span()) {
                let (n, examples) =
                    dropped_aligned.entry(format!("{}/{}", &doc.text[m.span().range()], m.kind())).or_default();
                *n += 1;
                if examples.len() < 2 {
                    examples.push(context(&doc.text, m));
                }
            }
        }
        let aligned_spans = spans(&aligned.find(&doc.text, &doc.tokens));
        for m in &found {
            if !aligned_spans.contains(&(m.span(), m.id().to_owned())) {
                *unaligned.entry(format!("{}/{}", &doc.text[m.span().range()], m.kind())).or_default() += 1;
            }
        }
    }

    println!(
        "corpus: {} ({} files, {:.1} MB after the config's stages before the gazetteer)",
        corpus.display(),
        files.len(),
        bytes as f64 / 1e6
    );
    println!("dictionaries: {} entries, {} surfaces", gazetteer.entry_count(), gazetteer.pattern_count());
    println!("\nmentions: {total}");
    for (kind, n) in &by_kind {
        println!("  {kind:<14} {n}");
    }
    println!("by dictionary:");
    for (dictionary, n) in &by_dictionary {
        println!("  {dictionary:<14} {n}");
    }
    let kept: usize = kept_common.values().map(|(n, _)| n).sum();
    let refused: usize = refused_common.values().sum();
    println!(
        "\ncommon-word surfaces ({:?}): {} matched, {kept} kept ({kept_by_token} of them tagged ns by the segmenter), {refused} refused",
        configured.common_words,
        kept + refused,
    );
    println!("kept (most frequent 60, with up to two contexts):");
    let mut kept_sorted: Vec<_> = kept_common.iter().collect();
    kept_sorted.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    for (surface, (n, examples)) in kept_sorted.iter().take(60) {
        println!("  {n:>5}  {surface}  {}", examples.join("  "));
    }
    println!("refused (most frequent 40):");
    for (what, n) in top(&refused_common, 40) {
        println!("  {n:>5}  {what}");
    }
    if has_tokens {
        let n: usize = dropped_aligned.values().map(|(n, _)| n).sum();
        println!("\nshort forms flagged `within-token` dropped for straddling two tokens: {n}; most frequent 40:");
        let mut sorted: Vec<_> = dropped_aligned.iter().collect();
        sorted.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
        for (what, (n, examples)) in sorted.iter().take(40) {
            println!("  {n:>5}  {what}  {}", examples.join("  "));
        }
        let n: usize = unaligned.values().sum();
        println!("\ntoken_boundaries = true would drop {n} of {total} mentions; most frequent 30:");
        for (what, n) in top(&unaligned, 30) {
            println!("  {n:>5}  {what}");
        }
    } else {
        println!("\n(no tokens: the config has no segment stage)");
    }
    // A fixed pseudo-random sample (xorshift), the same on every run over the same corpus.
    println!("\nsample of {sample} place mentions (kind, id, context) to judge by reading:");
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..sample.min(places.len()) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        println!("  {}", places[(state % places.len() as u64) as usize]);
    }
    Ok(())
}

fn top(counts: &BTreeMap<String, usize>, n: usize) -> Vec<(&String, &usize)> {
    let mut sorted: Vec<_> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    sorted.truncate(n);
    sorted
}

/// Eight characters either side, the mention in brackets.
fn context(text: &str, m: MentionRef<'_>) -> String {
    let before: String = text[..m.span().start].chars().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
    let after: String = text[m.span().end..].chars().take(8).collect();
    format!("{before}[{}]{after}", &text[m.span().range()]).replace(['\n', '\r', '\t'], " ")
}
