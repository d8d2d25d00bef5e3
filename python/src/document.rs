//! A processed (or failed) document as Python sees it: the owned record, with its spans turned
//! into Python string indices (code points) as they are asked for.

use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::PyString;
use zhpipe::record::{CharIndex, Record};

/// One document's result: a processed document (`status == "ok"`) or an error record
/// (`status == "error"`, with `stage` and `error`).
#[pyclass(frozen, module = "zhpipe")]
pub(crate) struct Document {
    pub(crate) record: Record<'static>,
    /// The text as a Python string, made once: slicing it by the spans is the common use.
    text: OnceLock<Py<PyString>>,
}

/// A sentence: `text == document.text[start:end]`, with the theme labels the classifier gave.
#[pyclass(frozen, get_all, module = "zhpipe")]
pub(crate) struct Sentence {
    /// Its position among the document's sentences.
    index: usize,
    start: usize,
    end: usize,
    text: String,
    /// `(label, score)` pairs, best first.
    labels: Vec<(String, f32)>,
}

/// A word and its part-of-speech tag (jieba's tag set), when tagging is on.
#[pyclass(frozen, get_all, module = "zhpipe")]
pub(crate) struct Token {
    start: usize,
    end: usize,
    text: String,
    pos: Option<String>,
}

/// A name the gazetteer (or another annotator) found, with its dictionary entry.
#[pyclass(frozen, get_all, module = "zhpipe")]
pub(crate) struct Mention {
    start: usize,
    end: usize,
    text: String,
    /// The entry's canonical id; aliases share it. `None` for a name no dictionary lists.
    id: Option<String>,
    kind: String,
    name: String,
    dictionary: String,
    /// `place`, `organisation`, `person`, `policy` or `other`.
    category: String,
    /// The span in `original_text` (the script before conversion), when there is one.
    original_start: Option<usize>,
    original_end: Option<usize>,
}

macro_rules! repr {
    ($($ty:ident),*) => {$(
        #[pymethods]
        impl $ty {
            fn __repr__(&self) -> String {
                format!(concat!(stringify!($ty), "({}:{} {:?})"), self.start, self.end, self.text)
            }
        }
    )*};
}
repr!(Sentence, Token, Mention);

fn json_to_python<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (json,))
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("record parts serialise")
}

impl Document {
    pub(crate) fn new(record: Record<'static>) -> Self {
        Self { record, text: OnceLock::new() }
    }
}

#[pymethods]
impl Document {
    /// The document's id: its file's path, the input record's `id`, or its position.
    #[getter]
    fn id(&self) -> &str {
        &self.record.id
    }

    /// `"ok"` or `"error"`.
    #[getter]
    fn status(&self) -> &'static str {
        if self.record.is_ok() { "ok" } else { "error" }
    }

    /// The stage that failed (`input` when the document could not be read), else `None`.
    #[getter]
    fn stage(&self) -> Option<&str> {
        self.record.stage.as_deref()
    }

    /// Why it failed, else `None`.
    #[getter]
    fn error(&self) -> Option<&str> {
        self.record.error.as_deref()
    }

    /// The clean Simplified text every span points into (`""` for an error record).
    #[getter]
    fn text<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        self.text.get_or_init(|| PyString::new(py, self.record.text()).unbind()).bind(py).clone()
    }

    /// The text before conversion changed it, when it did.
    #[getter]
    fn original_text(&self) -> Option<&str> {
        self.record.original_text.as_deref()
    }

    /// Metadata (title, published, source, url, author, …) as a dict.
    #[getter]
    fn meta<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.record.meta {
            Some(meta) => json_to_python(py, &to_json(meta.as_ref())),
            None => Ok(pyo3::types::PyDict::new(py).into_any()),
        }
    }

    /// How the input bytes were decoded, as a dict, when they were bytes.
    #[getter]
    fn encoding<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.record.encoding.as_ref().map(|e| json_to_python(py, &to_json(e.as_ref()))).transpose()
    }

    /// The sentences, in order, each with its labels.
    #[getter]
    fn sentences(&self) -> Vec<Sentence> {
        let text = self.record.text();
        let spans = self.record.sentences.as_deref().unwrap_or(&[]);
        let mut chars = CharIndex::new(text);
        let labels = self.record.labels.as_deref().unwrap_or(&[]);
        let mut next_label = 0;
        spans
            .iter()
            .enumerate()
            .map(|(index, span)| {
                let in_chars = self.record.sentence_chars.as_ref().and_then(|c| c.get(index).copied());
                let in_chars = in_chars.unwrap_or_else(|| chars.span(*span));
                while next_label < labels.len() && labels[next_label].sentence < index {
                    next_label += 1;
                }
                let mine = labels.get(next_label).filter(|l| l.sentence == index).map_or(&[][..], |l| &l.labels[..]);
                Sentence {
                    index,
                    start: in_chars.start,
                    end: in_chars.end,
                    text: text.get(span.range()).unwrap_or("").to_owned(),
                    labels: mine.iter().map(|l| (l.label.clone(), l.score)).collect(),
                }
            })
            .collect()
    }

    /// The words, in order.
    #[getter]
    fn tokens(&self) -> Vec<Token> {
        let text = self.record.text();
        let mut chars = CharIndex::new(text);
        self.record
            .tokens
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .map(|token| {
                let in_chars = chars.span(token.span);
                Token {
                    start: in_chars.start,
                    end: in_chars.end,
                    text: text.get(token.span.range()).unwrap_or("").to_owned(),
                    pos: token.pos.as_ref().map(|p| p.as_str().to_owned()),
                }
            })
            .collect()
    }

    /// The mentions, ordered by span.
    #[getter]
    fn mentions(&self) -> Vec<Mention> {
        let text = self.record.text();
        let mut chars = CharIndex::new(text);
        let mut original = self.record.original_text.as_deref().map(CharIndex::new);
        self.record
            .mentions
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .map(|m| {
                let in_chars = m.chars.unwrap_or_else(|| chars.span(m.span));
                let in_original = m.original_span.zip(original.as_mut()).map(|(span, index)| index.span(span));
                Mention {
                    start: in_chars.start,
                    end: in_chars.end,
                    text: m.surface.to_string(),
                    id: (!m.id.is_empty()).then(|| m.id.to_string()),
                    kind: m.kind.to_string(),
                    name: m.name.to_string(),
                    dictionary: m.dictionary.to_string(),
                    category: m.category.to_string(),
                    original_start: in_original.map(|s| s.start),
                    original_end: in_original.map(|s| s.end),
                }
            })
            .collect()
    }

    /// What the stages did and doubted, as dicts (`stage`, `kind`, `message`, `count`).
    #[getter]
    fn notes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_python(py, &to_json(self.record.notes.as_deref().unwrap_or(&[])))
    }

    /// The record as `zhpipe run` writes it, as one JSON line (without the newline).
    fn to_json(&self) -> String {
        self.record.to_line()
    }

    /// The record as `zhpipe run` writes it, as a dict (byte spans, as in the JSONL).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_python(py, &self.record.to_line())
    }

    /// A document from one line of a run's `documents.jsonl`.
    #[staticmethod]
    fn from_json(line: &str) -> PyResult<Self> {
        let record = Record::parse(line).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        Ok(Self::new(record.into_owned()))
    }

    fn __repr__(&self) -> String {
        match &self.record.error {
            Some(error) => format!("Document(id={:?}, status='error', error={:?})", &*self.record.id, &**error),
            None => {
                let head: String = self.record.text().chars().take(24).collect();
                format!("Document(id={:?}, text={:?}…)", &*self.record.id, head)
            }
        }
    }
}
