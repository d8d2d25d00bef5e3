//! Files compiled into the binary, read through the same call as files on disk.
//!
//! The `zhpipe` binary carries its default pipeline and everything it names (dictionaries,
//! cleaning rules, themes, the trained model), so that it runs on a machine that has nothing
//! else. They live under the virtual directory [`ROOT`]: a config read from there resolves its
//! relative paths against it like any config against its own directory, and every stage reads
//! its files through [`read`], which serves paths under [`ROOT`] from memory and every other
//! path from disk. A stage does not know, and need not know, which one it got.

use std::borrow::Cow;
use std::io;
use std::path::{Component, Path};
use std::sync::OnceLock;

/// The virtual directory of the bundled files. It is a relative path with characters no
/// shipped file name has, so it cannot be mistaken for a real directory in practice; a real
/// directory of that name is shadowed.
pub const ROOT: &str = "<bundled>";

/// A set of bundled files: paths relative to [`ROOT`] (with `/`) and their bytes.
pub type Files = &'static [(&'static str, &'static [u8])];

static FILES: OnceLock<Files> = OnceLock::new();

/// Installs the bundled files, once per process; a second call with other files is ignored
/// (returns `false`), so that one process never sees two versions of a bundled file.
pub fn install(files: Files) -> bool {
    FILES.set(files).is_ok() || std::ptr::eq(*FILES.get().expect("set"), files)
}

/// The path relative to [`ROOT`] (with `/` separators) when `path` is under it.
fn bundled_name(path: &Path) -> Option<String> {
    let mut components = path.components().filter(|c| !matches!(c, Component::CurDir));
    if components.next()? != Component::Normal(ROOT.as_ref()) {
        return None;
    }
    let mut name = String::new();
    for component in components {
        let Component::Normal(part) = component else { return None };
        if !name.is_empty() {
            name.push('/');
        }
        name.push_str(part.to_str()?);
    }
    Some(name)
}

/// Whether `path` names a bundled file or directory rather than one on disk.
pub fn is_bundled(path: &Path) -> bool {
    bundled_name(path).is_some()
}

/// The bytes of `path`: from the bundle when it is under [`ROOT`], else from disk.
pub fn read(path: &Path) -> io::Result<Cow<'static, [u8]>> {
    let Some(name) = bundled_name(path) else { return std::fs::read(path).map(Cow::Owned) };
    FILES
        .get()
        .and_then(|files| files.iter().find(|(file, _)| *file == name))
        .map(|(_, bytes)| Cow::Borrowed(*bytes))
        .ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("{name} is not among the files built into zhpipe"))
        })
}

/// The text of `path`, which must be UTF-8: from the bundle or from disk, as [`read`].
pub fn read_to_string(path: &Path) -> io::Result<Cow<'static, str>> {
    match read(path)? {
        Cow::Borrowed(bytes) => {
            std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
        }
        Cow::Owned(bytes) => {
            String::from_utf8(bytes).map(Cow::Owned).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_paths_are_served_from_memory_and_others_from_disk() {
        static FILES: Files = &[("dictionaries/a.tsv", b"id\tname\n")];
        assert!(install(FILES));
        assert!(install(FILES), "installing the same files again is harmless");
        let path = Path::new(ROOT).join("dictionaries/a.tsv");
        assert!(is_bundled(&path));
        assert!(matches!(read(&path).unwrap(), Cow::Borrowed(b"id\tname\n")));
        assert_eq!(read_to_string(Path::new("./<bundled>/dictionaries/a.tsv")).unwrap(), "id\tname\n");
        let missing = read(&Path::new(ROOT).join("dictionaries/b.tsv")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        assert!(missing.to_string().contains("dictionaries/b.tsv is not among the files built into zhpipe"));
        assert!(!is_bundled(Path::new("dictionaries/a.tsv")));
        let dir = std::env::temp_dir().join(format!("zhpipe-bundle-{}", std::process::id()));
        std::fs::write(&dir, "disk").unwrap();
        assert!(matches!(read(&dir).unwrap(), Cow::Owned(ref bytes) if bytes == b"disk"));
        std::fs::remove_file(&dir).unwrap();
    }
}
