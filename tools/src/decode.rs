//! `eval decode DIR [DIR...] [--no-declarations] [--expect LABEL]`: detection accuracy per
//! expected encoding.
//!
//! Each file's expected encoding is the name of its directory (python-chardet's test layout,
//! `Big5/…`, `GB2312/…`) or else its file stem (uchardet's, `zh/gb18030.txt`). GB2312 ⊂ GBK ⊂
//! GB18030 count as one answer, and so do Big5 and its extensions; `ascii` is right for any
//! ASCII-compatible answer; `UTF-16` (with a byte-order mark) is right for either byte order.
//! UTF-32 and ISO-2022-KR are not decoded (no WHATWG decoder exists): a file is right when it is
//! refused with an error naming its encoding. `--expect LABEL` sets the expected encoding of
//! every file (e.g. `--expect windows-1252` for pages that are also byte-valid GBK).
//!
//! `--no-declarations` blanks `charset` and `encoding` in each file's first 1024 bytes before
//! decoding, so that detection alone is measured (most feeds carry an XML declaration).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;
use zhpipe_decode::{Decode, DecodeConfig};

use crate::common::{Result, walk};

/// `eval decode`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Test trees: subdirectories (or file stems) named after the expected encoding, e.g. a
    /// python-chardet or uchardet test tree.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Blank `charset` and `encoding` in each file's first 1024 bytes: detection alone.
    #[arg(long)]
    pub no_declarations: bool,
    /// The expected encoding of every file, whatever its directory or stem.
    #[arg(long, value_name = "LABEL")]
    pub expect: Option<String>,
}

/// Runs `eval decode`.
pub fn run(args: &Args) -> Result<()> {
    let stage = Decode::new(DecodeConfig::default()).map_err(|e| e.to_string())?;
    for dir in &args.dirs {
        let files = walk(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut rows: BTreeMap<String, Row> = BTreeMap::new();
        let mut skipped = 0;
        for path in files {
            let Some(expected) = args.expect.clone().or_else(|| expected_encoding(&path)) else {
                skipped += 1;
                continue;
            };
            let mut bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            if args.no_declarations {
                blank_declarations(&mut bytes);
            }
            let answer = match stage.decode(&bytes) {
                Ok(decoded) => decoded.report.encoding,
                Err(error) => format!("error: {}", error.message()),
            };
            let row = rows.entry(expected.clone()).or_default();
            row.files += 1;
            if is_right(&expected, &answer) {
                row.right += 1;
            } else {
                let short = answer.split(':').next().unwrap_or(&answer).to_owned();
                *row.wrong.entry(short).or_default() += 1;
                row.wrong_files.push(path.file_name().unwrap_or_default().to_string_lossy().into_owned());
            }
        }
        print_table(dir, args.no_declarations, &rows, skipped);
    }
    Ok(())
}

#[derive(Default)]
struct Row {
    files: usize,
    right: usize,
    wrong: BTreeMap<String, usize>,
    wrong_files: Vec<String>,
}

fn print_table(dir: &Path, no_declarations: bool, rows: &BTreeMap<String, Row>, skipped: usize) {
    let mode = if no_declarations { ", declarations removed" } else { "" };
    println!("\n{}{mode}\n", dir.display());
    println!("| expected | files | right | accuracy | wrong answers |");
    println!("| --- | ---: | ---: | ---: | --- |");
    let (mut files, mut right) = (0, 0);
    for (expected, row) in rows {
        let wrong: Vec<String> = row.wrong.iter().map(|(answer, n)| format!("{answer} ×{n}")).collect();
        println!(
            "| {expected} | {} | {} | {:.0}% | {} |",
            row.files,
            row.right,
            100.0 * row.right as f64 / row.files as f64,
            wrong.join(", ")
        );
        files += row.files;
        right += row.right;
    }
    println!("| **all** | {files} | {right} | {:.1}% | |", 100.0 * right as f64 / files.max(1) as f64);
    if skipped > 0 {
        println!("\n{skipped} files skipped: no encoding named by their directory or stem");
    }
    for (expected, row) in rows.iter().filter(|(_, row)| !row.wrong_files.is_empty()) {
        eprintln!("{expected}: wrong on {}", row.wrong_files.join(", "));
    }
}

/// The directory name if it names an encoding, else the file stem if that does.
fn expected_encoding(path: &Path) -> Option<String> {
    let dir = path.parent()?.file_name()?.to_str()?;
    let stem = path.file_stem()?.to_str()?;
    [dir, stem].into_iter().find(|name| names_encoding(name)).map(str::to_owned)
}

fn names_encoding(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    Encoding::for_label(lower.as_bytes()).is_some()
        || matches!(
            lower.as_str(),
            "ascii" | "utf-8-sig" | "euc-tw" | "utf-32" | "utf-32le" | "utf-32be" | "iso-2022-kr"
        )
}

/// The family an encoding name belongs to, for comparing answers.
fn family(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "gb2312" | "gbk" | "gb18030" | "x-gbk" | "cp936" => "GB18030".into(),
        "big5" | "big5-hkscs" | "cp950" => "Big5".into(),
        "utf-8-sig" => "UTF-8".into(),
        "utf-16" => "UTF-16".into(),
        _ => match Encoding::for_label(lower.as_bytes()) {
            Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => e.name().into(),
            Some(e) => family_of_encoding(e),
            None => name.to_owned(),
        },
    }
}

fn family_of_encoding(encoding: &'static Encoding) -> String {
    if encoding == encoding_rs::GBK || encoding == encoding_rs::GB18030 {
        "GB18030".into()
    } else {
        encoding.name().into()
    }
}

fn is_right(expected: &str, answer: &str) -> bool {
    let expected_lower = expected.to_ascii_lowercase();
    if expected_lower.starts_with("utf-32") {
        return answer.starts_with("error") && answer.contains("UTF-32");
    }
    if expected_lower == "iso-2022-kr" {
        return answer.starts_with("error") && answer.contains("ISO-2022-KR");
    }
    if answer.starts_with("error") {
        return false;
    }
    match expected_lower.as_str() {
        "ascii" => Encoding::for_label(answer.as_bytes()).is_some_and(|e| e.is_ascii_compatible()),
        "utf-16" => answer.starts_with("UTF-16"),
        _ => family(expected) == family(answer),
    }
}

/// Makes `charset` and `encoding` unreadable in the declaration window, keeping every offset.
fn blank_declarations(bytes: &mut [u8]) {
    let window = bytes.len().min(1024);
    for word in [&b"charset"[..], b"encoding"] {
        let mut i = 0;
        while i + word.len() <= window {
            if bytes[i..i + word.len()].eq_ignore_ascii_case(word) {
                bytes[i..i + word.len()].fill(b'x');
                i += word.len();
            } else {
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_expected_encodings() {
        assert!(is_right("GB2312", "GBK"));
        assert!(is_right("Big5", "Big5"));
        assert!(is_right("ascii", "windows-1252"));
        assert!(is_right("UTF-16", "UTF-16BE"));
        assert!(is_right("UTF-32LE", "error: UTF-32LE is not supported"));
        assert!(!is_right("GB2312", "Big5"));
        assert!(!is_right("GB2312", "error: x"));
        assert_eq!(expected_encoding(Path::new("t/GB2312/a.xml")).as_deref(), Some("GB2312"));
        assert_eq!(expected_encoding(Path::new("zh/gb18030.txt")).as_deref(), Some("gb18030"));
        assert_eq!(expected_encoding(Path::new("zh/notes.txt")), None);
    }

    #[test]
    fn declarations_are_blanked_in_the_window_only() {
        let mut bytes = b"<?xml encoding=\"gbk\"?><meta charset=gbk>".to_vec();
        let len = bytes.len();
        blank_declarations(&mut bytes);
        assert_eq!(bytes, b"<?xml xxxxxxxx=\"gbk\"?><meta xxxxxxx=gbk>");
        assert_eq!(bytes.len(), len);
        let mut far = vec![b' '; 1030];
        far.extend_from_slice(b"charset");
        blank_declarations(&mut far);
        assert!(far.ends_with(b"charset"));
    }
}
