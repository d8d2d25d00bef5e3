//! Checks the native backend against OpenCC's golden outputs and measures it on OpenCC's own
//! benchmark text, from a copy of OpenCC's test data (`golden/` and `benchmark/` of OpenCC's
//! `test/` directory).
//!
//! ```sh
//! cargo xtask eval convert /path/to/opencc-test-data
//! ```

use std::path::PathBuf;
use std::time::Instant;

use zhpipe_convert::{Converter, Profile};

fn main() {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: eval_convert OPENCC_TEST_DIR (holding golden/ and benchmark/)");
        std::process::exit(2);
    };
    let read = |path: PathBuf| {
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1);
        })
    };

    let input = read(dir.join("golden/input/us_constitution_zhs.txt"));
    let mut failed = false;
    for profile in [Profile::S2t, Profile::S2tw, Profile::S2twp, Profile::S2hk] {
        let expected = read(dir.join(format!("golden/output/us_constitution_zhs.{}.txt", profile.name())));
        let started = Instant::now();
        let converter = Converter::build(profile, false).expect("profile builds");
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
        failed |= actual != expected;
    }

    let text = read(dir.join("benchmark/zuozhuan.txt"));
    let s2t = Converter::build(Profile::S2t, false).expect("s2t builds");
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
    if failed {
        std::process::exit(1);
    }
}
