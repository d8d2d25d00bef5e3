//! Words and their part-of-speech tags.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Span;

/// A part-of-speech tag stored inline (up to 7 ASCII bytes, e.g. jieba's `n`, `ns`, `nrfg`),
/// so that tagging millions of tokens allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PosTag {
    len: u8,
    bytes: [u8; 7],
}

impl PosTag {
    /// The tag for `s`, or `None` if it is empty, longer than 7 bytes or not ASCII.
    pub fn new(s: &str) -> Option<Self> {
        if s.is_empty() || s.len() > 7 || !s.is_ascii() {
            return None;
        }
        let mut bytes = [0; 7];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Some(Self { len: s.len() as u8, bytes })
    }

    /// The tag as a string.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for PosTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for PosTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PosTag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PosTag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PosTag::new(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid POS tag {s:?}")))
    }
}

/// A word: its span and, when the segmenter tags, its part of speech.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Where the word is in the text.
    pub span: Span,
    /// Part-of-speech tag (jieba's tag set), when tagging is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pos: Option<PosTag>,
}

impl Token {
    /// A token with an optional tag.
    pub fn new(span: Span, pos: Option<PosTag>) -> Self {
        Self { span, pos }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pos_tag_round_trips_and_rejects_bad_tags() {
        let tag = PosTag::new("nrfg").unwrap();
        assert_eq!(tag.as_str(), "nrfg");
        assert_eq!(serde_json::to_string(&tag).unwrap(), "\"nrfg\"");
        assert!(PosTag::new("").is_none());
        assert!(PosTag::new("toolongtag").is_none());
        assert!(PosTag::new("名词").is_none());
    }
}
