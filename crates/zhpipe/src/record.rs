//! The output records: one JSON line per input document, processed or failed.

use serde::Serialize;
use zhpipe_core::{Document, EncodingReport, EntryNames, Layers, Meta, Note, Removed, SentenceLabels, Span, Token};

/// A processed document. Layers the chain does not produce are absent, not empty.
#[derive(Serialize)]
struct OkRecord<'a> {
    id: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'a EncodingReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    meta: Option<&'a Meta>,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sentences: Option<&'a [Span]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tokens: Option<&'a [Token]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mentions: Option<Vec<MentionRecord<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<&'a [SentenceLabels]>,
    #[serde(skip_serializing_if = "<[Removed]>::is_empty")]
    removed: &'a [Removed],
    notes: &'a [Note],
}

/// A mention with its surface form spelled out, and where it was in the original script.
#[derive(Serialize)]
struct MentionRecord<'a> {
    span: Span,
    surface: &'a str,
    id: &'a str,
    kind: &'a str,
    name: &'a str,
    dictionary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_span: Option<Span>,
}

/// A document that could not be processed.
#[derive(Serialize)]
struct ErrorRecord<'a> {
    id: &'a str,
    status: &'static str,
    stage: &'a str,
    error: &'a str,
}

/// The JSON line (without newline) of a processed document; `layers` is what the chain provides.
pub fn ok_line(doc: &Document, layers: Layers) -> String {
    let has = |layer| layers.contains(layer);
    let mentions = has(Layers::MENTIONS).then(|| {
        doc.mentions
            .iter()
            .map(|m| {
                let EntryNames { id, kind, name, dictionary } = m.names();
                MentionRecord {
                    span: m.span(),
                    surface: &doc.text[m.span().range()],
                    id,
                    kind,
                    name,
                    dictionary,
                    original_span: doc.original().map(|original| original.span_of(m.span())),
                }
            })
            .collect()
    });
    let record = OkRecord {
        id: &doc.id,
        status: "ok",
        encoding: doc.encoding.as_ref(),
        meta: has(Layers::META).then_some(&doc.meta),
        text: &doc.text,
        original_text: doc.original().map(|original| original.text()),
        sentences: has(Layers::SENTENCES).then_some(&doc.sentences[..]),
        tokens: has(Layers::TOKENS).then_some(&doc.tokens[..]),
        mentions,
        labels: has(Layers::LABELS).then_some(&doc.labels[..]),
        removed: &doc.removed,
        notes: &doc.notes,
    };
    serde_json::to_string(&record).expect("records serialise")
}

/// The JSON line (without newline) of a failed document.
pub fn error_line(id: &str, stage: &str, error: &str) -> String {
    serde_json::to_string(&ErrorRecord { id, status: "error", stage, error }).expect("records serialise")
}
