//! The document model that flows through the chain.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::{Layers, OffsetMap};

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

/// The names of one dictionary entry, as a mention reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct EntryNames<'a> {
    /// Canonical id of the entry, e.g. `place:130000`; aliases share it.
    pub id: &'a str,
    /// Kind of entry: `province`, `prefecture`, `county`, `organisation`, `person`, `policy`, …
    pub kind: &'a str,
    /// Canonical name of the entry, e.g. `河北省` for the surface `河北`.
    pub name: &'a str,
    /// The dictionary the entry came from (file stem).
    pub dictionary: &'a str,
}

/// The entries that mentions point to, by index: a gazetteer's compiled dictionaries, or one
/// entry made by hand ([`Mention::new`]).
///
/// A mention holds an index into a table rather than its own strings, so that finding a
/// million mentions copies no string, touches no entry and counts no references per string.
pub trait EntryTable: Send + Sync + fmt::Debug {
    /// The names of entry `index`. Only called with indices the table gave out.
    fn names(&self, index: u32) -> EntryNames<'_>;

    /// The kind of entry `index` (the hot accessor: override it when it is cheaper than
    /// [`EntryTable::names`]).
    fn kind(&self, index: u32) -> &str {
        self.names(index).kind
    }
}

/// The table a batch of mentions shares, counted: each mention holds one reference. One is
/// made per call of the matcher, so that threads finding mentions at once never count
/// references to the same object.
///
/// Like an `Arc`, except that a [`MentionWriter`] counts the references of the mentions it
/// writes in bulk (one atomic operation per thousand mentions rather than one per mention: with
/// a large word list nearly every word is a mention, and a counted reference each cost the
/// gazetteer a sixth of its speed).
pub struct MentionTable {
    shared: NonNull<SharedTable>,
}

struct SharedTable {
    references: AtomicUsize,
    table: Arc<dyn EntryTable>,
}

// SAFETY: `SharedTable` is `Send + Sync` (an atomic and an `Arc` of a `Send + Sync` table), and
// a handle only reads it or changes its count atomically, as an `Arc` does.
unsafe impl Send for MentionTable {}
unsafe impl Sync for MentionTable {}

/// References a writer counts at once.
const CREDIT: usize = 1024;

impl MentionTable {
    /// A handle for mentions of `table`'s entries.
    pub fn new(table: Arc<dyn EntryTable>) -> Self {
        let shared = Box::new(SharedTable { references: AtomicUsize::new(1), table });
        Self { shared: NonNull::from(Box::leak(shared)) }
    }

    fn shared(&self) -> &SharedTable {
        // SAFETY: the shared part lives as long as any handle (this one counts).
        unsafe { self.shared.as_ref() }
    }

    /// The entry table.
    pub fn table(&self) -> &Arc<dyn EntryTable> {
        &self.shared().table
    }

    /// Whether two handles are of the same table.
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        a.shared == b.shared
    }

    /// A writer appending mentions of this table to `out`.
    pub fn writer<'a>(&'a self, out: &'a mut Vec<Mention>) -> MentionWriter<'a> {
        let first = out.len();
        // SAFETY: one past the last mention is within (or one past) the buffer.
        let next = unsafe { out.as_mut_ptr().add(first) };
        MentionWriter { table: self, first, out, next, credit: 0 }
    }

    fn add_references(&self, n: usize) {
        // As `Arc::clone`: relaxed, since a new reference is made from an existing one; abort
        // rather than wrap the count.
        if self.shared().references.fetch_add(n, Ordering::Relaxed) > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// Drops `n` references (`n` ≥ 1, at most the ones this handle's owner holds beside it).
    fn release(&self, n: usize) {
        // As `Arc::drop`.
        if self.shared().references.fetch_sub(n, Ordering::Release) != n {
            return;
        }
        std::sync::atomic::fence(Ordering::Acquire);
        // SAFETY: that was the last reference; the box was leaked by `new`.
        drop(unsafe { Box::from_raw(self.shared.as_ptr()) });
    }

    #[cfg(test)]
    fn references(&self) -> usize {
        self.shared().references.load(Ordering::Relaxed)
    }
}

impl Clone for MentionTable {
    fn clone(&self) -> Self {
        self.add_references(1);
        Self { shared: self.shared }
    }
}

impl Drop for MentionTable {
    fn drop(&mut self) {
        self.release(1);
    }
}

impl fmt::Debug for MentionTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The table may hold hundreds of thousands of entries: name it, do not print it.
        f.debug_struct("MentionTable").finish_non_exhaustive()
    }
}

/// Appends mentions of one [`MentionTable`] to a vector, counting their references to it in
/// bulk.
///
/// References are counted ahead, a thousand at a time, and the unused ones are given back when
/// the writer is dropped, so every mention in the vector is always counted (a writer leaked
/// with `mem::forget` leaks its credit, never frees the table early).
pub struct MentionWriter<'a> {
    table: &'a MentionTable,
    out: &'a mut Vec<Mention>,
    first: usize,
    /// Where the next mention goes: `out`'s length counts the mentions written only when the
    /// writer refills or is dropped, so that a mention is one write and one increment.
    next: *mut Mention,
    /// References counted, and room reserved, for this many more mentions.
    credit: usize,
}

impl MentionWriter<'_> {
    /// Appends a mention of entry `entry`.
    #[inline]
    pub fn push(&mut self, span: Span, entry: u32) {
        if self.credit == 0 {
            self.refill();
        }
        self.credit -= 1;
        // A copy of the handle without counting: the credit taken by `refill` counts it.
        let table = MentionTable { shared: self.table.shared };
        // SAFETY: `refill` reserved room for as many mentions as there is credit, and the
        // vector is borrowed by the writer alone.
        unsafe {
            self.next.write(Mention { span, entry, table });
            self.next = self.next.add(1);
        }
    }

    /// The length of `out` with the mentions written so far.
    fn len(&self) -> usize {
        // SAFETY: `next` points into (or one past) `out`'s buffer.
        unsafe { self.next.offset_from(self.out.as_ptr()) as usize }
    }

    /// Counts references and reserves room for the next [`CREDIT`] mentions.
    #[cold]
    #[inline(never)]
    fn refill(&mut self) {
        let len = self.len();
        // SAFETY: the mentions up to `len` are written.
        unsafe { self.out.set_len(len) };
        self.out.reserve(CREDIT);
        self.table.add_references(CREDIT);
        self.credit = CREDIT;
        // SAFETY: `len` is within the (possibly moved) buffer.
        self.next = unsafe { self.out.as_mut_ptr().add(len) };
    }

    /// The mentions appended so far.
    pub fn written(&self) -> &[Mention] {
        let len = self.len();
        // SAFETY: the mentions from `first` to `len` are written, and borrowed with `self`.
        unsafe { std::slice::from_raw_parts(self.out.as_ptr().add(self.first), len - self.first) }
    }
}

impl Drop for MentionWriter<'_> {
    fn drop(&mut self) {
        let len = self.len();
        // SAFETY: the mentions up to `len` are written; the vector owns them from here on.
        unsafe { self.out.set_len(len) };
        if self.credit > 0 {
            // The writer's table handle holds a reference of its own, so this is never the last.
            self.table.release(self.credit);
        }
    }
}

/// One entry made by hand, for mentions that come from no gazetteer (tests, records read
/// back).
#[derive(Debug)]
struct OwnedEntry {
    id: Box<str>,
    kind: Box<str>,
    name: Box<str>,
    dictionary: Box<str>,
}

impl EntryTable for OwnedEntry {
    fn names(&self, _: u32) -> EntryNames<'_> {
        EntryNames { id: &self.id, kind: &self.kind, name: &self.name, dictionary: &self.dictionary }
    }
}

/// A dictionary entry found in the text: its span and the entry, as an index into the table
/// of the gazetteer that found it (shared by all the mentions of one call).
///
/// Equality compares the span and the entry's names, so mentions of the same entry found by
/// two gazetteers (two engines) are equal. Serialised as `{span, id, kind, name, dictionary}`.
#[derive(Clone)]
pub struct Mention {
    /// Where the surface form is in the text.
    pub span: Span,
    entry: u32,
    table: MentionTable,
}

impl Mention {
    /// A mention of an entry made by hand (the strings are copied into a table of one entry).
    pub fn new(span: Span, id: &str, kind: &str, name: &str, dictionary: &str) -> Self {
        let entry = OwnedEntry { id: id.into(), kind: kind.into(), name: name.into(), dictionary: dictionary.into() };
        Self { span, entry: 0, table: MentionTable::new(Arc::new(entry)) }
    }

    /// A mention of entry `entry` of `table` (to write many, see [`MentionTable::writer`]).
    pub fn in_table(span: Span, table: &MentionTable, entry: u32) -> Self {
        Self { span, entry, table: table.clone() }
    }

    /// The entry's index in its table ([`Mention::table`]).
    #[inline]
    pub fn entry(&self) -> u32 {
        self.entry
    }

    /// The table the entry is in.
    pub fn table(&self) -> &MentionTable {
        &self.table
    }

    /// All the names of the entry at once (cheaper than the four accessors one by one).
    pub fn names(&self) -> EntryNames<'_> {
        self.table.table().names(self.entry)
    }

    /// Canonical id of the entry, e.g. `place:130000`; aliases share it.
    pub fn id(&self) -> &str {
        self.names().id
    }

    /// Kind of entry: `province`, `prefecture`, `county`, `organisation`, `person`, `policy`, …
    pub fn kind(&self) -> &str {
        self.table.table().kind(self.entry)
    }

    /// Canonical name of the entry, e.g. `河北省` for the surface `河北`.
    pub fn name(&self) -> &str {
        self.names().name
    }

    /// The dictionary the entry came from (file stem).
    pub fn dictionary(&self) -> &str {
        self.names().dictionary
    }
}

impl PartialEq for Mention {
    fn eq(&self, other: &Self) -> bool {
        self.span == other.span
            && ((MentionTable::ptr_eq(&self.table, &other.table) && self.entry == other.entry)
                || self.names() == other.names())
    }
}

impl Eq for Mention {}

impl fmt::Debug for Mention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names();
        f.debug_struct("Mention")
            .field("span", &self.span)
            .field("id", &names.id)
            .field("kind", &names.kind)
            .field("name", &names.name)
            .field("dictionary", &names.dictionary)
            .finish()
    }
}

/// The serialised form of a mention.
#[derive(Serialize, Deserialize)]
struct MentionFields<S> {
    span: Span,
    id: S,
    kind: S,
    name: S,
    dictionary: S,
}

impl Serialize for Mention {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let EntryNames { id, kind, name, dictionary } = self.names();
        MentionFields { span: self.span, id, kind, name, dictionary }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Mention {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = MentionFields::<String>::deserialize(d)?;
        Ok(Mention::new(m.span, &m.id, &m.kind, &m.name, &m.dictionary))
    }
}

/// One theme label with its score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// Label id from the taxonomy, e.g. `transport`.
    pub label: String,
    /// Model score; higher is more confident. Comparable within one model only.
    pub score: f32,
    /// What made the model choose the label (terms that fired), when asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// The labels of one sentence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SentenceLabels {
    /// Index into [`Document::sentences`].
    pub sentence: usize,
    /// Labels, best first.
    pub labels: Vec<Label>,
}

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

/// One document on its way through the chain.
#[derive(Clone, Debug, Default)]
pub struct Document {
    /// Stable id: the path relative to the input root, or the `id` of a JSONL record.
    pub id: String,
    /// Undecoded input bytes; emptied by decode.
    pub raw: Vec<u8>,
    /// How `raw` was decoded.
    pub encoding: Option<EncodingReport>,
    /// Metadata.
    pub meta: Meta,
    /// The current text. All spans point into it.
    pub text: String,
    /// The text before script conversion, when a conversion changed it.
    pub original_text: Option<String>,
    /// Maps spans of `text` back to `original_text`.
    pub original_offsets: Option<OffsetMap>,
    /// Sentence spans, in order, not overlapping.
    pub sentences: Vec<Span>,
    /// Word spans, in order, not overlapping.
    pub tokens: Vec<Token>,
    /// Gazetteer mentions, ordered by span.
    pub mentions: Vec<Mention>,
    /// Labels per sentence.
    pub labels: Vec<SentenceLabels>,
    /// Blocks removed by cleaning, when kept for audit.
    pub removed: Vec<Removed>,
    /// What the stages changed or doubted.
    pub notes: Vec<Note>,
    /// The layers filled so far.
    pub layers: Layers,
}

impl Document {
    /// A document from undecoded bytes.
    pub fn from_bytes(id: impl Into<String>, raw: Vec<u8>) -> Self {
        Self { id: id.into(), raw, layers: Layers::RAW, ..Self::default() }
    }

    /// A document whose text is already decoded.
    pub fn from_text(id: impl Into<String>, text: impl Into<String>) -> Self {
        Self { id: id.into(), text: text.into(), layers: Layers::TEXT, ..Self::default() }
    }

    /// Records a note from `stage`.
    pub fn note(&mut self, stage: &str, kind: &str, message: impl Into<String>) {
        self.notes.push(Note { stage: stage.to_owned(), kind: kind.to_owned(), message: message.into(), count: None });
    }

    /// Records a counted note from `stage`, e.g. 3 removed widgets.
    pub fn note_count(&mut self, stage: &str, kind: &str, count: u64, message: impl Into<String>) {
        self.notes.push(Note {
            stage: stage.to_owned(),
            kind: kind.to_owned(),
            message: message.into(),
            count: Some(count),
        });
    }

    /// The text of a span.
    #[track_caller]
    pub fn slice(&self, span: Span) -> &str {
        &self.text[span.range()]
    }

    /// Replaces the text, dropping every annotation that pointed into the old one.
    ///
    /// Text-rewriting stages call this, so that a stale span can never survive a rewrite.
    pub fn set_text(&mut self, text: String) {
        self.text = text;
        self.sentences.clear();
        self.tokens.clear();
        self.mentions.clear();
        self.labels.clear();
        self.layers.remove(Layers::ANNOTATIONS);
        self.layers.insert(Layers::TEXT);
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

    #[test]
    fn pos_tag_round_trips_and_rejects_bad_tags() {
        let tag = PosTag::new("nrfg").unwrap();
        assert_eq!(tag.as_str(), "nrfg");
        assert_eq!(serde_json::to_string(&tag).unwrap(), "\"nrfg\"");
        assert!(PosTag::new("").is_none());
        assert!(PosTag::new("toolongtag").is_none());
        assert!(PosTag::new("名词").is_none());
    }

    #[test]
    fn mentions_compare_and_serialise_by_their_names() {
        let m = Mention::new(Span::new(0, 6), "place:130000", "province", "河北省", "places");
        assert_eq!((m.id(), m.kind(), m.name(), m.dictionary()), ("place:130000", "province", "河北省", "places"));
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            json,
            r#"{"span":[0,6],"id":"place:130000","kind":"province","name":"河北省","dictionary":"places"}"#
        );
        let back: Mention = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        assert!(!MentionTable::ptr_eq(back.table(), m.table()));
        let other = Mention::new(Span::new(0, 6), "place:130000", "province", "河北省", "people");
        assert_ne!(other, m);
        assert_ne!(Mention::new(Span::new(0, 3), "place:130000", "province", "河北省", "places"), m);
    }

    #[test]
    fn mentions_of_one_table_share_it() {
        #[derive(Debug)]
        struct Numbers;
        impl EntryTable for Numbers {
            fn names(&self, index: u32) -> EntryNames<'_> {
                let id = ["n:0", "n:1"][index as usize];
                EntryNames { id, kind: "number", name: id, dictionary: "numbers" }
            }
        }
        let table = MentionTable::new(Arc::new(Numbers));
        let one = Mention::in_table(Span::new(0, 3), &table, 1);
        let zero = Mention::in_table(Span::new(0, 3), &table, 0);
        assert_eq!((one.entry(), one.id(), one.kind()), (1, "n:1", "number"));
        assert_ne!(one, zero);
        assert_eq!(one, Mention::new(Span::new(0, 3), "n:1", "number", "n:1", "numbers"));
        assert_eq!(table.references(), 3);
    }

    #[derive(Debug)]
    struct Counted {
        /// Alive as long as the table: its count tells when the table was freed.
        _alive: Arc<()>,
    }
    impl EntryTable for Counted {
        fn names(&self, _: u32) -> EntryNames<'_> {
            EntryNames { id: "c:0", kind: "c", name: "c", dictionary: "c" }
        }
    }

    #[test]
    fn a_writer_counts_every_mention_and_the_last_reference_frees_the_table() {
        let alive = Arc::new(());
        let table = MentionTable::new(Arc::new(Counted { _alive: alive.clone() }));
        let mut out = vec![Mention::new(Span::new(0, 0), "x", "x", "x", "x")];
        let n = 2 * CREDIT + 5;
        let mut writer = table.writer(&mut out);
        for i in 0..n {
            writer.push(Span::new(i, i + 1), 0);
        }
        assert_eq!(writer.written().len(), n);
        let copy = writer.written()[7].clone();
        drop(writer);
        assert_eq!(table.references(), 1 + n + 1);
        assert_eq!(out.len(), n + 1);
        assert!(MentionTable::ptr_eq(out[1].table(), &table));
        let last = out.pop().unwrap();
        out.truncate(CREDIT);
        assert_eq!(table.references(), 1 + (CREDIT - 1) + 1 + 1);
        drop(table);
        drop(out);
        drop(copy);
        assert_eq!(Arc::strong_count(&alive), 2, "one mention still holds the table");
        assert_eq!(last.id(), "c:0");
        drop(last);
        assert_eq!(Arc::strong_count(&alive), 1, "the table is freed with its last mention");
    }

    #[test]
    fn a_leaked_writer_leaks_its_credit_and_frees_nothing_early() {
        let alive = Arc::new(());
        let table = MentionTable::new(Arc::new(Counted { _alive: alive.clone() }));
        let mut out = Vec::new();
        let mut writer = table.writer(&mut out);
        writer.push(Span::new(0, 1), 0);
        std::mem::forget(writer);
        drop(table);
        drop(out);
        assert_eq!(Arc::strong_count(&alive), 2);
    }

    #[test]
    fn mentions_cross_threads_with_their_table() {
        let alive = Arc::new(());
        let table = MentionTable::new(Arc::new(Counted { _alive: alive.clone() }));
        let mut out = Vec::new();
        let mut writer = table.writer(&mut out);
        (0..100).for_each(|i| writer.push(Span::new(i, i), 0));
        drop(writer);
        drop(table);
        let halves: Vec<Vec<Mention>> = vec![out.split_off(50), out];
        std::thread::scope(|s| {
            for half in halves {
                s.spawn(move || {
                    assert!(half.iter().all(|m| m.kind() == "c"));
                    drop(half);
                });
            }
        });
        assert_eq!(Arc::strong_count(&alive), 1);
    }

    #[test]
    fn set_text_drops_stale_annotations() {
        let mut doc = Document::from_text("d", "京津冀");
        doc.tokens.push(Token::new(Span::new(0, 9), None));
        doc.layers.insert(Layers::TOKENS);
        doc.set_text("京津".into());
        assert!(doc.tokens.is_empty());
        assert!(!doc.layers.contains(Layers::TOKENS));
    }
}
