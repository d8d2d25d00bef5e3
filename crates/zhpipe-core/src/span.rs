//! Byte spans into a document's text.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

/// A half-open byte range `start..end` into [`Document::text`], always on char boundaries.
///
/// Serialised as a two-element array `[start, end]` to keep records small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A new span. Panics if `start > end`: an inverted span is always a bug in the caller.
    #[inline]
    #[track_caller]
    pub fn new(start: usize, end: usize) -> Self {
        assert!(start <= end, "invalid span {start}..{end}");
        Self { start, end }
    }

    /// The span as a range, for slicing: `&text[span.range()]`.
    #[inline]
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }

    /// Length in bytes.
    #[inline]
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// Whether the span is empty.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// Whether `other` lies entirely inside this span.
    #[inline]
    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// Whether the span is in bounds and on char boundaries of `text`.
    pub fn is_valid_in(self, text: &str) -> bool {
        self.end <= text.len() && text.is_char_boundary(self.start) && text.is_char_boundary(self.end)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [self.start, self.end].serialize(s)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let [start, end] = <[usize; 2]>::deserialize(d)?;
        if start > end {
            return Err(serde::de::Error::custom(format!("invalid span [{start}, {end}]")));
        }
        Ok(Span { start, end })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_serialises_as_pair() {
        let json = serde_json::to_string(&Span::new(6, 12)).unwrap();
        assert_eq!(json, "[6,12]");
        assert_eq!(serde_json::from_str::<Span>("[6,12]").unwrap(), Span::new(6, 12));
        assert!(serde_json::from_str::<Span>("[12,6]").is_err());
    }

    #[test]
    #[should_panic(expected = "invalid span 3..2")]
    fn inverted_span_panics() {
        let _ = Span::new(3, 2);
    }

    #[test]
    fn span_validity_checks_char_boundaries() {
        let text = "我爱北京";
        assert!(Span::new(6, 12).is_valid_in(text));
        assert!(!Span::new(7, 12).is_valid_in(text));
        assert!(!Span::new(6, 13).is_valid_in(text));
    }
}
