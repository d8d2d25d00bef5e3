//! Sentence splitting and word segmentation: the `segment` stage (jieba-rs) and the
//! `segment-mm` stage (dictionary maximum matching over the same dictionaries).
//!
//! Both stages write [`Layers::SENTENCES`] and [`Layers::TOKENS`]: sentence spans from
//! [`split_sentences`], then the words of each sentence, so that a token never crosses a
//! sentence boundary. Tokens cover the text except whitespace; punctuation marks are tokens of
//! their own (tag `x`). Spans are byte offsets into `doc.text`.
//!
//! - [`Segment`] (`use = "segment"`, configured by [`SegmentConfig`]): jieba's
//!   maximum-probability segmentation over its dictionary, with an HMM for unknown words, part
//!   of speech tags and a search mode.
//! - [`MaxMatch`] (`use = "segment-mm"`, configured by [`MaxMatchConfig`]): forward, backward or
//!   bidirectional maximum matching, to swap in where predictable, dictionary-only cuts matter.
//!
//! Both load user dictionaries in jieba's `word [freq] [tag]` format on top of jieba's own
//! ([`dictionary`]); `dictionaries/terms.dict` holds the region's policy vocabulary and names.
//! Both also segment full-width letters and digits as their half-width forms (`ＰＭ２．５`
//! stays whole) and join a number with the date unit after it (`2024年`), as the PKU and MSR
//! standards do; `cargo xtask eval segment DIR` scores both against the SIGHAN 2005 gold sets
//! (figures in the README).
//!
//! A key design decision, for speed: `segment` adds little to jieba's own `cut` (measured in
//! `benches/segment.rs` and `cargo xtask measure segment`). It cuts runs of whole sentences, up to
//! 4 KiB, in one jieba call (the same words as one call per sentence: no jieba block crosses a
//! sentence end), and joins dates as the words come. Tags would otherwise cost several times the cut: jieba's `tag`
//! guesses the part of speech of every word outside its dictionary with a second HMM, again at
//! every occurrence. But a word's tag in jieba depends on the word alone, so the stage keeps a
//! memo of the words it has tagged, looks each cut word up there, and tags only the words it
//! meets for the first time; its tags are exactly `Jieba::tag`'s. A memo holds up to 131,072
//! words (8 MB at most), then starts over; a stage keeps one per thread that segments at once,
//! for as long as it lives, so a long run pays for tagging a word about once.
//!
//! ```
//! use zhpipe_core::{Document, Stage};
//! use zhpipe_segment::{Segment, SegmentConfig};
//!
//! let stage = Segment::new(&SegmentConfig::default()).unwrap();
//! let mut doc = Document::from_text("demo", "我们研究生命起源。他说：“很好。”");
//! stage.process(&mut doc).unwrap();
//! let sentences: Vec<&str> = doc.sentences.iter().map(|s| doc.slice(*s)).collect();
//! assert_eq!(sentences, ["我们研究生命起源。", "他说：“很好。”"]);
//! let words: Vec<String> = doc.tokens.iter()
//!     .map(|t| format!("{}/{}", doc.slice(t.span), t.pos.unwrap()))
//!     .collect();
//! assert_eq!(words[..4], ["我们/r", "研究/vn", "生命/vn", "起源/n"]);
//! ```

pub mod dictionary;
mod maxmatch;
mod sentences;
mod width;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use rustc_hash::FxBuildHasher;

use jieba_rs::Jieba;
use serde::Deserialize;
use zhpipe_core::{
    ConfigError, Document, Layers, PosTag, Registry, Span, Stage, StageDescriptor, StageError, StageSpec, Token,
};

pub use maxmatch::Direction;
pub use sentences::{MAX_QUOTE_BYTES, split_sentences};

/// Registers `segment` (jieba-rs) and `segment-mm` (maximum matching).
pub fn register(registry: &mut Registry) {
    registry.register(&SEGMENT, build_segment);
    registry.register(&MAX_MATCH, build_max_match);
}

/// The `segment` stage (jieba-rs).
pub static SEGMENT: StageDescriptor = StageDescriptor::new(
    "segment",
    "sentences and words (jieba-rs, POS tags, user dictionaries)",
    Layers::TEXT,
    Layers::SENTENCES.union(Layers::TOKENS),
);

/// The `segment-mm` stage (maximum matching).
pub static MAX_MATCH: StageDescriptor = StageDescriptor::new(
    "segment-mm",
    "sentences and words by dictionary maximum matching (forward, backward, bidirectional)",
    Layers::TEXT,
    Layers::SENTENCES.union(Layers::TOKENS),
);

fn build_segment(spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    let mut config: SegmentConfig = spec.parse()?;
    config.user_dictionaries = config.user_dictionaries.iter().map(|p| spec.resolve(p)).collect();
    Ok(Box::new(Segment::new(&config)?))
}

fn build_max_match(spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    let mut config: MaxMatchConfig = spec.parse()?;
    config.user_dictionaries = config.user_dictionaries.iter().map(|p| spec.resolve(p)).collect();
    Ok(Box::new(MaxMatch::new(&config)?))
}

/// How jieba cuts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The most probable segmentation: every character in exactly one word.
    #[default]
    Default,
    /// Search-engine mode: each word of the default mode, preceded by the dictionary words of
    /// two and three characters inside it (`中华人民共和国` also gives `中华`, `华人`, `人民`,
    /// `共和`, `共和国`). Tokens then nest: they are ordered by start, longest first, and
    /// only the outermost ones cover the text without overlapping.
    Search,
}

/// The `[[stage]]` keys of `use = "segment"`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentConfig {
    /// User dictionaries in jieba's `word [freq] [tag]` format, loaded in order on top of
    /// jieba's built-in dictionary, relative to the config file; e.g.
    /// `["dictionaries/terms.dict"]`. A missing file or a bad line is a config error naming the
    /// file and the line.
    #[serde(default)]
    pub user_dictionaries: Vec<PathBuf>,
    /// Whether jieba's own dictionary is the base the user dictionaries are loaded on. Off, the
    /// user dictionaries alone are the vocabulary (a corpus's own word list: words without a
    /// frequency then count 1 each, so the fewest words win).
    #[serde(default = "yes")]
    pub jieba_dictionary: bool,
    /// Whether jieba's HMM joins runs of characters the dictionary does not know into new words
    /// (names, new terms). Off, such runs stay single characters.
    #[serde(default = "yes")]
    pub hmm: bool,
    /// `"default"` or `"search"` (see [`Mode`]).
    #[serde(default)]
    pub mode: Mode,
    /// Whether tokens carry jieba's part-of-speech tags (`n`, `v`, `ns`, `nr`, `x` for
    /// punctuation, …). Tagging a word the stage has not met before costs a jieba `tag` of it;
    /// words met before cost a lookup (see the crate docs).
    #[serde(default = "yes")]
    pub tags: bool,
    /// Whether full-width letters and digits (`２０２１`, `ＰＭ２．５`) are segmented as their
    /// half-width forms, which jieba keeps together; spans still point into the original text.
    #[serde(default = "yes")]
    pub fold_width: bool,
    /// Whether a number followed by `年`, `月`, `日` or `号` is one word (`2024年`, `5月`,
    /// `１１日`), tagged `t` (time), as in the PKU and MSR segmentation standards; jieba alone
    /// cuts `2024/年`.
    #[serde(default = "yes")]
    pub join_dates: bool,
}

fn yes() -> bool {
    true
}

impl Default for SegmentConfig {
    fn default() -> Self {
        Self {
            user_dictionaries: Vec::new(),
            jieba_dictionary: true,
            hmm: true,
            mode: Mode::Default,
            tags: true,
            fold_width: true,
            join_dates: true,
        }
    }
}

/// The `[[stage]]` keys of `use = "segment-mm"`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaxMatchConfig {
    /// User dictionaries, as for `segment`: loaded on top of jieba's dictionary, which is the
    /// vocabulary maximum matching matches against.
    #[serde(default)]
    pub user_dictionaries: Vec<PathBuf>,
    /// Whether jieba's own dictionary is the base the user dictionaries are loaded on. Off, the
    /// user dictionaries alone are the vocabulary (a corpus's own word list: words without a
    /// frequency then count 1 each, so the fewest words win).
    #[serde(default = "yes")]
    pub jieba_dictionary: bool,
    /// `"forward"`, `"backward"` or `"bidirectional"` (see [`Direction`]).
    #[serde(default)]
    pub direction: Direction,
    /// Whether full-width letters and digits are segmented as their half-width forms.
    #[serde(default = "yes")]
    pub fold_width: bool,
    /// Whether a number followed by `年`, `月`, `日` or `号` is one word (`2024年`).
    #[serde(default = "yes")]
    pub join_dates: bool,
}

impl Default for MaxMatchConfig {
    fn default() -> Self {
        Self {
            user_dictionaries: Vec::new(),
            jieba_dictionary: true,
            direction: Direction::Bidirectional,
            fold_width: true,
            join_dates: true,
        }
    }
}

/// jieba's dictionary (or, without `jieba_dictionary`, an empty one) with the user
/// dictionaries at `paths` loaded on top, in order.
pub fn load_jieba(paths: &[PathBuf], jieba_dictionary: bool) -> Result<Jieba, ConfigError> {
    let entries = paths.iter().map(|p| dictionary::load(p)).collect::<Result<Vec<_>, _>>()?;
    Ok(jieba_with(entries.iter().flatten(), jieba_dictionary))
}

/// jieba's dictionary (or an empty one) with `entries` added in order. Over an empty
/// dictionary, an entry without a frequency counts 1: jieba's suggested frequency needs a
/// base vocabulary to be computed against.
pub fn jieba_with<'e>(entries: impl IntoIterator<Item = &'e dictionary::Entry>, jieba_dictionary: bool) -> Jieba {
    let mut jieba = if jieba_dictionary { Jieba::new() } else { Jieba::empty() };
    for entry in entries {
        let freq = if jieba_dictionary { entry.freq } else { Some(entry.freq.unwrap_or(1)) };
        jieba.add_word(&entry.word, freq, entry.tag.as_ref().map(PosTag::as_str));
    }
    jieba
}

/// The longest stretch of text, in bytes, cut in one call: long enough that the per-call cost
/// of jieba (its thread-local scratch, a fresh result vector) vanishes, short enough that the
/// result vector stays in cache.
const CHUNK_BYTES: usize = 4 << 10;

/// Sentences first, then the words of runs of whole sentences, as spans of `text`.
///
/// `cut(chunk, base, tokens)` appends the words of `chunk` that are not whitespace, with
/// their byte spans in `chunk` shifted by `base`, and says whether one of them starts with an
/// ASCII digit (a number a date unit may follow).
///
/// A chunk is one sentence or several in a row, with the whitespace between them. Cutting
/// several at once gives the words of cutting each alone: every sentence ends after a
/// terminator, a closing mark or a line break, all outside the run of Han characters, letters,
/// digits and `+#&._%-` that jieba (and maximum matching) segment as one block, so no block
/// straddles a sentence boundary. A sentence to be width-folded is cut alone, folded.
fn segment_text(
    text: &str,
    options: Options,
    mut cut: impl FnMut(&str, usize, &mut Vec<Token>) -> bool,
) -> (Vec<Span>, Vec<Token>) {
    let mut sentences = Vec::new();
    split_sentences(text, &mut sentences);
    let mut tokens = Vec::with_capacity(text.len() / 3);
    // Most text has no full-width letters or digits: one scan of it spares a scan per sentence.
    let fold_any = options.fold_width && width::has_full_width_alphanumeric(text);
    let folds = |sentence: &Span| fold_any && width::has_full_width_alphanumeric(&text[sentence.range()]);
    let mut i = 0;
    while i < sentences.len() {
        let first_token = tokens.len();
        let sentence = sentences[i];
        let numbers = if folds(&sentence) {
            i += 1;
            let original = &text[sentence.range()];
            let folded = width::fold(original);
            let numbers = cut(&folded, 0, &mut tokens);
            let to_original = width::byte_map(&folded, original);
            for token in &mut tokens[first_token..] {
                token.span = Span::new(
                    sentence.start + to_original[token.span.start],
                    sentence.start + to_original[token.span.end],
                );
            }
            numbers
        } else {
            let mut end = sentence.end;
            i += 1;
            while let Some(next) =
                sentences.get(i).filter(|next| next.end - sentence.start <= CHUNK_BYTES && !folds(next))
            {
                end = next.end;
                i += 1;
            }
            cut(&text[sentence.start..end], sentence.start, &mut tokens)
        };
        if options.join_dates && numbers {
            join_dates(text, &mut tokens, first_token);
        }
    }
    (sentences, tokens)
}

/// A token from a word's byte range in a sentence that starts at `base`.
#[inline]
fn token(base: usize, start: usize, end: usize, pos: Option<PosTag>) -> Token {
    debug_assert!(start <= end);
    Token { span: Span { start: base + start, end: base + end }, pos }
}

/// What both segmenters do around the cutting itself.
#[derive(Clone, Copy)]
struct Options {
    fold_width: bool,
    join_dates: bool,
}

/// Joins a number token and the date unit right after it (`2024` `年` → `2024年`), in
/// `tokens[first..]`.
fn join_dates(text: &str, tokens: &mut Vec<Token>, first: usize) {
    let bytes = text.as_bytes();
    // This runs on every token: a number starts with an ASCII digit or a full-width one (lead
    // byte EF), and 年 月 日 号 are compared as UTF-8 bytes.
    let may_be_number = |token: &Token| {
        let lead = bytes[token.span.start];
        lead.wrapping_sub(b'0') < 10 || lead == 0xEF
    };
    let is_join = |token: &Token, next: &Token| {
        next.span.start == token.span.end
            && next.span.len() == 3
            && is_date_unit(&bytes[next.span.start..next.span.end])
            && text[token.span.range()].chars().all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
    };
    // Most sentences have nothing to join: find the first join before moving anything.
    let Some(offset) = tokens[first..].windows(2).position(|w| may_be_number(&w[0]) && is_join(&w[0], &w[1])) else {
        return;
    };
    let mut kept = first + offset;
    let mut i = kept;
    while i < tokens.len() {
        let token = tokens[i];
        match tokens.get(i + 1) {
            Some(next) if may_be_number(&token) && is_join(&token, next) => {
                let tag = token.pos.map(|_| time_tag());
                tokens[kept] = Token::new(Span::new(token.span.start, next.span.end), tag);
                i += 2;
            }
            _ => {
                tokens[kept] = token;
                i += 1;
            }
        }
        kept += 1;
    }
    tokens.truncate(kept);
}

/// Whether `word` starts with whitespace, judged on its UTF-8 bytes: this runs on every word,
/// and most words are ideographs or punctuation that is never whitespace.
#[inline]
fn is_space(word: &str) -> bool {
    match *word.as_bytes() {
        // Ideographs first: most words start with one.
        [0xE4..=0xE9, ..] => false,
        [b, ..] if b < 0x80 => matches!(b, b'\t'..=b'\r' | b' '),
        // U+0085, U+00A0; U+1680; U+2000–U+200A, U+2028, U+2029, U+202F, U+205F; U+3000.
        [0xC2, 0x85 | 0xA0, ..]
        | [0xE1, 0x9A, 0x80, ..]
        | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF, ..]
        | [0xE2, 0x81, 0x9F, ..]
        | [0xE3, 0x80, 0x80, ..] => true,
        _ => false,
    }
}

/// The `segment` stage: sentences, then words with jieba-rs.
pub struct Segment {
    jieba: Jieba,
    hmm: bool,
    mode: Mode,
    tags: bool,
    options: Options,
    memos: Mutex<Vec<TagMemo>>,
}

/// Two characters in no dictionary, so that tagging them needs the model for unknown words.
const UNKNOWN_WORD: &str = "㐀㐁";

impl Segment {
    /// Builds the stage, loading jieba's dictionary and the user dictionaries (paths as given).
    pub fn new(config: &SegmentConfig) -> Result<Self, ConfigError> {
        Ok(Self::with_jieba(load_jieba(&config.user_dictionaries, config.jieba_dictionary)?, config))
    }

    /// A stage over an already loaded `jieba` (whose dictionaries `config.user_dictionaries` is
    /// then not read again), so that several settings can share one dictionary load.
    pub fn with_jieba(jieba: Jieba, config: &SegmentConfig) -> Self {
        let options = Options { fold_width: config.fold_width, join_dates: config.join_dates };
        if config.tags {
            // jieba-rs decompresses its part-of-speech model for unknown words on first use
            // (~20 ms, once per process): pay it here, not in the first document's time.
            jieba.tag(UNKNOWN_WORD, true);
        }
        Self { jieba, hmm: config.hmm, mode: config.mode, tags: config.tags, options, memos: Mutex::default() }
    }

    /// The jieba instance, with the user dictionaries loaded.
    pub fn jieba(&self) -> &Jieba {
        &self.jieba
    }

    /// Sentence spans and word tokens of `text`.
    pub fn segment(&self, text: &str) -> (Vec<Span>, Vec<Token>) {
        // Memos are lent out one per caller, so that threads segmenting at once never wait
        // for each other, and each memo stays warm for the next document.
        let mut memo = self.memos.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
        // This stage joins dates as it cuts (see `cut`).
        let options = Options { join_dates: self.options.join_dates && self.mode == Mode::Search, ..self.options };
        let segmented = segment_text(text, options, |chunk, base, tokens| self.cut(chunk, base, tokens, &mut memo));
        self.memos.lock().unwrap_or_else(PoisonError::into_inner).push(memo);
        segmented
    }

    /// Cuts `chunk` into `tokens`, joining numbers and date units as it goes; says whether
    /// [`join_dates`] still has to look for joins (search mode).
    fn cut(&self, chunk: &str, base: usize, tokens: &mut Vec<Token>, memo: &mut TagMemo) -> bool {
        match (self.mode, self.tags) {
            (Mode::Default, true) => self.cut_default::<true>(chunk, base, tokens, memo),
            (Mode::Default, false) => self.cut_default::<false>(chunk, base, tokens, memo),
            (Mode::Search, tags) => {
                let mut words = self.jieba.cut_for_search(chunk, self.hmm);
                words.sort_by_key(|t| (t.byte_start, std::cmp::Reverse(t.byte_end)));
                // Tags come from the default cut: a search token that is one of its words gets
                // that word's tag; the parts inside it have none.
                let tagged = if tags { self.jieba.tag(chunk, self.hmm) } else { Vec::new() };
                let mut tagged = tagged.iter().peekable();
                let mut numbers = false;
                for t in words.iter().filter(|t| !is_space(t.word)) {
                    while tagged.next_if(|g| g.byte_start < t.byte_start).is_some() {}
                    let tag = tagged
                        .peek()
                        .filter(|g| g.byte_start == t.byte_start && g.byte_end == t.byte_end)
                        .and_then(|g| PosTag::new(g.tag));
                    numbers |= t.word.as_bytes()[0].is_ascii_digit();
                    tokens.push(token(base, t.byte_start, t.byte_end, tag));
                }
                numbers
            }
        }
    }

    /// The default cut of `chunk`, with tags from `memo` when `TAGS` (a constant, so that the
    /// loop without tags carries nothing of them).
    #[inline(always)]
    fn cut_default<const TAGS: bool>(
        &self,
        chunk: &str,
        base: usize,
        tokens: &mut Vec<Token>,
        memo: &mut TagMemo,
    ) -> bool {
        let words = self.jieba.cut(chunk, self.hmm);
        tokens.reserve(words.len());
        let join_dates = self.options.join_dates;
        // Where the last number ends: a date unit starting there joins it. Words follow each
        // other without gaps, so only the word right after a number can start there.
        let mut number_end = usize::MAX;
        for t in &words {
            // Most words start with an ideograph: neither whitespace nor a number, so only
            // the date unit check is left for them.
            if (0xE4..=0xE9).contains(&t.word.as_bytes()[0]) {
                if t.byte_start == number_end && is_date_unit(t.word.as_bytes()) {
                    let number = tokens.last_mut().expect("a number was pushed");
                    *number =
                        Token::new(Span::new(number.span.start, base + t.byte_end), number.pos.map(|_| time_tag()));
                    continue;
                }
            } else if is_space(t.word) {
                continue;
            } else if join_dates && is_number(t.word) {
                number_end = t.byte_end;
            }
            let tag = if TAGS {
                match memo.tag(t.word) {
                    Some(tag) => tag,
                    None => {
                        let tag = self
                            .tag_alone(t.word)
                            .unwrap_or_else(|| self.tag_in_clause(chunk, t.byte_start, t.byte_end));
                        memo.insert(t.word, tag);
                        tag
                    }
                }
            } else {
                None
            };
            tokens.push(token(base, t.byte_start, t.byte_end, tag));
        }
        false
    }

    /// The tag of the word at `start..end` of `chunk` from tagging the clause around it, which
    /// jieba cuts as it does inside the chunk: it runs between characters that jieba never puts
    /// in a word, where its blocks of Han characters, letters and digits end.
    fn tag_in_clause(&self, chunk: &str, start: usize, end: usize) -> Option<PosTag> {
        let from =
            chunk[..start].char_indices().rev().find(|&(_, c)| ends_blocks(c)).map_or(0, |(i, c)| i + c.len_utf8());
        let to = chunk[end..].char_indices().find(|&(_, c)| ends_blocks(c)).map_or(chunk.len(), |(i, _)| end + i);
        let tagged = self.jieba.tag(&chunk[from..to], self.hmm);
        let at = tagged.partition_point(|g| g.byte_start < start - from);
        debug_assert_eq!((tagged[at].byte_start, tagged[at].byte_end), (start - from, end - from));
        PosTag::new(tagged[at].tag)
    }

    /// The tag of `word` from tagging it alone, when that keeps it one word: a word's tag in
    /// jieba depends on the word only (its dictionary tag, or a guess from its characters).
    fn tag_alone(&self, word: &str) -> Option<Option<PosTag>> {
        match self.jieba.tag(word, true)[..] {
            [ref t] if t.word.len() == word.len() => Some(PosTag::new(t.tag)),
            _ => None,
        }
    }
}

/// Whether `c` is certainly outside the blocks jieba segments (runs of Han characters, ASCII
/// letters and digits, and `+#&._%-`): other ASCII, general punctuation, CJK punctuation and
/// full-width forms.
fn ends_blocks(c: char) -> bool {
    if c.is_ascii() {
        !(c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '&' | '.' | '_' | '%' | '-'))
    } else {
        matches!(c, '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')
    }
}

/// How many words a [`TagMemo`] holds before it starts over: more than the vocabulary of a
/// year of news, in 8 MB of table (2^18 slots of 32 bytes).
const MEMO_WORDS: usize = 1 << 17;

/// Words and their tags, as jieba tags them: a word's tag depends on the word alone, so a word
/// met before needs no tagging (which, for a word outside the dictionary, is a Viterbi pass of
/// jieba's tagging HMM). Words of up to 15 bytes (five Chinese characters), nearly all of them,
/// are keyed by their bytes packed into an integer, so a lookup neither follows a pointer nor
/// calls `memcmp`.
#[derive(Default)]
struct TagMemo {
    short: HashMap<u128, Option<PosTag>, FxBuildHasher>,
    long: HashMap<Box<str>, Option<PosTag>, FxBuildHasher>,
}

impl TagMemo {
    /// `word`'s bytes and length in one integer, if it is short enough: read as two words that
    /// may overlap, the overlap shifted out (no `memcpy` of a variable length).
    #[inline]
    fn key(word: &str) -> Option<u128> {
        let bytes = word.as_bytes();
        let n = bytes.len();
        let u32_at = |at: usize| u64::from(u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")));
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let text = match n {
            0 => 0,
            1..=3 => u64::from(bytes[0]) | u64::from(bytes[n / 2]) << 8 | u64::from(bytes[n - 1]) << 16,
            // The second read's first `8 - n` bytes repeat the first read's last ones.
            4..=7 => u32_at(0) | u32_at(n - 4) >> ((8 - n) * 8) << 32,
            8..=15 => {
                let tail = u64_at(n - 8) >> ((16 - n) * 8 - 1) >> 1;
                return Some(u128::from(u64_at(0)) | u128::from(tail) << 64 | (n as u128) << 120);
            }
            _ => return None,
        };
        Some(u128::from(text) | (n as u128) << 120)
    }

    #[inline]
    fn tag(&self, word: &str) -> Option<Option<PosTag>> {
        match Self::key(word) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(word).copied(),
        }
    }

    fn insert(&mut self, word: &str, tag: Option<PosTag>) {
        if self.short.len() + self.long.len() >= MEMO_WORDS {
            self.short.clear();
            self.long.clear();
        }
        match Self::key(word) {
            Some(key) => self.short.insert(key, tag),
            None => self.long.insert(word.into(), tag),
        };
    }
}

/// `年`, `月`, `日` or `号`, compared as UTF-8.
#[inline]
fn is_date_unit(bytes: &[u8]) -> bool {
    matches!(bytes, [0xE5, 0xB9, 0xB4] | [0xE6, 0x9C, 0x88] | [0xE6, 0x97, 0xA5] | [0xE5, 0x8F, 0xB7])
}

/// Whether `word` is digits, ASCII or full-width (a number a date unit joins).
#[inline]
fn is_number(word: &str) -> bool {
    // Most words start with neither kind of digit: no decoding for them.
    matches!(word.as_bytes(), [b'0'..=b'9', ..] | [0xEF, 0xBC, 0x90..=0x99, ..])
        && word.chars().all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}

fn time_tag() -> PosTag {
    PosTag::new("t").expect("a valid tag")
}

impl Stage for Segment {
    fn descriptor(&self) -> &'static StageDescriptor {
        &SEGMENT
    }

    fn process(&self, doc: &mut Document) -> Result<(), StageError> {
        let (sentences, tokens) = self.segment(&doc.text);
        store(doc, "segment", sentences, tokens);
        Ok(())
    }
}

fn store(doc: &mut Document, stage: &str, sentences: Vec<Span>, tokens: Vec<Token>) {
    if sentences.is_empty() {
        doc.note(stage, "no-sentences", "the text is empty or whitespace only");
    }
    doc.sentences = sentences;
    doc.tokens = tokens;
}

/// The `segment-mm` stage: sentences, then words by dictionary maximum matching.
pub struct MaxMatch {
    jieba: Jieba,
    direction: Direction,
    options: Options,
}

impl MaxMatch {
    /// Builds the stage, loading jieba's dictionary and the user dictionaries (paths as given).
    pub fn new(config: &MaxMatchConfig) -> Result<Self, ConfigError> {
        Ok(Self::with_jieba(load_jieba(&config.user_dictionaries, config.jieba_dictionary)?, config))
    }

    /// A stage matching against an already loaded `jieba`'s dictionary.
    pub fn with_jieba(jieba: Jieba, config: &MaxMatchConfig) -> Self {
        let options = Options { fold_width: config.fold_width, join_dates: config.join_dates };
        Self { jieba, direction: config.direction, options }
    }

    /// Sentence spans and word tokens of `text`.
    pub fn segment(&self, text: &str) -> (Vec<Span>, Vec<Token>) {
        segment_text(text, self.options, |sentence, base, tokens| {
            maxmatch::cut(&self.jieba, self.direction, sentence, base, tokens)
        })
    }
}

impl Stage for MaxMatch {
    fn descriptor(&self) -> &'static StageDescriptor {
        &MAX_MATCH
    }

    fn process(&self, doc: &mut Document) -> Result<(), StageError> {
        let (sentences, tokens) = self.segment(&doc.text);
        store(doc, "segment-mm", sentences, tokens);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use proptest::prelude::*;

    use super::*;

    fn jieba() -> &'static Jieba {
        static JIEBA: OnceLock<Jieba> = OnceLock::new();
        JIEBA.get_or_init(Jieba::new)
    }

    #[test]
    fn the_warm_up_word_reaches_the_model_for_unknown_words() {
        // Only a Han word outside the dictionary makes jieba-rs load that model.
        let tags = jieba().tag(UNKNOWN_WORD, true);
        let unknown =
            |word: &str| !jieba().has_word(word) && word.chars().all(|c| ('\u{3400}'..='\u{4dbf}').contains(&c));
        assert!(tags.iter().any(|t| unknown(t.word)), "{tags:?}");
    }

    #[test]
    fn is_space_agrees_with_unicode_on_every_char() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let word = format!("{c}x");
            assert_eq!(is_space(&word), c.is_whitespace(), "{c:?} U+{:04X}", c as u32);
        }
    }

    #[test]
    fn memo_starts_over_when_full() {
        let mut memo = TagMemo::default();
        let n = PosTag::new("n");
        for i in 0..MEMO_WORDS {
            memo.insert(&format!("词{i}"), n);
        }
        assert_eq!(memo.tag("词0"), Some(n));
        assert_eq!(memo.short.len() + memo.long.len(), MEMO_WORDS);
        memo.insert("一个十分长的外来新词语", None);
        assert_eq!(memo.short.len() + memo.long.len(), 1);
        assert_eq!(memo.tag("词0"), None);
        assert_eq!(memo.tag("一个十分长的外来新词语"), Some(None));
    }

    /// A word that jieba cuts differently alone (`初心` → `初/心`) takes its tag from its
    /// clause, and the clause's words are jieba's.
    #[test]
    fn a_word_cut_differently_alone_is_tagged_in_its_clause() {
        let stage = Segment::with_jieba(
            jieba().clone(),
            &SegmentConfig { fold_width: false, join_dates: false, ..SegmentConfig::default() },
        );
        for word in ["初心", "两国"] {
            assert_eq!(stage.tag_alone(word), None, "{word} is cut whole alone");
        }
        let text = "深刻认识党的百年奋斗的初心使命，尼中两国复交得到支持。";
        let words = |tokens: Vec<Token>| {
            tokens.iter().map(|t| format!("{}/{}", &text[t.span.range()], t.pos.unwrap())).collect::<Vec<_>>()
        };
        let expected: Vec<String> = jieba().tag(text, true).iter().map(|t| format!("{}/{}", t.word, t.tag)).collect();
        assert!(expected.contains(&"初心/n".to_owned()) && expected.contains(&"两国/ns".to_owned()), "{expected:?}");
        assert_eq!(words(stage.segment(text).1), expected);
        assert_eq!(words(stage.segment(text).1), expected, "from the memo");
    }

    /// Text with numbers, date units, full-width digits and sentence ends, where joins happen.
    fn dated_text() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "2024",
            "１１",
            "５",
            "3",
            "年",
            "月",
            "日",
            "号",
            "年度",
            "。",
            "，",
            "！",
            " ",
            "\n",
            "京津冀",
            "开会",
            "ＰＭ２．５",
            "2.5",
            "第",
            "号线",
        ]);
        prop::collection::vec(piece, 0..30).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// The stage joins dates while it cuts; `join_dates` over its unjoined tokens, which
        /// maximum matching and search mode use, must give the same tokens.
        #[test]
        fn joining_while_cutting_is_join_dates(text in dated_text(), tags in any::<bool>(), fold_width in any::<bool>()) {
            let config = SegmentConfig { tags, fold_width, ..SegmentConfig::default() };
            let joined = Segment::with_jieba(jieba().clone(), &config).segment(&text).1;
            let mut unjoined = Segment::with_jieba(jieba().clone(), &SegmentConfig { join_dates: false, ..config }).segment(&text).1;
            join_dates(&text, &mut unjoined, 0);
            prop_assert_eq!(joined, unjoined);
        }

        /// Memo keys are one to one: equal exactly for equal words.
        #[test]
        fn memo_keys_are_one_to_one(a in "[a京\u{80}\u{10000}]{0,8}", b in "[a京\u{80}\u{10000}]{0,8}") {
            match (TagMemo::key(&a), TagMemo::key(&b)) {
                (Some(x), Some(y)) => prop_assert_eq!(x == y, a == b),
                (x, y) => prop_assert!(x.is_none() && a.len() >= 16 || y.is_none() && b.len() >= 16),
            }
        }
    }
}
