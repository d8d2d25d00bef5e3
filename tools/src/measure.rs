//! `measure segment [SETTING] [FILE]`: the segment stage beside bare jieba on one text,
//! measured two ways a shared, noisy machine cannot blur: instruction counts and best-of-many
//! times.
//!
//! - `measure segment SETTING [FILE]` runs one setting once, for callgrind to count:
//!   `cargo build --release -p zhpipe-tools`, then
//!   `valgrind --tool=callgrind --toggle-collect='*measured*' target/release/zhpipe-tools measure segment SETTING [FILE]`.
//!   Settings: `cut`, `tag`, `untagged`, `tagged` (a new stage, its memo empty),
//!   `tagged-warm` (the memo filled by a first pass, not counted); `-nohmm` after any of them
//!   turns the HMM off.
//! - `measure segment time [FILE]` (the default) runs bare `cut` and `tag` over the whole text,
//!   `cut` over it in documents of 8 KiB (as `benches/segment.rs` does), and the stage untagged
//!   over the whole text and over the documents, tagged with a warm memo and tagged with a new
//!   stage, over the documents: 15 interleaved rounds, each one's best time; `time-nohmm` with
//!   the HMM off.
//!
//! FILE is a UTF-8 text; by default, the benchmark corpus (`ZHPIPE_BENCH_CORPUS`, else the
//! samples) repeated to 1 MiB, as in `benches/segment.rs`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use jieba_rs::Jieba;
use zhpipe_segment::{Segment, SegmentConfig};

use crate::common::{Result, read_text};

/// The settings of `measure segment`.
pub const SETTINGS: &[&str] = &[
    "time",
    "time-nohmm",
    "cut",
    "cut-nohmm",
    "tag",
    "tag-nohmm",
    "untagged",
    "untagged-nohmm",
    "tagged",
    "tagged-nohmm",
    "tagged-warm",
    "tagged-warm-nohmm",
];

/// `measure segment`.
#[derive(Debug, clap::Args)]
pub struct SegmentArgs {
    /// `time` (best-of-15 times of every setting) or one setting, run once for callgrind.
    #[arg(value_name = "SETTING", default_value = "time", value_parser = clap::builder::PossibleValuesParser::new(SETTINGS))]
    pub setting: String,
    /// A UTF-8 text (default: the benchmark corpus repeated to 1 MiB).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// What callgrind counts (`--toggle-collect='*measured*'`): `f` and nothing of the setup.
#[inline(never)]
fn measured(f: &dyn Fn() -> usize) -> usize {
    f()
}

type Run<'a> = (&'a str, Box<dyn Fn() -> usize + 'a>);

/// Runs `measure segment`.
pub fn segment(args: &SegmentArgs) -> Result<()> {
    let setting = args.setting.as_str();
    let text = match &args.file {
        Some(path) => read_text(path)?,
        None => zhpipe_benches::corpus(1 << 20).0,
    };
    let jieba = Jieba::new();
    // jieba's tagging model loads on first use: not part of what is measured.
    let warm_up = text.char_indices().nth(5000).map_or(text.len(), |(i, _)| i);
    jieba.tag(&text[..warm_up], true);
    let hmm = !setting.ends_with("-nohmm");
    let stage = |tags| Segment::with_jieba(jieba.clone(), &SegmentConfig { hmm, tags, ..SegmentConfig::default() });
    if setting.trim_end_matches("-nohmm") == "time" {
        let untagged = stage(false);
        let tagged = stage(true);
        let docs = zhpipe_benches::documents(&text, 8 << 10);
        let per_doc = |stage: &Segment| docs.iter().map(|doc| stage.segment(doc).1.len()).sum();
        let runs: Vec<Run> = vec![
            ("cut", Box::new(|| jieba.cut(&text, hmm).len())),
            ("cut-docs", Box::new(|| docs.iter().map(|doc| jieba.cut(doc, hmm).len()).sum())),
            ("tag", Box::new(|| jieba.tag(&text, hmm).len())),
            ("untagged", Box::new(|| untagged.segment(&text).1.len())),
            ("untagged-docs", Box::new(|| per_doc(&untagged))),
            ("tagged-docs", Box::new(|| per_doc(&tagged))),
            ("tagged-cold-docs", Box::new(|| per_doc(&stage(true)))),
        ];
        let mut best = vec![f64::MAX; runs.len()];
        for _ in 0..15 {
            for ((_, run), best) in runs.iter().zip(&mut best) {
                let start = Instant::now();
                black_box(run());
                *best = best.min(start.elapsed().as_secs_f64());
            }
        }
        for ((name, _), best_time) in runs.iter().zip(&best) {
            let mib_s = text.len() as f64 / best_time / f64::from(1 << 20);
            println!(
                "{name:16} {mib_s:6.1} MiB/s  {:.3} of cut  {:.3} of cut-docs",
                best[0] / best_time,
                best[1] / best_time
            );
        }
        return Ok(());
    }
    let tokens = match setting.trim_end_matches("-nohmm") {
        "cut" => measured(&|| jieba.cut(&text, hmm).len()),
        "tag" => measured(&|| jieba.tag(&text, hmm).len()),
        "untagged" => {
            let stage = stage(false);
            measured(&|| stage.segment(&text).1.len())
        }
        "tagged" => {
            let stage = stage(true);
            measured(&|| stage.segment(&text).1.len())
        }
        "tagged-warm" => {
            let stage = stage(true);
            stage.segment(&text);
            measured(&|| stage.segment(&text).1.len())
        }
        other => return Err(format!("unknown setting {other}; settings: {}", SETTINGS.join(", "))),
    };
    println!("{setting}: {tokens} tokens over {} bytes", text.len());
    Ok(())
}
