//! The one error type of this crate: a dictionary or compiled form that cannot be used.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why a gazetteer could not be built or loaded.
///
/// Dictionary problems always name the file and, when one line is at fault, the line
/// (`dictionaries/places.tsv:12: …`); a problem of the whole file names the file alone
/// (`dictionaries/places.tsv: holds no entries …`).
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
}

#[derive(Debug)]
enum ErrorKind {
    Dictionary { path: PathBuf, line: usize, message: String },
    DictionaryFile { path: PathBuf, message: String },
    Io { path: PathBuf, source: std::io::Error },
    Compiled { message: String },
    Artefact(zhpipe_artefact::ArtefactError),
    Engine { message: String },
}

impl Error {
    pub(crate) fn dictionary(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Dictionary { path: path.to_owned(), line, message: message.into() } }
    }

    pub(crate) fn dictionary_file(path: &Path, message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::DictionaryFile { path: path.to_owned(), message: message.into() } }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self { kind: ErrorKind::Io { path: path.to_owned(), source } }
    }

    pub(crate) fn compiled(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Compiled { message: message.into() } }
    }

    pub(crate) fn artefact(e: zhpipe_artefact::ArtefactError) -> Self {
        Self { kind: ErrorKind::Artefact(e) }
    }

    pub(crate) fn engine(message: impl fmt::Display) -> Self {
        Self { kind: ErrorKind::Engine { message: message.to_string() } }
    }

    /// The dictionary file and 1-based line at fault, for errors in a dictionary.
    pub fn location(&self) -> Option<(&Path, usize)> {
        match &self.kind {
            ErrorKind::Dictionary { path, line, .. } => Some((path, *line)),
            _ => None,
        }
    }

    /// The dictionary file at fault, for errors in a dictionary or in reading one.
    pub fn path(&self) -> Option<&Path> {
        match &self.kind {
            ErrorKind::Dictionary { path, .. }
            | ErrorKind::DictionaryFile { path, .. }
            | ErrorKind::Io { path, .. } => Some(path),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Dictionary { path, line, message } => {
                write!(f, "{}:{line}: {message}", path.display())
            }
            ErrorKind::DictionaryFile { path, message } => write!(f, "{}: {message}", path.display()),
            ErrorKind::Io { path, source } => write!(f, "{}: {source}", path.display()),
            ErrorKind::Compiled { message } => write!(f, "compiled gazetteer: {message}"),
            // Names the compiled gazetteer itself ("truncated compiled gazetteer: …").
            ErrorKind::Artefact(e) => e.fmt(f),
            ErrorKind::Engine { message } => write!(f, "building the automaton: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io { source, .. } => Some(source),
            ErrorKind::Artefact(e) => Some(e),
            _ => None,
        }
    }
}
