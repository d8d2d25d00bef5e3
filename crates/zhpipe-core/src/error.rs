//! Errors: a document a stage cannot process, and a config that cannot be built.

use std::fmt;

/// Why a stage could not process a document.
///
/// The driver turns it into an error record `{"id", "status": "error", "stage", "error"}` and
/// goes on with the next document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageError {
    kind: StageErrorKind,
    message: String,
}

/// The broad cause of a [`StageError`]. New kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StageErrorKind {
    /// The document itself is unusable: binary, empty, over a size limit, undecodable.
    InvalidInput,
    /// The document lacks a layer this stage needs (the chain or the input is wrong).
    MissingLayer,
    /// Anything else: a bug or an exhausted resource.
    Internal,
}

impl StageError {
    /// The document is unusable as input, e.g. "binary file: 37% control bytes".
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self { kind: StageErrorKind::InvalidInput, message: message.into() }
    }

    /// The document lacks a layer this stage needs.
    pub fn missing_layer(message: impl Into<String>) -> Self {
        Self { kind: StageErrorKind::MissingLayer, message: message.into() }
    }

    /// Any other failure.
    pub fn internal(message: impl Into<String>) -> Self {
        Self { kind: StageErrorKind::Internal, message: message.into() }
    }

    /// The broad cause.
    pub fn kind(&self) -> StageErrorKind {
        self.kind
    }

    /// The human-readable reason.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StageError {}

/// A config file that cannot be turned into a chain of stages.
///
/// It says what is wrong ([`kind`](Self::kind), [`cause`](Self::cause)) and where
/// ([`location`](Self::location)): the file, the `[[stage]]` entry and, for a key the stage does
/// not know or a value of the wrong type, the key's own line and column. Displayed, it is one
/// line in the compiler's style: `pipeline.toml:23:1: [[stage]] #4 `segment`: unknown field …`,
/// or `pipeline.toml: [[stage]] #4 `segment` (line 20): cannot read …` when the cause is not a
/// key (its own message then names the file it read, with its line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct ConfigError {
    kind: ConfigErrorKind,
    // Boxed: errors are rare, and `Result<_, ConfigError>` stays small on the common path.
    location: Box<ConfigLocation>,
    cause: String,
}

/// The broad cause of a [`ConfigError`]. New kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The file is not valid TOML.
    Syntax,
    /// A key no table of that name has: misspelt, or of another stage.
    UnknownKey,
    /// A value of the wrong type or out of range.
    BadValue,
    /// `use = "..."` names no registered stage.
    UnknownStage,
    /// The stages are in an order that cannot work, or two write one layer.
    Chain,
    /// The config cannot be read.
    Io,
    /// A stage refused its settings: a missing dictionary, a bad rules file, …
    Stage,
}

/// Where a [`ConfigError`] is: each part when known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigLocation {
    /// The config file.
    pub file: Option<String>,
    /// The `[[stage]]` entry: its 1-based number and stage name.
    pub entry: Option<(usize, String)>,
    /// The entry's line in the file.
    pub entry_line: Option<usize>,
    /// The line and column (1-based, in characters) of the key at fault.
    pub key: Option<(usize, usize)>,
}

impl ConfigError {
    /// A stage's refusal of its settings, with a complete message (naming the file it read).
    pub fn new(message: impl Into<String>) -> Self {
        Self::of_kind(ConfigErrorKind::Stage, message)
    }

    /// An error of `kind` whose cause is `message`, not yet located.
    pub fn of_kind(kind: ConfigErrorKind, message: impl Into<String>) -> Self {
        Self { kind, location: Box::default(), cause: message.into() }
    }

    /// The same error, at `line:column` of the config file.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.location.key = Some((line, column));
        self
    }

    /// The same error, in `[[stage]]` entry `number` (of stage `name`), at `line` when known.
    pub fn in_entry(mut self, number: usize, name: &str, line: Option<usize>) -> Self {
        self.location.entry = Some((number, name.to_owned()));
        self.location.entry_line = line;
        self
    }

    /// The same error, in config file `file`.
    pub fn in_file(mut self, file: impl fmt::Display) -> Self {
        self.location.file = Some(file.to_string());
        self
    }

    /// Prefixes the cause with `location`, for places that are neither a file nor an entry.
    pub fn context(mut self, location: impl fmt::Display) -> Self {
        self.cause = format!("{location}: {}", self.cause);
        self
    }

    /// The broad cause.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }

    /// Where it is.
    pub fn location(&self) -> &ConfigLocation {
        &self.location
    }

    /// What is wrong, without where.
    pub fn cause(&self) -> &str {
        &self.cause
    }

    /// The full located message.
    pub fn message(&self) -> String {
        let ConfigLocation { file, entry, entry_line, key } = &*self.location;
        let mut out = file.clone().unwrap_or_default();
        if let Some((line, column)) = key {
            out.push_str(&format!(":{line}:{column}"));
        }
        if let Some((number, name)) = entry {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&format!("[[stage]] #{number} `{name}`"));
            if let (Some(line), None) = (entry_line, key) {
                out.push_str(&format!(" (line {line})"));
            }
        } else if let (Some(line), None) = (entry_line, key) {
            out.push_str(&format!(" (line {line})"));
        }
        if out.is_empty() { self.cause.clone() } else { format!("{out}: {}", self.cause) }
    }
}
