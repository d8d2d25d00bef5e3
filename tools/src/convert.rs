//! `eval convert OPENCC_TEST_DIR`: the native backend against OpenCC's golden outputs, and its
//! speed on OpenCC's own benchmark text, from a copy of OpenCC's test data (`golden/` and
//! `benchmark/` of OpenCC's `test/` directory).
//!
//! Fails when any golden output differs.

use std::path::PathBuf;
use std::time::Instant;

use zhpipe_convert::{Converter, Profile};

use crate::common::{Result, read_text};

/// `eval convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A copy of OpenCC's `test/` directory, holding `golden/` and `benchmark/`.
    #[arg(value_name = "OPENCC_TEST_DIR")]
    pub dir: PathBuf,
}

/// Runs `eval convert`.
pub fn run(args: &Args) -> Result<()> {
    let dir = &args.dir;
    let input = read_text(&dir.join("golden/input/us_constitution_zhs.txt"))?;
    let mut failed = Vec::new();
    for profile in [Profile::S2t, Profile::S2tw, Profile::S2twp, Profile::S2hk] {
        let expected = read_text(&dir.join(format!("golden/output/us_constitution_zhs.{}.txt", profile.name())))?;
        let started = Instant::now();
        let converter = Converter::build(profile, false).map_err(|e| format!("{}: {e}", profile.name()))?;
        let built = started.elapsed();
        let actual = converter.convert(&input);
        let lines = expected.lines().count();
        let differing: Vec<(usize, &str, &str)> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .map(|(i, (e, a))| (i + 1, e, a))
            .collect();
        println!(
            "golden {:5}: {} of {lines} lines identical{} (built in {:.0} ms)",
            profile.name(),
            lines - differing.len(),
            if actual == expected { ", whole file identical" } else { "" },
            built.as_secs_f64() * 1e3
        );
        for (line, e, a) in differing.iter().take(5) {
            println!("  line {line}:\n    expected {e}\n    actual   {a}");
        }
        if actual != expected {
            failed.push(profile.name());
        }
    }

    let text = read_text(&dir.join("benchmark/zuozhuan.txt"))?;
    let s2t = Converter::build(Profile::S2t, false).map_err(|e| format!("s2t: {e}"))?;
    let started = Instant::now();
    let rounds = 5;
    let mut out_len = 0;
    for _ in 0..rounds {
        out_len = std::hint::black_box(s2t.convert(&text)).len();
    }
    let seconds = started.elapsed().as_secs_f64() / rounds as f64;
    println!(
        "zuozhuan s2t: {:.1} MB → {:.1} MB in {:.1} ms: {:.0} MB/s",
        text.len() as f64 / 1e6,
        out_len as f64 / 1e6,
        seconds * 1e3,
        text.len() as f64 / 1e6 / seconds
    );
    if failed.is_empty() { Ok(()) } else { Err(format!("golden outputs differ: {}", failed.join(", "))) }
}
