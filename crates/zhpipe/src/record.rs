//! The output record: one JSON line per input document, processed or failed.
//!
//! [`Record`] is the one type that writes a line ([`Record::ok`], [`Record::error`], then
//! [`Record::to_line`]) and reads it back ([`Record::parse`]): the writer, `--resume` and the
//! report all go through it, so the format has one definition. Reading borrows every string it
//! can from the line. Every record carries [`SCHEMA`]; a line of another schema is refused with
//! a message saying which, rather than half read. `docs/record.schema.json` is the JSON Schema
//! of the format, kept in step with this type by a test.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use zhpipe_core::{
    Category, Document, EncodingReport, EntryNames, Layers, Meta, Note, Removed, SentenceLabels, Span, Token,
};

/// The record format version written in every record's `schema` field. Bumped whenever a field
/// changes meaning or a required field is added; adding an optional field does not bump it.
pub const SCHEMA: u32 = 1;

/// Whether the document was processed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every stage ran; the layers the chain produces are present.
    Ok,
    /// A stage (or reading the input) failed; `stage` and `error` say which and why.
    Error,
}

/// One output record. Layers the chain does not produce are absent, not empty; an error record
/// has `stage` and `error` and no text. Reading ignores fields it does not know, so that a
/// record with an optional field added later (which does not bump [`SCHEMA`]) still reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record<'a> {
    /// The record format, [`SCHEMA`].
    pub schema: u32,
    /// The document's id: its path, or the `id` of its JSONL input record.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// Processed or failed.
    pub status: Status,
    /// The stage that failed (`input` when the document could not be read).
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Cow<'a, str>>,
    /// Why it failed.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Cow<'a, str>>,
    /// How the bytes were decoded, when the input was bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Cow<'a, EncodingReport>>,
    /// Metadata, when a stage extracts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Cow<'a, Meta>>,
    /// The text every span points into.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Cow<'a, str>>,
    /// The text before a stage rewrote it (script conversion), which `original_span`s point into.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub original_text: Option<Cow<'a, str>>,
    /// Sentence spans, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentences: Option<Cow<'a, [Span]>>,
    /// The sentence spans in characters (code points) rather than bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence_chars: Option<Vec<Span>>,
    /// Word spans and tags, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Cow<'a, [Token]>>,
    /// Dictionary entries named in the text, sorted by span.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub mentions: Option<Vec<MentionRecord<'a>>>,
    /// Labels of the sentences that have any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Cow<'a, [SentenceLabels]>>,
    /// Blocks a stage removed from the text.
    #[serde(default, skip_serializing_if = "<[Removed]>::is_empty")]
    pub removed: Cow<'a, [Removed]>,
    /// What the stages did and found, always present in a processed record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Cow<'a, [Note]>>,
}

/// A mention with its entry's names spelled out, and where it was in the original script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentionRecord<'a> {
    /// Byte span in `text`.
    pub span: Span,
    /// The span in characters (code points) of `text`, what Python and pandas index by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chars: Option<Span>,
    /// The text of the span.
    #[serde(borrow)]
    pub surface: Cow<'a, str>,
    /// The entry's canonical id; aliases share it.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// The entry's kind (`province`, `organisation`, `person`, `policy`, …).
    #[serde(borrow)]
    pub kind: Cow<'a, str>,
    /// The entry's canonical name.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    /// The dictionary the entry came from.
    #[serde(borrow, default)]
    pub dictionary: Cow<'a, str>,
    /// The group the dictionary declares: `place`, `organisation`, `person`, `policy`, `other`.
    #[serde(default)]
    pub category: Category,
    /// Byte span in `original_text`, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_span: Option<Span>,
}

impl MentionRecord<'_> {
    /// The same mention owning its strings.
    pub fn into_owned(self) -> MentionRecord<'static> {
        MentionRecord {
            span: self.span,
            chars: self.chars,
            surface: Cow::Owned(self.surface.into_owned()),
            id: Cow::Owned(self.id.into_owned()),
            kind: Cow::Owned(self.kind.into_owned()),
            name: Cow::Owned(self.name.into_owned()),
            dictionary: Cow::Owned(self.dictionary.into_owned()),
            category: self.category,
            original_span: self.original_span,
        }
    }
}

/// A line that is not a record of this schema.
#[derive(Debug)]
pub enum RecordError {
    /// Not JSON, or not the shape of a record.
    Json(serde_json::Error),
    /// A record of another format version.
    Schema(u32),
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::Json(e) => write!(f, "not a zhpipe record: {e}"),
            RecordError::Schema(found) => {
                write!(f, "a record of schema {found}; this zhpipe reads and writes schema {SCHEMA}")
            }
        }
    }
}

impl std::error::Error for RecordError {}

impl<'a> Record<'a> {
    /// The record of a processed document; `layers` is what the chain provides.
    pub fn ok(doc: &'a Document, layers: Layers) -> Self {
        let has = |layer| layers.contains(layer);
        let mut chars = CharIndex::new(&doc.text);
        let mentions = has(Layers::MENTIONS).then(|| {
            doc.mentions
                .iter()
                .map(|m| {
                    let EntryNames { id, kind, name, dictionary, category } = m.names();
                    MentionRecord {
                        span: m.span(),
                        chars: Some(chars.span(m.span())),
                        surface: Cow::Borrowed(&doc.text[m.span().range()]),
                        id: Cow::Borrowed(id),
                        kind: Cow::Borrowed(kind),
                        name: Cow::Borrowed(name),
                        dictionary: Cow::Borrowed(dictionary),
                        category,
                        original_span: doc.original().map(|original| original.span_of(m.span())),
                    }
                })
                .collect()
        });
        Record {
            schema: SCHEMA,
            id: Cow::Borrowed(&doc.id),
            status: Status::Ok,
            stage: None,
            error: None,
            encoding: doc.encoding.as_ref().map(Cow::Borrowed),
            meta: has(Layers::META).then_some(Cow::Borrowed(&doc.meta)),
            text: has(Layers::TEXT).then_some(Cow::Borrowed(&doc.text)),
            original_text: doc.original().map(|original| Cow::Borrowed(original.text())),
            sentences: has(Layers::SENTENCES).then_some(Cow::Borrowed(&doc.sentences[..])),
            sentence_chars: has(Layers::SENTENCES).then(|| {
                let mut chars = CharIndex::new(&doc.text);
                doc.sentences.iter().map(|s| chars.span(*s)).collect()
            }),
            tokens: has(Layers::TOKENS).then_some(Cow::Borrowed(&doc.tokens[..])),
            mentions,
            labels: has(Layers::LABELS).then_some(Cow::Borrowed(&doc.labels[..])),
            removed: Cow::Borrowed(&doc.removed),
            notes: Some(Cow::Borrowed(&doc.notes)),
        }
    }

    /// The record of a document that failed at `stage`.
    pub fn error(id: &'a str, stage: &'a str, error: &'a str) -> Self {
        Record {
            schema: SCHEMA,
            id: Cow::Borrowed(id),
            status: Status::Error,
            stage: Some(Cow::Borrowed(stage)),
            error: Some(Cow::Borrowed(error)),
            encoding: None,
            meta: None,
            text: None,
            original_text: None,
            sentences: None,
            sentence_chars: None,
            tokens: None,
            mentions: None,
            labels: None,
            removed: Cow::Borrowed(&[]),
            notes: None,
        }
    }

    /// Reads one line, borrowing from it; refuses a record of another schema.
    pub fn parse(line: &'a str) -> Result<Self, RecordError> {
        #[derive(Deserialize)]
        struct Version {
            schema: Option<u32>,
        }
        match serde_json::from_str::<Record<'a>>(line) {
            Ok(record) if record.schema == SCHEMA => Ok(record),
            Ok(record) => Err(RecordError::Schema(record.schema)),
            // A record of another schema may not have this one's shape: say which it is.
            Err(e) => match serde_json::from_str::<Version>(line) {
                Ok(Version { schema: Some(found) }) if found != SCHEMA => Err(RecordError::Schema(found)),
                _ => Err(RecordError::Json(e)),
            },
        }
    }

    /// The same record owning every string and list, free of what it was built from.
    pub fn into_owned(self) -> Record<'static> {
        fn own<B: ?Sized + ToOwned>(cow: Cow<'_, B>) -> Cow<'static, B> {
            Cow::Owned(cow.into_owned())
        }
        Record {
            schema: self.schema,
            id: own(self.id),
            status: self.status,
            stage: self.stage.map(own),
            error: self.error.map(own),
            encoding: self.encoding.map(own),
            meta: self.meta.map(own),
            text: self.text.map(own),
            original_text: self.original_text.map(own),
            sentences: self.sentences.map(own),
            sentence_chars: self.sentence_chars,
            tokens: self.tokens.map(own),
            mentions: self.mentions.map(|mentions| mentions.into_iter().map(MentionRecord::into_owned).collect()),
            labels: self.labels.map(own),
            removed: own(self.removed),
            notes: self.notes.map(own),
        }
    }

    /// Whether the document was processed.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }

    /// The text (empty for an error record).
    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }

    /// The JSON line, without its newline.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("records serialise")
    }
}

/// The JSON line (without newline) of a processed document; `layers` is what the chain provides.
pub fn ok_line(doc: &Document, layers: Layers) -> String {
    Record::ok(doc, layers).to_line()
}

/// Converts byte offsets of one text to character offsets (Unicode code points), for offsets
/// that come in roughly increasing order: it counts from the last offset asked for, forwards or
/// backwards, so a document's spans cost one pass over its text.
pub struct CharIndex<'a> {
    text: &'a str,
    byte: usize,
    char: usize,
}

impl<'a> CharIndex<'a> {
    /// An index over `text`, starting at its beginning.
    pub fn new(text: &'a str) -> Self {
        Self { text, byte: 0, char: 0 }
    }

    /// The character offset of byte offset `byte`: the chars that start before it.
    pub fn of(&mut self, byte: usize) -> u32 {
        let byte = byte.min(self.text.len());
        let bytes = self.text.as_bytes();
        // A UTF-8 char starts at every byte that is not a continuation byte (0b10xx_xxxx).
        let starts = |range: &[u8]| range.iter().filter(|&&b| (b as i8) >= -0x40).count();
        if byte >= self.byte {
            self.char += starts(&bytes[self.byte..byte]);
        } else {
            self.char -= starts(&bytes[byte..self.byte]);
        }
        self.byte = byte;
        self.char as u32
    }

    /// A byte span as a character span.
    pub fn span(&mut self, span: Span) -> Span {
        Span { start: self.of(span.start) as usize, end: self.of(span.end) as usize }
    }
}

/// The JSON line (without newline) of a failed document.
pub fn error_line(id: &str, stage: &str, error: &str) -> String {
    Record::error(id, stage, error).to_line()
}

#[cfg(test)]
mod tests {
    use zhpipe_core::{Mentions, Span};

    use super::*;

    #[test]
    fn char_offsets_count_code_points_in_either_direction() {
        let text = "2024年京津冀𠀀a";
        let mut index = CharIndex::new(text);
        assert_eq!(index.of(7), 5);
        assert_eq!(index.of(16), 8);
        assert_eq!(index.of(4), 4);
        assert_eq!(index.of(text.len()), 10);
        assert_eq!(index.of(0), 0);
        assert_eq!(&text[7..16], "京津冀");
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[5..8].iter().collect::<String>(), "京津冀");
    }

    fn document() -> Document {
        let text = "京津冀\"协同\"发展。\n雄安新区";
        let mut doc = Document::from_text("dir/a \"b\".txt", text);
        doc.meta.title = Some("标题".into());
        doc.sentences = vec![Span::new(0, 27), Span::new(28, text.len())];
        let start = text.find("雄安新区").unwrap();
        doc.mentions = Mentions::from_names([(
            Span::new(start, text.len()),
            EntryNames {
                id: "zone:xiongan",
                kind: "zone",
                name: "雄安新区",
                dictionary: "places",
                category: Category::Place,
            },
        )]);
        doc.note_count("clean", "removed-breadcrumb", 1, "当前位置");
        doc
    }

    #[test]
    fn a_record_reads_back_as_it_was_written() {
        let doc = document();
        let line = ok_line(&doc, Layers::all());
        let record = Record::parse(&line).unwrap();
        assert_eq!(record, Record::ok(&doc, Layers::all()));
        assert_eq!(record.to_line(), line);
        let line = error_line("x<1>", "decode", "binary file");
        let record = Record::parse(&line).unwrap();
        assert_eq!((record.is_ok(), record.stage.as_deref(), record.text()), (false, Some("decode"), ""));
        assert_eq!(record.to_line(), line);
    }

    #[test]
    fn reading_borrows_strings_without_escapes() {
        let line = ok_line(&document(), Layers::all());
        let record = Record::parse(&line).unwrap();
        let mention = &record.mentions.as_ref().unwrap()[0];
        assert!(matches!(mention.surface, Cow::Borrowed("雄安新区")));
        assert!(matches!(mention.id, Cow::Borrowed(_)));
        // The id has quotes, escaped in JSON, so it cannot be borrowed.
        assert!(matches!(record.id, Cow::Owned(_)));
    }

    #[test]
    fn every_record_names_its_schema_first() {
        assert!(ok_line(&document(), Layers::TEXT).starts_with(&format!("{{\"schema\":{SCHEMA},\"id\":")));
        assert!(error_line("a", "b", "c").starts_with(&format!("{{\"schema\":{SCHEMA},\"id\":\"a\"")));
    }

    #[test]
    fn a_record_of_another_schema_is_refused_naming_it() {
        let line = ok_line(&document(), Layers::TEXT).replacen(&format!("\"schema\":{SCHEMA}"), "\"schema\":99", 1);
        let err = Record::parse(&line).unwrap_err();
        assert_eq!(err.to_string(), format!("a record of schema 99; this zhpipe reads and writes schema {SCHEMA}"));
        let err = Record::parse(r#"{"schema":2,"id":"a","status":"ok","entities":[]}"#).unwrap_err();
        assert!(matches!(err, RecordError::Schema(2)), "{err}");
        let err = Record::parse(r#"{"id":"a","status":"ok","text":""}"#).unwrap_err();
        assert!(err.to_string().starts_with("not a zhpipe record: missing field `schema`"), "{err}");
        let later = format!(r#"{{"schema":{SCHEMA},"id":"a","status":"ok","text":"x","later":1}}"#);
        assert_eq!(Record::parse(&later).unwrap().text(), "x", "an optional field added later is ignored");
    }
}
