//! The compiled gazetteer: an automaton over every surface, and the table of entries its
//! matches point to.
//!
//! A key design decision: the automaton's value for a surface *is* the entry index (with its
//! flag bits), and a mention is that index into the entry table, which a document's mention
//! layer holds once ([`Mentions::table_id`]). So a match becomes a mention without touching the
//! entry, copying a string or counting a reference (with a 350,000-word list nearly every word is
//! a match), and loading a 350,000-entry gazetteer allocates a
//! handful of buffers rather than a million strings: names are read from the table only when a
//! record is written.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aho_corasick::AhoCorasick;
use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};
use zhpipe_artefact::ArtefactKind;
use zhpipe_core::{Category, EntryNames, EntryTable, Mention, Mentions, Overlap, Span, TableId, Token};

use crate::Error;
use crate::config::{AhoCorasickKind, CommonWords, CompileOptions, EngineKind};
use crate::dictionary::{Dictionaries, Source, flags};
use crate::hash::StableHasher;

/// Bumped whenever the layout of the compiled form changes, so old files are never misread
/// (it is in the cache key and in the artefact header).
const FORMAT_VERSION: u32 = 3;
/// Bumped whenever the rules that turn dictionaries into a gazetteer change (what they are
/// compiled to, or whether they are accepted at all): a cached file is loaded without parsing
/// the dictionaries again, so it must never stand for dictionaries the current rules would
/// refuse or read otherwise. 2: a surface with two ids needs `flags=overrides`, and a
/// dictionary without entries is refused.
const DICTIONARY_RULES: u32 = 2;
/// The compiled form is a zhpipe artefact: checked (kind, version, length, checksum) before its
/// payload is parsed.
const ARTEFACT: ArtefactKind = ArtefactKind {
    name: "compiled gazetteer",
    magic: *b"ZHPGAZET",
    version: FORMAT_VERSION,
    rebuild: "from the dictionaries (zhpipe compiles them again in place of a refused cache file)",
};
/// The start of the payload: key, options, table length, automaton length.
const PAYLOAD_HEADER_LEN: usize = 8 + 4 + 8 + 8;
const NO_PARENT: u32 = 0;

/// The entry table as stored in the compiled form (postcard). Strings are concatenated into
/// one buffer each so that loading costs one copy, not one allocation per entry.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Table {
    kinds: Vec<String>,
    dictionaries: Vec<String>,
    /// The category of each dictionary.
    categories: Vec<Category>,
    /// `id \t name \t attributes` of every entry, back to back (UTF-8, checked per entry on
    /// first use: checking all of it at load would cost more than the rest of loading).
    entry_text: Text,
    /// End of each entry's record in `entry_text`.
    entry_ends: Column,
    /// `kind | dictionary << 16`.
    entry_meta: Column,
    /// Parent entry index + 1; 0 when the entry has no parent in these dictionaries.
    entry_parent: Column,
    pattern_count: u32,
    /// aho-corasick automata cannot be serialised: for that engine the compiled form keeps the
    /// validated surfaces (and their values) so that start-up skips parsing and checking the
    /// dictionaries and only rebuilds the automaton. Empty for daachorse.
    pattern_text: String,
    pattern_ends: Column,
    pattern_values: Column,
}

/// UTF-8 text stored as a byte string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Text(Vec<u8>);

impl Text {
    fn push_str(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// The text of `range`; a range that is not UTF-8 (which a checksummed file written by
    /// `to_bytes` cannot hold) reads as U+FFFD.
    fn get(&self, range: std::ops::Range<usize>) -> &str {
        self.0.get(range).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("\u{fffd}")
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Text, E> {
                Ok(Text(bytes.to_vec()))
            }
        }
        d.deserialize_bytes(Visitor)
    }
}

/// A column of `u32`s stored as one little-endian byte string: postcard would write each
/// number as a varint and read it back one by one, a loop over every entry at load; as bytes,
/// loading it is a copy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Column(Vec<u32>);

impl std::ops::Deref for Column {
    type Target = Vec<u32>;
    fn deref(&self) -> &Vec<u32> {
        &self.0
    }
}

impl std::ops::DerefMut for Column {
    fn deref_mut(&mut self) -> &mut Vec<u32> {
        &mut self.0
    }
}

impl Serialize for Column {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = self.0.iter().flat_map(|v| v.to_le_bytes()).collect();
        s.serialize_bytes(&bytes)
    }
}

impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Column;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte string of little-endian u32s")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Column, E> {
                if !bytes.len().is_multiple_of(4) {
                    return Err(E::custom("column length is not a multiple of 4"));
                }
                let values = bytes.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")));
                Ok(Column(values.collect()))
            }
        }
        d.deserialize_bytes(Visitor)
    }
}

enum Automaton {
    /// No patterns at all.
    Empty,
    Daachorse(CharwiseDoubleArrayAhoCorasick<u32>),
    AhoCorasick {
        automaton: AhoCorasick,
        values: Vec<u32>,
    },
}

/// Rules applied to matches when building mentions (they do not change the compiled form).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatchRules {
    /// Keep only mentions on token boundaries when tokens exist.
    pub token_boundaries: bool,
    /// When common-word surfaces count.
    pub common_words: CommonWords,
}

/// One entry of a gazetteer, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryRef<'a> {
    /// Canonical id.
    pub id: &'a str,
    /// Canonical name.
    pub name: &'a str,
    /// Kind.
    pub kind: &'a str,
    /// Dictionary name.
    pub dictionary: &'a str,
    /// The category the dictionary declares.
    pub category: Category,
    /// Attributes other than flags (`role=…`).
    pub attributes: &'a str,
    /// The parent entry's index.
    pub parent: Option<usize>,
}

/// How [`Gazetteer::open`] got its gazetteer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded from this compiled file.
    Loaded(PathBuf),
    /// Compiled from the dictionaries and written to this file.
    Written(PathBuf),
    /// Compiled from the dictionaries; the file could not be written (the reason).
    NotWritten(String),
    /// Compiled from the dictionaries; no cache directory was given.
    Disabled,
}

/// Dictionaries compiled into one automaton.
pub struct Gazetteer {
    options: CompileOptions,
    rules: MatchRules,
    entries: Arc<Entries>,
    automaton: Automaton,
}

/// The entry table, shared with the mentions it names.
struct Entries(Table);

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entries").field("entries", &self.0.entry_ends.len()).finish_non_exhaustive()
    }
}

impl Entries {
    /// Entry `index`. Panics when out of range.
    fn entry(&self, index: usize) -> EntryRef<'_> {
        let table = &self.0;
        let start = if index == 0 { 0 } else { table.entry_ends[index - 1] as usize };
        let record = table.entry_text.get(start..table.entry_ends[index] as usize);
        let mut parts = record.splitn(3, '\t');
        let (id, name, attributes) =
            (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let meta = table.entry_meta[index];
        let parent = table.entry_parent[index];
        EntryRef {
            id,
            name,
            attributes,
            kind: &table.kinds[(meta & 0xffff) as usize],
            dictionary: &table.dictionaries[(meta >> 16) as usize],
            category: table.categories[(meta >> 16) as usize],
            parent: (parent != NO_PARENT).then(|| parent as usize - 1),
        }
    }
}

impl EntryTable for Entries {
    fn len(&self) -> usize {
        self.0.entry_ends.len()
    }

    fn names(&self, index: u32) -> EntryNames<'_> {
        let entry = self.entry(index as usize);
        EntryNames {
            id: entry.id,
            kind: entry.kind,
            name: entry.name,
            dictionary: entry.dictionary,
            category: entry.category,
        }
    }

    fn kind(&self, index: u32) -> &str {
        &self.0.kinds[(self.0.entry_meta[index as usize] & 0xffff) as usize]
    }
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gazetteer")
            .field("options", &self.options)
            .field("rules", &self.rules)
            .field("entries", &self.entry_count())
            .field("patterns", &self.pattern_count())
            .finish()
    }
}

impl Gazetteer {
    /// Parses, validates and compiles dictionaries given as text.
    pub fn from_sources(sources: &[Source], options: CompileOptions) -> Result<Self, Error> {
        Self::build(&Dictionaries::parse(sources)?, options)
    }

    /// Compiles validated dictionaries.
    pub fn build(dictionaries: &Dictionaries, options: CompileOptions) -> Result<Self, Error> {
        let mut table = Table {
            dictionaries: dictionaries.names.clone(),
            categories: dictionaries.categories.clone(),
            ..Table::default()
        };
        let mut kind_index = std::collections::HashMap::new();
        let parents = dictionaries.parent_indices();
        for (entry, parent) in dictionaries.entries.iter().zip(&parents) {
            let next = kind_index.len();
            let kind = *kind_index.entry(entry.kind.as_str()).or_insert_with(|| {
                table.kinds.push(entry.kind.clone());
                next
            });
            if kind > u16::MAX as usize || entry.dictionary > u16::MAX as usize {
                return Err(Error::compiled("more than 65,536 kinds or dictionaries"));
            }
            for (i, part) in [&entry.id, &entry.name, &entry.attributes].into_iter().enumerate() {
                if i > 0 {
                    table.entry_text.push('\t');
                }
                table.entry_text.push_str(part);
            }
            let end = u32::try_from(table.entry_text.len()).map_err(|_| Error::compiled("entry table over 4 GiB"))?;
            table.entry_ends.push(end);
            table.entry_meta.push(kind as u32 | (entry.dictionary as u32) << 16);
            table.entry_parent.push(parent.map_or(NO_PARENT, |p| p + 1));
        }
        let patterns: Vec<(&str, u32)> = dictionaries
            .patterns
            .iter()
            .filter(|p| options.short_aliases || p.flags & flags::SHORT == 0)
            .map(|p| (p.surface.as_str(), p.entry | p.flags))
            .collect();
        table.pattern_count = patterns.len() as u32;
        let automaton = match options.engine {
            _ if patterns.is_empty() => Automaton::Empty,
            EngineKind::Daachorse => Automaton::Daachorse(build_daachorse(&patterns, options.overlapping)?),
            EngineKind::AhoCorasick => {
                for (surface, value) in &patterns {
                    table.pattern_text.push_str(surface);
                    table.pattern_ends.push(table.pattern_text.len() as u32);
                    table.pattern_values.push(*value);
                }
                let automaton = build_aho_corasick(patterns.iter().map(|p| p.0), &options)?;
                Automaton::AhoCorasick { automaton, values: table.pattern_values.0.clone() }
            }
        };
        Ok(Self::assemble(options, table, automaton))
    }

    fn assemble(options: CompileOptions, table: Table, automaton: Automaton) -> Self {
        Self { options, rules: MatchRules::default(), entries: Arc::new(Entries(table)), automaton }
    }

    /// Reads the dictionaries and returns the gazetteer compiled from them, loading it from
    /// `cache_dir` when a compiled file for exactly these contents, engine and options is there,
    /// and writing one otherwise.
    pub fn open(
        paths: &[PathBuf],
        options: CompileOptions,
        cache_dir: Option<&Path>,
    ) -> Result<(Self, CacheOutcome), Error> {
        let sources = paths.iter().map(|p| Source::read(p)).collect::<Result<Vec<_>, _>>()?;
        let Some(dir) = cache_dir else {
            return Ok((Self::from_sources(&sources, options)?, CacheOutcome::Disabled));
        };
        let key = cache_key(&sources, &options);
        let path = dir.join(format!("gazetteer-{key:016x}.bin"));
        if let Ok(bytes) = std::fs::read(&path) {
            // A damaged or foreign file is rebuilt, not trusted.
            if let Ok(gazetteer) = Self::from_bytes(&bytes, Some(key)) {
                return Ok((gazetteer, CacheOutcome::Loaded(path)));
            }
        }
        let gazetteer = Self::from_sources(&sources, options)?;
        let written = std::fs::create_dir_all(dir)
            .and_then(|()| zhpipe_artefact::write_atomically(&path, &gazetteer.to_bytes(key)));
        let outcome = match written {
            Ok(()) => CacheOutcome::Written(path),
            Err(e) => CacheOutcome::NotWritten(format!("{}: {e}", path.display())),
        };
        Ok((gazetteer, outcome))
    }

    /// The compiled form: a zhpipe artefact (see `zhpipe_artefact`) whose payload is the key,
    /// the options, the lengths of the two parts, the entry table (postcard) and, for daachorse,
    /// the automaton in daachorse's own format.
    pub fn to_bytes(&self, key: u64) -> Vec<u8> {
        let table = postcard::to_stdvec(&self.entries.0).expect("serialising into memory cannot fail");
        let automaton = match &self.automaton {
            Automaton::Daachorse(a) => a.serialize(),
            Automaton::Empty | Automaton::AhoCorasick { .. } => Vec::new(),
        };
        let mut header = Vec::with_capacity(PAYLOAD_HEADER_LEN);
        header.extend_from_slice(&key.to_le_bytes());
        header.extend_from_slice(&encode_options(&self.options));
        header.extend_from_slice(&(table.len() as u64).to_le_bytes());
        header.extend_from_slice(&(automaton.len() as u64).to_le_bytes());
        zhpipe_artefact::encode_parts(&ARTEFACT, &[&header, &table, &automaton])
    }

    /// Loads a compiled form written by [`Gazetteer::to_bytes`], checking its key when given.
    pub fn from_bytes(bytes: &[u8], expected_key: Option<u64>) -> Result<Self, Error> {
        let payload = zhpipe_artefact::decode(bytes, &ARTEFACT).map_err(Error::artefact)?;
        // The artefact's checksum matched, so what follows is what `to_bytes` wrote, but only
        // `to_bytes` of this format version: the lengths are checked rather than trusted.
        if payload.len() < PAYLOAD_HEADER_LEN {
            return Err(Error::compiled("contents shorter than their own header"));
        }
        let u64_at = |at: usize| u64::from_le_bytes(payload[at..at + 8].try_into().expect("8 bytes"));
        let key = u64_at(0);
        if expected_key.is_some_and(|k| k != key) {
            return Err(Error::compiled("compiled for other dictionaries or options"));
        }
        let options = decode_options(payload[8..12].try_into().expect("4 bytes"))?;
        let (table_len, automaton_len) = (u64_at(12), u64_at(20));
        let body = &payload[PAYLOAD_HEADER_LEN..];
        if table_len.checked_add(automaton_len) != Some(body.len() as u64) {
            return Err(Error::compiled("the lengths of the entry table and the automaton do not add up"));
        }
        let (table_bytes, automaton_bytes) = body.split_at(table_len as usize);
        let table: Table = postcard::from_bytes(table_bytes).map_err(|e| Error::compiled(e.to_string()))?;
        check_table(&table)?;
        let automaton = match options.engine {
            _ if table.pattern_count == 0 => Automaton::Empty,
            #[allow(unsafe_code)]
            EngineKind::Daachorse => {
                // Validating the automaton on load would cost as much as parsing it; the
                // checksum already rules out a truncated or damaged cache file.
                // SAFETY: the bytes are exactly what `serialize` wrote: the checksum over them
                // matches the one written beside them, and the format version is in the header.
                // (The cache directory is trusted like the binary: a file crafted to pass the
                // checksum is out of scope.)
                let (automaton, rest) =
                    unsafe { CharwiseDoubleArrayAhoCorasick::<u32>::deserialize_unchecked(automaton_bytes) };
                if !rest.is_empty() {
                    return Err(Error::compiled("trailing bytes after the automaton"));
                }
                Automaton::Daachorse(automaton)
            }
            EngineKind::AhoCorasick => {
                let mut start = 0;
                let surfaces = table.pattern_ends.iter().map(|&end| {
                    let s = &table.pattern_text[start..end as usize];
                    start = end as usize;
                    s
                });
                let automaton = build_aho_corasick(surfaces, &options)?;
                Automaton::AhoCorasick { automaton, values: table.pattern_values.0.clone() }
            }
        };
        Ok(Self::assemble(options, table, automaton))
    }

    /// Sets the rules applied when building mentions.
    pub fn with_rules(mut self, rules: MatchRules) -> Self {
        self.rules = rules;
        self
    }

    /// The options it was compiled with.
    pub fn options(&self) -> CompileOptions {
        self.options
    }

    /// Number of canonical entries.
    pub fn entry_count(&self) -> usize {
        self.entries.0.entry_ends.len()
    }

    /// Number of surfaces in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.entries.0.pattern_count as usize
    }

    /// Entry `index`. Panics when out of range.
    pub fn entry(&self, index: usize) -> EntryRef<'_> {
        self.entries.entry(index)
    }

    /// Calls `f(start, end, value)` for every match of the bare engine, in the engine's order:
    /// leftmost-longest, or every overlapping match when compiled so. `value` is the entry index
    /// with the [`flags`] bits.
    #[inline]
    pub fn for_each_match(&self, text: &str, mut f: impl FnMut(usize, usize, u32)) {
        match &self.automaton {
            Automaton::Empty => {}
            Automaton::Daachorse(a) if self.options.overlapping => {
                for m in a.find_overlapping_iter(text) {
                    f(m.start(), m.end(), m.value());
                }
            }
            Automaton::Daachorse(a) => {
                for m in a.leftmost_find_iter(text) {
                    f(m.start(), m.end(), m.value());
                }
            }
            Automaton::AhoCorasick { automaton, values } if self.options.overlapping => {
                for m in automaton.find_overlapping_iter(text) {
                    f(m.start(), m.end(), values[m.pattern().as_usize()]);
                }
            }
            Automaton::AhoCorasick { automaton, values } => {
                for m in automaton.find_iter(text) {
                    f(m.start(), m.end(), values[m.pattern().as_usize()]);
                }
            }
        }
    }

    /// The mentions in `text` as a layer of their own, ordered by span. `tokens` (possibly
    /// empty) serve the token rules.
    pub fn find(&self, text: &str, tokens: &[Token]) -> Mentions {
        let mut layer = Mentions::new();
        let table = layer.table_id(&self.entry_table());
        let mut found = Vec::new();
        self.find_into(text, tokens, table, &mut found);
        layer.append(found, Overlap::Keep);
        layer
    }

    /// The entry table the mentions point into, to add to a document's layer
    /// ([`Mentions::table_id`]).
    pub fn entry_table(&self) -> Arc<dyn EntryTable> {
        self.entries.clone()
    }

    /// Appends the mentions in `text` to `out`, ordered by span, as entries of `table` (the id
    /// of [`entry_table`](Self::entry_table) in the layer they are for).
    pub fn find_into(&self, text: &str, tokens: &[Token], table: TableId, out: &mut Vec<Mention>) {
        let first = out.len();
        let check_tokens = self.rules.token_boundaries && !tokens.is_empty();
        // Inlined into each engine's loop: a call per match would keep the iterator's state in
        // memory rather than registers (daachorse's own iterator says as much).
        self.for_each_match(
            text,
            #[inline(always)]
            |start, end, value| {
                // Nearly every match of a large word list has no flag and no rule to pass: one
                // test for all of them.
                const RULED: u32 = flags::BLOCK | flags::COMMON | flags::WITHIN_TOKEN;
                if value & RULED == 0 && !check_tokens {
                    out.push(Mention::new(Span::new(start, end), table, value & flags::ENTRY_MASK));
                    return;
                }
                if value & flags::BLOCK != 0 {
                    return;
                }
                let entry = (value & flags::ENTRY_MASK) as usize;
                if value & flags::COMMON != 0 && !self.common_word_counts(entry, start, end, tokens, &out[first..]) {
                    return;
                }
                if check_tokens && !(is_token_boundary(tokens, start) && is_token_boundary(tokens, end)) {
                    return;
                }
                if value & flags::WITHIN_TOKEN != 0 && straddles_tokens(tokens, start, end) {
                    return;
                }
                out.push(Mention::new(Span::new(start, end), table, entry as u32));
            },
        );
        if self.options.overlapping {
            // Engines report overlapping matches by end; mentions are ordered by span.
            out[first..].sort_unstable_by_key(|m| (m.span.start, m.span.end));
        }
    }

    /// The rule for place names that are also common words: they count right after a mention
    /// of one of their ancestors (天津和平, 广东中山) or, with `place-token`, when the segmenter
    /// tagged exactly that span as a place name.
    fn common_word_counts(&self, entry: usize, start: usize, end: usize, tokens: &[Token], before: &[Mention]) -> bool {
        match self.rules.common_words {
            CommonWords::Always => return true,
            CommonWords::Never => return false,
            CommonWords::Context => {}
            CommonWords::PlaceToken => {
                let i = tokens.partition_point(|t| t.span.start < start);
                if tokens.get(i).is_some_and(|t| {
                    t.span == Span::new(start, end) && t.pos.is_some_and(|p| p.as_str().starts_with("ns"))
                }) {
                    return true;
                }
            }
        }
        for previous in before.iter().rev() {
            if previous.span.end > start {
                continue;
            }
            if previous.span.end < start {
                break;
            }
            // `before` holds this call's mentions only, so their indices are into this table.
            let parents = &self.entries.0.entry_parent;
            let mut ancestor = parents[entry];
            for _ in 0..8 {
                if ancestor == NO_PARENT {
                    break;
                }
                if previous.entry == ancestor - 1 {
                    return true;
                }
                ancestor = parents[ancestor as usize - 1];
            }
        }
        false
    }
}

/// Whether a token boundary lies strictly inside `start..end` (false without tokens).
fn straddles_tokens(tokens: &[Token], start: usize, end: usize) -> bool {
    let i = tokens.partition_point(|t| t.span.end <= start);
    tokens.get(i).is_some_and(|t| (t.span.start > start && t.span.start < end) || t.span.end < end)
}

fn is_token_boundary(tokens: &[Token], at: usize) -> bool {
    let i = tokens.partition_point(|t| t.span.end < at);
    tokens.get(i).is_some_and(|t| t.span.end == at || t.span.start == at)
        || tokens.get(i + 1).is_some_and(|t| t.span.start == at)
}

fn build_daachorse(patterns: &[(&str, u32)], overlapping: bool) -> Result<CharwiseDoubleArrayAhoCorasick<u32>, Error> {
    let kind = if overlapping { MatchKind::Standard } else { MatchKind::LeftmostLongest };
    CharwiseDoubleArrayAhoCorasickBuilder::new()
        .match_kind(kind)
        .build_with_values(patterns.iter().copied())
        .map_err(Error::engine)
}

fn build_aho_corasick<'a>(
    surfaces: impl IntoIterator<Item = &'a str>,
    options: &CompileOptions,
) -> Result<AhoCorasick, Error> {
    let kind = match options.aho_corasick_kind {
        AhoCorasickKind::Auto => None,
        AhoCorasickKind::NfaNoncontiguous => Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA),
        AhoCorasickKind::NfaContiguous => Some(aho_corasick::AhoCorasickKind::ContiguousNFA),
        AhoCorasickKind::Dfa => Some(aho_corasick::AhoCorasickKind::DFA),
    };
    let match_kind =
        if options.overlapping { aho_corasick::MatchKind::Standard } else { aho_corasick::MatchKind::LeftmostLongest };
    AhoCorasick::builder().match_kind(match_kind).kind(kind).build(surfaces).map_err(Error::engine)
}

fn encode_options(options: &CompileOptions) -> [u8; 4] {
    [
        match options.engine {
            EngineKind::Daachorse => 0,
            EngineKind::AhoCorasick => 1,
        },
        match options.aho_corasick_kind {
            AhoCorasickKind::Auto => 0,
            AhoCorasickKind::NfaNoncontiguous => 1,
            AhoCorasickKind::NfaContiguous => 2,
            AhoCorasickKind::Dfa => 3,
        },
        options.overlapping as u8,
        options.short_aliases as u8,
    ]
}

fn decode_options(bytes: [u8; 4]) -> Result<CompileOptions, Error> {
    let bad = || Error::compiled("unknown compile options");
    Ok(CompileOptions {
        engine: match bytes[0] {
            0 => EngineKind::Daachorse,
            1 => EngineKind::AhoCorasick,
            _ => return Err(bad()),
        },
        aho_corasick_kind: match bytes[1] {
            0 => AhoCorasickKind::Auto,
            1 => AhoCorasickKind::NfaNoncontiguous,
            2 => AhoCorasickKind::NfaContiguous,
            3 => AhoCorasickKind::Dfa,
            _ => return Err(bad()),
        },
        overlapping: bytes[2] != 0,
        short_aliases: bytes[3] != 0,
    })
}

/// Checks the invariants `entry` and `mention` rely on, so a bad table is an error at load
/// rather than a panic mid-run.
fn check_table(t: &Table) -> Result<(), Error> {
    let n = t.entry_ends.len();
    let bad = |what: &str| Err(Error::compiled(format!("inconsistent entry table: {what}")));
    if t.entry_meta.len() != n || t.entry_parent.len() != n || t.categories.len() != t.dictionaries.len() {
        return bad("column lengths differ");
    }
    let mut start = 0;
    for &end in t.entry_ends.iter() {
        if (end as usize) < start || end as usize > t.entry_text.len() {
            return bad("entry offsets");
        }
        start = end as usize;
    }
    if t.entry_meta.iter().any(|m| (m & 0xffff) as usize >= t.kinds.len() || (m >> 16) as usize >= t.dictionaries.len())
    {
        return bad("kind or dictionary index");
    }
    if t.entry_parent.iter().any(|&p| p as usize > n) {
        return bad("parent index");
    }
    if t.pattern_ends.len() != t.pattern_values.len()
        || t.pattern_values.iter().any(|v| (v & flags::ENTRY_MASK) as usize >= n)
    {
        return bad("pattern values");
    }
    let mut start = 0;
    for &end in t.pattern_ends.iter() {
        if (end as usize) < start || !t.pattern_text.is_char_boundary(end as usize) {
            return bad("pattern offsets");
        }
        start = end as usize;
    }
    Ok(())
}

/// The cache key: the format version, the version of the dictionary rules, the compile options
/// and every dictionary's name and contents, in order.
pub fn cache_key(sources: &[Source], options: &CompileOptions) -> u64 {
    let mut h = StableHasher::new();
    h.write(&FORMAT_VERSION.to_le_bytes());
    h.write(&DICTIONARY_RULES.to_le_bytes());
    h.write(&encode_options(options));
    h.write(&(sources.len() as u64).to_le_bytes());
    for source in sources {
        h.write_str(&source.name);
        h.write_str(&source.text);
    }
    h.finish()
}
