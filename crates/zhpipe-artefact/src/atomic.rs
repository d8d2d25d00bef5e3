//! Whole-or-nothing file writes: a temporary file in the same directory, synced, renamed over
//! the target, and the directory synced.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes the temporary files of one process (threads may write at the same time).
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` so that a reader sees the old file or the new one, never part of
/// one: to a temporary file beside it (`.NAME.PID.N.tmp`), synced to disk, renamed over `path`,
/// and the directory synced so the rename survives a crash. The temporary file is removed when
/// any step fails. The directory must exist.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temporary_path(path);
    let result = OpenOptions::new().write(true).create_new(true).open(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        persist(file, &tmp, path)
    });
    if result.is_err() {
        // Nothing to remove when it was never created (a missing directory).
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Puts `tmp`, written through `file`, in place as `target`: syncs it, renames it over
/// `target` and syncs the directory. For a temporary file its owner writes incrementally
/// (and may keep when this fails, e.g. to resume from it); `tmp` must be in `target`'s
/// directory for the rename to be atomic.
pub fn persist(file: File, tmp: &Path, target: &Path) -> io::Result<()> {
    file.sync_all()?;
    drop(file);
    std::fs::rename(tmp, target)?;
    sync_directory(target);
    Ok(())
}

/// `.NAME.PID.N.tmp` beside `path`: unique among this process's writes and other processes'.
fn temporary_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Makes the rename into `target`'s directory durable.
///
/// Errors are ignored: the rename has already happened, so the new file is in place and whole;
/// what a failure here risks is only that a crash in the next moments brings back the old
/// file. Some file systems refuse to sync a directory (EINVAL on some network and FUSE
/// mounts), and reporting the write as failed there would be wrong. Windows cannot open a
/// directory as a file at all, and its renames are made durable by the file system.
fn sync_directory(target: &Path) {
    #[cfg(unix)]
    {
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = target;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn writes_a_new_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        write_atomically(&path, b"first").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert_eq!(entries(dir.path()), ["a.bin"]);
    }

    #[test]
    fn replaces_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        std::fs::write(&path, b"an older and longer file").unwrap();
        write_atomically(&path, b"second").unwrap();
        write_atomically(&path, b"third").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"third");
        assert_eq!(entries(dir.path()), ["a.bin"]);
    }

    #[test]
    fn fails_in_a_missing_directory_leaving_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("a.bin");
        let err = write_atomically(&path, b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn removes_its_temporary_file_when_the_rename_fails() {
        // A non-empty directory where the file should go: the temporary file is written, the
        // rename over the directory fails.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"").unwrap();
        assert!(write_atomically(&path, b"x").is_err());
        assert_eq!(entries(dir.path()), ["a.bin"]);
        assert_eq!(entries(&path), ["inside"]);
    }

    #[test]
    fn temporary_names_are_unique_and_hidden_beside_the_target() {
        let a = temporary_path(Path::new("out/report.html"));
        let b = temporary_path(Path::new("out/report.html"));
        assert_ne!(a, b);
        assert_eq!(a.parent(), Some(Path::new("out")));
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(&format!(".report.html.{}.", std::process::id())), "{name}");
        assert!(name.ends_with(".tmp"), "{name}");
    }

    #[test]
    fn persist_puts_an_incrementally_written_file_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let (tmp, path) = (dir.path().join(".out.tmp"), dir.path().join("out"));
        let mut file = File::create(&tmp).unwrap();
        file.write_all(b"line 1\n").unwrap();
        file.write_all(b"line 2\n").unwrap();
        persist(file, &tmp, &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"line 1\nline 2\n");
        assert_eq!(entries(dir.path()), ["out"]);
    }

    #[test]
    fn the_directory_of_a_bare_file_name_is_the_current_one() {
        // Only the directory sync looks at the parent; a bare name's parent is "".
        sync_directory(Path::new("no-such-file-needed"));
    }
}
