//! Labelled JSONL: one sentence a line, `{"doc": "...", "text": "...", "labels": ["..."]}`.
//!
//! Every error names the file and the line (`labels.jsonl:3: ...`); blank lines are skipped.

use std::path::Path;

use super::{Result, read_text};

/// One labelled sentence.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    /// The document the sentence comes from (cross-validation keeps a document's sentences
    /// together).
    pub doc: String,
    /// The sentence.
    pub text: String,
    /// Its label ids.
    pub labels: Vec<String>,
}

/// Reads a labelled JSONL file. `check` sees every record and refuses it with a message, which
/// is given the file and line; a file without any record is an error too.
pub fn read(path: &Path, check: impl Fn(&Labelled) -> Result<()>) -> Result<Vec<Labelled>> {
    parse(&read_text(path)?, path, check)
}

/// [`read`] on text already read from `path`.
pub fn parse(text: &str, path: &Path, check: impl Fn(&Labelled) -> Result<()>) -> Result<Vec<Labelled>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |message: &dyn std::fmt::Display| format!("{}:{}: {message}", path.display(), i + 1);
        let record: Labelled = serde_json::from_str(line).map_err(|e| at(&e))?;
        check(&record).map_err(|e| at(&e))?;
        out.push(record);
    }
    if out.is_empty() {
        return Err(format!("{}: no labelled sentences", path.display()));
    }
    Ok(out)
}

/// `data` and then every file of `add`: the labelled sentences of several files, and their
/// names joined by ` + ` for headings.
pub fn read_all(
    data: &Path,
    add: &[impl AsRef<Path>],
    check: impl Fn(&Labelled) -> Result<()>,
) -> Result<(Vec<Labelled>, String)> {
    let mut records = read(data, &check)?;
    let mut names = vec![data.display().to_string()];
    for extra in add {
        records.extend(read(extra.as_ref(), &check)?);
        names.push(extra.as_ref().display().to_string());
    }
    Ok((records, names.join(" + ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(_: &Labelled) -> Result<()> {
        Ok(())
    }

    #[test]
    fn reads_records_and_skips_blank_lines() {
        let text = "{\"doc\": \"a\", \"text\": \"甲\", \"labels\": [\"x\"]}\n\n{\"doc\": \"b\", \"text\": \"乙\", \"labels\": []}\n";
        let records = parse(text, Path::new("l.jsonl"), accept).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0], Labelled { doc: "a".into(), text: "甲".into(), labels: vec!["x".into()] });
        assert!(records[1].labels.is_empty());
    }

    #[test]
    fn errors_name_the_file_and_the_line() {
        let good = "{\"doc\": \"a\", \"text\": \"甲\", \"labels\": [\"x\"]}";
        let message =
            parse(&format!("{good}\n\n{{\"doc\": \"a\", \"text\": 3}}\n"), Path::new("l.jsonl"), accept).unwrap_err();
        assert!(message.starts_with("l.jsonl:3: invalid type"), "{message}");
        let message = parse(
            &format!("{good}\n{{\"doc\": \"a\", \"text\": \"t\", \"labels\": [], \"x\": 1}}"),
            Path::new("l.jsonl"),
            accept,
        )
        .unwrap_err();
        assert!(message.starts_with("l.jsonl:2: unknown field `x`"), "{message}");
        let refuse_x = |r: &Labelled| if r.labels == ["x"] { Err("no x".to_owned()) } else { Ok(()) };
        assert_eq!(parse(good, Path::new("l.jsonl"), refuse_x).unwrap_err(), "l.jsonl:1: no x");
        assert_eq!(parse("\n  \n", Path::new("l.jsonl"), accept).unwrap_err(), "l.jsonl: no labelled sentences");
    }
}
