//! What the tagger sees of a sentence: its characters, the words a segmenter found and the
//! names a gazetteer matched, turned into hashed feature keys.
//!
//! A feature is computed once where it occurs and applied to every character it describes: the
//! character `京` at position `p` is the key `UNI(京)`, whose weight row has one block for each of
//! the positions `p-2 … p+2` (京 as the character two before, one before, the current one, …).
//! So a character costs one lookup for its unigram and one for the bigram that starts at it,
//! instead of one per template; the model's speed comes from that. (Trigrams were measured and
//! left out: nine in ten of their lookups find nothing in the model, and F1 does not move.)
//!
//! Keys are 64-bit hashes of the feature's family and contents, mixed by a fixed function so
//! that a model file means the same on every platform and build.

/// Characters before the first and after the last of a sentence.
const BEFORE: u64 = 0x11_0001;
const AFTER: u64 = 0x11_0002;

/// Feature families: the first part of every key, and the number of blocks of its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Family {
    /// One character; blocks for the positions two before … two after it.
    Unigram = 1,
    /// Two characters from `p`; blocks for `p-1 … p+2`.
    Bigram = 2,
    /// The characters either side of `p`; one block, for `p`.
    Skip = 4,
    /// The classes (Han, digit, Latin, punctuation …) of `p-1, p, p+1`; one block.
    Classes = 5,
    /// A word's part of speech; blocks B, M, E, S for its characters.
    WordPos = 6,
    /// A word itself; blocks B, M, E, S.
    Word = 7,
    /// The previous word's and this word's part of speech, at this word's first character.
    PosBefore = 8,
    /// This word's and the next word's part of speech, at this word's last character.
    PosAfter = 9,
    /// A gazetteer match's category (place, organisation, person …); blocks B, M, E, S.
    MatchCategory = 10,
    /// A gazetteer match's entry kind (province, county, party …); blocks B, M, E, S.
    MatchKind = 11,
}

/// How far a character's unigram reaches on either side.
const UNI_REACH: isize = 2;

/// The most blocks a row has (the unigram's).
pub(crate) const MAX_BLOCKS: usize = 2 * UNI_REACH as usize + 1;

const fn mix(h: u64, x: u64) -> u64 {
    (h ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(27)
}

const fn finish(mut h: u64) -> u64 {
    h ^= h >> 31;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 29;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 32)
}

fn key(family: Family, parts: &[u64]) -> u64 {
    let mut h = mix(0x243F_6A88_85A3_08D3, family as u64);
    for &p in parts {
        h = mix(h, p);
    }
    finish(h)
}

/// A stable hash of a string (a part of speech, a word, an entry kind).
pub(crate) fn hash_str(s: &str) -> u64 {
    let mut h = 0xCBF2_9CE4_8422_2325u64;
    for b in s.bytes() {
        h = mix(h, u64::from(b));
    }
    finish(h)
}

/// Full-width ASCII as ASCII, so `１９９８` and `1998` look alike; everything else as it is.
pub fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn class(c: char) -> u64 {
    match c {
        '0'..='9' => 1,
        '〇' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十' | '百' | '千' | '万' | '亿' => {
            2
        }
        'a'..='z' | 'A'..='Z' => 3,
        '·' | '•' | '・' | '-' => 4,
        c if c.is_whitespace() => 5,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}' => 6,
        c if c.is_ascii_punctuation()
            || ('\u{3000}'..='\u{303F}').contains(&c)
            || ('\u{FF00}'..='\u{FFEF}').contains(&c) =>
        {
            7
        }
        '“' | '”' | '‘' | '’' | '—' | '…' | '《' | '》' => 7,
        _ => 8,
    }
}

/// A word of the sentence: a span of characters and its part of speech, if tagged.
#[derive(Clone, Copy, Debug)]
struct Word {
    start: usize,
    end: usize,
    pos: u64,
    text: u64,
}

/// A gazetteer match in the sentence.
#[derive(Clone, Copy, Debug)]
struct Match {
    start: usize,
    end: usize,
    category: u64,
    kind: u64,
}

/// One sentence as the tagger sees it. Positions are character indices.
#[derive(Clone, Debug, Default)]
pub struct Sentence {
    chars: Vec<char>,
    words: Vec<Word>,
    matches: Vec<Match>,
}

impl Sentence {
    /// A sentence of `text`, with no words or matches yet.
    pub fn new(text: &str) -> Self {
        Self { chars: text.chars().map(fold).collect(), words: Vec::new(), matches: Vec::new() }
    }

    /// Its characters, folded.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// Number of characters.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether it has no characters.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// Adds a word of characters `start..end` with its part of speech. Words are expected in
    /// order and disjoint; one that overlaps the previous one (a search-mode sub-word) is
    /// ignored, as is one out of bounds.
    pub fn add_word(&mut self, start: usize, end: usize, pos: Option<&str>) {
        if start >= end || end > self.chars.len() || self.words.last().is_some_and(|w| w.end > start) {
            return;
        }
        let mut text = 0x5851_F42D_4C95_7F2Du64;
        for &c in &self.chars[start..end] {
            text = mix(text, c as u64);
        }
        self.words.push(Word { start, end, pos: pos.map_or(0, hash_str), text: finish(text) });
    }

    /// Adds a gazetteer match of characters `start..end`: its category (`place`, …) and kind.
    pub fn add_match(&mut self, start: usize, end: usize, category: &str, kind: &str) {
        if start >= end || end > self.chars.len() {
            return;
        }
        self.matches.push(Match { start, end, category: hash_str(category), kind: hash_str(kind) });
    }

    /// Whether characters `start..end` begin or end inside one of the sentence's words (never,
    /// when it has no words).
    pub fn cuts_a_word(&self, start: usize, end: usize) -> bool {
        let inside = |p: usize| {
            let i = self.words.partition_point(|w| w.end <= p);
            self.words.get(i).is_some_and(|w| w.start < p && p < w.end)
        };
        inside(start) || inside(end)
    }

    fn char_at(&self, p: isize) -> u64 {
        if p < 0 { BEFORE } else { self.chars.get(p as usize).map_or(AFTER, |&c| c as u64) }
    }

    fn class_at(&self, p: isize) -> u64 {
        if p < 0 || p as usize >= self.chars.len() { 0 } else { class(self.chars[p as usize]) }
    }

    /// Calls `f(key, blocks, targets)` for every feature of the sentence: `blocks` is the size of
    /// the key's row, `targets` the `(position, block)` pairs it applies to (all in bounds).
    pub(crate) fn for_each_feature(&self, mut f: impl FnMut(u64, usize, &[(usize, u8)])) {
        let n = self.chars.len() as isize;
        let mut targets: Vec<(usize, u8)> = Vec::with_capacity(8);
        let in_bounds = |p: isize| p >= 0 && p < n;
        let window = |targets: &mut Vec<(usize, u8)>, from: isize, blocks: usize| {
            targets.clear();
            for b in 0..blocks {
                let p = from + b as isize;
                if in_bounds(p) {
                    targets.push((p as usize, b as u8));
                }
            }
        };
        for p in -UNI_REACH..n + UNI_REACH {
            let c = self.char_at(p);
            window(&mut targets, p - UNI_REACH, 2 * UNI_REACH as usize + 1);
            if !targets.is_empty() {
                f(key(Family::Unigram, &[c]), 2 * UNI_REACH as usize + 1, &targets);
            }
            if p > n || p < -2 {
                continue;
            }
            let c1 = self.char_at(p + 1);
            window(&mut targets, p - 1, 4);
            if !targets.is_empty() {
                f(key(Family::Bigram, &[c, c1]), 4, &targets);
            }
            if in_bounds(p) {
                let one = [(p as usize, 0u8)];
                f(key(Family::Skip, &[self.char_at(p - 1), c1]), 1, &one);
                let classes = [self.class_at(p - 1), self.class_at(p), self.class_at(p + 1)];
                f(key(Family::Classes, &classes), 1, &one);
            }
        }
        for (i, w) in self.words.iter().enumerate() {
            bmes(&mut targets, w.start, w.end);
            if w.pos != 0 {
                f(key(Family::WordPos, &[w.pos]), 4, &targets);
            }
            f(key(Family::Word, &[w.text]), 4, &targets);
            let before = if i > 0 && self.words[i - 1].end == w.start { self.words[i - 1].pos } else { 1 };
            let after = self.words.get(i + 1).filter(|n| n.start == w.end).map_or(1, |n| n.pos);
            f(key(Family::PosBefore, &[before, w.pos]), 1, &[(w.start, 0)]);
            f(key(Family::PosAfter, &[w.pos, after]), 1, &[(w.end - 1, 0)]);
        }
        for m in &self.matches {
            bmes(&mut targets, m.start, m.end);
            f(key(Family::MatchCategory, &[m.category]), 4, &targets);
            f(key(Family::MatchKind, &[m.kind]), 4, &targets);
        }
    }
}

/// The blocks B (0), M (1), E (2), S (3) of the characters `start..end`.
fn bmes(targets: &mut Vec<(usize, u8)>, start: usize, end: usize) {
    targets.clear();
    if end - start == 1 {
        targets.push((start, 3));
        return;
    }
    targets.push((start, 0));
    targets.extend((start + 1..end - 1).map(|p| (p, 1)));
    targets.push((end - 1, 2));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_fixed_values() {
        // A model file stores these keys: they must not change with the platform or the build.
        assert_ne!(key(Family::Unigram, &['京' as u64]), key(Family::Skip, &['京' as u64]));
        assert_eq!(hash_str("ns"), 0x5871_13f1_8d4d_32d8);
        assert_eq!(key(Family::Bigram, &['京' as u64, '津' as u64]), 0xd7dd_cbb6_2bf6_fff0);
    }

    #[test]
    fn every_target_is_in_bounds_and_every_character_is_covered() {
        let mut s = Sentence::new("京津冀协同发展");
        s.add_word(0, 3, Some("ns"));
        s.add_word(3, 5, Some("vn"));
        s.add_word(5, 7, Some("vn"));
        s.add_word(4, 6, Some("x")); // overlaps: ignored
        s.add_match(0, 3, "place", "region");
        let mut seen = vec![0; s.len()];
        s.for_each_feature(|_, blocks, targets| {
            for &(p, b) in targets {
                assert!(p < 7 && usize::from(b) < blocks);
                seen[p] += 1;
            }
        });
        assert!(seen.iter().all(|&n| n >= 12), "{seen:?}");
        assert_eq!(s.words.len(), 3);
    }

    #[test]
    fn a_span_cuts_a_word_when_it_starts_or_ends_inside_one() {
        let mut s = Sentence::new("党中央决策部署");
        s.add_word(0, 3, Some("nt"));
        s.add_word(3, 5, Some("n"));
        s.add_word(5, 7, Some("vn"));
        assert!(s.cuts_a_word(0, 6) && s.cuts_a_word(4, 5));
        assert!(!s.cuts_a_word(0, 3) && !s.cuts_a_word(0, 7) && !Sentence::new("党中央").cuts_a_word(0, 2));
    }

    #[test]
    fn full_width_digits_fold_to_ascii() {
        assert_eq!(Sentence::new("１９９８年").chars(), ['1', '9', '9', '8', '年']);
    }
}
