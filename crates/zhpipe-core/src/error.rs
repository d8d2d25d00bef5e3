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
/// Its message always says where: the file, the `[[stage]]` entry (number, name and line) and
/// the key or dictionary path (with the line inside that file) at fault.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    /// A config error with a complete, located message.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }

    /// Prefixes the message with where the error occurred, e.g. the file and stage entry.
    pub fn context(self, location: impl fmt::Display) -> Self {
        Self { message: format!("{location}: {}", self.message) }
    }

    /// The full message.
    pub fn message(&self) -> &str {
        &self.message
    }
}
