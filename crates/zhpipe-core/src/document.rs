//! The document that flows through the chain.

use std::fmt;

use crate::{EncodingReport, Layers, Mentions, Meta, Note, OffsetMap, Original, Removed, SentenceLabels, Span, Token};

/// One document on its way through the chain.
///
/// Its invariants are [`Document::check`]ed after every stage in debug builds and tests (and
/// with `zhpipe run --check`), so that a stage that breaks one is named instead of a later
/// stage or the record writer failing on it.
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
    /// The text before a conversion changed it, with the map back to it: written through
    /// [`rewrite`](Self::rewrite), so that it always lines up with `text`.
    original: Option<Original>,
    /// Sentence spans, in order, not overlapping.
    pub sentences: Vec<Span>,
    /// Word spans, in order, not overlapping.
    pub tokens: Vec<Token>,
    /// Mentions of dictionary entries and recognised names, ordered by span; several
    /// annotators may append to it.
    pub mentions: Mentions,
    /// Labels per sentence.
    pub labels: Vec<SentenceLabels>,
    /// Blocks removed by cleaning, when kept for audit.
    pub removed: Vec<Removed>,
    /// What the stages changed or doubted.
    pub notes: Vec<Note>,
    /// The layers filled so far: set by the chain (and [`set_text`](Self::set_text)) only.
    layers: Layers,
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

    /// Replaces the text, dropping every annotation that pointed into the old one, and the
    /// original, which no longer lines up (the chain notes that as `original-dropped`).
    ///
    /// Text-rewriting stages call this or [`rewrite`](Self::rewrite), so that a stale span can
    /// never survive a rewrite.
    pub fn set_text(&mut self, text: String) {
        self.original = None;
        self.replace_text(text);
    }

    /// Replaces the text with `text`, which `map` maps back to the current text: the original
    /// becomes the current text, or, when there is one already, keeps it with `map` composed
    /// onto its map. Annotations are dropped as by [`set_text`](Self::set_text).
    ///
    /// # Panics
    ///
    /// If `map` does not span `text` and the current text.
    pub fn rewrite(&mut self, text: String, map: OffsetMap) {
        assert_eq!(
            (map.rewritten_len(), map.original_len()),
            (text.len(), self.text.len()),
            "the map of a rewrite spans the new text and the current one"
        );
        let original = match self.original.take() {
            Some(original) => {
                let (first, earlier) = original.into_parts();
                Original::new(first, map.compose(&earlier))
            }
            None => Original::new(std::mem::take(&mut self.text), map),
        };
        self.replace_text(text);
        self.original = Some(original);
    }

    /// The text before the first mapped rewrite, when one changed it.
    pub fn original(&self) -> Option<&Original> {
        self.original.as_ref()
    }

    /// Takes the original out, e.g. to rewrite it alongside the text and put it back with
    /// [`set_original`](Self::set_original).
    pub fn take_original(&mut self) -> Option<Original> {
        self.original.take()
    }

    /// Sets the original; [`check`](Self::check) verifies that it lines up with the text.
    pub fn set_original(&mut self, original: Original) {
        self.original = Some(original);
    }

    fn replace_text(&mut self, text: String) {
        self.text = text;
        self.sentences.clear();
        self.tokens.clear();
        self.mentions.clear();
        self.labels.clear();
        self.layers.remove(Layers::ANNOTATIONS);
        self.layers.insert(Layers::TEXT);
    }

    /// Takes the undecoded bytes, leaving the document without [`Layers::RAW`]: decode does
    /// this, so that the bytes are freed as soon as they are text.
    pub fn take_raw(&mut self) -> Vec<u8> {
        self.layers.remove(Layers::RAW);
        std::mem::take(&mut self.raw)
    }

    /// The layers filled so far.
    pub fn layers(&self) -> Layers {
        self.layers
    }

    /// Marks `layers` as filled: the chain does this after each stage with what the stage
    /// provides, and tests that build a document by hand do it for the layers they fill.
    pub fn mark_filled(&mut self, layers: Layers) {
        self.layers |= layers;
    }

    /// Checks the invariants every stage may rely on: spans in bounds and on char boundaries;
    /// sentences and tokens sorted and not overlapping; tokens inside sentences (when there are
    /// sentences); labels of existing sentences, in order; mentions sorted, of tables in the
    /// layer and entries inside their tables; the original text's map covering both texts.
    pub fn check(&self) -> Result<(), Violation> {
        let text = &self.text;
        let valid = |layer: &'static str, i: usize, span: Span| {
            if span.is_valid_in(text) {
                Ok(())
            } else {
                Err(Violation::new(
                    layer,
                    format!("span {i} ({span}) is not on char boundaries of the {}-byte text", text.len()),
                ))
            }
        };
        let in_order = |layer: &'static str, spans: &mut dyn Iterator<Item = Span>| -> Result<(), Violation> {
            let mut previous: Option<Span> = None;
            for (i, span) in spans.enumerate() {
                valid(layer, i, span)?;
                if let Some(p) = previous
                    && span.start < p.end
                {
                    return Err(Violation::new(
                        layer,
                        format!("span {i} ({span}) overlaps or precedes span {} ({p})", i - 1),
                    ));
                }
                previous = Some(span);
            }
            Ok(())
        };
        in_order("sentences", &mut self.sentences.iter().copied())?;
        // Tokens cover the text without overlapping, except that search-mode segmentation puts
        // the words inside a word after it: ordered by start, nested, never crossing.
        let mut outer: Option<Span> = None;
        for (i, token) in self.tokens.iter().enumerate() {
            let span = token.span;
            valid("tokens", i, span)?;
            match outer {
                Some(o) if span.start < o.start || (span.start < o.end && !o.contains(span)) => {
                    return Err(Violation::new(
                        "tokens",
                        format!("token {i} ({span}) crosses or precedes the word {o} before it"),
                    ));
                }
                Some(o) if span.start < o.end => {}
                _ => outer = Some(span),
            }
        }
        if !self.sentences.is_empty() {
            let mut s = 0;
            for (i, token) in self.tokens.iter().enumerate() {
                while s < self.sentences.len() && self.sentences[s].end <= token.span.start && !token.span.is_empty() {
                    s += 1;
                }
                if !self.sentences.get(s).is_some_and(|sentence| sentence.contains(token.span)) {
                    return Err(Violation::new(
                        "tokens",
                        format!("token {i} ({}) is not inside a sentence", token.span),
                    ));
                }
            }
        }
        let mut previous: Option<usize> = None;
        for (i, labels) in self.labels.iter().enumerate() {
            if labels.sentence >= self.sentences.len() {
                return Err(Violation::new(
                    "labels",
                    format!(
                        "labels {i} are of sentence {}, but there are {} sentences",
                        labels.sentence,
                        self.sentences.len()
                    ),
                ));
            }
            if previous.is_some_and(|p| labels.sentence <= p) {
                return Err(Violation::new(
                    "labels",
                    format!("labels {i} (of sentence {}) are out of order", labels.sentence),
                ));
            }
            previous = Some(labels.sentence);
        }
        let tables = self.mentions.tables();
        let mut previous: Option<Span> = None;
        for (i, m) in self.mentions.as_slice().iter().enumerate() {
            valid("mentions", i, m.span)?;
            if previous.is_some_and(|p| m.span < p) {
                return Err(Violation::new("mentions", format!("mention {i} ({}) is out of order", m.span)));
            }
            previous = Some(m.span);
            let Some(table) = tables.get(m.table.index()) else {
                return Err(Violation::new(
                    "mentions",
                    format!("mention {i} is of table {}, but the layer has {}", m.table.index(), tables.len()),
                ));
            };
            if m.entry as usize >= table.len() {
                return Err(Violation::new(
                    "mentions",
                    format!("mention {i} is of entry {}, but its table has {}", m.entry, table.len()),
                ));
            }
        }
        if let Some(original) = &self.original {
            let map = original.map();
            if map.rewritten_len() != text.len() || map.original_len() != original.text().len() {
                return Err(Violation::new(
                    "original",
                    format!(
                        "the offset map covers {} → {} bytes, the texts are {} → {}",
                        map.original_len(),
                        map.rewritten_len(),
                        original.text().len(),
                        text.len()
                    ),
                ));
            }
            for (i, m) in self.mentions.as_slice().iter().enumerate() {
                let span = original.span_of(m.span);
                if !span.is_valid_in(original.text()) {
                    return Err(Violation::new(
                        "original",
                        format!("mention {i} ({}) maps to {span}, not on char boundaries of the original", m.span),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A broken invariant of a [`Document`]: which layer and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The layer at fault: `sentences`, `tokens`, `labels`, `mentions` or `original`.
    pub layer: &'static str,
    /// What is wrong, with the index and span at fault.
    pub message: String,
}

impl Violation {
    fn new(layer: &'static str, message: String) -> Self {
        Self { layer, message }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.layer, self.message)
    }
}

impl std::error::Error for Violation {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, EntryNames, Label, OffsetMapBuilder};

    #[test]
    fn a_second_rewrite_composes_onto_the_original() {
        let mut doc = Document::from_text("d", "京津冀協同發展");
        let mut map = OffsetMapBuilder::new();
        map.keep(9);
        map.replace_str("協同發展", "协同发展");
        doc.rewrite("京津冀协同发展".into(), map.finish());
        let mut map = OffsetMapBuilder::new();
        map.replace_str("京津冀", "京津冀地区");
        map.keep(12);
        doc.rewrite("京津冀地区协同发展".into(), map.finish());
        let original = doc.original().unwrap();
        assert_eq!(original.text(), "京津冀協同發展");
        assert_eq!(original.slice(Span::new(15, 27)), "協同發展");
        assert_eq!(doc.check(), Ok(()));
        doc.set_text("其他".into());
        assert!(doc.original().is_none());
    }

    #[test]
    fn set_text_drops_stale_annotations() {
        let mut doc = Document::from_text("d", "京津冀");
        doc.tokens.push(Token::new(Span::new(0, 9), None));
        doc.mark_filled(Layers::TOKENS);
        doc.set_text("京津".into());
        assert!(doc.tokens.is_empty());
        assert!(!doc.layers().contains(Layers::TOKENS));
    }

    fn sample() -> Document {
        let mut doc = Document::from_text("d", "京津冀协同发展。河北雄安。");
        doc.sentences = vec![Span::new(0, 21), Span::new(21, 39)];
        doc.tokens = vec![Token::new(Span::new(0, 9), None), Token::new(Span::new(9, 15), None)];
        let names = EntryNames {
            id: "place:130000",
            kind: "province",
            name: "河北省",
            dictionary: "places",
            category: Category::Place,
        };
        doc.mentions = Mentions::from_names([(Span::new(21, 27), names)]);
        doc.labels = vec![SentenceLabels {
            sentence: 1,
            labels: vec![Label { label: "x".into(), score: 1.0, evidence: vec![] }],
        }];
        doc
    }

    #[test]
    fn a_consistent_document_passes() {
        assert_eq!(sample().check(), Ok(()));
    }

    #[test]
    fn search_mode_tokens_may_nest_but_not_cross() {
        let mut doc = sample();
        // 京津冀协同 (0..15), then 京津 (0..6) and 协同 (9..15) inside it.
        doc.tokens = [(0, 15), (0, 6), (9, 15), (15, 18)].map(|(s, e)| Token::new(Span::new(s, e), None)).to_vec();
        assert_eq!(doc.check(), Ok(()));
        doc.tokens[2] = Token::new(Span::new(9, 18), None);
        assert_eq!(doc.check().unwrap_err().layer, "tokens");
    }

    #[test]
    fn check_finds_each_broken_invariant() {
        type Breaks = fn(&mut Document);
        let broken: [(&str, Breaks); 9] = [
            ("sentences", |d| d.sentences[0] = Span::new(0, 22)),
            ("sentences", |d| d.sentences.swap(0, 1)),
            ("tokens", |d| d.tokens.push(Token::new(Span::new(12, 18), None))),
            ("tokens", |d| d.tokens.insert(0, Token::new(Span::new(3, 9), None))),
            ("tokens", |d| {
                d.sentences = vec![Span::new(0, 6)];
                d.labels.clear();
            }),
            ("labels", |d| d.labels[0].sentence = 2),
            ("mentions", |d| {
                d.mentions = Mentions::from_names([(
                    Span::new(21, 40),
                    EntryNames { id: "", kind: "", name: "", dictionary: "", category: Category::Other },
                )])
            }),
            ("original", |d| {
                let mut map = OffsetMapBuilder::new();
                map.replace(3, 1);
                d.set_original(Original::new("京".into(), map.finish()));
            }),
            ("original", |d| {
                // Of the same length, but 河北 (21..27) of the text is not on char boundaries of it.
                let original = format!("ab{}c", &d.text[3..]);
                d.set_original(Original::new(original, OffsetMap::identity(d.text.len())));
            }),
        ];
        for (layer, breaks) in broken {
            let mut doc = sample();
            breaks(&mut doc);
            let err = doc.check().expect_err(layer);
            assert_eq!(err.layer, layer, "{err}");
        }
    }
}
