//! One record to what the report keeps of it: a [`DocSummary`], small and owned, made on a
//! worker thread. The record is read through [`Record`], the writer's own type.

use std::borrow::Cow;
use std::collections::BTreeMap;

use zhpipe_core::{SentenceLabels, Span};

use super::render::DocumentPage;
use super::{CategoryView, ThemeNames};
use crate::record::{MentionRecord, Record};
use zhpipe_core::Category;

/// Names a document is found by in the index's filter, besides its title, id and source.
const SEARCH_NAMES: usize = 64;

/// One distinct entity of a document.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct EntityCount {
    pub category: Category,
    pub id: String,
    pub name: String,
    pub mentions: u64,
}

/// What the report keeps of one record: small, except for the optional rendered page.
#[derive(Clone, Debug)]
pub struct DocSummary {
    pub(super) id: String,
    pub(super) ok: bool,
    pub(super) title: Option<String>,
    /// `YYYY-MM-DD` or a prefix of it.
    pub(super) date: Option<String>,
    pub(super) source: Option<String>,
    /// The stage that failed and why, for an error record.
    pub(super) error: Option<(String, String)>,
    pub(super) encoding: Option<String>,
    pub(super) sentences: u64,
    pub(super) mentions: u64,
    /// Mentions per category.
    pub(super) mentions_by_category: [u64; Category::ALL.len()],
    /// Sentences per best label, sorted by label.
    pub(super) themes: Vec<(String, u64)>,
    /// Every label the document's sentences carry, best or not.
    pub(super) label_names: Vec<String>,
    pub(super) unlabelled: u64,
    pub(super) entities: Vec<EntityCount>,
    /// (place id, theme): sentences whose best label is the theme and that name the place.
    pub(super) place_themes: Vec<(String, String, u64)>,
    /// (stage, kind) → count.
    pub(super) notes: Vec<(String, String, u64)>,
    /// Removed blocks per kind.
    pub(super) removed: Vec<(String, u64)>,
    /// The names the index's filter finds the document by: its most mentioned entities and
    /// its themes, in both languages.
    pub(super) search: String,
    /// The document's page, rendered, when asked for.
    pub(super) page: Option<String>,
}

/// What the report counts a mention's entity by: its id, or for a name no dictionary lists
/// (an empty id, the ner stage's), `name:` and the name, so that each such name is one entity.
fn entity_key<'a>(m: &'a MentionRecord<'_>) -> Cow<'a, str> {
    if m.id.is_empty() { Cow::Owned(format!("name:{}", m.name)) } else { Cow::Borrowed(&m.id) }
}

/// Reduces one output record (a JSON line) to what the report needs; with `with_text`, also
/// renders its page with the full text. A line that is not a record becomes a failed entry.
pub fn summarise(line: &str, with_text: bool, themes: &ThemeNames) -> DocSummary {
    let record = match Record::parse(line) {
        Ok(record) => record,
        Err(e) => {
            #[derive(serde::Deserialize)]
            struct Id {
                id: String,
            }
            let id = serde_json::from_str::<Id>(line).map_or_else(|_| "?".to_owned(), |r| r.id);
            return DocSummary::failed(id, "report".into(), format!("unreadable record: {e}"));
        }
    };
    summarise_record(&record, with_text, themes)
}

/// Reduces one record to what the report needs, as [`summarise`] does with its line. A run
/// summarises the record it has just built, before it is serialised; the two agree because a
/// record read back from its line equals the record written (tested on every sample).
pub fn summarise_record(record: &Record, with_text: bool, themes: &ThemeNames) -> DocSummary {
    if !record.is_ok() {
        let stage = record.stage.as_deref().unwrap_or("?").to_owned();
        return DocSummary::failed(
            record.id.to_string(),
            stage,
            record.error.as_deref().unwrap_or_default().to_owned(),
        );
    }
    let text = record.text();
    let sentences = valid_sentences(record.sentences.as_deref().unwrap_or(&[]), text);
    let mentions = valid_mentions(record.mentions.as_deref().unwrap_or(&[]), text);
    let labels = record.labels.as_deref().unwrap_or(&[]);

    let mut best: Vec<Option<&str>> = vec![None; sentences.len()];
    for sentence in labels {
        if let (Some(slot), Some(label)) = (best.get_mut(sentence.sentence), best_label(sentence)) {
            *slot = Some(label);
        }
    }
    let mut theme_counts: BTreeMap<&str, u64> = BTreeMap::new();
    for label in best.iter().flatten() {
        *theme_counts.entry(label).or_default() += 1;
    }
    let labelled: u64 = theme_counts.values().sum();

    let mut entities: BTreeMap<(Category, Cow<'_, str>), EntityCount> = BTreeMap::new();
    let mut mentions_by_category = [0; Category::ALL.len()];
    for m in &mentions {
        let category = Category::of(m);
        mentions_by_category[category as usize] += 1;
        let key = entity_key(m);
        entities
            .entry((category, key.clone()))
            .or_insert_with(|| EntityCount { category, id: key.into_owned(), name: m.name.to_string(), mentions: 0 })
            .mentions += 1;
    }

    // Each sentence counts once for each distinct place it names, under its best label.
    let mut place_themes: BTreeMap<(Cow<'_, str>, &str), u64> = BTreeMap::new();
    let mut next = 0;
    for (sentence, label) in sentences.iter().zip(&best) {
        while next < mentions.len() && mentions[next].span.start < sentence.start {
            next += 1;
        }
        let mut places: Vec<Cow<'_, str>> = mentions[next..]
            .iter()
            .take_while(|m| m.span.start < sentence.end)
            .filter(|m| Category::of(m) == Category::Place)
            .map(|m| entity_key(m))
            .collect();
        places.sort_unstable();
        places.dedup();
        if let Some(label) = label {
            for place in places {
                *place_themes.entry((place, label)).or_default() += 1;
            }
        }
    }

    let mut notes: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for note in record.notes.as_deref().unwrap_or(&[]) {
        *notes.entry((&note.stage, &note.kind)).or_default() += note.count.unwrap_or(1);
    }
    let mut removed: BTreeMap<&str, u64> = BTreeMap::new();
    for block in record.removed.iter() {
        *removed.entry(&block.kind).or_default() += 1;
    }

    let mut label_names: Vec<String> = labels.iter().flat_map(|s| &s.labels).map(|l| l.label.clone()).collect();
    label_names.sort_unstable();
    label_names.dedup();

    let entities: Vec<EntityCount> = entities.into_values().collect();
    let search = search_names(&entities, &label_names, themes);
    let page = with_text.then(|| DocumentPage::new(record, &sentences, &mentions, labels, themes).render());
    let meta = record.meta.as_deref();
    DocSummary {
        title: meta.and_then(|m| m.title.as_deref()).map(|t| truncate(t, 160)),
        date: meta.and_then(|m| m.published.as_deref()).map(|d| d.chars().take(10).collect()),
        source: meta.and_then(|m| m.source.as_deref().or(m.site.as_deref())).map(|s| truncate(s, 80)),
        error: None,
        encoding: record.encoding.as_ref().map(|e| e.encoding.clone()),
        sentences: sentences.len() as u64,
        mentions: mentions.len() as u64,
        mentions_by_category,
        themes: theme_counts.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        label_names,
        unlabelled: sentences.len() as u64 - labelled,
        entities,
        place_themes: place_themes.into_iter().map(|((p, t), n)| (p.into_owned(), t.to_owned(), n)).collect(),
        notes: notes.into_iter().map(|((s, k), n)| (s.to_owned(), k.to_owned(), n)).collect(),
        removed: removed.into_iter().map(|(k, n)| (k.to_owned(), n)).collect(),
        search,
        page,
        ok: true,
        id: record.id.to_string(),
    }
}

impl DocSummary {
    fn failed(id: String, stage: String, error: String) -> Self {
        DocSummary {
            id,
            ok: false,
            title: None,
            date: None,
            source: None,
            error: Some((stage, truncate(&error, 300))),
            encoding: None,
            sentences: 0,
            mentions: 0,
            mentions_by_category: [0; Category::ALL.len()],
            themes: Vec::new(),
            label_names: Vec::new(),
            unlabelled: 0,
            entities: Vec::new(),
            place_themes: Vec::new(),
            notes: Vec::new(),
            removed: Vec::new(),
            search: String::new(),
            page: None,
        }
    }

    /// `YYYY-MM` of the document's date, when it has one.
    pub(super) fn month(&self) -> Option<&str> {
        self.date.as_deref().filter(|d| d.len() >= 7 && d.is_char_boundary(7)).map(|d| &d[..7])
    }
}

/// The most mentioned entities (people first: they are what a reader most often looks for)
/// and the themes, by id and by name.
fn search_names(entities: &[EntityCount], labels: &[String], themes: &ThemeNames) -> String {
    let mut ranked: Vec<&EntityCount> = entities.iter().collect();
    ranked.sort_by(|a, b| {
        (b.category == Category::Person).cmp(&(a.category == Category::Person)).then(b.mentions.cmp(&a.mentions))
    });
    let mut names: Vec<&str> = ranked.iter().take(SEARCH_NAMES).map(|e| e.name.as_str()).collect();
    for label in labels {
        names.push(label);
        names.push(themes.name(label));
    }
    names.dedup();
    names.join(" ")
}

/// The label with the highest score (the first one on a tie, as the classifier ranked them).
pub(super) fn best_label(sentence: &SentenceLabels) -> Option<&str> {
    let mut best: Option<&zhpipe_core::Label> = None;
    for label in &sentence.labels {
        if best.is_none_or(|b| label.score > b.score) {
            best = Some(label);
        }
    }
    best.map(|l| l.label.as_str())
}

/// Sentences in bounds, on char boundaries, in order and not overlapping. Records this build
/// wrote always are (the chain checks it); records from elsewhere still render without the
/// spans that break the rules.
fn valid_sentences(sentences: &[Span], text: &str) -> Vec<Span> {
    let mut end = 0;
    let mut kept = Vec::with_capacity(sentences.len());
    for &s in sentences {
        if s.is_valid_in(text) && s.start >= end {
            kept.push(s);
            end = s.end;
        }
    }
    kept
}

/// Valid mentions in span order, the longer first where two start together, dropping any that
/// overlap one already kept, so that each character is highlighted once.
fn valid_mentions<'r, 'a>(mentions: &'r [MentionRecord<'a>], text: &str) -> Vec<&'r MentionRecord<'a>> {
    let mut sorted: Vec<&MentionRecord> =
        mentions.iter().filter(|m| m.span.is_valid_in(text) && !m.span.is_empty()).collect();
    sorted.sort_by_key(|m| (m.span.start, std::cmp::Reverse(m.span.end)));
    let mut end = 0;
    sorted.retain(|m| {
        let keep = m.span.start >= end;
        if keep {
            end = m.span.end;
        }
        keep
    });
    sorted
}

/// At most `max_chars` characters of `s`, with an ellipsis when cut.
pub(super) fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}
