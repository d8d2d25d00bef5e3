//! Golden-file checks for tests, shared by every crate.
//!
//! A golden file holds the whole expected output of a test, reviewed by reading it. When the
//! output changes on purpose, `cargo xtask bless` reruns the tests with `ZHPIPE_BLESS=1`, which
//! rewrites the files instead of comparing; `git diff` then shows what changed.

use std::path::Path;

/// Compares `actual` with the file at `path`, or rewrites the file when `ZHPIPE_BLESS` is set.
///
/// Panics with a line-level diff summary when they differ, or when the file is missing.
#[track_caller]
pub fn check_golden(path: impl AsRef<Path>, actual: &str) {
    let path = path.as_ref();
    if std::env::var_os("ZHPIPE_BLESS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask bless` to create it", path.display()));
    if expected == actual {
        return;
    }
    let mut report = String::new();
    let (exp, act): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..exp.len().max(act.len()) {
        let (e, a) = (exp.get(i).copied(), act.get(i).copied());
        if e != a {
            report.push_str(&format!("line {}:\n  expected: {:?}\n  actual:   {:?}\n", i + 1, e, a));
            if report.len() > 4000 {
                report.push_str("  …\n");
                break;
            }
        }
    }
    if report.is_empty() {
        report.push_str("(the files differ only in trailing newlines)\n");
    }
    panic!(
        "{} differs from the actual output; if the change is intended, run `cargo xtask bless` and review `git diff`\n{report}",
        path.display()
    );
}
