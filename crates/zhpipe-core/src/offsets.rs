//! Tracing spans of a rewritten text back to the text it was rewritten from.
//!
//! A conversion such as Traditional → Simplified mostly swaps characters of equal byte length
//! (`發展` → `发展`), but some replacements change it: a phrase table may map two characters to
//! three, and a supplementary-plane character (4 bytes) may become a BMP one (3 bytes). The map
//! stores only the edits that changed length; everything between them shifts by a constant,
//! so a map over a converted news article is a handful of entries.

use serde::{Deserialize, Serialize};

use crate::Span;

/// One length-changing replacement: `new` in the rewritten text replaced `old` in the original.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Edit {
    new: Span,
    old: Span,
}

/// Maps byte offsets of a rewritten text to byte offsets of its original.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetMap {
    edits: Vec<Edit>,
    #[serde(skip)]
    new_pos: usize,
    #[serde(skip)]
    old_pos: usize,
}

impl OffsetMap {
    /// An empty map: the identity, ready to be built with [`keep`](Self::keep) and
    /// [`replace`](Self::replace) in text order.
    pub fn new() -> Self {
        Self::default()
    }

    /// `len` bytes were copied unchanged.
    pub fn keep(&mut self, len: usize) {
        self.new_pos += len;
        self.old_pos += len;
    }

    /// `old_len` bytes of the original became `new_len` bytes of the rewritten text.
    pub fn replace(&mut self, old_len: usize, new_len: usize) {
        if old_len != new_len {
            self.edits.push(Edit {
                new: Span::new(self.new_pos, self.new_pos + new_len),
                old: Span::new(self.old_pos, self.old_pos + old_len),
            });
        }
        self.new_pos += new_len;
        self.old_pos += old_len;
    }

    /// Whether every offset maps to itself.
    pub fn is_identity(&self) -> bool {
        self.edits.is_empty()
    }

    /// The span of the original text that `span` of the rewritten text came from. A span that
    /// starts or ends inside a length-changing replacement widens to cover all of it.
    pub fn to_original(&self, span: Span) -> Span {
        Span::new(self.map(span.start, false), self.map(span.end, true))
    }

    fn map(&self, offset: usize, is_end: bool) -> usize {
        // The last edit starting at or before `offset`.
        let idx = self.edits.partition_point(|e| e.new.start <= offset);
        let Some(edit) = idx.checked_sub(1).map(|i| self.edits[i]) else {
            return offset;
        };
        if offset >= edit.new.end {
            edit.old.end + (offset - edit.new.end)
        } else if offset == edit.new.start || !is_end {
            edit.old.start
        } else {
            edit.old.end
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_map_returns_input() {
        let mut map = OffsetMap::new();
        map.keep(9);
        map.replace(3, 3);
        assert!(map.is_identity());
        assert_eq!(map.to_original(Span::new(3, 12)), Span::new(3, 12));
    }

    #[test]
    fn length_changes_shift_later_offsets() {
        // original: "ab" + "XYZ" + "cd"; rewritten: "ab" + "Q" + "cd"
        let mut map = OffsetMap::new();
        map.keep(2);
        map.replace(3, 1);
        map.keep(2);
        assert_eq!(map.to_original(Span::new(0, 2)), Span::new(0, 2));
        assert_eq!(map.to_original(Span::new(2, 3)), Span::new(2, 5));
        assert_eq!(map.to_original(Span::new(3, 5)), Span::new(5, 7));
        assert_eq!(map.to_original(Span::new(1, 4)), Span::new(1, 6));
    }

    #[test]
    fn growing_replacement_widens_inner_spans() {
        // original: "a" + "X" + "b"; rewritten: "a" + "PQR" + "b"
        let mut map = OffsetMap::new();
        map.keep(1);
        map.replace(1, 3);
        map.keep(1);
        assert_eq!(map.to_original(Span::new(2, 3)), Span::new(1, 2));
        assert_eq!(map.to_original(Span::new(4, 5)), Span::new(2, 3));
    }
}
