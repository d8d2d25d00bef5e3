//! Scores the clean stage against GeneralNewsExtractor's extraction of its test pages.
//!
//! `cargo xtask eval clean DIR [--no-extract]`, where DIR holds the GNE test pages (`163/1.html`, …) and GNE's
//! `result.txt` (blocks of `>>>…tests/<page>>>>…`, a JSON object with `content`, `<<<…`). The
//! pages are third-party content, so they are read from DIR and never copied into the repository.
//!
//! Both texts are reduced to their letters and digits (Han characters included; punctuation,
//! spaces and full-width forms do not count, since GNE does not normalise them), then compared
//! two ways: as bags of characters (precision, recall, F1) and by their longest common
//! subsequence, which also rewards keeping the order. The output of every page is also cleaned a
//! second time, and pages where that changes it are listed. `--no-extract` keeps whole pages
//! (`extract_main = false`), to measure what choosing the article element is worth.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use zhpipe_clean::{Clean, CleanConfig};
use zhpipe_core::{Document, Stage};

/// Precision, recall and F1.
type Scores = (f64, f64, f64);

/// A page, its gold and output lengths in letters, and its bag-of-characters and LCS scores.
type Row = (String, usize, usize, Scores, Scores);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let extract_main = !args.iter().any(|a| a == "--no-extract");
    let Some(dir) = args.iter().find(|a| !a.starts_with("--")).map(PathBuf::from) else {
        eprintln!("usage: eval_clean DIR [--no-extract]  (DIR holds GNE's test pages and result.txt)");
        std::process::exit(2);
    };
    let results = dir.join("result.txt");
    let listing = std::fs::read_to_string(&results).unwrap_or_else(|e| {
        eprintln!("{}: {e}", results.display());
        std::process::exit(2);
    });
    let config = CleanConfig { extract_main, ..CleanConfig::default() };
    let stage = Clean::new(&config, Path::new(".")).expect("the bundled rules compile");
    let mut rows: Vec<Row> = Vec::new();
    let mut not_idempotent = Vec::new();
    for (page, content) in references(&listing, &results) {
        let path = dir.join(page.strip_prefix("tests/").unwrap_or(&page));
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{}: {e}; skipped", path.display());
                continue;
            }
        };
        let mut doc = Document::from_text(page.clone(), String::from_utf8_lossy(&bytes).into_owned());
        stage.process(&mut doc).expect("clean does not fail on text");
        let mut again = Document::from_text(page.clone(), doc.text.clone());
        stage.process(&mut again).expect("clean does not fail on text");
        if again.text != doc.text {
            not_idempotent.push(page.clone());
        }
        let (ours, gold) = (letters(&doc.text), letters(&content));
        rows.push((page, gold.len(), ours.len(), bag_f1(&ours, &gold), lcs_f1(&ours, &gold)));
    }
    if rows.is_empty() {
        eprintln!("{}: no page with a reference was found", results.display());
        std::process::exit(1);
    }
    println!(
        "{:<28} {:>6} {:>7}  {:>5} {:>5} {:>5}  {:>5} {:>5} {:>5}",
        "page", "gold", "ours", "bagP", "bagR", "bagF1", "lcsP", "lcsR", "lcsF1"
    );
    for (page, gold, ours, bag, lcs) in &rows {
        println!(
            "{page:<28} {gold:>6} {ours:>7}  {:>5.3} {:>5.3} {:>5.3}  {:>5.3} {:>5.3} {:>5.3}",
            bag.0, bag.1, bag.2, lcs.0, lcs.1, lcs.2
        );
    }
    let n = rows.len() as f64;
    let mean = |f: &dyn Fn(&Row) -> f64| rows.iter().map(f).sum::<f64>() / n;
    println!(
        "{:<28} {:>6} {:>7}  {:>5.3} {:>5.3} {:>5.3}  {:>5.3} {:>5.3} {:>5.3}",
        format!("mean over {} pages", rows.len()),
        "",
        "",
        mean(&|r| r.3.0),
        mean(&|r| r.3.1),
        mean(&|r| r.3.2),
        mean(&|r| r.4.0),
        mean(&|r| r.4.1),
        mean(&|r| r.4.2)
    );
    if !not_idempotent.is_empty() {
        println!("cleaning the output again changed it for: {}", not_idempotent.join(", "));
    }
}

/// `(page, content)` for every block of `result.txt`.
fn references(listing: &str, path: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = listing.lines();
    while let Some(line) = lines.next() {
        let Some(page) = line.strip_prefix(">>>>").map(|p| p.trim_matches('>').to_owned()) else {
            continue;
        };
        let mut json = String::new();
        for body in lines.by_ref() {
            if body.starts_with("<<<<") {
                break;
            }
            json.push_str(body);
            json.push('\n');
        }
        match serde_json::from_str::<serde_json::Value>(&json) {
            Ok(v) => out.push((page, v["content"].as_str().unwrap_or_default().to_owned())),
            Err(e) => eprintln!("{}: block of {page}: {e}; skipped", path.display()),
        }
    }
    out
}

fn letters(text: &str) -> Vec<char> {
    text.chars()
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            c => c,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn prf(common: usize, ours: usize, gold: usize) -> (f64, f64, f64) {
    let p = if ours == 0 { 0.0 } else { common as f64 / ours as f64 };
    let r = if gold == 0 { 0.0 } else { common as f64 / gold as f64 };
    let f = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
    (p, r, f)
}

fn bag_f1(ours: &[char], gold: &[char]) -> (f64, f64, f64) {
    let mut counts: HashMap<char, i64> = HashMap::new();
    for &c in gold {
        *counts.entry(c).or_default() += 1;
    }
    let mut common = 0;
    for &c in ours {
        if let Some(n) = counts.get_mut(&c).filter(|n| **n > 0) {
            *n -= 1;
            common += 1;
        }
    }
    prf(common, ours.len(), gold.len())
}

/// LCS by the classic dynamic programme, one row at a time.
fn lcs_f1(ours: &[char], gold: &[char]) -> (f64, f64, f64) {
    let mut row = vec![0u32; gold.len() + 1];
    for &a in ours {
        let mut diagonal = 0;
        for (j, &b) in gold.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if a == b { diagonal + 1 } else { above.max(row[j]) };
            diagonal = above;
        }
    }
    prf(row[gold.len()] as usize, ours.len(), gold.len())
}
