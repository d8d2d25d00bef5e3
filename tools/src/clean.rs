//! `eval clean DIR [--no-extract]`: the clean stage against GeneralNewsExtractor's extraction
//! of its test pages.
//!
//! DIR holds the GNE test pages (`163/1.html`, …) and GNE's `result.txt` (blocks of
//! `>>>…tests/<page>>>>…`, a JSON object with `content`, `<<<…`). The pages are third-party
//! content, so they are read from DIR and never copied into the repository.
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

use crate::common::metrics::{Counts, Prf, mean_prf};
use crate::common::{Result, read_text};

/// `eval clean`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// GNE's test pages and their `result.txt`.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Keep whole pages (`extract_main = false`).
    #[arg(long)]
    pub no_extract: bool,
}

/// A page, its gold and output lengths in letters, and its bag-of-characters and LCS scores.
struct Row {
    page: String,
    gold: usize,
    ours: usize,
    bag: Prf,
    lcs: Prf,
}

/// Runs `eval clean`.
pub fn run(args: &Args) -> Result<()> {
    let results = args.dir.join("result.txt");
    let listing = read_text(&results)?;
    let config = CleanConfig { extract_main: !args.no_extract, ..CleanConfig::default() };
    let stage = Clean::new(&config, Path::new(".")).map_err(|e| e.to_string())?;
    let mut rows: Vec<Row> = Vec::new();
    let mut not_idempotent = Vec::new();
    for (page, content) in references(&listing, &results) {
        let path = args.dir.join(page.strip_prefix("tests/").unwrap_or(&page));
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{}: {e}; skipped", path.display());
                continue;
            }
        };
        let mut doc = Document::from_text(page.clone(), String::from_utf8_lossy(&bytes).into_owned());
        stage.process(&mut doc).map_err(|e| format!("{page}: {e}"))?;
        let mut again = Document::from_text(page.clone(), doc.text.clone());
        stage.process(&mut again).map_err(|e| format!("{page}: {e}"))?;
        if again.text != doc.text {
            not_idempotent.push(page.clone());
        }
        let (ours, gold) = (letters(&doc.text), letters(&content));
        rows.push(Row { page, gold: gold.len(), ours: ours.len(), bag: bag(&ours, &gold), lcs: lcs(&ours, &gold) });
    }
    if rows.is_empty() {
        return Err(format!("{}: no page with a reference was found", results.display()));
    }
    println!(
        "{:<28} {:>6} {:>7}  {:>5} {:>5} {:>5}  {:>5} {:>5} {:>5}",
        "page", "gold", "ours", "bagP", "bagR", "bagF1", "lcsP", "lcsR", "lcsF1"
    );
    let line = |label: &str, gold: &str, ours: &str, bag: Prf, lcs: Prf| {
        println!(
            "{label:<28} {gold:>6} {ours:>7}  {:>5.3} {:>5.3} {:>5.3}  {:>5.3} {:>5.3} {:>5.3}",
            bag.precision, bag.recall, bag.f1, lcs.precision, lcs.recall, lcs.f1
        );
    };
    for row in &rows {
        line(&row.page, &row.gold.to_string(), &row.ours.to_string(), row.bag, row.lcs);
    }
    let bags: Vec<Prf> = rows.iter().map(|r| r.bag).collect();
    let lcss: Vec<Prf> = rows.iter().map(|r| r.lcs).collect();
    line(&format!("mean over {} pages", rows.len()), "", "", mean_prf(&bags), mean_prf(&lcss));
    if !not_idempotent.is_empty() {
        println!("cleaning the output again changed it for: {}", not_idempotent.join(", "));
    }
    Ok(())
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

/// Letters and digits, full-width ASCII folded to half-width.
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

/// The two texts as bags of characters.
fn bag(ours: &[char], gold: &[char]) -> Prf {
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
    Counts { correct: common, predicted: ours.len(), gold: gold.len() }.prf()
}

/// The longest common subsequence, by the classic dynamic programme, one row at a time.
fn lcs(ours: &[char], gold: &[char]) -> Prf {
    let mut row = vec![0u32; gold.len() + 1];
    for &a in ours {
        let mut diagonal = 0;
        for (j, &b) in gold.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if a == b { diagonal + 1 } else { above.max(row[j]) };
            diagonal = above;
        }
    }
    Counts { correct: row[gold.len()] as usize, predicted: ours.len(), gold: gold.len() }.prf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_drop_punctuation_and_fold_width() {
        assert_eq!(letters("北京，Ａ１ b。"), ['北', '京', 'A', '1', 'b']);
    }

    #[test]
    fn bag_and_lcs_by_hand() {
        let ours: Vec<char> = "乙甲丙".chars().collect();
        let gold: Vec<char> = "甲乙丙丁".chars().collect();
        // Bag: 3 in common; P 1, R 3/4, F1 6/7. LCS: 乙丙 or 甲丙, 2; P 2/3, R 1/2, F1 4/7.
        let b = bag(&ours, &gold);
        assert!((b.precision - 1.0).abs() < 1e-12 && (b.recall - 0.75).abs() < 1e-12);
        assert!((b.f1 - 6.0 / 7.0).abs() < 1e-12);
        let l = lcs(&ours, &gold);
        assert!((l.precision - 2.0 / 3.0).abs() < 1e-12 && (l.recall - 0.5).abs() < 1e-12);
        assert!((l.f1 - 4.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn references_read_every_block() {
        let listing = ">>>>>>>>tests/a/1.html>>>>>>>>\n{\"content\": \"正文\"}\n<<<<<<<<\n>>>>b>>>>\nnot json\n<<<<\n";
        assert_eq!(references(listing, Path::new("result.txt")), [("tests/a/1.html".to_owned(), "正文".to_owned())]);
    }
}
