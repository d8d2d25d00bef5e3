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
///
/// Built in text order with an [`OffsetMapBuilder`]; once built it only answers questions, and
/// two maps [`compose`](Self::compose) when a rewritten text is rewritten again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetMap {
    edits: Vec<Edit>,
    rewritten_len: usize,
    original_len: usize,
}

/// Records, in text order, what a rewrite kept and what it replaced; [`finish`](Self::finish)
/// gives the [`OffsetMap`].
#[derive(Clone, Debug, Default)]
pub struct OffsetMapBuilder {
    edits: Vec<Edit>,
    new_pos: usize,
    old_pos: usize,
}

impl OffsetMapBuilder {
    /// A builder at the start of both texts.
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

    /// The map of everything recorded.
    pub fn finish(self) -> OffsetMap {
        OffsetMap { edits: self.edits, rewritten_len: self.new_pos, original_len: self.old_pos }
    }
}

impl OffsetMap {
    /// The identity over a text of `len` bytes.
    pub fn identity(len: usize) -> Self {
        Self { edits: Vec::new(), rewritten_len: len, original_len: len }
    }

    /// Length of the rewritten text the map was built for.
    pub fn rewritten_len(&self) -> usize {
        self.rewritten_len
    }

    /// Length of the original text the map was built for.
    pub fn original_len(&self) -> usize {
        self.original_len
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
        Span::new(map_offset(&self.edits, span.start, false), map_offset(&self.edits, span.end, true))
    }

    /// The map of a text rewritten twice: `self` maps the latest text to the one before it,
    /// `earlier` maps that one to the first. Every replacement of either map stays one unit;
    /// replacements that overlap or touch in the middle text merge into one.
    ///
    /// # Panics
    ///
    /// If the middle texts differ in length: `earlier` is not the map of the text `self` was
    /// built from.
    pub fn compose(&self, earlier: &OffsetMap) -> OffsetMap {
        assert_eq!(self.original_len, earlier.rewritten_len, "composed offset maps must meet in the same text");
        let mut units: Vec<Span> =
            self.edits.iter().map(|e| e.old).chain(earlier.edits.iter().map(|e| e.new)).collect();
        units.sort_by_key(|s| (s.start, s.end));
        let mut merged: Vec<Span> = Vec::with_capacity(units.len());
        for unit in units {
            match merged.last_mut() {
                Some(last) if unit.start <= last.end => last.end = last.end.max(unit.end),
                _ => merged.push(unit),
            }
        }
        // Between units both maps shift by the length changes of the edits before; a unit's
        // ends map by the shift before it and after it. Every edit lies in exactly one unit, and
        // units are at least one byte apart, so one walk over both edit lists does it.
        let (mut latest, mut first) = (self.edits.iter().peekable(), earlier.edits.iter().peekable());
        let (mut to_latest, mut to_first) = (0isize, 0isize);
        let shift = |offset: usize, by: isize| offset.checked_add_signed(by).expect("offsets stay in the text");
        let edits = merged
            .into_iter()
            .map(|unit| {
                let start = (shift(unit.start, to_latest), shift(unit.start, to_first));
                while let Some(e) = latest.next_if(|e| e.old.end <= unit.end) {
                    to_latest += e.new.len() as isize - e.old.len() as isize;
                }
                while let Some(e) = first.next_if(|e| e.new.end <= unit.end) {
                    to_first += e.old.len() as isize - e.new.len() as isize;
                }
                Edit {
                    new: Span::new(start.0, shift(unit.end, to_latest)),
                    old: Span::new(start.1, shift(unit.end, to_first)),
                }
            })
            .collect();
        OffsetMap { edits, rewritten_len: self.rewritten_len, original_len: earlier.original_len }
    }
}

/// The text as it was before the first rewrite that could map its spans back (a script
/// conversion, typically), with the map from the current text to it.
///
/// A document holds at most one: a later rewrite composes its own map with this one
/// ([`Document::rewrite`](crate::Document::rewrite)) or, when it cannot, drops it with a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Original {
    text: String,
    map: OffsetMap,
}

impl Original {
    /// `text`, with `map` from the current text of the document to it. [`Document::check`]
    /// (crate::Document::check) verifies that the map spans both texts.
    pub fn new(text: String, map: OffsetMap) -> Self {
        Self { text, map }
    }

    /// The original text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The map from the current text to [`text`](Self::text).
    pub fn map(&self) -> &OffsetMap {
        &self.map
    }

    /// The span of the original text that `span` of the current text came from.
    pub fn span_of(&self, span: Span) -> Span {
        self.map.to_original(span)
    }

    /// The original text of `span` of the current text.
    pub fn slice(&self, span: Span) -> &str {
        &self.text[self.span_of(span).range()]
    }

    /// The text and the map, taken apart.
    pub fn into_parts(self) -> (String, OffsetMap) {
        (self.text, self.map)
    }
}

/// Maps `offset` of the rewritten text through `edits`: the last edit starting at or before
/// `offset` decides; past its end the offset shifts by the edit's length change, inside it the
/// offset goes to the edit's start (or end, for the end of a span).
fn map_offset(edits: &[Edit], offset: usize, is_end: bool) -> usize {
    let idx = edits.partition_point(|e| e.new.start <= offset);
    let Some(edit) = idx.checked_sub(1).map(|i| edits[i]) else {
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
        let mut map = OffsetMapBuilder::new();
        map.keep(9);
        map.replace(3, 3);
        let map = map.finish();
        assert!(map.is_identity());
        assert_eq!(map.to_original(Span::new(3, 12)), Span::new(3, 12));
    }

    #[test]
    fn length_changes_shift_later_offsets() {
        // original: "ab" + "XYZ" + "cd"; rewritten: "ab" + "Q" + "cd"
        let mut map = OffsetMapBuilder::new();
        map.keep(2);
        map.replace(3, 1);
        map.keep(2);
        let map = map.finish();
        assert_eq!(map.to_original(Span::new(0, 2)), Span::new(0, 2));
        assert_eq!(map.to_original(Span::new(2, 3)), Span::new(2, 5));
        assert_eq!(map.to_original(Span::new(3, 5)), Span::new(5, 7));
        assert_eq!(map.to_original(Span::new(1, 4)), Span::new(1, 6));
    }

    #[test]
    fn equal_length_replacement_that_moves_boundaries_is_an_edit() {
        // original: "𠀀a" (4 + 1 bytes); rewritten: "a𠀀" (1 + 4 bytes). Offset 1 is a char
        // boundary of the rewritten text but inside 𠀀 in the original.
        let mut map = OffsetMapBuilder::new();
        map.replace_str("𠀀a", "a𠀀");
        let map = map.finish();
        assert!(!map.is_identity());
        assert_eq!(map.to_original(Span::new(0, 1)), Span::new(0, 5));
        assert_eq!(map.to_original(Span::new(1, 5)), Span::new(0, 5));

        let mut map = OffsetMapBuilder::new();
        map.replace_str("發展", "发展");
        assert_eq!((map.original_len(), map.rewritten_len()), (6, 6));
        assert!(map.finish().is_identity());
    }

    #[test]
    fn growing_replacement_widens_inner_spans() {
        // original: "a" + "X" + "b"; rewritten: "a" + "PQR" + "b"
        let mut map = OffsetMapBuilder::new();
        map.keep(1);
        map.replace(1, 3);
        map.keep(1);
        let map = map.finish();
        assert_eq!(map.to_original(Span::new(2, 3)), Span::new(1, 2));
        assert_eq!(map.to_original(Span::new(4, 5)), Span::new(2, 3));
    }

    /// Rewrites `text` by replacing the char ranges `edits` (char index, chars removed,
    /// replacement), returning the new text and its map.
    fn rewrite(text: &str, edits: &[(usize, usize, String)]) -> (String, OffsetMap) {
        let chars: Vec<&str> = text.char_indices().map(|(i, c)| &text[i..i + c.len_utf8()]).collect();
        let mut out = String::new();
        let mut map = OffsetMapBuilder::new();
        let mut at = 0;
        for (start, removed, with) in edits {
            let start = (*start).clamp(at, chars.len());
            let end = (start + removed).min(chars.len());
            let kept: String = chars[at..start].concat();
            map.keep(kept.len());
            out.push_str(&kept);
            map.replace_str(&chars[start..end].concat(), with);
            out.push_str(with);
            at = end;
        }
        let rest: String = chars[at..].concat();
        map.keep(rest.len());
        out.push_str(&rest);
        (out, map.finish())
    }

    #[test]
    fn composing_two_rewrites_maps_to_the_first_text() {
        // 「發展」 → "发展" (same layout), then a growing edit and a deletion on top.
        let first = "京津冀協同發展規劃綱要";
        let (middle, to_first) = rewrite(first, &[(3, 2, "协同".into()), (9, 2, "纲要".into())]);
        assert_eq!(middle, "京津冀协同發展規劃纲要");
        let (latest, to_middle) = rewrite(&middle, &[(0, 3, "京津冀地区".into()), (3, 2, String::new())]);
        assert_eq!(latest, "京津冀地区發展規劃纲要");
        let map = to_middle.compose(&to_first);
        assert_eq!((map.rewritten_len(), map.original_len()), (latest.len(), first.len()));
        let span = |s: &str| {
            let start = latest.find(s).unwrap();
            Span::new(start, start + s.len())
        };
        assert_eq!(&first[map.to_original(span("發展")).range()], "發展");
        assert_eq!(&first[map.to_original(span("纲要")).range()], "綱要");
        // 地区 is inside the growing replacement, which touches the deletion of 协同 in the middle
        // text: the two are one unit, and a span reaching into it widens to all of it.
        assert_eq!(&first[map.to_original(span("地区")).range()], "京津冀協同");
        assert_eq!(&first[map.to_original(span("地区發")).range()], "京津冀協同發");
        assert_eq!(map.edit_count(), 1);
    }

    #[test]
    fn composing_with_the_identity_changes_nothing() {
        let (text, map) = rewrite("北京市和天津市", &[(2, 1, "ABCD".into())]);
        assert_eq!(map.compose(&OffsetMap::identity(map.original_len())), map);
        let (_, to_middle) = rewrite(&text, &[]);
        assert_eq!(to_middle.compose(&map), map);
    }

    proptest::proptest! {
        /// Composition maps onto char boundaries of the first text and never narrower than
        /// mapping through both maps, except where a span ends exactly at the edge of a
        /// replacement, where a deletion next to it may fall on either side.
        #[test]
        fn composition_agrees_with_mapping_twice(
            first in "[a-c京冀𠀀]{0,12}",
            one in proptest::collection::vec((0usize..12, 0usize..3, "[xy发𠀀]{0,3}"), 0..4),
            two in proptest::collection::vec((0usize..12, 0usize..3, "[xz展]{0,3}"), 0..4),
        ) {
            let sorted = |mut v: Vec<(usize, usize, String)>| { v.sort_by_key(|e| e.0); v };
            let (middle, to_first) = rewrite(&first, &sorted(one));
            let (latest, to_middle) = rewrite(&middle, &sorted(two));
            let composed = to_middle.compose(&to_first);
            proptest::prop_assert_eq!(composed.rewritten_len(), latest.len());
            proptest::prop_assert_eq!(composed.original_len(), first.len());
            let bounds: Vec<usize> = latest.char_indices().map(|(i, _)| i).chain([latest.len()]).collect();
            for (a, &start) in bounds.iter().enumerate() {
                for &end in &bounds[a..] {
                    let span = Span::new(start, end);
                    let twice = to_first.to_original(to_middle.to_original(span));
                    let once = composed.to_original(span);
                    proptest::prop_assert!(once.is_valid_in(&first), "{once} in {first:?}");
                    let at_edge = |offset: usize| composed.edits.iter().any(|e| e.new.start == offset || e.new.end == offset);
                    if !at_edge(start) && !at_edge(end) {
                        proptest::prop_assert!(once.contains(twice), "{span}: {once} ⊉ {twice}");
                    }
                }
            }
        }
    }
}
