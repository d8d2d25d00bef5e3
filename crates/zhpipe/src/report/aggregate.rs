//! The report being built: summaries added in output order, reduced to aggregates whose size
//! does not grow with the corpus.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::summary::{DocSummary, truncate};
use super::{MAX_KEYS, ReportOptions};
use zhpipe_core::Category;

/// A count per key, keeping at most [`MAX_KEYS`] keys so that memory stays bounded when a
/// field (a source name) is different in every document.
#[derive(Default)]
pub(super) struct Counter {
    counts: HashMap<String, u64>,
    pub other: u64,
}

impl Counter {
    fn add(&mut self, key: &str, n: u64) {
        if let Some(count) = self.counts.get_mut(key) {
            *count += n;
        } else if self.counts.len() < MAX_KEYS {
            self.counts.insert(key.to_owned(), n);
        } else {
            self.other += n;
        }
    }

    /// Entries by count (descending), then key.
    pub(super) fn ranked(&self) -> Vec<(&str, u64)> {
        let mut entries: Vec<(&str, u64)> = self.counts.iter().map(|(k, &v)| (k.as_str(), v)).collect();
        entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        entries
    }

    /// Entries by key.
    pub(super) fn sorted(&self) -> Vec<(&str, u64)> {
        let mut entries: Vec<(&str, u64)> = self.counts.iter().map(|(k, &v)| (k.as_str(), v)).collect();
        entries.sort();
        entries
    }
}

/// One entity over the corpus.
#[derive(Default)]
pub(super) struct EntityTotal {
    pub name: String,
    pub mentions: u64,
    pub documents: u64,
}

/// One month over the corpus, for the over-time chart.
#[derive(Default)]
pub(super) struct MonthTotal {
    pub documents: u64,
    pub mentions: [u64; Category::ALL.len()],
    /// Sentences per best label.
    pub themes: BTreeMap<String, u64>,
}

/// A row of the document index.
pub(super) struct IndexRow {
    /// 1-based position in the output.
    pub n: u64,
    pub title: Option<String>,
    pub id: String,
    pub date: String,
    pub source: String,
    /// The stage that failed and why.
    pub error: Option<(String, String)>,
    pub sentences: u64,
    pub mentions: u64,
    pub themes: Vec<(String, u64)>,
    pub unlabelled: u64,
    pub has_page: bool,
    pub search: String,
}

/// A document in the corpus view's theme chart.
pub(super) struct ThemeChartRow {
    pub n: u64,
    pub label: String,
    pub themes: Vec<(String, u64)>,
    pub unlabelled: u64,
}

/// Documents in the corpus view's theme chart.
const THEME_CHART_DOCUMENTS: usize = 30;

/// The report being built, one [`DocSummary`] at a time in output order.
pub struct Report {
    pub(super) options: ReportOptions,
    pub(super) documents: u64,
    pub(super) ok: u64,
    pub(super) sentences: u64,
    pub(super) mentions: u64,
    /// Failed documents per stage.
    pub(super) failures: BTreeMap<String, u64>,
    pub(super) months: Counter,
    pub(super) sources: Counter,
    pub(super) encodings: Counter,
    /// Per month (`YYYY-MM`), at most [`MAX_KEYS`] of them.
    pub(super) timeline: BTreeMap<String, MonthTotal>,
    /// Theme → (sentences, documents).
    pub(super) themes: BTreeMap<String, (u64, u64)>,
    pub(super) unlabelled: u64,
    /// Every label seen, for the colour palette.
    pub(super) label_names: BTreeSet<String>,
    pub(super) entities: HashMap<(Category, String), EntityTotal>,
    pub(super) place_themes: HashMap<(String, String), u64>,
    /// (stage, kind) → (documents, count).
    pub(super) notes: BTreeMap<(String, String), (u64, u64)>,
    /// Kind → (documents, blocks).
    pub(super) removed: BTreeMap<String, (u64, u64)>,
    pub(super) theme_chart: Vec<ThemeChartRow>,
    pub(super) rows: Vec<IndexRow>,
    /// (position, rendered page) of the documents shown whole.
    pub(super) pages: Vec<(u64, String)>,
}

impl Report {
    /// An empty report.
    pub fn new(options: ReportOptions) -> Self {
        Self {
            options,
            documents: 0,
            ok: 0,
            sentences: 0,
            mentions: 0,
            failures: BTreeMap::new(),
            months: Counter::default(),
            sources: Counter::default(),
            encodings: Counter::default(),
            timeline: BTreeMap::new(),
            themes: BTreeMap::new(),
            unlabelled: 0,
            label_names: BTreeSet::new(),
            entities: HashMap::new(),
            place_themes: HashMap::new(),
            notes: BTreeMap::new(),
            removed: BTreeMap::new(),
            theme_chart: Vec::new(),
            rows: Vec::new(),
            pages: Vec::new(),
        }
    }

    /// The options it was made with.
    pub fn options(&self) -> &ReportOptions {
        &self.options
    }

    /// Documents added so far.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Whether the document at this 0-based position in the output gets its full text.
    pub fn wants_text(&self, position: u64) -> bool {
        position < self.options.documents_with_text as u64
    }

    /// Summarises one record line for this report (see [`super::summarise`]), as the document at
    /// this 0-based position in the output.
    pub fn summarise(&self, line: &str, position: u64) -> DocSummary {
        super::summarise(line, self.wants_text(position), &self.options.themes)
    }

    /// Adds the next document in output order.
    pub fn add(&mut self, doc: DocSummary) {
        self.documents += 1;
        let n = self.documents;
        match &doc.error {
            None => self.ok += 1,
            Some((stage, _)) => *self.failures.entry(stage.clone()).or_default() += 1,
        }
        self.sentences += doc.sentences;
        self.mentions += doc.mentions;
        if doc.ok {
            self.months.add(doc.month().unwrap_or("unknown"), 1);
            self.sources.add(doc.source.as_deref().unwrap_or("unknown"), 1);
            self.encodings.add(doc.encoding.as_deref().unwrap_or("decoded text"), 1);
            if let Some(month) = doc.month() {
                self.add_month(month, &doc);
            }
        }
        for (theme, count) in &doc.themes {
            let entry = self.themes.entry(theme.clone()).or_default();
            entry.0 += count;
            entry.1 += 1;
        }
        self.unlabelled += doc.unlabelled;
        for name in &doc.label_names {
            if !self.label_names.contains(name) {
                self.label_names.insert(name.clone());
            }
        }
        for e in &doc.entities {
            let total = self.entities.entry((e.category, e.id.clone())).or_default();
            if total.name.is_empty() {
                total.name.clone_from(&e.name);
            }
            total.mentions += e.mentions;
            total.documents += 1;
        }
        for (place, theme, count) in &doc.place_themes {
            *self.place_themes.entry((place.clone(), theme.clone())).or_default() += count;
        }
        for (stage, kind, count) in &doc.notes {
            let entry = self.notes.entry((stage.clone(), kind.clone())).or_default();
            entry.0 += 1;
            entry.1 += count;
        }
        for (kind, count) in &doc.removed {
            let entry = self.removed.entry(kind.clone()).or_default();
            entry.0 += 1;
            entry.1 += count;
        }
        if doc.ok && self.theme_chart.len() < THEME_CHART_DOCUMENTS {
            self.theme_chart.push(ThemeChartRow {
                n,
                label: truncate(doc.title.as_deref().unwrap_or(&doc.id), 24),
                themes: doc.themes.clone(),
                unlabelled: doc.unlabelled,
            });
        }
        let has_page = doc.page.is_some();
        if let Some(page) = doc.page.clone() {
            self.pages.push((n, page));
        }
        if n <= self.options.index_rows {
            self.rows.push(IndexRow {
                n,
                date: doc.date.clone().unwrap_or_default(),
                source: doc.source.clone().unwrap_or_default(),
                sentences: doc.sentences,
                mentions: doc.mentions,
                themes: doc.themes,
                unlabelled: doc.unlabelled,
                has_page,
                search: doc.search,
                error: doc.error,
                title: doc.title,
                id: doc.id,
            });
        }
    }

    fn add_month(&mut self, month: &str, doc: &DocSummary) {
        if !self.timeline.contains_key(month) && self.timeline.len() >= MAX_KEYS {
            return;
        }
        let total = self.timeline.entry(month.to_owned()).or_default();
        total.documents += 1;
        for (sum, n) in total.mentions.iter_mut().zip(doc.mentions_by_category) {
            *sum += n;
        }
        for (theme, n) in &doc.themes {
            *total.themes.entry(theme.clone()).or_default() += n;
        }
    }

    /// The entities of one category, most mentioned first.
    pub(super) fn ranked_entities(&self, category: Category) -> Vec<(&str, &EntityTotal)> {
        let mut entries: Vec<(&str, &EntityTotal)> =
            self.entities.iter().filter(|((c, _), _)| *c == category).map(|((_, id), t)| (id.as_str(), t)).collect();
        entries.sort_by(|a, b| b.1.mentions.cmp(&a.1.mentions).then(a.0.cmp(b.0)));
        entries
    }

    /// Themes by labelled sentences, most first.
    pub(super) fn ranked_themes(&self) -> Vec<(&str, u64, u64)> {
        let mut ranked: Vec<(&str, u64, u64)> = self.themes.iter().map(|(k, v)| (k.as_str(), v.0, v.1)).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        ranked
    }
}
