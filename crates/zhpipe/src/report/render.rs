//! The page, through askama templates (`templates/report/`). Every value a template
//! interpolates is HTML-escaped; the only values marked `safe` are the output of another
//! template (a document page), the bundled assets and the palette, which is made of hashes.
//! What the templates show is prepared here as plain view structs, so that the templates hold
//! no logic beyond loops and conditions.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use askama::Template;
use zhpipe_core::{Layers, SentenceLabels, Span};

use super::aggregate::{IndexRow, Report};
use super::summary::truncate;
use super::{CategoryView, TEXT_LIMIT, TOP, ThemeNames};
use crate::record::{MentionRecord, Record};
use crate::shard::fnv1a64;
use zhpipe_core::Category;

const CSS: &str = include_str!("../../assets/report.css");
const ERRORS_JS: &str = include_str!("../../assets/errors.js");
const PAGE_JS: &str = include_str!("../../assets/report.js");

/// Months the over-time charts show: the latest ones, when there are more.
const CHART_MONTHS: usize = 120;

/// A theme's colour, as a CSS variable named by a hash of the theme. Document pages and index
/// rows are rendered before every theme is known; [`palette`] then defines the variables,
/// spreading the themes it saw evenly around the colour wheel so that no two look alike.
fn theme_colour(theme: &str) -> String {
    format!("var(--th-{:016x})", fnv1a64(theme.as_bytes()))
}

/// The definitions of the theme colour variables, for themes in name order.
fn palette<'a>(themes: impl ExactSizeIterator<Item = &'a String>) -> String {
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

/// A percentage for a `width:` style, at least 1% so that a small count stays visible.
fn percent(n: u64, of: u64) -> String {
    format!("{:.1}", (n as f64 / of.max(1) as f64 * 100.0).max(1.0))
}

/// One label on a sentence.
struct LabelView {
    id: String,
    name: String,
    colour: String,
    score: String,
}

/// A stretch of a document's text, in order.
enum Piece<'a> {
    Text(&'a str),
    Mark(MarkView<'a>),
    SentenceStart(usize),
    SentenceEnd,
    Labels(Vec<LabelView>),
}

struct MarkView<'a> {
    class: &'static str,
    title: String,
    text: &'a str,
}

/// One document's page: metadata, encoding, the highlighted text with labels, the notes.
#[derive(Template)]
#[template(path = "report/document.html")]
pub(super) struct DocumentPage<'a> {
    title: &'a str,
    fields: Vec<(String, String)>,
    encoding: Option<Vec<(&'static str, String)>>,
    pieces: Vec<Piece<'a>>,
    cut: usize,
    empty: bool,
    notes: Vec<[String; 4]>,
    removed: Vec<(String, String)>,
}

impl<'a> DocumentPage<'a> {
    pub(super) fn new(
        record: &'a Record<'a>,
        sentences: &[Span],
        mentions: &[&MentionRecord],
        labels: &[SentenceLabels],
        themes: &ThemeNames,
    ) -> Self {
        let meta = record.meta.as_deref();
        let mut fields: Vec<(String, String)> = vec![("id".into(), record.id.to_string())];
        if let Some(meta) = meta {
            for (name, value) in [
                ("title", &meta.title),
                ("published", &meta.published),
                ("author", &meta.author),
                ("source", &meta.source),
                ("site", &meta.site),
                ("url", &meta.url),
            ] {
                fields.push((name.into(), value.clone().unwrap_or_default()));
            }
            for (name, values) in
                [("categories", &meta.categories), ("editors", &meta.editors), ("captions", &meta.captions)]
            {
                fields.push((name.into(), values.join(" · ")));
            }
            for (key, value) in &meta.extra {
                let value = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                fields.push((truncate(key, 80), truncate(&value, 300)));
            }
        }
        fields.retain(|(_, value)| !value.is_empty());
        let encoding = record.encoding.as_deref().map(|e| {
            let source = serde_json::to_value(e.source).ok().and_then(|v| v.as_str().map(str::to_owned));
            let mut rows = vec![
                ("encoding", e.encoding.clone()),
                ("chosen by", source.unwrap_or_default()),
                ("declared", e.declared.clone().unwrap_or_default()),
                ("declaration overridden", if e.overridden { "yes".into() } else { String::new() }),
                ("replaced sequences", e.replacements.to_string()),
                ("mojibake repaired", e.repaired.clone().unwrap_or_default()),
            ];
            rows.retain(|(_, value)| !value.is_empty());
            rows
        });

        let text = record.text();
        let shown = if text.len() > TEXT_LIMIT { floor_char_boundary(text, TEXT_LIMIT) } else { text.len() };
        let by_sentence: HashMap<usize, &SentenceLabels> = labels.iter().map(|l| (l.sentence, l)).collect();
        let mut pieces = Vec::new();
        let mut at = 0;
        for (i, s) in sentences.iter().enumerate() {
            if s.start >= shown {
                break;
            }
            highlight(&mut pieces, text, at, s.start, mentions);
            let end = s.end.min(shown);
            pieces.push(Piece::SentenceStart(i));
            highlight(&mut pieces, text, s.start, end, mentions);
            pieces.push(Piece::SentenceEnd);
            if let Some(l) = by_sentence.get(&i).filter(|l| !l.labels.is_empty()) {
                pieces.push(Piece::Labels(
                    l.labels
                        .iter()
                        .map(|label| LabelView {
                            id: label.label.clone(),
                            name: themes.name(&label.label).to_owned(),
                            colour: theme_colour(&label.label),
                            score: format!("{:.2}", label.score),
                        })
                        .collect(),
                ));
            }
            at = end;
        }
        highlight(&mut pieces, text, at, shown, mentions);

        DocumentPage {
            title: meta.and_then(|m| m.title.as_deref()).unwrap_or(&record.id),
            fields,
            encoding,
            pieces,
            cut: text.len() - shown,
            empty: text.is_empty(),
            notes: record
                .notes
                .as_deref()
                .unwrap_or(&[])
                .iter()
                .map(|n| {
                    let count = n.count.map(|c| c.to_string()).unwrap_or_default();
                    [n.stage.clone(), n.kind.clone(), count, truncate(&n.message, 500)]
                })
                .collect(),
            removed: record.removed.iter().map(|b| (b.kind.clone(), truncate(&b.text, 500))).collect(),
        }
    }

    pub(super) fn render(&self) -> String {
        Template::render(self).expect("the document template renders")
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `text[start..end]` as pieces, with the mentions inside it marked; a mention that crosses the
/// range's edge is marked on the part inside.
fn highlight<'a>(pieces: &mut Vec<Piece<'a>>, text: &'a str, start: usize, end: usize, mentions: &[&MentionRecord]) {
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
        if at < from {
            pieces.push(Piece::Text(&text[at..from]));
        }
        pieces.push(Piece::Mark(MarkView {
            class: Category::of(m).class(),
            title: format!("{} · {} · {}", m.kind, m.name, m.id),
            text: &text[from..to],
        }));
        at = to;
    }
    if at < end {
        pieces.push(Piece::Text(&text[at..end]));
    }
}

/// A bar split by each theme's share of a document's sentences; grey for unlabelled ones.
struct ThemeBar {
    /// (width %, colour, hover text).
    parts: Vec<(String, String, String)>,
    unlabelled: Option<(String, String)>,
}

impl ThemeBar {
    fn new(themes: &[(String, u64)], unlabelled: u64, names: &ThemeNames) -> Self {
        let total = themes.iter().map(|t| t.1).sum::<u64>() + unlabelled;
        let share = |n: u64| n as f64 / total.max(1) as f64 * 100.0;
        let parts = themes
            .iter()
            .map(|(theme, n)| {
                let s = share(*n);
                (format!("{s:.1}"), theme_colour(theme), format!("{} ({theme}) {s:.0}%", names.name(theme)))
            })
            .collect();
        let unlabelled = (total > 0 && unlabelled > 0).then(|| {
            let s = share(unlabelled);
            (format!("{s:.1}"), format!("no label {s:.0}%"))
        });
        ThemeBar { parts, unlabelled }
    }
}

/// A card of horizontal bars.
struct BarCard {
    title: &'static str,
    note: Option<String>,
    empty: String,
    rows: Vec<BarRow>,
    other: u64,
}

struct BarRow {
    key: String,
    hover: String,
    width: String,
    colour: Option<String>,
    count: String,
}

impl BarCard {
    fn counts(title: &'static str, entries: &[(&str, u64)], other: u64) -> Self {
        let max = entries.iter().map(|e| e.1).max().unwrap_or(1);
        BarCard {
            title,
            note: None,
            empty: "No documents.".into(),
            rows: entries
                .iter()
                .map(|(key, n)| BarRow {
                    key: (*key).to_owned(),
                    hover: (*key).to_owned(),
                    width: percent(*n, max),
                    colour: None,
                    count: n.to_string(),
                })
                .collect(),
            other,
        }
    }
}

/// The most frequent entities of one category.
struct EntityCard {
    class: &'static str,
    title: &'static str,
    empty: &'static str,
    /// (id, name, mentions, documents).
    rows: Vec<(String, String, u64, u64)>,
    distinct: usize,
}

/// A document in the theme-share chart.
struct ChartRow {
    n: u64,
    label: String,
    bar: ThemeBar,
}

/// The place × theme table.
struct Matrix {
    /// (id, name, colour).
    themes: Vec<(String, String, String)>,
    rows: Vec<MatrixRow>,
}

struct MatrixRow {
    id: String,
    name: String,
    /// (count, background alpha) or empty.
    cells: Vec<Option<(u64, String)>>,
    total: u64,
}

/// One theme's part of a month's column: (y, height, colour, hover).
type ColumnPart = (String, String, String, String);

/// The two over-time charts, drawn as inline SVG in a 600 × 180 box.
struct Timeline {
    months: usize,
    /// Stacked columns: (x, width, parts).
    columns: Vec<(String, String, Vec<ColumnPart>)>,
    /// Lines of mentions per category: (colour, points, name).
    lines: Vec<(&'static str, String, &'static str)>,
    /// Month labels on the x axis: (x, text).
    ticks: Vec<(String, String)>,
    /// The largest monthly mention count (the top of the line chart).
    peak: u64,
}

const CHART_LEFT: f64 = 34.0;
const CHART_WIDTH: f64 = 560.0;
const CHART_TOP: f64 = 8.0;
const CHART_HEIGHT: f64 = 150.0;

impl Timeline {
    fn new(report: &Report) -> Option<Self> {
        let months: Vec<_> = report.timeline.iter().collect();
        let months = &months[months.len().saturating_sub(CHART_MONTHS)..];
        if months.is_empty() {
            return None;
        }
        let slot = CHART_WIDTH / months.len() as f64;
        let x = |i: usize| CHART_LEFT + slot * i as f64;
        let names = &report.options.themes;
        let columns = months
            .iter()
            .enumerate()
            .map(|(i, (month, total))| {
                let labelled: u64 = total.themes.values().sum();
                let mut y = CHART_TOP + CHART_HEIGHT;
                let mut parts: Vec<(&String, &u64)> = total.themes.iter().collect();
                parts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let rects = parts
                    .into_iter()
                    .map(|(theme, n)| {
                        let h = CHART_HEIGHT * *n as f64 / labelled.max(1) as f64;
                        y -= h;
                        let share = 100.0 * *n as f64 / labelled.max(1) as f64;
                        let hover = format!("{month} · {} ({theme}): {n} sentences, {share:.0}%", names.name(theme));
                        (format!("{y:.1}"), format!("{h:.1}"), theme_colour(theme), hover)
                    })
                    .collect();
                (format!("{:.1}", x(i) + slot * 0.1), format!("{:.1}", slot * 0.8), rects)
            })
            .collect();
        let peak = months.iter().flat_map(|(_, t)| t.mentions).max().unwrap_or(0).max(1);
        let lines = Category::ALL
            .iter()
            .filter(|c| months.iter().any(|(_, t)| t.mentions[**c as usize] > 0))
            .map(|&c| {
                let mut points = String::new();
                for (i, (_, t)) in months.iter().enumerate() {
                    let y = CHART_TOP + CHART_HEIGHT * (1.0 - t.mentions[c as usize] as f64 / peak as f64);
                    let _ = write!(points, "{:.1},{y:.1} ", x(i) + slot / 2.0);
                }
                (c.stroke(), points.trim_end().to_owned(), c.title())
            })
            .collect();
        let every = months.len().div_ceil(12);
        let ticks = months
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, (month, _))| (format!("{:.1}", x(i) + slot / 2.0), (*month).clone()))
            .collect();
        Some(Timeline { months: months.len(), columns, lines, ticks, peak })
    }
}

/// A row of the index as shown.
struct IndexView<'a> {
    row: &'a IndexRow,
    label: &'a str,
    error: Option<String>,
    bar: ThemeBar,
}

/// The whole page.
#[derive(Template)]
#[template(path = "report/page.html")]
struct Page<'a> {
    css: &'static str,
    errors_js: &'static str,
    page_js: &'static str,
    palette: String,
    documents: u64,
    ok: u64,
    failed: u64,
    sentences: u64,
    mentions: u64,
    stages: String,
    first_cards: Vec<BarCard>,
    theme_chart: Option<Vec<ChartRow>>,
    theme_chart_more: bool,
    entity_cards: Vec<EntityCard>,
    timeline: Option<Timeline>,
    matrix: Option<Matrix>,
    encodings: BarCard,
    /// (stage, note, documents, count).
    changes: Vec<(String, String, u64, u64)>,
    failures: Vec<(&'a str, u64)>,
    index: Vec<IndexView<'a>>,
    index_rows: u64,
    not_listed: u64,
    documents_with_text: usize,
    pages: &'a [(u64, String)],
}

impl Report {
    /// The whole page.
    pub fn render(&self) -> String {
        let names = &self.options.themes;
        let has = |layer| self.options.layers.contains(layer);
        let themes = self.ranked_themes();
        let labelled: u64 = themes.iter().map(|t| t.1).sum();
        let no_labels = if has(Layers::LABELS) {
            "No sentence has a label."
        } else {
            "No labels: the pipeline has no classify stage."
        };
        let theme_card = BarCard {
            title: "Themes",
            note: (!themes.is_empty()).then(|| {
                format!(
                    "{labelled} labelled sentences, {} without a label; documents with the theme in brackets.",
                    self.unlabelled
                )
            }),
            empty: no_labels.into(),
            rows: themes
                .iter()
                .map(|&(theme, sentences, documents)| BarRow {
                    key: names.name(theme).to_owned(),
                    hover: theme.to_owned(),
                    width: percent(sentences, themes[0].1),
                    colour: Some(theme_colour(theme)),
                    count: format!("{:.0}% ({documents})", sentences as f64 / labelled.max(1) as f64 * 100.0),
                })
                .collect(),
            other: 0,
        };
        let mut sources = self.sources.ranked();
        sources.truncate(TOP);
        let first_cards = vec![
            BarCard::counts("Documents by month", &self.months.sorted(), self.months.other),
            BarCard::counts("Documents by source", &sources, self.sources.other),
            theme_card,
        ];
        let theme_chart = (!self.themes.is_empty()).then(|| {
            self.theme_chart
                .iter()
                .map(|r| ChartRow {
                    n: r.n,
                    label: r.label.clone(),
                    bar: ThemeBar::new(&r.themes, r.unlabelled, names),
                })
                .collect()
        });
        let none_found =
            if has(Layers::MENTIONS) { "None found." } else { "No mentions: the pipeline has no gazetteer stage." };
        let entity_cards = Category::ALL
            .iter()
            .filter(|&&c| c != Category::Other || self.entities.keys().any(|(k, _)| *k == c))
            .map(|&category| {
                let ranked = self.ranked_entities(category);
                EntityCard {
                    class: category.class(),
                    title: category.title(),
                    empty: none_found,
                    rows: ranked
                        .iter()
                        .take(TOP)
                        .map(|(id, t)| ((*id).to_owned(), t.name.clone(), t.mentions, t.documents))
                        .collect(),
                    distinct: ranked.len(),
                }
            })
            .collect();
        let mut changes: Vec<(String, String, u64, u64)> =
            self.notes.iter().map(|((s, k), &(d, c))| (s.clone(), k.clone(), d, c)).collect();
        changes.extend(self.removed.iter().map(|(k, &(d, c))| ("removed".to_owned(), k.clone(), d, c)));
        let index = self
            .rows
            .iter()
            .map(|row| IndexView {
                row,
                label: row.title.as_deref().unwrap_or(&row.id),
                error: row.error.as_ref().map(|(stage, message)| format!("{stage}: {message}")),
                bar: ThemeBar::new(&row.themes, row.unlabelled, names),
            })
            .collect();
        let page = Page {
            css: CSS,
            errors_js: ERRORS_JS,
            page_js: PAGE_JS,
            palette: palette(self.label_names.iter()),
            documents: self.documents,
            ok: self.ok,
            failed: self.documents - self.ok,
            sentences: self.sentences,
            mentions: self.mentions,
            stages: self.options.stages.join(" → "),
            first_cards,
            theme_chart,
            theme_chart_more: self.documents as usize > self.theme_chart.len(),
            entity_cards,
            timeline: Timeline::new(self),
            matrix: self.matrix(&themes),
            encodings: BarCard::counts("Encodings", &self.encodings.ranked(), self.encodings.other),
            changes,
            failures: self.failures.iter().map(|(s, &n)| (s.as_str(), n)).collect(),
            index,
            index_rows: self.options.index_rows,
            not_listed: self.documents.saturating_sub(self.options.index_rows),
            documents_with_text: self.options.documents_with_text,
            pages: &self.pages,
        };
        let mut html = page.render().expect("the report template renders");
        html.push('\n');
        html
    }

    fn matrix(&self, themes: &[(&str, u64, u64)]) -> Option<Matrix> {
        if self.place_themes.is_empty() {
            return None;
        }
        let mut place_totals: HashMap<&str, u64> = HashMap::new();
        for ((place, _), n) in &self.place_themes {
            *place_totals.entry(place).or_default() += n;
        }
        let mut places: Vec<(&str, u64)> = place_totals.into_iter().collect();
        places.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        places.truncate(TOP);
        // Only the themes some listed place has: a column of blanks says nothing.
        let listed: HashSet<&str> = places.iter().map(|p| p.0).collect();
        let themes: Vec<&str> = themes
            .iter()
            .map(|t| t.0)
            .filter(|t| self.place_themes.keys().any(|(p, th)| th == t && listed.contains(p.as_str())))
            .collect();
        let max = self.place_themes.values().copied().max().unwrap_or(1).max(1);
        let names = &self.options.themes;
        Some(Matrix {
            themes: themes.iter().map(|t| ((*t).to_owned(), names.name(t).to_owned(), theme_colour(t))).collect(),
            rows: places
                .iter()
                .map(|&(place, total)| {
                    let name = self.entities.get(&(Category::Place, place.to_owned())).map_or(place, |t| &t.name);
                    MatrixRow {
                        id: place.to_owned(),
                        name: name.to_owned(),
                        cells: themes
                            .iter()
                            .map(|t| {
                                let n = self.place_themes.get(&(place.to_owned(), (*t).to_owned())).copied();
                                n.filter(|&n| n > 0).map(|n| (n, format!("{:.2}", 0.12 + 0.6 * n as f64 / max as f64)))
                            })
                            .collect(),
                        total,
                    }
                })
                .collect(),
        })
    }
}
