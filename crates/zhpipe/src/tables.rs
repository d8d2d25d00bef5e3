//! Records as tables: `documents.parquet`, `sentences.parquet`, `mentions.parquet` and, when
//! tokens are written, `tokens.parquet`, one row per document, sentence, mention and word.
//!
//! Every table has `doc_id`; every span has `start`/`end` in characters (Unicode code points,
//! what Python's `str` and pandas index by) and `start_byte`/`end_byte` in UTF-8 bytes (what
//! the JSON records hold), so `text[start:end]` in Python is the span. Rows are appended in
//! record order and written in batches; a row group is closed once its encoded size passes
//! [`ROW_GROUP_BYTES`], so memory stays bounded for any corpus. Strings are zstd-compressed and
//! dictionary-encoded where values repeat (ids, kinds, words, tags); offsets are delta-encoded.
//! Each file carries the record schema version in its key-value metadata (`zhpipe.schema`).

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{Float32Builder, ListBuilder, StringBuilder, UInt32Builder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::record::{CharIndex, Record, SCHEMA};

/// Rows buffered per table before they are handed to the Parquet writer as one batch.
const BATCH_ROWS: usize = 32_768;
/// Encoded bytes after which a table's row group is closed and written out.
pub const ROW_GROUP_BYTES: usize = 64 << 20;

fn string(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn required_string(name: &str) -> Field {
    Field::new(name, DataType::Utf8, false)
}

fn u32_field(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::UInt32, nullable)
}

/// One table being written: its file, its schema and the columns of the rows not yet written.
struct Table<C> {
    out: Out,
    schema: Arc<Schema>,
    columns: C,
    rows: usize,
    written: u64,
}

/// Where a table's batches go.
enum Out {
    /// A Parquet file, written under a temporary name until it is whole.
    File { path: PathBuf, tmp: PathBuf, writer: Box<ArrowWriter<File>> },
    /// Kept in memory, for a caller that takes Arrow batches (the Python package).
    Memory(Vec<RecordBatch>),
}

/// The columns of a table as builders, turned into arrays when a batch is full.
trait Columns: Default {
    /// Columns whose values rarely repeat (texts), which dictionary encoding would only slow.
    const UNIQUE: &'static [&'static str] = &[];
    fn schema() -> Schema;
    fn finish(&mut self) -> Vec<ArrayRef>;
}

impl<C: Columns> Table<C> {
    fn create(dir: &Path, name: &str) -> parquet::errors::Result<Self> {
        let schema = Arc::new(C::schema());
        let path = dir.join(format!("{name}.parquet"));
        let tmp = dir.join(format!(".{name}.parquet.tmp"));
        let file = File::create(&tmp)?;
        let mut properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_key_value_metadata(Some(vec![KeyValue::new("zhpipe.schema".into(), SCHEMA.to_string())]));
        for column in C::UNIQUE {
            properties = properties.set_column_dictionary_enabled(ColumnPath::from(*column), false);
        }
        // Offsets and indices rise through a document in small steps: delta-encoded they take a
        // few bits a value, where a dictionary would hash every value and still fall back to
        // plain, and zstd finds little to do with either.
        for field in schema.fields().iter().filter(|f| f.data_type() == &DataType::UInt32) {
            let column = ColumnPath::from(field.name().as_str());
            properties = properties
                .set_column_dictionary_enabled(column.clone(), false)
                .set_column_encoding(column.clone(), Encoding::DELTA_BINARY_PACKED)
                .set_column_compression(column, Compression::UNCOMPRESSED);
        }
        let properties = properties.build();
        let writer = Box::new(ArrowWriter::try_new(file, schema.clone(), Some(properties))?);
        Ok(Self { out: Out::File { path, tmp, writer }, schema, columns: C::default(), rows: 0, written: 0 })
    }

    fn in_memory() -> Self {
        let schema = C::schema()
            .with_metadata(std::collections::HashMap::from([("zhpipe.schema".to_owned(), SCHEMA.to_string())]));
        Self { out: Out::Memory(Vec::new()), schema: Arc::new(schema), columns: C::default(), rows: 0, written: 0 }
    }

    /// Counts a row added to the columns, writing a batch when enough have gathered.
    fn row_added(&mut self) -> parquet::errors::Result<()> {
        self.rows += 1;
        if self.rows >= BATCH_ROWS { self.write_batch() } else { Ok(()) }
    }

    fn write_batch(&mut self) -> parquet::errors::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let batch = RecordBatch::try_new(self.schema.clone(), self.columns.finish())?;
        self.written += self.rows as u64;
        self.rows = 0;
        match &mut self.out {
            Out::File { writer, .. } => {
                writer.write(&batch)?;
                if writer.in_progress_size() >= ROW_GROUP_BYTES {
                    writer.flush()?;
                }
            }
            Out::Memory(batches) => batches.push(batch),
        }
        Ok(())
    }

    /// Writes what is left and the footer, and renames the file into place.
    fn finish(mut self) -> parquet::errors::Result<(PathBuf, u64)> {
        self.write_batch()?;
        match self.out {
            Out::File { path, tmp, writer } => {
                let file = writer.into_inner()?;
                zhpipe_artefact::persist(file, &tmp, &path)?;
                Ok((path, self.written))
            }
            Out::Memory(_) => Err(parquet::errors::ParquetError::General("an in-memory table has no file".into())),
        }
    }

    fn into_batches(mut self, name: &'static str) -> Result<InMemoryTable, arrow_schema::ArrowError> {
        if self.rows > 0 {
            let batch = RecordBatch::try_new(self.schema.clone(), self.columns.finish())?;
            if let Out::Memory(batches) = &mut self.out {
                batches.push(batch);
            }
        }
        let batches = match self.out {
            Out::Memory(batches) => batches,
            Out::File { .. } => Vec::new(),
        };
        Ok(InMemoryTable { name, schema: self.schema, batches })
    }
}

#[derive(Default)]
struct DocumentColumns {
    id: StringBuilder,
    status: StringBuilder,
    stage: StringBuilder,
    error: StringBuilder,
    title: StringBuilder,
    published: StringBuilder,
    source: StringBuilder,
    site: StringBuilder,
    url: StringBuilder,
    author: StringBuilder,
    encoding: StringBuilder,
    chars: UInt64Builder,
    sentences: UInt32Builder,
    mentions: UInt32Builder,
    text: StringBuilder,
    original_text: StringBuilder,
    meta: StringBuilder,
}

impl Columns for DocumentColumns {
    const UNIQUE: &'static [&'static str] = &["id", "title", "url", "text", "original_text", "meta"];

    fn schema() -> Schema {
        Schema::new(vec![
            required_string("id"),
            required_string("status"),
            string("stage"),
            string("error"),
            string("title"),
            string("published"),
            string("source"),
            string("site"),
            string("url"),
            string("author"),
            string("encoding"),
            Field::new("chars", DataType::UInt64, false),
            u32_field("sentences", true),
            u32_field("mentions", true),
            string("text"),
            string("original_text"),
            string("meta"),
        ])
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.id.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.stage.finish()),
            Arc::new(self.error.finish()),
            Arc::new(self.title.finish()),
            Arc::new(self.published.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.site.finish()),
            Arc::new(self.url.finish()),
            Arc::new(self.author.finish()),
            Arc::new(self.encoding.finish()),
            Arc::new(self.chars.finish()),
            Arc::new(self.sentences.finish()),
            Arc::new(self.mentions.finish()),
            Arc::new(self.text.finish()),
            Arc::new(self.original_text.finish()),
            Arc::new(self.meta.finish()),
        ]
    }
}

/// The columns every span table begins with: the document, the sentence the span is in, and
/// the span in characters and in UTF-8 bytes.
#[derive(Default)]
struct SpanColumns {
    doc_id: StringBuilder,
    sentence: UInt32Builder,
    start: UInt32Builder,
    end: UInt32Builder,
    start_byte: UInt32Builder,
    end_byte: UInt32Builder,
}

impl SpanColumns {
    /// The fields, `sentence` nullable for spans that may fall outside every sentence.
    fn fields(sentence_nullable: bool) -> Vec<Field> {
        vec![
            required_string("doc_id"),
            u32_field("sentence", sentence_nullable),
            u32_field("start", false),
            u32_field("end", false),
            u32_field("start_byte", false),
            u32_field("end_byte", false),
        ]
    }

    /// Appends one span: `chars` and `bytes` are the same span in both units.
    fn append(&mut self, doc_id: &str, sentence: Option<u32>, chars: zhpipe_core::Span, bytes: zhpipe_core::Span) {
        self.doc_id.append_value(doc_id);
        self.sentence.append_option(sentence);
        self.start.append_value(chars.start as u32);
        self.end.append_value(chars.end as u32);
        self.start_byte.append_value(bytes.start as u32);
        self.end_byte.append_value(bytes.end as u32);
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.doc_id.finish()),
            Arc::new(self.sentence.finish()),
            Arc::new(self.start.finish()),
            Arc::new(self.end.finish()),
            Arc::new(self.start_byte.finish()),
            Arc::new(self.end_byte.finish()),
        ]
    }
}

#[derive(Default)]
struct SentenceColumns {
    span: SpanColumns,
    text: StringBuilder,
    labels: ListBuilder<StringBuilder>,
    scores: ListBuilder<Float32Builder>,
    label: StringBuilder,
    score: Float32Builder,
}

impl Columns for SentenceColumns {
    const UNIQUE: &'static [&'static str] = &["text"];

    fn schema() -> Schema {
        Schema::new(
            [
                SpanColumns::fields(false),
                vec![
                    required_string("text"),
                    Field::new("labels", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), false),
                    Field::new("scores", DataType::List(Arc::new(Field::new("item", DataType::Float32, true))), false),
                    string("label"),
                    Field::new("score", DataType::Float32, true),
                ],
            ]
            .concat(),
        )
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        let mut columns = self.span.finish();
        columns.extend::<[ArrayRef; _]>([
            Arc::new(self.text.finish()),
            Arc::new(self.labels.finish()),
            Arc::new(self.scores.finish()),
            Arc::new(self.label.finish()),
            Arc::new(self.score.finish()),
        ]);
        columns
    }
}

#[derive(Default)]
struct MentionColumns {
    span: SpanColumns,
    surface: StringBuilder,
    entity_id: StringBuilder,
    kind: StringBuilder,
    name: StringBuilder,
    dictionary: StringBuilder,
    category: StringBuilder,
    original_start: UInt32Builder,
    original_end: UInt32Builder,
    original_start_byte: UInt32Builder,
    original_end_byte: UInt32Builder,
}

impl Columns for MentionColumns {
    fn schema() -> Schema {
        Schema::new(
            [
                SpanColumns::fields(true),
                vec![
                    required_string("surface"),
                    string("entity_id"),
                    required_string("kind"),
                    required_string("name"),
                    required_string("dictionary"),
                    required_string("category"),
                    u32_field("original_start", true),
                    u32_field("original_end", true),
                    u32_field("original_start_byte", true),
                    u32_field("original_end_byte", true),
                ],
            ]
            .concat(),
        )
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        let mut columns = self.span.finish();
        columns.extend::<[ArrayRef; _]>([
            Arc::new(self.surface.finish()),
            Arc::new(self.entity_id.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.name.finish()),
            Arc::new(self.dictionary.finish()),
            Arc::new(self.category.finish()),
            Arc::new(self.original_start.finish()),
            Arc::new(self.original_end.finish()),
            Arc::new(self.original_start_byte.finish()),
            Arc::new(self.original_end_byte.finish()),
        ]);
        columns
    }
}

#[derive(Default)]
struct TokenColumns {
    span: SpanColumns,
    word: StringBuilder,
    pos: StringBuilder,
}

impl Columns for TokenColumns {
    fn schema() -> Schema {
        Schema::new([SpanColumns::fields(true), vec![required_string("word"), string("pos")]].concat())
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        let mut columns = self.span.finish();
        columns.extend::<[ArrayRef; _]>([Arc::new(self.word.finish()), Arc::new(self.pos.finish())]);
        columns
    }
}

/// The sentence (by index) that contains byte offset `at`, walking forward from `from`:
/// sentences are sorted and spans come in increasing order of start.
fn sentence_of(sentences: &[zhpipe_core::Span], from: &mut usize, at: usize) -> Option<u32> {
    while *from < sentences.len() && sentences[*from].end <= at {
        *from += 1;
    }
    sentences.get(*from).filter(|s| s.start <= at).map(|_| *from as u32)
}

/// Writes records as Parquet tables into a directory.
pub struct TableWriter {
    documents: Table<DocumentColumns>,
    sentences: Table<SentenceColumns>,
    mentions: Table<MentionColumns>,
    tokens: Option<Table<TokenColumns>>,
}

/// One table held in memory: its name (`documents`, …), schema and batches.
pub struct InMemoryTable {
    /// The table's name, the stem of its file in a run's output.
    pub name: &'static str,
    /// The schema every batch has.
    pub schema: Arc<Schema>,
    /// The rows, in record order.
    pub batches: Vec<RecordBatch>,
}

/// What [`TableWriter::finish`] wrote: each file and its rows.
pub type WrittenTables = Vec<(PathBuf, u64)>;

impl TableWriter {
    /// Creates the tables in `dir` (`tokens.parquet` only `with_tokens`), written under
    /// temporary names until [`finish`](Self::finish).
    pub fn create(dir: &Path, with_tokens: bool) -> Result<Self, String> {
        let fail = |e: parquet::errors::ParquetError| format!("cannot create tables in {}: {e}", dir.display());
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self {
            documents: Table::create(dir, "documents").map_err(fail)?,
            sentences: Table::create(dir, "sentences").map_err(fail)?,
            mentions: Table::create(dir, "mentions").map_err(fail)?,
            tokens: if with_tokens { Some(Table::create(dir, "tokens").map_err(fail)?) } else { None },
        })
    }

    /// Tables kept in memory, for [`finish_in_memory`](Self::finish_in_memory).
    pub fn in_memory(with_tokens: bool) -> Self {
        Self {
            documents: Table::in_memory(),
            sentences: Table::in_memory(),
            mentions: Table::in_memory(),
            tokens: with_tokens.then(Table::in_memory),
        }
    }

    /// The tables of an [`in_memory`](Self::in_memory) writer, with their schema metadata.
    pub fn finish_in_memory(self) -> Result<Vec<InMemoryTable>, arrow_schema::ArrowError> {
        let mut tables = vec![
            self.documents.into_batches("documents")?,
            self.sentences.into_batches("sentences")?,
            self.mentions.into_batches("mentions")?,
        ];
        if let Some(tokens) = self.tokens {
            tables.push(tokens.into_batches("tokens")?);
        }
        Ok(tables)
    }

    /// Adds one record's rows.
    pub fn add(&mut self, record: &Record) -> parquet::errors::Result<()> {
        let text = record.text();
        let mut chars = CharIndex::new(text);
        let sentences = record.sentences.as_deref().unwrap_or(&[]);
        let meta = record.meta.as_deref();

        let d = &mut self.documents.columns;
        d.id.append_value(&record.id);
        d.status.append_value(if record.is_ok() { "ok" } else { "error" });
        d.stage.append_option(record.stage.as_deref());
        d.error.append_option(record.error.as_deref());
        d.title.append_option(meta.and_then(|m| m.title.as_deref()));
        d.published.append_option(meta.and_then(|m| m.published.as_deref()));
        d.source.append_option(meta.and_then(|m| m.source.as_deref()));
        d.site.append_option(meta.and_then(|m| m.site.as_deref()));
        d.url.append_option(meta.and_then(|m| m.url.as_deref()));
        d.author.append_option(meta.and_then(|m| m.author.as_deref()));
        d.encoding.append_option(record.encoding.as_deref().map(|e| e.encoding.as_str()));
        d.chars.append_value(text.chars().count() as u64);
        d.sentences.append_option(record.sentences.as_ref().map(|s| s.len() as u32));
        d.mentions.append_option(record.mentions.as_ref().map(|m| m.len() as u32));
        d.text.append_option(record.text.as_deref());
        d.original_text.append_option(record.original_text.as_deref());
        d.meta.append_option(meta.map(|m| serde_json::to_string(m).expect("metadata serialises")));
        self.documents.row_added()?;

        let labels = record.labels.as_deref().unwrap_or(&[]);
        let mut next_label = 0;
        for (i, span) in sentences.iter().enumerate() {
            let s = &mut self.sentences.columns;
            // The record has the character spans already when it has them at all.
            let in_chars = record.sentence_chars.as_ref().and_then(|c| c.get(i).copied());
            s.span.append(&record.id, Some(i as u32), in_chars.unwrap_or_else(|| chars.span(*span)), *span);
            s.text.append_value(text.get(span.start..span.end).unwrap_or(""));
            while next_label < labels.len() && labels[next_label].sentence < i {
                next_label += 1;
            }
            let mine = labels.get(next_label).filter(|l| l.sentence == i).map_or(&[][..], |l| &l.labels[..]);
            for label in mine {
                s.labels.values().append_value(&label.label);
                s.scores.values().append_value(label.score);
            }
            s.labels.append(true);
            s.scores.append(true);
            let best = mine.iter().max_by(|a, b| a.score.total_cmp(&b.score));
            s.label.append_option(best.map(|l| l.label.as_str()));
            s.score.append_option(best.map(|l| l.score));
            self.sentences.row_added()?;
        }

        let mut original = record.original_text.as_deref().map(CharIndex::new);
        let mut in_sentence = 0;
        let mut chars = CharIndex::new(text);
        for mention in record.mentions.as_deref().unwrap_or(&[]) {
            let m = &mut self.mentions.columns;
            let sentence = sentence_of(sentences, &mut in_sentence, mention.span.start);
            let in_chars = mention.chars.unwrap_or_else(|| chars.span(mention.span));
            m.span.append(&record.id, sentence, in_chars, mention.span);
            m.surface.append_value(&mention.surface);
            m.entity_id.append_option((!mention.id.is_empty()).then_some(&*mention.id));
            m.kind.append_value(&mention.kind);
            m.name.append_value(&mention.name);
            m.dictionary.append_value(&mention.dictionary);
            m.category.append_value(mention.category.to_string());
            let span = mention.original_span.zip(original.as_mut());
            m.original_start.append_option(span.map(|(s, o)| o.of(s.start)));
            let span = mention.original_span.zip(original.as_mut());
            m.original_end.append_option(span.map(|(s, o)| o.of(s.end)));
            m.original_start_byte.append_option(mention.original_span.map(|s| s.start as u32));
            m.original_end_byte.append_option(mention.original_span.map(|s| s.end as u32));
            self.mentions.row_added()?;
        }

        if let (Some(table), Some(tokens)) = (self.tokens.as_mut(), record.tokens.as_deref()) {
            let mut in_sentence = 0;
            let mut chars = CharIndex::new(text);
            for token in tokens {
                let t = &mut table.columns;
                let sentence = sentence_of(sentences, &mut in_sentence, token.span.start);
                t.span.append(&record.id, sentence, chars.span(token.span), token.span);
                t.word.append_value(text.get(token.span.start..token.span.end).unwrap_or(""));
                t.pos.append_option(token.pos.as_ref().map(|p| p.as_str()));
                table.row_added()?;
            }
        }
        Ok(())
    }

    /// Writes the rest of every table and renames the files into place.
    pub fn finish(self) -> parquet::errors::Result<WrittenTables> {
        let mut written = vec![self.documents.finish()?, self.sentences.finish()?, self.mentions.finish()?];
        if let Some(tokens) = self.tokens {
            written.push(tokens.finish()?);
        }
        Ok(written)
    }
}
