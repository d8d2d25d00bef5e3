//! `report.html`: what a run found, as one self-contained page (inline CSS and script, no
//! network) that an analyst opens from the output directory.
//!
//! Three steps, one module each:
//!
//! - [`summary`]: one output record (a JSON line, read as [`crate::record::Record`]) to a
//!   [`DocSummary`], on a worker thread; with its document page rendered when asked.
//! - [`aggregate`]: [`Report`] adds summaries in output order and keeps only aggregates
//!   (bounded by the dictionaries' size and [`MAX_KEYS`]), the index rows of the first
//!   [`ReportOptions::index_rows`] documents and the pages of the first
//!   [`ReportOptions::documents_with_text`] (each text capped at [`TEXT_LIMIT`] bytes).
//! - [`render`]: askama templates under `templates/report/`, which escape every value unless a
//!   value is itself the output of a template; CSS and script are `assets/`, included at build
//!   time.
//!
//! The report is built from the records themselves, not from the in-memory documents, so that
//! a run resumed from a previous run's lines gives the same report as an uninterrupted run, and
//! the report never shows anything the JSONL does not. Every section reads without script; the
//! script paginates and filters the index (`report.html?q=…` opens it filtered), and records
//! its own errors and any element that overflows its card on `<body>` for the browser test.

mod aggregate;
mod render;
mod summary;

use std::collections::BTreeMap;

pub use aggregate::Report;
pub use summary::{DocSummary, summarise, summarise_record};
use zhpipe_core::{Category, Layers};

use crate::record::MentionRecord;

/// Documents whose full text the report shows, unless told otherwise.
pub const DEFAULT_REPORT_DOCUMENTS: usize = zhpipe_core::OutputConfig::DEFAULT_REPORT_DOCUMENTS;
/// Documents listed in the index, unless told otherwise: beyond this the page would be too
/// heavy to open, and the aggregates still count every document.
pub const DEFAULT_INDEX_ROWS: u64 = 10_000;
/// Bytes of one document's text shown on its page.
pub const TEXT_LIMIT: usize = 100_000;
/// Entries in each "most frequent" list and rows of the place × theme table.
const TOP: usize = 15;
/// Distinct keys (months, sources, encodings) counted before the rest go to "other".
const MAX_KEYS: usize = 5_000;

/// What goes into the report.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// The first this many documents get a page with their full text.
    pub documents_with_text: usize,
    /// The first this many documents are listed in the index.
    pub index_rows: u64,
    /// The chain's stage names, in order.
    pub stages: Vec<String>,
    /// The layers the chain produces, to tell "not produced" from "none found".
    pub layers: Layers,
    /// The themes' display names.
    pub themes: ThemeNames,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            documents_with_text: DEFAULT_REPORT_DOCUMENTS,
            index_rows: DEFAULT_INDEX_ROWS,
            stages: Vec::new(),
            layers: Layers::all(),
            themes: ThemeNames::default(),
        }
    }
}

/// Theme ids to the names the report shows (the `zh` names of `themes.toml`); a label with no
/// name is shown by its id.
#[derive(Clone, Debug, Default)]
pub struct ThemeNames(BTreeMap<String, String>);

impl ThemeNames {
    /// From (id, name) pairs.
    pub fn new<I: IntoIterator<Item = (String, String)>>(names: I) -> Self {
        Self(names.into_iter().collect())
    }

    /// The name of theme `id`, or the id.
    pub fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.0.get(id).map_or(id, String::as_str)
    }
}

/// How the report shows each category of mention.
trait CategoryView {
    /// The mention's category.
    fn of(mention: &MentionRecord) -> Self;
    /// The CSS class suffix (`m-place`).
    fn class(self) -> &'static str;
    /// The heading of its list.
    fn title(self) -> &'static str;
    /// The colour of its line in the over-time chart (the highlight colours are too light for a
    /// line).
    fn stroke(self) -> &'static str;
}

impl CategoryView for Category {
    fn of(mention: &MentionRecord) -> Self {
        mention.category
    }

    fn class(self) -> &'static str {
        match self {
            Category::Place => "place",
            Category::Organisation => "org",
            Category::Person => "person",
            Category::Policy => "policy",
            Category::Other => "other",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Category::Place => "Places",
            Category::Organisation => "Organisations",
            Category::Person => "People",
            Category::Policy => "Policy terms",
            Category::Other => "Other names",
        }
    }

    fn stroke(self) -> &'static str {
        match self {
            Category::Place => "#2f7fc1",
            Category::Organisation => "#d9822b",
            Category::Person => "#8a5cc7",
            Category::Policy => "#2e9e58",
            Category::Other => "#8a939b",
        }
    }
}

#[cfg(test)]
mod tests;
