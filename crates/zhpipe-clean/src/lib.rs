//! The `clean` stage: the article's own text and metadata out of web pages, gateway copies and
//! PDF extractions.
//!
//! [`Clean`] takes the decoded text of a document and keeps the article, all of it and nothing
//! else; what the document says about itself moves to [`Meta`](zhpipe_core::Meta):
//!
//! 1. **Front matter** (YAML between `---` lines at the top) fills the title, date, author,
//!    categories and image; unknown keys go to `meta.extra`.
//! 2. **HTML** (detected, or forced with `html = "always"`) is parsed by html5ever: scripts,
//!    styles, frames, form controls, navigation and comments are dropped, entities decoded,
//!    block elements become lines, and `<title>` / `og:` tags fill `meta`. In a full page, only
//!    the element holding the article (found by paragraph density) is kept.
//! 3. Each line is **normalised** (below), and **gateway pinyin** (`協(xié)同`) is removed: only a
//!    tone-marked syllable in parentheses right after a Han character, so `(完)` and
//!    `(河北日报记者…)` stay.
//! 4. Each line is then judged: breadcrumbs, `发布日期 / 来源` headers
//!    (→ `meta.published`, `meta.source`), editor lines (→ `meta.editors`), widgets, app-download
//!    boxes, link farms and photo captions (→ `meta.captions`) are removed; a repeated title is
//!    kept once.
//! 5. Text from a **PDF** (recognised by its page furniture, such as `23 第 22 期`) also loses its
//!    cover, running headers and page numbers, and sentences broken across lines are joined.
//!
//! The main types are [`Clean`] (the built stage) and [`CleanConfig`] (its `[[stage]]` table,
//! with [`Layout`] and [`HtmlMode`]); [`parse_date`], [`looks_like_html`] and
//! [`is_toned_syllable`] expose three of the rules on their own.
//!
//! The words and patterns of step 4 and 5 are data: `dictionaries/clean.toml`, compiled in, or a
//! user's copy named by `rules`. Every removal is counted in a note `removed-<kind>`, and with
//! `keep_removed = true` the removed blocks are kept in `doc.removed`.
//!
//! # The normalisation convention
//!
//! A key design decision: one spelling per sentence, whichever site it came from.
//!
//! - Full-width ASCII letters and digits become half-width (`ＰＭ２．５` → `PM2.5`); full-width
//!   punctuation stays full-width.
//! - Every kind of space (U+3000, NBSP, tabs) is a space; runs collapse to one; lines are trimmed.
//!   No space is kept next to CJK punctuation, nor between a Han character and a digit
//!   (`2023 年 5 月` → `2023年5月`). A space between two Han characters or next to Latin words
//!   stays, because headlines use it as a separator (`王正谱主持 廉毅敏出席`).
//! - ASCII `, ; : ? !` become `， ； ： ？ ！` when the nearest non-space character before them
//!   is Han or CJK punctuation, or the one after them is Han, unless digits are on both sides
//!   (`1,000`, `12:29` stay). `.` becomes `。` after a Han character at the end of a line or
//!   before another Han character (`2.88万` stays).
//! - ASCII parentheses become `（）` when they enclose a Han character or follow one
//!   (`(河北日报记者四建磊、吴韬)` → `（河北日报记者四建磊、吴韬）`, `总值(GDP)` → `总值（GDP）`);
//!   `f(x)` stays. ASCII quotes are left as they are: their pairing cannot be known line by line.
//! - Output lines are paragraphs (or headings), separated by a single `\n`.
//!
//! Cleaning is idempotent: cleaning cleaned text changes nothing.
//!
//! # Example
//!
//! ```
//! use zhpipe_core::{Document, Stage};
//! use zhpipe_clean::{Clean, CleanConfig};
//!
//! let clean = Clean::new(&CleanConfig::default(), ".".as_ref()).unwrap();
//! let mut doc = Document::from_text(
//!     "page",
//!     "当前位置:首页 > 省部要闻\n\n  • 来源: 河北新闻网\n河北省召开京津冀協(xié)同發(fā)展工作座谈会,王正谱主持。\n(责编:何美萱、施云娟)",
//! );
//! clean.process(&mut doc).unwrap();
//! assert_eq!(doc.text, "河北省召开京津冀協同發展工作座谈会，王正谱主持。");
//! assert_eq!(doc.meta.source.as_deref(), Some("河北新闻网"));
//! assert_eq!(doc.meta.editors, ["何美萱", "施云娟"]);
//! ```

mod date;
mod frontmatter;
mod html;
mod lines;
mod normalize;
mod parse;
mod pinyin;
mod rules;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use zhpipe_core::{
    ConfigError, Document, Layers, Meta, OffsetMap, OffsetMapBuilder, Original, Registry, Removed, Stage,
    StageDescriptor, StageError, StageSpec,
};

pub use date::parse as parse_date;
pub use html::looks_like_html;
pub use pinyin::is_toned_syllable;
pub use rules::BUNDLED_RULES;

use rules::Rules;

/// The stage's name in configs, notes and errors.
pub const NAME: &str = "clean";

/// Registers the `clean` stage.
pub fn register(registry: &mut Registry) {
    registry.register(&DESCRIPTOR, build);
}

/// The `clean` stage: rewrites the text and fills the metadata.
pub static DESCRIPTOR: StageDescriptor = StageDescriptor::new(
    NAME,
    "article text and metadata out of HTML, front matter, portal boilerplate, gateway pinyin and PDF layout",
    Layers::TEXT,
    Layers::TEXT.union(Layers::META),
);

fn build(spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    let config: CleanConfig = spec.parse()?;
    let rules = config.rules.as_ref().map(|path| spec.resolve(path));
    Ok(Box::new(Clean::with_rules_path(&config, rules.as_deref())?))
}

/// The `[[stage]]` table of `use = "clean"`. Every key is optional.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CleanConfig {
    /// A rules file replacing the bundled `dictionaries/clean.toml` (widget words, caption,
    /// header, editor and furniture patterns, link-farm thresholds), relative to the config file.
    /// Start from a copy of the bundled file.
    pub rules: Option<PathBuf>,
    /// Keep every removed block (widget, caption, script, pinyin annotation, …) in the record's
    /// `removed` list, for audit. Off by default: the notes already count them.
    pub keep_removed: bool,
    /// `auto` (default): PDF layout when a line matches a furniture pattern; `web`: never join
    /// lines or remove covers; `pdf`: always.
    pub layout: Layout,
    /// `auto` (default): parse as HTML when the text has tags; `always`; `never`.
    pub html: HtmlMode,
    /// In a full HTML page (with `<html>` or `<body>`), keep only the element that holds the
    /// article, chosen by paragraph density, when one stands out; the rest of the page is used
    /// only for its date and source. On by default.
    pub extract_main: bool,
    /// Remove gateway pinyin annotations (`協(xié)同` → `協同`). On by default.
    pub strip_pinyin: bool,
    /// Apply the normalisation convention of the crate docs (width, spaces, punctuation in Han
    /// context). On by default; when off, lines are only trimmed.
    pub normalize: bool,
}

impl Default for CleanConfig {
    fn default() -> Self {
        Self {
            rules: None,
            keep_removed: false,
            layout: Layout::Auto,
            html: HtmlMode::Auto,
            extract_main: true,
            strip_pinyin: true,
            normalize: true,
        }
    }
}

/// How line breaks are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// PDF layout when the text has page furniture.
    #[default]
    Auto,
    /// Every line is a paragraph or heading.
    Web,
    /// Text extracted from a PDF.
    Pdf,
}

/// Whether the text is HTML.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HtmlMode {
    /// When it has tags.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The built stage: compiled rules and switches, shared by all threads.
#[derive(Debug)]
pub struct Clean {
    rules: Rules,
    keep_removed: bool,
    layout: Layout,
    html: HtmlMode,
    extract_main: bool,
    strip_pinyin: bool,
    normalize: bool,
}

impl Clean {
    /// Builds the stage; a relative `rules` path resolves against `base_dir`.
    pub fn new(config: &CleanConfig, base_dir: &Path) -> Result<Self, ConfigError> {
        let rules = config.rules.as_ref().map(|p| base_dir.join(p));
        Self::with_rules_path(config, rules.as_deref())
    }

    fn with_rules_path(config: &CleanConfig, rules: Option<&Path>) -> Result<Self, ConfigError> {
        let rules = match rules {
            Some(path) => Rules::load(path)?,
            None => Rules::bundled()?,
        };
        Ok(Self {
            rules,
            keep_removed: config.keep_removed,
            layout: config.layout,
            html: config.html,
            extract_main: config.extract_main,
            strip_pinyin: config.strip_pinyin,
            normalize: config.normalize,
        })
    }

    /// The stage with the bundled rules and the default switches.
    pub fn bundled() -> Self {
        Self::new(&CleanConfig::default(), Path::new(".")).expect("the bundled clean rules compile")
    }

    /// Builds the stage with rules from the text of a rules file (`name` only labels errors).
    pub fn with_rules(config: &CleanConfig, rules_text: &str, name: &str) -> Result<Self, ConfigError> {
        let mut stage = Self::bundled();
        stage.rules = Rules::parse(rules_text, Path::new(name))?;
        stage.keep_removed = config.keep_removed;
        stage.layout = config.layout;
        stage.html = config.html;
        stage.extract_main = config.extract_main;
        stage.strip_pinyin = config.strip_pinyin;
        stage.normalize = config.normalize;
        Ok(stage)
    }
}

/// What one document lost, by kind, while it was being cleaned.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    counts: BTreeMap<&'static str, u64>,
    removed: Option<Vec<Removed>>,
    /// `<figcaption>` texts, found again as lines by the line pass.
    pub(crate) figcaptions: Vec<String>,
    /// Lines joined to the one before (PDF layout).
    pub(crate) joined: u64,
    /// Start tags past the HTML parse's nesting cap.
    pub(crate) flattened: u64,
}

impl Tally {
    pub(crate) fn new(keep_removed: bool) -> Self {
        Self { removed: keep_removed.then(Vec::new), ..Self::default() }
    }

    pub(crate) fn remove(&mut self, kind: &'static str, text: &str) {
        *self.counts.entry(kind).or_default() += 1;
        if let Some(removed) = self.removed.as_mut() {
            removed.push(Removed { kind: kind.to_owned(), text: text.to_owned() });
        }
    }

    #[cfg(test)]
    pub(crate) fn count(&self, kind: &str) -> u64 {
        self.counts.get(kind).copied().unwrap_or(0)
    }
}

/// What a removal kind is, for the note's message.
fn describe(kind: &str) -> &'static str {
    match kind {
        "front-matter" => "YAML front matter block (moved to meta)",
        "html-script" => "HTML script/noscript/template elements",
        "html-style" => "HTML style elements",
        "html-embed" => "HTML iframes and embedded objects",
        "html-form" => "HTML forms and controls",
        "html-navigation" => "HTML nav/aside/footer elements",
        "html-comment" => "HTML comments",
        "html-outside-article" => "text of the page around the article element",
        "pinyin" => "gateway pinyin annotations",
        "breadcrumb" => "breadcrumb lines",
        "header" => "date/source/visit-count header lines (moved to meta)",
        "editor" => "editor lines (moved to meta.editors)",
        "repeated-title" => "repeated title lines",
        "link-farm" => "link-farm lines",
        "widget" => "share/login/ranking widget lines",
        "symbols" => "lines without letters or digits",
        "app-download" => "app-download lines",
        "caption" => "photo captions (moved to meta.captions)",
        "furniture" => "PDF page furniture (running headers, page and issue numbers)",
        "cover" => "PDF cover lines",
        _ => "blocks",
    }
}

impl Stage for Clean {
    fn descriptor(&self) -> &'static StageDescriptor {
        &DESCRIPTOR
    }

    fn process(&self, doc: &mut Document) -> Result<(), StageError> {
        let mut tally = Tally::new(self.keep_removed);
        let mut changes = normalize::Changes::default();
        let mut meta = std::mem::take(&mut doc.meta);
        let original = doc.take_original();
        let Cleaned { text, is_html, front_matter_error } =
            self.clean_text(std::mem::take(&mut doc.text), &mut meta, &mut tally, &mut changes);
        if let Some(message) = front_matter_error {
            doc.note(NAME, "invalid-front-matter", format!("{message}; the block was removed from the text"));
        }
        if is_html {
            doc.note(NAME, "html", "parsed as HTML");
        }
        for (kind, count) in &tally.counts {
            doc.note_count(NAME, &format!("removed-{kind}"), *count, format!("removed {count} {}", describe(kind)));
        }
        if tally.flattened > 0 {
            let n = tally.flattened;
            doc.note_count(
                NAME,
                "flattened-nesting",
                n,
                format!("{n} elements nested deeper than {} were read as text of their parent", parse::MAX_DEPTH),
            );
        }
        if tally.joined > 0 {
            let n = tally.joined;
            doc.note_count(NAME, "joined-lines", n, format!("joined {n} lines broken by the PDF layout"));
        }
        if changes.width > 0 {
            let n = changes.width;
            doc.note_count(NAME, "normalized-width", n, format!("made {n} full-width letters and digits half-width"));
        }
        if changes.punctuation > 0 {
            let n = changes.punctuation;
            doc.note_count(
                NAME,
                "normalized-punctuation",
                n,
                format!("made {n} ASCII punctuation marks full-width in Han context"),
            );
        }
        if text.is_empty() {
            doc.note(NAME, "empty", "no article text is left after cleaning");
        }
        if let Some(removed) = tally.removed {
            doc.removed.extend(removed);
        }
        doc.meta = meta;
        doc.set_text(text);
        if let Some(original) = original {
            self.clean_original(doc, original);
        }
        Ok(())
    }
}

/// The cleaned text of a document, before notes are written.
struct Cleaned {
    text: String,
    is_html: bool,
    front_matter_error: Option<String>,
}

impl Clean {
    /// Steps 1–5 of the module doc over `text`; metadata goes to `meta`, removals to `tally`.
    fn clean_text(
        &self,
        text: String,
        meta: &mut Meta,
        tally: &mut Tally,
        changes: &mut normalize::Changes,
    ) -> Cleaned {
        let mut body: String = if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text };
        let mut front_matter_error = None;

        if let Some((yaml, rest)) = frontmatter::split(&body) {
            front_matter_error = frontmatter::apply(yaml, meta).err();
            tally.remove("front-matter", yaml);
            body = rest.to_owned();
        }

        let is_html = match self.html {
            HtmlMode::Auto => html::looks_like_html(&body),
            HtmlMode::Always => true,
            HtmlMode::Never => false,
        };
        if is_html {
            let page = html::to_text(&body, self.extract_main, meta, tally);
            body = page.body;
            if let Some(outside) = page.outside {
                // The page around the article: only its date/source header lines are used.
                for line in outside.lines() {
                    let line = normalize::line(line, &mut normalize::Changes::default());
                    if !line.is_empty() && line.chars().count() <= self.rules.header.max_line_chars {
                        lines::header(&line, &self.rules, meta);
                    }
                }
                tally.remove("html-outside-article", outside.trim());
            }
        }

        let lines: Vec<String> = body
            .lines()
            .map(|line| {
                if !self.strip_pinyin {
                    return if self.normalize { normalize::line(line, changes) } else { line.trim().to_owned() };
                }
                // Before normalisation, so that the annotations' parentheses are not counted as
                // normalised; and again after it, so that `字 (xié)` (which normalises to
                // `字（xié）`) goes as well. Normalised once more where that removed something,
                // because the annotation's neighbours now touch.
                let line = pinyin::strip(line, |r| tally.remove("pinyin", r));
                let line = if self.normalize { normalize::line(&line, changes) } else { line.trim().to_owned() };
                let stripped = pinyin::strip(&line, |r| tally.remove("pinyin", r));
                if stripped.len() == line.len() || !self.normalize {
                    stripped
                } else {
                    normalize::line(&stripped, &mut normalize::Changes::default())
                }
            })
            .filter(|line| !line.is_empty())
            .collect();
        drop(body);
        let kept = lines::clean(lines, &self.rules, self.layout, meta, tally, changes);
        let text = kept.join("\n");
        Cleaned { text, is_html, front_matter_error }
    }

    /// Cleaning cannot map its output back to its input (entities, whitespace and whole lines
    /// go), so the original of a text converted before cleaning is cleaned the same way. The
    /// two results line up when they have the same characters apart from letters converted one
    /// for one: then the original is kept with a map built character by character; otherwise it
    /// is dropped, with a note saying why.
    fn clean_original(&self, doc: &mut Document, original: Original) {
        let (original_text, _) = original.into_parts();
        let mut discard = Tally::new(false);
        let cleaned =
            self.clean_text(original_text, &mut Meta::default(), &mut discard, &mut normalize::Changes::default()).text;
        match align_chars(&doc.text, &cleaned) {
            Some(map) => doc.set_original(Original::new(cleaned, map)),
            None => doc.note(
                NAME,
                "original-dropped",
                "cleaning the original script gave text that does not line up with the cleaned text; original_text is dropped",
            ),
        }
    }
}

/// The map from `text` to `original` when they pair char by char, with every pair equal or both
/// non-ASCII letters or marks (a character converted to another); `None` otherwise.
fn align_chars(text: &str, original: &str) -> Option<OffsetMap> {
    let mut map = OffsetMapBuilder::new();
    let mut originals = original.chars();
    for c in text.chars() {
        let o = originals.next()?;
        if c != o && (c.is_ascii() || o.is_ascii() || c.is_whitespace() || o.is_whitespace()) {
            return None;
        }
        let (mut a, mut b) = ([0; 4], [0; 4]);
        map.replace_str(o.encode_utf8(&mut a), c.encode_utf8(&mut b));
    }
    originals.next().is_none().then(|| map.finish())
}

#[cfg(test)]
mod tests {
    use zhpipe_core::Span;

    use super::*;

    fn converted(text: &str, original: &str) -> Document {
        let mut doc = Document::from_text("d", original);
        let mut map = OffsetMapBuilder::new();
        map.replace_str(original, text);
        doc.rewrite(text.to_owned(), map.finish());
        doc
    }

    #[test]
    fn an_original_converted_before_cleaning_is_cleaned_alongside() {
        let mut doc =
            converted("<p>京津冀协同发展</p><p>责任编辑：王明</p>", "<p>京津冀協同發展</p><p>責任編輯：王明</p>");
        Clean::bundled().process(&mut doc).unwrap();
        assert_eq!(doc.text, "京津冀协同发展");
        let original = doc.original().expect("kept");
        assert_eq!(original.text(), "京津冀協同發展");
        assert_eq!(original.slice(Span::new(9, 21)), "協同發展");
        assert_eq!(doc.check(), Ok(()));
    }

    #[test]
    fn an_original_that_cleans_differently_is_dropped_with_a_note() {
        // The converted text has a credit line that clean removes; the original's is unknown
        // to the rules and stays, so the two no longer pair character for character.
        let mut doc = converted("京津冀协同发展。\n（责任编辑：王明）", "京津冀協同發展。\n（xxxxxxxxx）");
        Clean::bundled().process(&mut doc).unwrap();
        assert_eq!(doc.text, "京津冀协同发展。");
        assert!(doc.original().is_none());
        assert!(doc.notes.iter().any(|n| n.kind == "original-dropped" && n.stage == "clean"), "{:?}", doc.notes);
    }

    #[test]
    fn align_chars_pairs_letters_but_not_structure() {
        assert!(align_chars("发展", "發展").is_some());
        assert!(align_chars("发展", "發展。").is_none());
        assert!(align_chars("发 展", "發。展").is_none());
        assert!(align_chars("a发", "b發").is_none());
        let map = align_chars("发𠀀", "發x").map(|m| m.edit_count());
        assert_eq!(map, None, "ASCII against a letter is structure");
        assert_eq!(align_chars("发𠀀", "發丐").unwrap().edit_count(), 1);
    }
}
