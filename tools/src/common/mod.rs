//! What the tools share: scores ([`metrics`]), labelled sentences ([`labelled`]), the
//! repository's own paths ([`paths`]), and reading files with errors that name them.

pub mod labelled;
pub mod metrics;
pub mod paths;

use std::path::{Path, PathBuf};

/// A tool's failure: a message for the user (the command prints it after its own name).
pub type Result<T> = std::result::Result<T, String>;

/// A UTF-8 file's text; the error names the file.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every file under `root` (or `root` itself when it is a file), in path order, descending into
/// subdirectories.
pub fn walk(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if root.is_file() {
        out.push(root.to_owned());
    } else {
        walk_into(root, &mut out)?;
    }
    Ok(out)
}

fn walk_into(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<std::io::Result<_>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk_into(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_lists_files_in_path_order_and_accepts_a_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        for name in ["b/c/z.txt", "b/a.txt", "a.txt"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let files = walk(dir.path()).unwrap();
        let names: Vec<_> =
            files.iter().map(|p| p.strip_prefix(dir.path()).unwrap().to_string_lossy().replace('\\', "/")).collect();
        assert_eq!(names, ["a.txt", "b/a.txt", "b/c/z.txt"]);
        assert_eq!(walk(&dir.path().join("a.txt")).unwrap(), [dir.path().join("a.txt")]);
        assert!(walk(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn read_text_names_the_file() {
        let message = read_text(Path::new("no/such/file.txt")).unwrap_err();
        assert!(message.starts_with("no/such/file.txt: "), "{message}");
    }
}
