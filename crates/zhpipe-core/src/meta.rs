//! What is known about a document besides its text, and what the stages said about it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a stage changed or doubted: a record of every non-fatal decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The stage that wrote the note.
    pub stage: String,
    /// A short machine-readable kind, e.g. `replaced-bytes`, `removed-widget`, `script`.
    pub kind: String,
    /// Human-readable detail.
    pub message: String,
    /// How many times it happened, for notes that count (removed blocks, replacements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// A block of text a stage removed, kept for audit when the stage is asked to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    /// Why it was removed, e.g. `breadcrumb`, `widget`, `link-farm`, `pinyin`.
    pub kind: String,
    /// The removed text.
    pub text: String,
}

/// How an encoding was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EncodingSource {
    /// A byte-order mark.
    Bom,
    /// A declaration in the document (`<meta charset>`, XML declaration).
    Declared,
    /// Statistical detection.
    Detected,
    /// The configured default hint.
    Hint,
    /// Nothing else applied.
    Fallback,
    /// The input was already text (JSONL `text` field).
    Text,
}

/// How the bytes of a document were turned into text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodingReport {
    /// The WHATWG name of the encoding used, e.g. `UTF-8`, `GB18030`, `Big5`.
    pub encoding: String,
    /// How it was chosen.
    pub source: EncodingSource,
    /// The encoding the document declared, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<String>,
    /// Whether a declaration was present but overridden by the bytes.
    #[serde(default)]
    pub overridden: bool,
    /// Malformed sequences replaced by U+FFFD.
    #[serde(default)]
    pub replacements: u64,
    /// The mojibake repaired after decoding, e.g. `utf-8 read as windows-1252`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repaired: Option<String>,
}

/// What is known about a document besides its text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Publication time, ISO 8601 (`2022-01-25T15:06:19+00:00`, or a date alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Author or agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Original source named by the page (`来源`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Site the page was taken from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Canonical URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Lead image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Categories or channels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Editors (`责任编辑`, `责编`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub editors: Vec<String>,
    /// Photo captions taken out of the body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captions: Vec<String>,
    /// Anything else the source said about itself (unknown front-matter keys, `og:` tags).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Meta {
    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        *self == Meta::default()
    }
}
