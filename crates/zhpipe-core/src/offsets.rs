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
    ///
    /// A replacement of equal byte length is taken to keep every char boundary in place (one
    /// 3-byte character for another, the common case); when that may not hold, e.g. `𠀀a` (4 + 1
    /// bytes) becoming `a𠀀`, use [`replace_str`](Self::replace_str), which checks.
    pub fn replace(&mut self, old_len: usize, new_len: usize) {
        if old_len != new_len {
            self.push_edit(old_len, new_len);
        } else {
            self.keep(old_len);
        }
    }

    /// `old` in the original became `new` in the rewritten text. Offsets inside the replacement
    /// map one to one when both have the same char lengths in the same order (`發展` → `发展`);
    /// otherwise the replacement is one unit, and spans reaching into it widen to all of it.
    pub fn replace_str(&mut self, old: &str, new: &str) {
        if same_char_layout(old, new) {
            self.keep(old.len());
        } else {
            self.push_edit(old.len(), new.len());
        }
    }

    fn push_edit(&mut self, old_len: usize, new_len: usize) {
        self.edits.push(Edit {
            new: Span::new(self.new_pos, self.new_pos + new_len),
            old: Span::new(self.old_pos, self.old_pos + old_len),
        });
        self.new_pos += new_len;
        self.old_pos += old_len;
    }

    /// Length of the rewritten text recorded so far.
    pub fn rewritten_len(&self) -> usize {
        self.new_pos
    }

    /// Length of the original text recorded so far.
    pub fn original_len(&self) -> usize {
        self.old_pos
    }

    /// How many length-changing (or boundary-moving) replacements the map holds.
    pub fn edit_count(&self) -> usize {
        self.edits.len()
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

/// Whether `a` and `b` have the same number of chars with the same UTF-8 lengths in order, so
/// that every char boundary of one is a char boundary of the other.
fn same_char_layout(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.char_indices().map(|(i, _)| i).eq(b.char_indices().map(|(i, _)| i))
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
    fn equal_length_replacement_that_moves_boundaries_is_an_edit() {
        // original: "𠀀a" (4 + 1 bytes); rewritten: "a𠀀" (1 + 4 bytes). Offset 1 is a char
        // boundary of the rewritten text but inside 𠀀 in the original.
        let mut map = OffsetMap::new();
        map.replace_str("𠀀a", "a𠀀");
        assert!(!map.is_identity());
        assert_eq!(map.to_original(Span::new(0, 1)), Span::new(0, 5));
        assert_eq!(map.to_original(Span::new(1, 5)), Span::new(0, 5));

        let mut map = OffsetMap::new();
        map.replace_str("發展", "发展");
        assert!(map.is_identity());
        assert_eq!((map.original_len(), map.rewritten_len()), (6, 6));
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
