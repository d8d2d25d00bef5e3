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
//! standards do; together these lift jieba's F1 on the SIGHAN 2005 gold sets from 0.818 to
//! 0.830 (PKU) and from 0.813 to 0.834 (MSR) (`cargo xtask eval segment DIR`).
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

use std::path::PathBuf;

use jieba_rs::Jieba;
use serde::Deserialize;
use zhpipe_core::{ConfigError, Document, Layers, PosTag, Registry, Span, Stage, StageError, StageSpec, Token};

pub use maxmatch::Direction;
pub use sentences::{MAX_QUOTE_BYTES, split_sentences};

/// Registers `segment` (jieba-rs) and `segment-mm` (maximum matching).
pub fn register(registry: &mut Registry) {
    registry.register("segment", "sentences and words (jieba-rs, POS tags, user dictionaries)", build_segment);
    registry.register(
        "segment-mm",
        "sentences and words by dictionary maximum matching (forward, backward, bidirectional)",
        build_max_match,
    );
}

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
    /// punctuation, …).
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
        Self { user_dictionaries: Vec::new(), jieba_dictionary: true, hmm: true, mode: Mode::Default, tags: true, fold_width: true, join_dates: true }
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
        Self { user_dictionaries: Vec::new(), jieba_dictionary: true, direction: Direction::Bidirectional, fold_width: true, join_dates: true }
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

/// Sentences first, then the words of each sentence, as spans of `text`.
///
/// `cut(sentence, base, tokens)` appends the words of `sentence` that are not whitespace, with
/// their byte spans in `sentence` shifted by `base`, and says whether one of them starts with an
/// ASCII digit (a number a date unit may follow).
fn segment_text(
    text: &str,
    options: Options,
    mut cut: impl FnMut(&str, usize, &mut Vec<Token>) -> bool,
) -> (Vec<Span>, Vec<Token>) {
    let mut sentences = Vec::new();
    split_sentences(text, &mut sentences);
    let mut tokens = Vec::with_capacity(text.len() / 3);
    for sentence in &sentences {
        let original = &text[sentence.range()];
        let first = tokens.len();
        let numbers;
        if options.fold_width && width::has_full_width_alphanumeric(original) {
            let folded = width::fold(original);
            numbers = cut(&folded, 0, &mut tokens);
            let to_original = width::byte_map(&folded, original);
            for token in &mut tokens[first..] {
                token.span = Span::new(sentence.start + to_original[token.span.start], sentence.start + to_original[token.span.end]);
            }
        } else {
            numbers = cut(original, sentence.start, &mut tokens);
        }
        if options.join_dates && numbers {
            join_dates(text, &mut tokens, first);
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
            && matches!(
                &bytes[next.span.start..next.span.end],
                [0xE5, 0xB9, 0xB4] | [0xE6, 0x9C, 0x88] | [0xE6, 0x97, 0xA5] | [0xE5, 0x8F, 0xB7]
            )
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
                let tag = token.pos.map(|_| PosTag::new("t").expect("valid tag"));
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

#[inline]
fn is_space(word: &str) -> bool {
    match word.as_bytes().first() {
        Some(b) if *b < 0x80 => matches!(b, b'\t'..=b'\r' | b' '),
        // CJK ideographs, never whitespace, without decoding.
        Some(0xE4..=0xE9) => false,
        _ => word.starts_with(char::is_whitespace),
    }
}

/// The `segment` stage: sentences, then words with jieba-rs.
pub struct Segment {
    jieba: Jieba,
    hmm: bool,
    mode: Mode,
    tags: bool,
    options: Options,
}

impl Segment {
    /// Builds the stage, loading jieba's dictionary and the user dictionaries (paths as given).
    pub fn new(config: &SegmentConfig) -> Result<Self, ConfigError> {
        Ok(Self::with_jieba(load_jieba(&config.user_dictionaries, config.jieba_dictionary)?, config))
    }

    /// A stage over an already loaded `jieba` (whose dictionaries `config.user_dictionaries` is
    /// then not read again), so that several settings can share one dictionary load.
    pub fn with_jieba(jieba: Jieba, config: &SegmentConfig) -> Self {
        let options = Options { fold_width: config.fold_width, join_dates: config.join_dates };
        Self { jieba, hmm: config.hmm, mode: config.mode, tags: config.tags, options }
    }

    /// The jieba instance, with the user dictionaries loaded.
    pub fn jieba(&self) -> &Jieba {
        &self.jieba
    }

    /// Sentence spans and word tokens of `text`.
    pub fn segment(&self, text: &str) -> (Vec<Span>, Vec<Token>) {
        segment_text(text, self.options, |sentence, base, tokens| self.cut(sentence, base, tokens))
    }

    fn cut(&self, sentence: &str, base: usize, tokens: &mut Vec<Token>) -> bool {
        let mut numbers = false;
        match (self.mode, self.tags) {
            (Mode::Default, true) => {
                for t in self.jieba.tag(sentence, self.hmm) {
                    if !is_space(t.word) {
                        numbers |= t.word.as_bytes()[0].is_ascii_digit();
                        tokens.push(token(base, t.byte_start, t.byte_end, PosTag::new(t.tag)));
                    }
                }
            }
            (Mode::Default, false) => {
                for t in self.jieba.cut(sentence, self.hmm) {
                    if !is_space(t.word) {
                        numbers |= t.word.as_bytes()[0].is_ascii_digit();
                        tokens.push(token(base, t.byte_start, t.byte_end, None));
                    }
                }
            }
            (Mode::Search, tags) => {
                let mut words = self.jieba.cut_for_search(sentence, self.hmm);
                words.sort_by_key(|t| (t.byte_start, std::cmp::Reverse(t.byte_end)));
                // Tags come from the default cut: a search token that is one of its words gets
                // that word's tag; the parts inside it have none.
                let tagged = if tags { self.jieba.tag(sentence, self.hmm) } else { Vec::new() };
                let mut tagged = tagged.iter().peekable();
                for t in words.iter().filter(|t| !is_space(t.word)) {
                    while tagged.next_if(|g| g.byte_start < t.byte_start).is_some() {}
                    let tag = tagged
                        .peek()
                        .filter(|g| g.byte_start == t.byte_start && g.byte_end == t.byte_end)
                        .and_then(|g| PosTag::new(g.tag));
                    numbers |= t.word.as_bytes()[0].is_ascii_digit();
                    tokens.push(token(base, t.byte_start, t.byte_end, tag));
                }
            }
        }
        numbers
    }
}

impl Stage for Segment {
    fn name(&self) -> &str {
        "segment"
    }

    fn requires(&self) -> Layers {
        Layers::TEXT
    }

    fn provides(&self) -> Layers {
        Layers::SENTENCES | Layers::TOKENS
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
    fn name(&self) -> &str {
        "segment-mm"
    }

    fn requires(&self) -> Layers {
        Layers::TEXT
    }

    fn provides(&self) -> Layers {
        Layers::SENTENCES | Layers::TOKENS
    }

    fn process(&self, doc: &mut Document) -> Result<(), StageError> {
        let (sentences, tokens) = self.segment(&doc.text);
        store(doc, "segment-mm", sentences, tokens);
        Ok(())
    }
}
