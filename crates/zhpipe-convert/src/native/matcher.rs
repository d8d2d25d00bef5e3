//! Matching: one flattened dictionary group as a leftmost-longest automaton, and the
//! offsets its replacements leave, composed through several steps.

use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder, MatchKind};
use zhpipe_core::OffsetMapBuilder;

use super::{Table, config_error};
use crate::dict::DictError;

/// How a dictionary value relates to its key, decided once at build time.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// The value is the key: the match only keeps shorter matches away.
    Identity,
    /// Same char lengths in the same order: offsets inside map one to one.
    Aligned,
    /// Anything else: an edit in the offset map.
    Reshaped,
}

#[derive(Clone, Copy)]
struct Value {
    start: u32,
    end: u32,
    shape: Shape,
}

/// One flattened dictionary group compiled to a leftmost-longest automaton.
pub(crate) struct Matcher {
    automaton: CharwiseDoubleArrayAhoCorasick<u32>,
    values: Vec<Value>,
    text: String,
}

/// Where a conversion reports what it kept and what it replaced.
pub(crate) trait Sink {
    fn keep(&mut self, len: usize);
    fn replace(&mut self, old: &str, new: &str);
}

impl Sink for OffsetMapBuilder {
    #[inline]
    fn keep(&mut self, len: usize) {
        OffsetMapBuilder::keep(self, len);
    }
    #[inline]
    fn replace(&mut self, old: &str, new: &str) {
        self.replace_str(old, new);
    }
}

/// A sink that records nothing, for conversions that need no offsets.
pub(crate) struct NoOffsets;

impl Sink for NoOffsets {
    #[inline]
    fn keep(&mut self, _: usize) {}
    #[inline]
    fn replace(&mut self, _: &str, _: &str) {}
}

impl Matcher {
    pub(super) fn build(table: &Table) -> Result<Self, DictError> {
        let mut text = String::new();
        let mut values = Vec::with_capacity(table.len());
        let mut patterns = Vec::with_capacity(table.len());
        for (index, (key, value)) in table.iter().enumerate() {
            let shape = if key == value {
                Shape::Identity
            } else if key.len() == value.len()
                && key.char_indices().map(|(i, _)| i).eq(value.char_indices().map(|(i, _)| i))
            {
                Shape::Aligned
            } else {
                Shape::Reshaped
            };
            let start = text.len() as u32;
            text.push_str(value);
            values.push(Value { start, end: text.len() as u32, shape });
            patterns.push((key.as_str(), index as u32));
        }
        let automaton = CharwiseDoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build_with_values(patterns)
            .map_err(|e| config_error(format!("cannot build automaton: {e}")))?;
        Ok(Self { automaton, values, text })
    }

    /// Converts `input` onto `out`, as OpenCC's `Conversion` does for one segment.
    #[inline]
    pub(crate) fn convert<S: Sink>(&self, input: &str, out: &mut String, sink: &mut S) {
        let mut copied = 0;
        for m in self.automaton.leftmost_find_iter(input) {
            let value = self.values[m.value() as usize];
            if value.shape == Shape::Identity {
                continue;
            }
            let (start, end) = (m.start(), m.end());
            out.push_str(&input[copied..start]);
            let replacement = &self.text[value.start as usize..value.end as usize];
            out.push_str(replacement);
            if value.shape == Shape::Aligned {
                sink.keep(end - copied);
            } else {
                sink.keep(start - copied);
                sink.replace(&input[start..end], replacement);
            }
            copied = end;
        }
        out.push_str(&input[copied..]);
        sink.keep(input.len() - copied);
    }

    /// Maximum-matching segmentation (OpenCC's `MaxMatchSegmentation`): each match is a
    /// segment, and so is each run of text between matches. Returns segment end offsets.
    pub(super) fn segment(&self, input: &str, ends: &mut Vec<usize>) {
        ends.clear();
        let mut last = 0;
        for m in self.automaton.leftmost_find_iter(input) {
            if m.start() > last {
                ends.push(m.start());
            }
            ends.push(m.end());
            last = m.end();
        }
        if input.len() > last {
            ends.push(input.len());
        }
    }
}

/// A normalization step with a cheap test for whether a text needs it at all: OpenCC's
/// normalization table holds only compatibility ideographs, which real text almost never
/// contains, so the test looks for their first two UTF-8 bytes with `memchr` instead of running
/// the automaton over every text.
pub(crate) struct Normalization {
    pub(super) matcher: Matcher,
    /// Distinct (first byte, second byte) pairs of the keys, when there are few lead bytes.
    pub(super) lead_pairs: Option<(Vec<u8>, Vec<[u8; 2]>)>,
}

impl Normalization {
    pub(super) fn new(matcher: Matcher, table: &Table) -> Self {
        let mut pairs: Vec<[u8; 2]> =
            table.iter().filter_map(|(key, _)| key.as_bytes().get(..2).map(|b| [b[0], b[1]])).collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut leads: Vec<u8> = pairs.iter().map(|p| p[0]).collect();
        leads.dedup();
        let short_keys = table.iter().any(|(key, _)| key.len() < 2);
        let lead_pairs = (!short_keys && leads.len() <= 3).then_some((leads, pairs));
        Self { matcher, lead_pairs }
    }

    pub(super) fn needed(&self, input: &str) -> bool {
        let Some((leads, pairs)) = &self.lead_pairs else {
            return self.matcher.automaton.leftmost_find_iter(input).next().is_some();
        };
        let bytes = input.as_bytes();
        let hit = |at: usize| bytes.get(at + 1).is_some_and(|&second| pairs.contains(&[bytes[at], second]));
        match leads.as_slice() {
            [a] => memchr::memchr_iter(*a, bytes).any(hit),
            [a, b] => memchr::memchr2_iter(*a, *b, bytes).any(hit),
            [a, b, c] => memchr::memchr3_iter(*a, *b, *c, bytes).any(hit),
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Offsets through several steps.

/// A stretch of a conversion: `old` bytes became `new` bytes; `kept` stretches are unchanged
/// text (or aligned replacements) and may be split anywhere on a char boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Piece {
    pub(super) old: usize,
    pub(super) new: usize,
    pub(super) kept: bool,
}

/// The stretches of one conversion, in order, adjacent kept stretches merged.
#[derive(Default)]
pub(super) struct Pieces(pub(super) Vec<Piece>);

impl Pieces {
    pub(super) fn push(&mut self, piece: Piece) {
        if piece.old == 0 && piece.new == 0 {
            return;
        }
        if piece.kept
            && let Some(last) = self.0.last_mut().filter(|p| p.kept)
        {
            last.old += piece.old;
            last.new += piece.new;
            return;
        }
        self.0.push(piece);
    }
}

impl Sink for Pieces {
    fn keep(&mut self, len: usize) {
        self.push(Piece { old: len, new: len, kept: true });
    }
    fn replace(&mut self, old: &str, new: &str) {
        self.push(Piece { old: old.len(), new: new.len(), kept: false });
    }
}

/// The pieces of two conversions in a row (`first`: original → middle, `second`: middle →
/// final) as pieces of original → final. A replacement in either step becomes one piece
/// spanning everything it overlaps in the other; kept stretches stay as fine as they were.
pub(super) fn compose(first: &[Piece], second: &[Piece]) -> Pieces {
    let mut out = Pieces::default();
    let mut a_iter = first.iter().copied();
    let mut b_iter = second.iter().copied();
    let mut a = a_iter.next();
    let mut b = b_iter.next();
    // An open replacement group: original and final bytes gathered so far.
    let mut group: Option<(usize, usize)> = None;
    while let (Some(mut x), Some(mut y)) = (a, b) {
        match group {
            None if x.kept && y.kept => {
                let n = x.new.min(y.old);
                out.push(Piece { old: n, new: n, kept: true });
                x.old -= n;
                x.new -= n;
                y.old -= n;
                y.new -= n;
            }
            _ => {
                let (old, new) = group.get_or_insert((0, 0));
                if x.new == y.old {
                    *old += x.old;
                    *new += y.new;
                    x = Piece { old: 0, new: 0, kept: x.kept };
                    y = Piece { old: 0, new: 0, kept: y.kept };
                    out.push(Piece { old: *old, new: *new, kept: false });
                    group = None;
                } else if x.new < y.old {
                    *old += x.old;
                    if y.kept {
                        *new += x.new;
                        y.old -= x.new;
                        y.new -= x.new;
                        out.push(Piece { old: *old, new: *new, kept: false });
                        group = None;
                    } else {
                        y.old -= x.new;
                    }
                    x = Piece { old: 0, new: 0, kept: x.kept };
                } else {
                    *new += y.new;
                    if x.kept {
                        *old += y.old;
                        x.old -= y.old;
                        x.new -= y.old;
                        out.push(Piece { old: *old, new: *new, kept: false });
                        group = None;
                    } else {
                        x.new -= y.old;
                    }
                    y = Piece { old: 0, new: 0, kept: y.kept };
                }
            }
        }
        a = if x.old == 0 && x.new == 0 { a_iter.next() } else { Some(x) };
        b = if y.old == 0 && y.new == 0 { b_iter.next() } else { Some(y) };
    }
    if let Some((old, new)) = group {
        out.push(Piece { old, new, kept: false });
    }
    out
}
