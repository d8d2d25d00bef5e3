//! Shared helpers of the criterion benchmarks and of `zhpipe-tools measure`: the benchmark corpus.
//!
//! Benchmarks read their corpus from the directory in `ZHPIPE_BENCH_CORPUS` (any tree of UTF-8
//! text files, e.g. a local copy of a news-transcript collection that may not be redistributed)
//! and fall back to the bundled samples when it is unset, so they run on a fresh clone.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("benches/ has a parent").to_owned()
}

/// The bundled sample documents, as UTF-8 text, in file-name order.
pub fn samples() -> Vec<(String, String)> {
    read_tree(&repo_root().join("corpus/samples"))
}

/// The benchmark corpus concatenated into one string of at least `min_bytes` (repeating it if
/// needed): `ZHPIPE_BENCH_CORPUS` when set, the samples otherwise. Returns the text and a label
/// saying where it came from.
pub fn corpus(min_bytes: usize) -> (String, String) {
    let (docs, label) = match std::env::var_os("ZHPIPE_BENCH_CORPUS") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            (read_tree(&dir), format!("{}", dir.display()))
        }
        None => (samples(), "corpus/samples".to_owned()),
    };
    assert!(!docs.is_empty(), "benchmark corpus {label} holds no UTF-8 text files");
    let mut text = String::new();
    while text.len() < min_bytes.max(1) {
        for (_, doc) in &docs {
            text.push_str(doc);
            text.push('\n');
        }
    }
    (text, label)
}

/// The benchmark corpus as a directory and its files (path, text) in path order:
/// `ZHPIPE_BENCH_CORPUS` when set, the samples otherwise.
pub fn corpus_dir() -> (PathBuf, Vec<(String, String)>) {
    let dir = std::env::var_os("ZHPIPE_BENCH_CORPUS").map_or_else(|| repo_root().join("corpus/samples"), PathBuf::from);
    let files = read_tree(&dir);
    assert!(!files.is_empty(), "benchmark corpus {} holds no UTF-8 text files", dir.display());
    (dir, files)
}

/// `text` in documents of at least `size` bytes (the last may be shorter), cut after a line end:
/// the corpus as a pipeline sees it, one article at a time.
pub fn documents(text: &str, size: usize) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.split_inclusive('\n') {
        let doc = docs.last_mut().expect("never empty");
        doc.push_str(line);
        if doc.len() >= size {
            docs.push(String::new());
        }
    }
    docs.retain(|doc| !doc.is_empty());
    docs
}

fn read_tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            stack.extend(entries.into_iter().rev());
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push((path.display().to_string(), text));
        }
    }
    out
}
