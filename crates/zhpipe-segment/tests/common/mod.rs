//! Checks shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use zhpipe_core::{Span, Token};

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn terms_dict() -> PathBuf {
    repo().join("dictionaries/terms.dict")
}

/// The bundled samples, in file-name order.
pub(crate) fn samples() -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(repo().join("corpus/samples")).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

/// The layer invariants: sentences and tokens in bounds, on char boundaries, non-empty, in
/// order and not overlapping; every token inside a sentence; sentences and tokens each cover
/// every non-whitespace character. Returns a description of the first violation.
pub(crate) fn check_layers(text: &str, sentences: &[Span], tokens: &[Token]) -> Result<(), String> {
    check_spans(text, sentences, "sentence")?;
    let spans: Vec<Span> = tokens.iter().map(|t| t.span).collect();
    check_spans(text, &spans, "token")?;
    let mut s = 0;
    for t in &spans {
        while s < sentences.len() && sentences[s].end <= t.start {
            s += 1;
        }
        if s == sentences.len() || !sentences[s].contains(*t) {
            return Err(format!("token {t} {:?} is not inside one sentence", &text[t.range()]));
        }
    }
    Ok(())
}

pub(crate) fn check_spans(text: &str, spans: &[Span], what: &str) -> Result<(), String> {
    let mut covered = 0;
    for span in spans {
        if !span.is_valid_in(text) {
            return Err(format!("{what} {span} is out of bounds or off a char boundary"));
        }
        if span.is_empty() {
            return Err(format!("empty {what} at {span}"));
        }
        if span.start < covered {
            return Err(format!("{what} {span} overlaps or precedes the previous one (ending at {covered})"));
        }
        if let Some(c) = text[covered..span.start].chars().find(|c| !c.is_whitespace()) {
            return Err(format!("{c:?} between {covered} and {} is in no {what}", span.start));
        }
        covered = span.end;
    }
    if let Some(c) = text[covered..].chars().find(|c| !c.is_whitespace()) {
        return Err(format!("{c:?} after {covered} is in no {what}"));
    }
    Ok(())
}
