//! `report.html`: what a run found, as one self-contained page (inline CSS and script, no
//! network) that an analyst opens from the output directory.
//!
//! The report is built from the output records themselves ([`summarise`] reads one JSON line),
//! not from the in-memory documents, so that a run resumed from a previous run's lines gives the
//! same report as an uninterrupted run, and the report never shows anything the JSONL does not.
//!
//! Memory does not grow with the corpus: each record is reduced to a [`DocSummary`] on a worker
//! thread, and [`Report`] keeps only aggregates (bounded by the dictionaries' size), the index
//! rows of the first [`ReportOptions::index_rows`] documents and the full text of the first
//! [`ReportOptions::documents_with_text`] documents (each capped at [`TEXT_LIMIT`] bytes).
//!
//! The page has a corpus view (documents by month and source, themes, the most frequent places,
//! organisations, people and policy terms, a place × theme table, what cleaning removed, the
//! failures), a paginated document index with each document's theme shares, and one section per
//! document with the highlighted text, each sentence's labels, the metadata, the encoding report
//! and the cleaning notes. Every section reads without script; the script only paginates and
//! filters the index, and records its own errors in `<body data-errors>` for the browser test.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::Deserialize;
use zhpipe_core::{EncodingReport, Layers, Meta, Note, Removed, SentenceLabels, Span};

use crate::shard::fnv1a64;

/// Documents whose full text the report shows, unless told otherwise.
pub const DEFAULT_REPORT_DOCUMENTS: usize = zhpipe_core::OutputConfig::DEFAULT_REPORT_DOCUMENTS;
/// Documents listed in the index, unless told otherwise: beyond this the page would be too
/// heavy to open, and the aggregates still count every document.
pub const DEFAULT_INDEX_ROWS: u64 = 10_000;
/// Bytes of one document's text shown in its section.
pub const TEXT_LIMIT: usize = 100_000;
/// Entries in each "most frequent" list and rows of the place × theme table.
const TOP: usize = 15;
/// Distinct keys (months, sources, encodings) counted before the rest go to "other".
const MAX_KEYS: usize = 5_000;

/// What goes into the report.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// The first this many documents get a section with their full text.
    pub documents_with_text: usize,
    /// The first this many documents are listed in the index.
    pub index_rows: u64,
    /// The chain's stage names, in order.
    pub stages: Vec<String>,
    /// The layers the chain produces, to tell "not produced" from "none found".
    pub layers: Layers,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            documents_with_text: DEFAULT_REPORT_DOCUMENTS,
            index_rows: DEFAULT_INDEX_ROWS,
            stages: Vec::new(),
            layers: Layers::all(),
        }
    }
}

/// The four kinds of mention the report lists apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Category {
    Place,
    Organisation,
    Person,
    Policy,
}

impl Category {
    const ALL: [Category; 4] = [Category::Place, Category::Organisation, Category::Person, Category::Policy];

    /// From the mention's kind and dictionary: gazetteers name their kinds freely (`province`,
    /// `county`, `region`, …), so anything not recognisably an organisation, a person or a
    /// policy term is a place.
    fn of(kind: &str, dictionary: &str) -> Category {
        let has = |needle: &str| kind.contains(needle) || dictionary.contains(needle);
        if has("person") || has("people") {
            Category::Person
        } else if has("org") {
            Category::Organisation
        } else if has("policy") || has("term") {
            Category::Policy
        } else {
            Category::Place
        }
    }

    fn class(self) -> &'static str {
        match self {
            Category::Place => "place",
            Category::Organisation => "org",
            Category::Person => "person",
            Category::Policy => "policy",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Category::Place => "Places",
            Category::Organisation => "Organisations",
            Category::Person => "People",
            Category::Policy => "Policy terms",
        }
    }
}

/// A mention as written in a record.
#[derive(Deserialize)]
struct MentionView {
    span: Span,
    id: String,
    kind: String,
    name: String,
    #[serde(default)]
    dictionary: String,
}

/// The parts of an output record the report reads; tokens and the rest are skipped.
#[derive(Deserialize)]
struct RecordView {
    id: String,
    status: String,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    encoding: Option<EncodingReport>,
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    sentences: Option<Vec<Span>>,
    #[serde(default)]
    mentions: Option<Vec<MentionView>>,
    #[serde(default)]
    labels: Option<Vec<SentenceLabels>>,
    #[serde(default)]
    removed: Vec<Removed>,
    #[serde(default)]
    notes: Vec<Note>,
}

/// One distinct entity of a document.
#[derive(Clone, Debug)]
struct EntityCount {
    category: Category,
    id: String,
    name: String,
    mentions: u64,
}

/// What the report keeps of one record: small, except for the optional text section.
#[derive(Clone, Debug)]
pub struct DocSummary {
    id: String,
    ok: bool,
    title: Option<String>,
    date: Option<String>,
    source: Option<String>,
    /// `stage: message` of an error record.
    error: Option<String>,
    encoding: Option<String>,
    sentences: u64,
    mentions: u64,
    /// Sentences per best label, sorted by label.
    themes: Vec<(String, u64)>,
    /// Every label the document's sentences carry, best or not.
    label_names: Vec<String>,
    unlabelled: u64,
    entities: Vec<EntityCount>,
    /// (place id, theme): sentences whose best label is the theme and that name the place.
    place_themes: Vec<(String, String, u64)>,
    /// (stage, kind) → count.
    notes: Vec<(String, String, u64)>,
    /// Removed blocks per kind.
    removed: Vec<(String, u64)>,
    /// The document's section body, when asked for.
    section: Option<String>,
}

/// Reduces one output record (a JSON line) to what the report needs; with `with_text`, also
/// renders its section with the full text. A line that is not a record becomes a failed entry.
pub fn summarise(line: &str, with_text: bool) -> DocSummary {
    let record: RecordView = match serde_json::from_str(line) {
        Ok(record) => record,
        Err(e) => {
            #[derive(Deserialize)]
            struct Id {
                id: String,
            }
            let id = serde_json::from_str::<Id>(line).map_or_else(|_| "?".to_owned(), |r| r.id);
            return DocSummary::failed(id, format!("report: unreadable record: {e}"));
        }
    };
    if record.status != "ok" {
        let stage = record.stage.as_deref().unwrap_or("?");
        let error = format!("{stage}: {}", record.error.as_deref().unwrap_or(""));
        return DocSummary::failed(record.id, error);
    }
    let meta = record.meta.as_ref();
    let text = record.text.as_str();
    let sentences = valid_sentences(record.sentences.as_deref().unwrap_or(&[]), text);
    let mentions = valid_mentions(record.mentions.as_deref().unwrap_or(&[]), text);
    let labels = record.labels.as_deref().unwrap_or(&[]);

    let mut best: Vec<Option<&str>> = vec![None; sentences.len()];
    for sentence in labels {
        if let (Some(slot), Some(label)) = (best.get_mut(sentence.sentence), best_label(sentence)) {
            *slot = Some(label);
        }
    }
    let mut themes: BTreeMap<&str, u64> = BTreeMap::new();
    for label in best.iter().flatten() {
        *themes.entry(label).or_default() += 1;
    }
    let labelled: u64 = themes.values().sum();

    let mut entities: BTreeMap<(Category, &str), EntityCount> = BTreeMap::new();
    for m in &mentions {
        let category = Category::of(&m.kind, &m.dictionary);
        entities
            .entry((category, &m.id))
            .or_insert_with(|| EntityCount { category, id: m.id.clone(), name: m.name.clone(), mentions: 0 })
            .mentions += 1;
    }

    // Each sentence counts once for each distinct place it names, under its best label.
    let mut place_themes: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut next = 0;
    for (sentence, label) in sentences.iter().zip(&best) {
        while next < mentions.len() && mentions[next].span.start < sentence.start {
            next += 1;
        }
        let mut places: Vec<&str> = mentions[next..]
            .iter()
            .take_while(|m| m.span.start < sentence.end)
            .filter(|m| Category::of(&m.kind, &m.dictionary) == Category::Place)
            .map(|m| m.id.as_str())
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
    for note in &record.notes {
        *notes.entry((&note.stage, &note.kind)).or_default() += note.count.unwrap_or(1);
    }
    let mut removed: BTreeMap<&str, u64> = BTreeMap::new();
    for block in &record.removed {
        *removed.entry(&block.kind).or_default() += 1;
    }

    let mut label_names: Vec<String> = labels.iter().flat_map(|s| &s.labels).map(|l| l.label.clone()).collect();
    label_names.sort_unstable();
    label_names.dedup();
    let section = with_text.then(|| render_section(&record, &sentences, &mentions, labels));
    DocSummary {
        title: meta.and_then(|m| m.title.as_deref()).map(|t| truncate(t, 160)),
        date: meta.and_then(|m| m.published.as_deref()).map(|d| d.chars().take(10).collect()),
        source: meta.and_then(|m| m.source.as_deref().or(m.site.as_deref())).map(|s| truncate(s, 80)),
        error: None,
        encoding: record.encoding.as_ref().map(|e| e.encoding.clone()),
        sentences: sentences.len() as u64,
        mentions: mentions.len() as u64,
        themes: themes.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        label_names,
        unlabelled: sentences.len() as u64 - labelled,
        entities: entities.into_values().collect(),
        place_themes: place_themes.into_iter().map(|((p, t), n)| (p.to_owned(), t.to_owned(), n)).collect(),
        notes: notes.into_iter().map(|((s, k), n)| (s.to_owned(), k.to_owned(), n)).collect(),
        removed: removed.into_iter().map(|(k, n)| (k.to_owned(), n)).collect(),
        section,
        ok: true,
        id: record.id,
    }
}

impl DocSummary {
    fn failed(id: String, error: String) -> Self {
        DocSummary {
            id,
            ok: false,
            title: None,
            date: None,
            source: None,
            error: Some(truncate(&error, 300)),
            encoding: None,
            sentences: 0,
            mentions: 0,
            themes: Vec::new(),
            label_names: Vec::new(),
            unlabelled: 0,
            entities: Vec::new(),
            place_themes: Vec::new(),
            notes: Vec::new(),
            removed: Vec::new(),
            section: None,
        }
    }
}

/// The label with the highest score (the first one on a tie, as the classifier ranked them).
fn best_label(sentence: &SentenceLabels) -> Option<&str> {
    let mut best: Option<&zhpipe_core::Label> = None;
    for label in &sentence.labels {
        if best.is_none_or(|b| label.score > b.score) {
            best = Some(label);
        }
    }
    best.map(|l| l.label.as_str())
}

/// Sentences in bounds, on char boundaries, in order and not overlapping; a record that breaks
/// the span rules still renders, without the bad spans.
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
/// overlap one already kept (the gazetteer's own rule is that longer entries win).
fn valid_mentions<'a>(mentions: &'a [MentionView], text: &str) -> Vec<&'a MentionView> {
    let mut sorted: Vec<&MentionView> =
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

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Appends `s` with the five HTML-significant characters escaped (valid in text and in
/// double- or single-quoted attributes).
fn esc(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    esc(&mut out, s);
    out
}

/// A theme's colour, as a CSS variable named by a hash of the theme. Sections and index rows
/// are rendered before every theme is known; [`Report::render`] then defines the variables,
/// spreading the themes it saw evenly around the colour wheel so that no two look alike.
fn theme_colour(theme: &str) -> String {
    format!("var(--th-{:016x})", fnv1a64(theme.as_bytes()))
}

/// The definitions of the theme colour variables, for themes in name order.
fn theme_palette<'a>(themes: impl ExactSizeIterator<Item = &'a String>) -> String {
    let n = themes.len().max(1);
    let mut css = String::from(":root{");
    for (i, theme) in themes.enumerate() {
        // Alternating lightness keeps neighbours apart when there are many themes.
        let (hue, lightness) = (i * 360 / n + 15, if i % 2 == 0 { 48 } else { 60 });
        let _ = write!(css, "--th-{:016x}:hsl({hue},65%,{lightness}%);", fnv1a64(theme.as_bytes()));
    }
    css.push('}');
    css
}

/// A document's section: metadata, encoding, highlighted text with labels, cleaning notes.
fn render_section(
    record: &RecordView,
    sentences: &[Span],
    mentions: &[&MentionView],
    labels: &[SentenceLabels],
) -> String {
    let mut out = String::with_capacity(record.text.len() * 2 + 2048);
    let title = record.meta.as_ref().and_then(|m| m.title.as_deref()).unwrap_or(&record.id);
    out.push_str("<h2>");
    esc(&mut out, title);
    out.push_str("</h2>\n<dl class=\"meta\">");
    let field = |out: &mut String, name: &str, value: &str| {
        if !value.is_empty() {
            let _ = write!(out, "<dt>{name}</dt><dd>{}</dd>", escaped(value));
        }
    };
    field(&mut out, "id", &record.id);
    if let Some(meta) = &record.meta {
        for (name, value) in [
            ("title", &meta.title),
            ("published", &meta.published),
            ("author", &meta.author),
            ("source", &meta.source),
            ("site", &meta.site),
            ("url", &meta.url),
        ] {
            field(&mut out, name, value.as_deref().unwrap_or(""));
        }
        for (name, values) in
            [("categories", &meta.categories), ("editors", &meta.editors), ("captions", &meta.captions)]
        {
            field(&mut out, name, &values.join(" · "));
        }
        for (key, value) in &meta.extra {
            let value = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
            field(&mut out, key, &truncate(&value, 300));
        }
    }
    out.push_str("</dl>\n<h3>Encoding</h3>");
    match &record.encoding {
        Some(e) => {
            out.push_str("<dl class=\"meta\">");
            field(&mut out, "encoding", &e.encoding);
            field(
                &mut out,
                "chosen by",
                &serde_json::to_value(e.source).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            );
            field(&mut out, "declared", e.declared.as_deref().unwrap_or(""));
            field(&mut out, "declaration overridden", if e.overridden { "yes" } else { "" });
            field(&mut out, "replaced sequences", &e.replacements.to_string());
            field(&mut out, "mojibake repaired", e.repaired.as_deref().unwrap_or(""));
            out.push_str("</dl>");
        }
        None => out.push_str("<p class=\"empty\">No encoding report: the text arrived decoded.</p>"),
    }

    out.push_str(
        "\n<h3>Text</h3>\n<p class=\"legend\"><mark class=\"m-place\">place</mark> <mark class=\"m-org\">organisation</mark> \
         <mark class=\"m-person\">person</mark> <mark class=\"m-policy\">policy term</mark> · labels after each sentence, \
         best first</p>\n<div class=\"text\">",
    );
    let text = record.text.as_str();
    let shown = if text.len() > TEXT_LIMIT { floor_char_boundary(text, TEXT_LIMIT) } else { text.len() };
    let mut sentence_labels: HashMap<usize, &SentenceLabels> = HashMap::new();
    for l in labels {
        sentence_labels.insert(l.sentence, l);
    }
    let mut at = 0;
    for (i, s) in sentences.iter().enumerate() {
        if s.start >= shown {
            break;
        }
        render_range(&mut out, text, at, s.start, mentions);
        let end = s.end.min(shown);
        let _ = write!(out, "<span class=\"s\" id=\"s{i}\">");
        render_range(&mut out, text, s.start, end, mentions);
        out.push_str("</span>");
        if let Some(l) = sentence_labels.get(&i).filter(|l| !l.labels.is_empty()) {
            out.push_str("<sup class=\"lab\">");
            for (j, label) in l.labels.iter().enumerate() {
                let _ = write!(
                    out,
                    "{}<b style=\"background:{}\"></b>{} {:.2}",
                    if j > 0 { " · " } else { "" },
                    theme_colour(&label.label),
                    escaped(&label.label),
                    label.score
                );
            }
            out.push_str("</sup>");
        }
        at = end;
    }
    render_range(&mut out, text, at, shown, mentions);
    out.push_str("</div>");
    if shown < text.len() {
        let _ = write!(
            out,
            "<p class=\"empty\">Text cut here: {} more bytes are in documents.jsonl.</p>",
            text.len() - shown
        );
    }
    if text.is_empty() {
        out.push_str("<p class=\"empty\">The text is empty.</p>");
    }

    out.push_str("\n<h3>Cleaning and notes</h3>");
    if record.notes.is_empty() {
        out.push_str("<p class=\"empty\">No notes.</p>");
    } else {
        out.push_str("<table><tr><th>stage</th><th>kind</th><th>count</th><th>message</th></tr>");
        for note in &record.notes {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                escaped(&note.stage),
                escaped(&note.kind),
                note.count.map(|c| c.to_string()).unwrap_or_default(),
                escaped(&truncate(&note.message, 500))
            );
        }
        out.push_str("</table>");
    }
    if !record.removed.is_empty() {
        out.push_str("<h4>Removed blocks</h4><table><tr><th>kind</th><th>text</th></tr>");
        for block in &record.removed {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td></tr>",
                escaped(&block.kind),
                escaped(&truncate(&block.text, 500))
            );
        }
        out.push_str("</table>");
    }
    out
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Renders `text[start..end]` with the mentions inside it marked; a mention that crosses the
/// range's edge is marked on the part inside.
fn render_range(out: &mut String, text: &str, start: usize, end: usize, mentions: &[&MentionView]) {
    if start >= end {
        return;
    }
    let mut at = start;
    let first = mentions.partition_point(|m| m.span.end <= start);
    for m in &mentions[first..] {
        if m.span.start >= end {
            break;
        }
        let (from, to) = (m.span.start.max(start), m.span.end.min(end));
        esc(out, &text[at..from]);
        let category = Category::of(&m.kind, &m.dictionary);
        let _ = write!(
            out,
            "<mark class=\"m-{}\" title=\"{} · {} · {}\">",
            category.class(),
            escaped(&m.kind),
            escaped(&m.name),
            escaped(&m.id)
        );
        esc(out, &text[from..to]);
        out.push_str("</mark>");
        at = to;
    }
    esc(out, &text[at..end]);
}

/// A count per key, keeping at most [`MAX_KEYS`] keys so that memory stays bounded when a
/// field (a source name) is different in every document.
#[derive(Default)]
struct Counter {
    counts: HashMap<String, u64>,
    other: u64,
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
    fn ranked(&self) -> Vec<(&str, u64)> {
        let mut entries: Vec<(&str, u64)> = self.counts.iter().map(|(k, &v)| (k.as_str(), v)).collect();
        entries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        entries
    }

    /// Entries by key.
    fn sorted(&self) -> Vec<(&str, u64)> {
        let mut entries: Vec<(&str, u64)> = self.counts.iter().map(|(k, &v)| (k.as_str(), v)).collect();
        entries.sort();
        entries
    }
}

#[derive(Default)]
struct EntityTotal {
    name: String,
    mentions: u64,
    documents: u64,
}

/// The report being built, one [`DocSummary`] at a time in output order.
pub struct Report {
    options: ReportOptions,
    documents: u64,
    ok: u64,
    sentences: u64,
    mentions: u64,
    failures: BTreeMap<String, u64>,
    months: Counter,
    sources: Counter,
    encodings: Counter,
    /// Theme → (sentences, documents).
    themes: BTreeMap<String, (u64, u64)>,
    unlabelled: u64,
    /// Every label seen, for the colour palette.
    label_names: std::collections::BTreeSet<String>,
    entities: HashMap<(Category, String), EntityTotal>,
    place_themes: HashMap<(String, String), u64>,
    /// (stage, kind) → (documents, count).
    notes: BTreeMap<(String, String), (u64, u64)>,
    /// Kind → (documents, blocks).
    removed: BTreeMap<String, (u64, u64)>,
    /// Theme bars of the first documents, for the corpus view's chart.
    theme_chart: Vec<ThemeChartRow>,
    rows: String,
    sections: String,
}

/// A document in the corpus view's theme chart: position, label, sentences per theme,
/// unlabelled sentences.
type ThemeChartRow = (u64, String, Vec<(String, u64)>, u64);

/// Documents in the corpus view's theme chart.
const THEME_CHART_DOCUMENTS: usize = 30;

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
            themes: BTreeMap::new(),
            unlabelled: 0,
            label_names: std::collections::BTreeSet::new(),
            entities: HashMap::new(),
            place_themes: HashMap::new(),
            notes: BTreeMap::new(),
            removed: BTreeMap::new(),
            theme_chart: Vec::new(),
            rows: String::new(),
            sections: String::new(),
        }
    }

    /// Documents added so far.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Whether the document at this 0-based position in the output gets its full text.
    pub fn wants_text(&self, position: u64) -> bool {
        position < self.options.documents_with_text as u64
    }

    /// Adds the next document in output order.
    pub fn add(&mut self, doc: DocSummary) {
        self.documents += 1;
        let n = self.documents;
        if doc.ok {
            self.ok += 1;
        } else {
            let stage = doc.error.as_deref().and_then(|e| e.split_once(':')).map_or("?", |(s, _)| s);
            *self.failures.entry(stage.to_owned()).or_default() += 1;
        }
        self.sentences += doc.sentences;
        self.mentions += doc.mentions;
        if doc.ok {
            let month =
                doc.date.as_deref().filter(|d| d.len() >= 7 && d.is_char_boundary(7)).map_or("unknown", |d| &d[..7]);
            self.months.add(month, 1);
            self.sources.add(doc.source.as_deref().unwrap_or("unknown"), 1);
            self.encodings.add(doc.encoding.as_deref().unwrap_or("decoded text"), 1);
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
        let label = doc.title.as_deref().unwrap_or(&doc.id);
        if doc.ok && self.theme_chart.len() < THEME_CHART_DOCUMENTS {
            self.theme_chart.push((n, truncate(label, 24), doc.themes.clone(), doc.unlabelled));
        }
        if n <= self.options.index_rows {
            self.push_row(n, &doc);
        }
        if let Some(section) = &doc.section {
            let _ = write!(
                self.sections,
                "<section class=\"doc\" id=\"doc-{n}\"><p class=\"nav\"><a href=\"#documents\">← all documents</a> · document {n}</p>\n{section}\n</section>\n"
            );
        }
    }

    fn push_row(&mut self, n: u64, doc: &DocSummary) {
        let out = &mut self.rows;
        let _ = write!(out, "<tr><td class=\"n\">{n}</td><td>");
        let label = escaped(doc.title.as_deref().unwrap_or(&doc.id));
        if doc.section.is_some() {
            let _ = write!(out, "<a href=\"#doc-{n}\">{label}</a>");
        } else {
            out.push_str(&label);
        }
        if doc.title.is_some() {
            let _ = write!(out, "<div class=\"id\">{}</div>", escaped(&doc.id));
        }
        let _ = write!(
            out,
            "</td><td>{}</td><td>{}</td>",
            escaped(doc.date.as_deref().unwrap_or("")),
            escaped(doc.source.as_deref().unwrap_or(""))
        );
        match &doc.error {
            Some(error) => {
                let _ = writeln!(
                    out,
                    "<td class=\"bad\" title=\"{0}\">error</td><td colspan=\"3\" class=\"err\">{0}</td></tr>",
                    escaped(error)
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<td>ok</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>",
                    doc.sentences, doc.mentions
                );
                theme_bar(out, &doc.themes, doc.unlabelled);
                out.push_str("</td></tr>\n");
            }
        }
    }

    /// The whole page.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.rows.len() + self.sections.len() + 64 * 1024);
        let failed = self.documents - self.ok;
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>zhpipe report: {} documents</title>\n<style>{CSS}{}</style>\n<script>{ERRORS_JS}</script>\n</head>\n\
             <body data-documents=\"{}\" data-ok=\"{}\" data-failed=\"{}\" data-mentions=\"{}\" data-errors=\"\">\n",
            self.documents,
            theme_palette(self.label_names.iter()),
            self.documents,
            self.ok,
            failed,
            self.mentions
        );
        out.push_str("<header><h1>zhpipe report</h1><p class=\"counts\">");
        let _ = write!(
            out,
            "<b>{}</b> documents · <b>{}</b> ok · <b>{}</b> failed · <b>{}</b> sentences · <b>{}</b> mentions",
            self.documents, self.ok, failed, self.sentences, self.mentions
        );
        out.push_str("</p>");
        if !self.options.stages.is_empty() {
            out.push_str("<p class=\"chain\">pipeline: ");
            esc(&mut out, &self.options.stages.join(" → "));
            out.push_str("</p>");
        }
        out.push_str(
            "<nav><a href=\"#corpus\">Corpus</a> <a href=\"#documents\">Documents</a></nav></header>\n<main>\n",
        );

        out.push_str("<section id=\"corpus\"><h2>Corpus</h2>\n<div class=\"grid\">\n");
        self.card_bars(&mut out, "Documents by month", &self.months.sorted(), self.months.other, None);
        self.card_bars(&mut out, "Documents by source", &top(self.sources.ranked(), TOP), self.sources.other, None);
        self.card_themes(&mut out);
        self.card_theme_chart(&mut out);
        out.push_str("</div>\n");

        out.push_str("<h3>Most frequent</h3>\n<div class=\"grid four\">");
        for category in Category::ALL {
            self.card_entities(&mut out, category);
        }
        out.push_str("</div>\n");
        self.place_theme_table(&mut out);
        out.push_str("<div class=\"grid\">");
        self.card_bars(&mut out, "Encodings", &self.encodings.ranked(), self.encodings.other, None);
        self.card_cleaning(&mut out);
        self.card_failures(&mut out);
        out.push_str("</div>\n</section>\n");

        out.push_str("<section id=\"documents\"><h2>Documents</h2>\n");
        let _ = write!(
            out,
            "<p class=\"pager\"><input id=\"filter\" type=\"search\" placeholder=\"filter by id, title, source\"> \
             <button id=\"prev\">◀</button> <span id=\"page\"></span> <button id=\"next\">▶</button></p>\n\
             <p class=\"note\">The first {} documents link to their text; the theme bar shows each theme's share of the \
             document's sentences (by best label; grey: no label).</p>\n",
            self.options.documents_with_text
        );
        out.push_str(
            "<table id=\"doc-index\"><thead><tr><th>#</th><th>document</th><th>date</th><th>source</th>\
             <th>status</th><th>sentences</th><th>mentions</th><th>theme share</th></tr></thead><tbody>\n",
        );
        out.push_str(&self.rows);
        out.push_str("</tbody></table>\n");
        if self.documents > self.options.index_rows {
            let _ = writeln!(
                out,
                "<p class=\"note\">{} more documents are not listed; the corpus view counts them all, documents.jsonl has them.</p>",
                self.documents - self.options.index_rows
            );
        }
        out.push_str("</section>\n");
        out.push_str(&self.sections);
        let _ = write!(out, "</main>\n<script>{PAGE_JS}</script>\n</body>\n</html>\n");
        out
    }

    fn card_bars(
        &self,
        out: &mut String,
        title: &str,
        entries: &[(&str, u64)],
        other: u64,
        colour: Option<&dyn Fn(&str) -> String>,
    ) {
        let _ = write!(out, "<div class=\"card\"><h3>{title}</h3>");
        if entries.is_empty() {
            out.push_str("<p class=\"empty\">No documents.</p></div>\n");
            return;
        }
        let max = entries.iter().map(|e| e.1).max().unwrap_or(1).max(1);
        out.push_str("<table class=\"bars\">");
        for (key, count) in entries {
            let width = (*count as f64 / max as f64 * 100.0).max(1.0);
            let style = colour.map(|c| format!(";background:{}", c(key))).unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td class=\"k\">{}</td><td class=\"bar\"><i style=\"width:{width:.1}%{style}\"></i></td><td class=\"n\">{count}</td></tr>",
                escaped(key)
            );
        }
        if other > 0 {
            let _ = write!(out, "<tr><td class=\"k\">other</td><td></td><td class=\"n\">{other}</td></tr>");
        }
        out.push_str("</table></div>\n");
    }

    fn card_themes(&self, out: &mut String) {
        if self.themes.is_empty() {
            let why = if self.options.layers.contains(Layers::LABELS) {
                "No sentence has a label."
            } else {
                "No labels: the pipeline has no classify stage."
            };
            let _ = writeln!(out, "<div class=\"card\"><h3>Themes</h3><p class=\"empty\">{why}</p></div>");
            return;
        }
        let mut ranked: Vec<(&str, u64)> = self.themes.iter().map(|(k, v)| (k.as_str(), v.0)).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let labelled: u64 = ranked.iter().map(|e| e.1).sum();
        let _ = write!(
            out,
            "<div class=\"card\"><h3>Themes</h3><p class=\"note\">{labelled} labelled sentences, {} without a label; documents with the theme in brackets.</p><table class=\"bars\">",
            self.unlabelled
        );
        let max = ranked.first().map_or(1, |e| e.1).max(1);
        for (theme, sentences) in &ranked {
            let documents = self.themes[*theme].1;
            let share = *sentences as f64 / labelled.max(1) as f64 * 100.0;
            let _ = write!(
                out,
                "<tr><td class=\"k\"><b class=\"sw\" style=\"background:{}\"></b>{}</td><td class=\"bar\"><i style=\"width:{:.1}%;background:{}\"></i></td><td class=\"n\">{share:.0}% ({documents})</td></tr>",
                theme_colour(theme),
                escaped(theme),
                (*sentences as f64 / max as f64 * 100.0).max(1.0),
                theme_colour(theme)
            );
        }
        out.push_str("</table></div>\n");
    }

    fn card_theme_chart(&self, out: &mut String) {
        out.push_str("<div class=\"card\"><h3>Theme share per document</h3>");
        if self.themes.is_empty() {
            out.push_str("<p class=\"empty\">No labels yet.</p></div>\n");
            return;
        }
        out.push_str("<table class=\"bars\">");
        for (n, label, themes, unlabelled) in &self.theme_chart {
            let _ =
                write!(out, "<tr><td class=\"k\"><a href=\"#doc-{n}\">{}</a></td><td class=\"bar\">", escaped(label));
            theme_bar(out, themes, *unlabelled);
            out.push_str("</td></tr>");
        }
        out.push_str("</table>");
        if self.documents as usize > self.theme_chart.len() {
            out.push_str("<p class=\"note\">The first documents; the index has them all.</p>");
        }
        out.push_str("</div>\n");
    }

    fn ranked_entities(&self, category: Category) -> Vec<(&str, &EntityTotal)> {
        let mut entries: Vec<(&str, &EntityTotal)> =
            self.entities.iter().filter(|((c, _), _)| *c == category).map(|((_, id), t)| (id.as_str(), t)).collect();
        entries.sort_by(|a, b| b.1.mentions.cmp(&a.1.mentions).then(a.0.cmp(b.0)));
        entries
    }

    fn card_entities(&self, out: &mut String, category: Category) {
        let _ =
            write!(out, "<div class=\"card\"><h3><b class=\"sw m-{}\"></b>{}</h3>", category.class(), category.title());
        let entries = self.ranked_entities(category);
        if entries.is_empty() {
            let why = if self.options.layers.contains(Layers::MENTIONS) {
                "None found."
            } else {
                "No mentions: the pipeline has no gazetteer stage."
            };
            let _ = write!(out, "<p class=\"empty\">{why}</p></div>");
            return;
        }
        out.push_str("<table class=\"top\"><tr><th></th><th>mentions</th><th>docs</th></tr>");
        for (id, total) in entries.iter().take(TOP) {
            let _ = write!(
                out,
                "<tr><td title=\"{}\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escaped(id),
                escaped(&total.name),
                total.mentions,
                total.documents
            );
        }
        let _ = write!(out, "</table><p class=\"note\">{} distinct</p></div>", entries.len());
    }

    fn place_theme_table(&self, out: &mut String) {
        out.push_str("<h3>Places × themes</h3>");
        if self.place_themes.is_empty() {
            out.push_str("<p class=\"empty\">No labelled sentence names a place.</p>\n");
            return;
        }
        let mut themes: Vec<(&str, u64)> = self.themes.iter().map(|(k, v)| (k.as_str(), v.0)).collect();
        themes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut place_totals: HashMap<&str, u64> = HashMap::new();
        for ((place, _), n) in &self.place_themes {
            *place_totals.entry(place).or_default() += n;
        }
        let mut places: Vec<(&str, u64)> = place_totals.into_iter().collect();
        places.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let max = self.place_themes.values().copied().max().unwrap_or(1).max(1);
        out.push_str(
            "<p class=\"note\">Sentences naming the place, by the sentence's best label; the most frequent places.</p>\
             <div class=\"scroll\"><table class=\"matrix\"><tr><th>place</th>",
        );
        for (theme, _) in &themes {
            let _ = write!(
                out,
                "<th><b class=\"sw\" style=\"background:{}\"></b>{}</th>",
                theme_colour(theme),
                escaped(theme)
            );
        }
        out.push_str("<th>total</th></tr>");
        for (place, total) in places.iter().take(TOP) {
            let name = self.entities.get(&(Category::Place, (*place).to_owned())).map_or(*place, |t| t.name.as_str());
            let _ = write!(out, "<tr><td title=\"{}\">{}</td>", escaped(place), escaped(name));
            for (theme, _) in &themes {
                let n = self.place_themes.get(&((*place).to_owned(), (*theme).to_owned())).copied().unwrap_or(0);
                if n == 0 {
                    out.push_str("<td class=\"n\"></td>");
                } else {
                    let alpha = 0.12 + 0.6 * n as f64 / max as f64;
                    let _ = write!(out, "<td class=\"n\" style=\"background:rgba(40,110,200,{alpha:.2})\">{n}</td>");
                }
            }
            let _ = write!(out, "<td class=\"n\"><b>{total}</b></td></tr>");
        }
        out.push_str("</table></div>\n");
    }

    fn card_cleaning(&self, out: &mut String) {
        out.push_str("<div class=\"card\"><h3>What the stages changed</h3>");
        if self.notes.is_empty() && self.removed.is_empty() {
            out.push_str("<p class=\"empty\">No notes.</p></div>\n");
            return;
        }
        out.push_str("<table class=\"top\"><tr><th>stage</th><th>note</th><th>docs</th><th>count</th></tr>");
        for ((stage, kind), (documents, count)) in &self.notes {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{documents}</td><td class=\"n\">{count}</td></tr>",
                escaped(stage),
                escaped(kind)
            );
        }
        for (kind, (documents, blocks)) in &self.removed {
            let _ = write!(
                out,
                "<tr><td>removed</td><td>{}</td><td class=\"n\">{documents}</td><td class=\"n\">{blocks}</td></tr>",
                escaped(kind)
            );
        }
        out.push_str("</table></div>\n");
    }

    fn card_failures(&self, out: &mut String) {
        out.push_str("<div class=\"card\"><h3>Failures</h3>");
        if self.failures.is_empty() {
            out.push_str("<p class=\"empty\">Every document was processed.</p></div>\n");
            return;
        }
        out.push_str("<table class=\"top\"><tr><th>stage</th><th>documents</th></tr>");
        for (stage, n) in &self.failures {
            let _ = write!(out, "<tr><td>{}</td><td class=\"n\">{n}</td></tr>", escaped(stage));
        }
        out.push_str("</table><p class=\"note\">The index lists each error.</p></div>\n");
    }
}

fn top(mut entries: Vec<(&str, u64)>, n: usize) -> Vec<(&str, u64)> {
    entries.truncate(n);
    entries
}

/// A 100%-wide bar split by each theme's share of the sentences; grey for unlabelled ones.
fn theme_bar(out: &mut String, themes: &[(String, u64)], unlabelled: u64) {
    let total = themes.iter().map(|t| t.1).sum::<u64>() + unlabelled;
    out.push_str("<span class=\"tbar\">");
    if total > 0 {
        for (theme, n) in themes {
            let share = *n as f64 / total as f64 * 100.0;
            let _ = write!(
                out,
                "<i style=\"width:{share:.1}%;background:{}\" title=\"{} {share:.0}%\"></i>",
                theme_colour(theme),
                escaped(theme)
            );
        }
        if unlabelled > 0 {
            let share = unlabelled as f64 / total as f64 * 100.0;
            let _ = write!(out, "<i style=\"width:{share:.1}%\" class=\"none\" title=\"no label {share:.0}%\"></i>");
        }
    }
    out.push_str("</span>");
}

const CSS: &str = r#"
:root{--fg:#1d2329;--muted:#68717a;--line:#dde2e6;--bg:#f6f7f9;--place:#cde8ff;--org:#ffe2b8;--person:#e4d4ff;--policy:#c9f2d0}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#22313f;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0;color:#cfd8e0}
header nav a{color:#9fd0ff;margin-right:14px}
main{padding:8px 24px 40px}
h2{margin:18px 0 8px;font-size:18px}
h3{margin:14px 0 6px;font-size:15px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
.grid.four{grid-template-columns:repeat(auto-fit,minmax(220px,1fr))}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.card h3{margin-top:2px}
table{border-collapse:collapse}
td,th{padding:2px 6px;text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.bars{width:100%}
table.bars td.k{white-space:nowrap;max-width:180px;overflow:hidden;text-overflow:ellipsis}
table.bars td.bar{width:60%}
table.bars td.bar i{display:block;height:12px;background:#5b8db8;border-radius:2px}
table.top{width:100%}
table.top tr:nth-child(even),#doc-index tbody tr:nth-child(even){background:#f3f5f7}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:baseline}
.sw.m-place{background:var(--place)}.sw.m-org{background:var(--org)}.sw.m-person{background:var(--person)}.sw.m-policy{background:var(--policy)}
.empty{color:var(--muted);font-style:italic}
.note{color:var(--muted);font-size:12px;margin:4px 0}
.scroll{overflow-x:auto;background:#fff;border:1px solid var(--line);border-radius:6px}
table.matrix td,table.matrix th{border:1px solid var(--line)}
#doc-index{width:100%;background:#fff;border:1px solid var(--line)}
#doc-index td .id{color:var(--muted);font-size:11px;word-break:break-all}
#doc-index td.bad{color:#b00020;font-weight:600}
#doc-index td.err{color:#b00020;font-size:12px}
.tbar{display:flex;width:180px;height:12px;background:#eee;border-radius:2px;overflow:hidden}
.tbar i{display:block;height:100%}
.tbar i.none{background:#d5d9dd}
.pager input{padding:3px 6px;width:280px}
.doc{display:none;background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 18px;margin-top:12px}
.doc:target{display:block}
main:has(.doc:target)>#corpus,main:has(.doc:target)>#documents{display:none}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;word-break:break-all}
.text{white-space:pre-wrap;line-height:1.9;font-size:15px;max-width:60em}
.text .s:hover{background:#fff7cc}
mark{border-radius:3px;padding:0 1px;color:inherit}
mark.m-place{background:var(--place)}mark.m-org{background:var(--org)}mark.m-person{background:var(--person)}mark.m-policy{background:var(--policy)}
.legend{font-size:12px;color:var(--muted)}
sup.lab{font-size:10px;color:var(--muted);margin:0 3px;white-space:nowrap}
sup.lab b{display:inline-block;width:7px;height:7px;border-radius:50%;margin-right:2px}
"#;

/// Registered first, so that an error anywhere in the page's script (even a syntax error in
/// the main script) is recorded where the browser test reads it.
const ERRORS_JS: &str = r#"
window.onerror=function(message){var b=document.body||document.documentElement;var e=b.getAttribute('data-errors');b.setAttribute('data-errors',(e?e+' | ':'')+String(message));};
"#;

const PAGE_JS: &str = r#"
(function(){
  var per=100, page=0;
  var rows=Array.prototype.slice.call(document.querySelectorAll('#doc-index tbody tr'));
  var shown=rows;
  var label=document.getElementById('page');
  function draw(){
    var pages=Math.max(1,Math.ceil(shown.length/per));
    if(page>=pages){page=pages-1;}
    rows.forEach(function(r){r.style.display='none';});
    shown.slice(page*per,(page+1)*per).forEach(function(r){r.style.display='';});
    label.textContent='page '+(page+1)+' of '+pages+' · '+shown.length+' documents';
  }
  document.getElementById('prev').onclick=function(){if(page>0){page--;draw();}};
  document.getElementById('next').onclick=function(){page++;draw();};
  document.getElementById('filter').oninput=function(){
    var q=this.value.toLowerCase();
    shown=q?rows.filter(function(r){return r.textContent.toLowerCase().indexOf(q)>=0;}):rows;
    page=0;draw();
  };
  draw();
  document.body.setAttribute('data-rendered',String(rows.length));
  document.body.setAttribute('data-sections',String(document.querySelectorAll('section.doc').length));
})();
"#;

#[cfg(test)]
mod tests {
    use zhpipe_core::{Document, EntryNames, Label, Mentions};

    use super::*;
    use crate::record;

    fn mention<'a>(
        text: &str,
        surface: &'a str,
        nth: usize,
        id: &'a str,
        kind: &'a str,
        dictionary: &'a str,
    ) -> (Span, EntryNames<'a>) {
        let start = text.match_indices(surface).nth(nth).unwrap().0;
        (Span::new(start, start + surface.len()), EntryNames { id, kind, name: surface, dictionary })
    }

    fn label(sentence: usize, labels: &[(&str, f32)]) -> SentenceLabels {
        SentenceLabels {
            sentence,
            labels: labels.iter().map(|&(l, s)| Label { label: l.into(), score: s, evidence: vec![] }).collect(),
        }
    }

    /// A document with every layer, as a record line: what the default chain will write.
    fn annotated(id: &str) -> String {
        let text = "河北省推进京津冀交通一体化。国务院发布<规划>。\n北京市与河北省签署协议，习近平出席。";
        let mut doc = Document::from_text(id, text);
        doc.meta.title = Some("京津冀 \"协同\" 发展".into());
        doc.meta.published = Some("2024-05-14T16:41:21+08:00".into());
        doc.meta.source = Some("河北省人民政府网站".into());
        let first = text.find('。').unwrap() + '。'.len_utf8();
        let second = first + text[first..].find('。').unwrap() + '。'.len_utf8();
        doc.sentences = vec![Span::new(0, first), Span::new(first, second), Span::new(second + 1, text.len())];
        doc.mentions = Mentions::from_names([
            mention(text, "河北省", 0, "place:130000", "province", "places"),
            mention(text, "京津冀", 0, "region:jingjinji", "region", "places"),
            mention(text, "国务院", 0, "org:guowuyuan", "organisation", "organisations"),
            mention(text, "北京市", 0, "place:110000", "province", "places"),
            mention(text, "河北省", 1, "place:130000", "province", "places"),
            mention(text, "习近平", 0, "person:xijinping", "person", "people"),
            mention(text, "一体化", 0, "policy:yitihua", "policy", "policy-terms"),
        ]);
        doc.labels = vec![
            label(0, &[("transport", 0.9), ("coordination", 0.4)]),
            label(1, &[("planning", 0.7)]),
            label(2, &[("coordination", 0.3), ("meeting", 0.8)]),
        ];
        doc.note_count("clean", "removed-breadcrumb", 2, "当前位置:首页 > 要闻");
        doc.removed.push(Removed { kind: "breadcrumb".into(), text: "当前位置:首页".into() });
        record::ok_line(&doc, Layers::all())
    }

    fn build(lines: &[String], options: ReportOptions) -> String {
        let mut report = Report::new(options);
        for (i, line) in lines.iter().enumerate() {
            let with_text = report.wants_text(i as u64);
            report.add(summarise(line, with_text));
        }
        report.render()
    }

    #[test]
    fn mentions_are_highlighted_by_kind_and_escaped() {
        let html = build(&[annotated("a")], ReportOptions::default());
        assert!(
            html.contains("<mark class=\"m-place\" title=\"province · 河北省 · place:130000\">河北省</mark>"),
            "{html}"
        );
        assert!(html.contains("<mark class=\"m-org\" title=\"organisation · 国务院 · org:guowuyuan\">国务院</mark>"));
        assert!(html.contains("<mark class=\"m-person\" title=\"person · 习近平 · person:xijinping\">习近平</mark>"));
        assert!(html.contains("<mark class=\"m-policy\""));
        // The text's `<规划>` and the title's quotes are escaped, never markup.
        assert!(html.contains("发布&lt;规划&gt;。"));
        assert!(!html.contains("<规划>"));
        assert!(html.contains("<h2>京津冀 &quot;协同&quot; 发展</h2>"));
    }

    #[test]
    fn each_sentence_shows_its_labels_best_first() {
        let html = build(&[annotated("a")], ReportOptions::default());
        let first = html.find("<span class=\"s\" id=\"s0\">").expect("sentence 0");
        let after = &html[first..];
        let sup = &after[after.find("<sup class=\"lab\">").unwrap()..];
        let sup = &sup[..sup.find("</sup>").unwrap()];
        assert!(sup.contains("transport 0.90") && sup.contains("coordination 0.40"), "{sup}");
        assert!(sup.find("transport").unwrap() < sup.find("coordination").unwrap());
        // The newline between sentences 1 and 2 is kept in the pre-wrapped text.
        assert!(html.contains("</sup>\n<span class=\"s\" id=\"s2\">"));
    }

    #[test]
    fn corpus_view_counts_entities_themes_and_places_by_theme() {
        let lines = vec![annotated("a"), annotated("b")];
        let report = {
            let mut report = Report::new(ReportOptions::default());
            for line in &lines {
                report.add(summarise(line, false));
            }
            report
        };
        // 河北省 twice per document, in 2 documents.
        let places = report.ranked_entities(Category::Place);
        let rendered: Vec<String> =
            places.iter().map(|(id, t)| format!("{id}={}x{}", t.mentions, t.documents)).collect();
        assert_eq!(rendered, ["place:130000=4x2", "place:110000=2x2", "region:jingjinji=2x2"]);
        // Sentence 0 (transport) names 河北省 and 京津冀; sentence 2 (meeting: 0.8 beats 0.3) names
        // 北京市 and 河北省; sentence 1 (planning) names no place.
        let mut cells: Vec<String> = report.place_themes.iter().map(|((p, t), n)| format!("{p}/{t}={n}")).collect();
        cells.sort();
        assert_eq!(
            cells,
            [
                "place:110000/meeting=2",
                "place:130000/meeting=2",
                "place:130000/transport=2",
                "region:jingjinji/transport=2"
            ]
        );
        assert_eq!(report.themes["meeting"], (2, 2));
        assert!(!report.themes.contains_key("coordination"), "only the best label counts");
        assert_eq!(report.notes[&("clean".to_owned(), "removed-breadcrumb".to_owned())], (2, 4));
        let html = report.render();
        assert!(html.contains("data-documents=\"2\" data-ok=\"2\" data-failed=\"0\" data-mentions=\"14\""));
        assert!(html.contains("<h3>Places × themes</h3>"));
        assert!(html.contains("<td title=\"place:130000\">河北省</td>"));
        assert!(html.contains("2024-05"));
    }

    #[test]
    fn empty_layers_render_with_an_explanation() {
        let doc = Document::from_text("plain", "只有文本，没有标注。");
        let line = record::ok_line(&doc, Layers::TEXT);
        let options = ReportOptions { layers: Layers::TEXT, ..ReportOptions::default() };
        let html = build(&[line], options);
        assert!(html.contains("No mentions: the pipeline has no gazetteer stage."));
        assert!(html.contains("No labels: the pipeline has no classify stage."));
        assert!(html.contains("No labelled sentence names a place."));
        assert!(html.contains("<div class=\"text\">只有文本，没有标注。</div>"));
        assert!(html.contains("No encoding report"));
    }

    #[test]
    fn error_records_are_listed_and_counted_by_stage() {
        let lines = vec![
            record::error_line("bad<1>.bin", "decode", "binary file: 41% control bytes"),
            record::error_line("gone.txt", "input", "cannot read gone.txt: dangling symbolic link"),
            annotated("ok"),
        ];
        let html = build(&lines, ReportOptions::default());
        assert!(html.contains("data-documents=\"3\" data-ok=\"1\" data-failed=\"2\""));
        assert!(html.contains("<td>decode</td><td class=\"n\">1</td>"));
        assert!(html.contains("<td>input</td><td class=\"n\">1</td>"));
        assert!(html.contains("bad&lt;1&gt;.bin"));
        assert!(html.contains("decode: binary file: 41% control bytes"));
        // The first record that has a section is the third one.
        assert!(html.contains("<section class=\"doc\" id=\"doc-3\">"));
        assert!(!html.contains("id=\"doc-1\""));
    }

    #[test]
    fn unreadable_line_is_a_failed_entry_not_a_panic() {
        let doc = summarise("{\"id\": \"x\", \"status\": \"ok\", \"sentences\": 3}", true);
        assert!(!doc.ok);
        assert_eq!(doc.id, "x");
        assert!(doc.error.as_deref().unwrap().starts_with("report: unreadable record"));
        assert_eq!(summarise("not json", true).id, "?");
    }

    #[test]
    fn spans_off_char_boundaries_or_out_of_bounds_are_skipped() {
        let line = concat!(
            r#"{"id":"s","status":"ok","text":"京津冀协同","sentences":[[0,15],[1,4],[12,99]],"#,
            r#""mentions":[{"span":[1,9],"surface":"","id":"a","kind":"place","name":"x","dictionary":"places"},"#,
            r#"{"span":[0,9],"surface":"京津冀","id":"b","kind":"region","name":"京津冀","dictionary":"places"},"#,
            r#"{"span":[3,12],"surface":"","id":"c","kind":"place","name":"y","dictionary":"places"},"#,
            r#"{"span":[0,99],"surface":"","id":"d","kind":"place","name":"z","dictionary":"places"}],"notes":[]}"#
        );
        let doc = summarise(line, true);
        assert!(doc.ok, "{:?}", doc.error);
        assert_eq!((doc.sentences, doc.mentions), (1, 1), "only [0,15] and b are valid and not overlapping");
        let section = doc.section.unwrap();
        assert!(section.contains("<span class=\"s\" id=\"s0\"><mark class=\"m-place\" title=\"region · 京津冀 · b\">京津冀</mark>协同</span>"), "{section}");
    }

    #[test]
    fn only_the_first_documents_get_text_and_only_the_first_rows_are_listed() {
        let lines: Vec<String> = (0..7).map(|i| annotated(&format!("d{i}"))).collect();
        let options = ReportOptions { documents_with_text: 2, index_rows: 5, ..ReportOptions::default() };
        let html = build(&lines, options);
        assert_eq!(html.matches("<section class=\"doc\"").count(), 2);
        assert_eq!(html.matches("<tr><td class=\"n\">").count(), 5);
        assert!(html.contains("2 more documents are not listed"));
        assert!(html.contains("data-documents=\"7\""));
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary() {
        let text = "京".repeat(TEXT_LIMIT / 3 + 10) + "<end>";
        let line = record::ok_line(&Document::from_text("long", text.clone()), Layers::TEXT);
        let section = summarise(&line, true).section.unwrap();
        assert!(section.contains(&format!("Text cut here: {} more bytes", text.len() - TEXT_LIMIT / 3 * 3)), "cut");
        assert!(!section.contains("&lt;end&gt;"));
    }

    #[test]
    fn the_page_is_self_contained() {
        let html = build(&[annotated("a")], ReportOptions::default());
        for remote in ["http://", "https://", "src=", "<link", "@import"] {
            assert!(!html.contains(remote), "{remote} in the page");
        }
        assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    }

    #[test]
    fn report_is_the_same_whichever_way_it_is_built() {
        // Summaries made on any thread, in output order, give the same page.
        let lines: Vec<String> = (0..5).map(|i| annotated(&format!("d{i}"))).collect();
        let sequential = build(&lines, ReportOptions::default());
        let summaries: Vec<DocSummary> = std::thread::scope(|scope| {
            let handles: Vec<_> = lines.iter().map(|line| scope.spawn(move || summarise(line, true))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut report = Report::new(ReportOptions::default());
        summaries.into_iter().for_each(|s| report.add(s));
        assert_eq!(report.render(), sequential);
    }
}
