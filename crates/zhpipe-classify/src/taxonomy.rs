//! The theme taxonomy and its lexicon, read from a TOML file users edit (`dictionaries/themes.toml`).
//!
//! The file is validated as a whole when the stage is built: a bad weight, an empty term, a
//! duplicate label or a missing `other` is an error naming the file and the line, so a typo
//! never silently changes what the stage does. A `[label.kinds]` kind is checked where it can be:
//! against the kinds the gazetteers before the stage write, when the chain is built (the stage
//! names its kinds with their lines, [`Taxonomy::named_kinds`]), since the kinds come from the
//! dictionaries' `kind` column and are known only there. A byte-order mark before the first line
//! is accepted (the TOML reader skips it).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;
use zhpipe_core::{ConfigError, NamedKind, line_of};

/// The id of the fallback label, chosen when no other label applies.
pub const OTHER: &str = "other";

/// The format of the themes file this build reads (`format = 1` at its top).
pub const THEMES_FORMAT: u32 = 1;

/// One theme: id, names, definition and its lexicon entries.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelDef {
    /// Stable id, e.g. `transport`.
    pub id: String,
    /// Chinese name.
    pub zh: String,
    /// English name.
    pub en: String,
    /// One-line definition with examples: what annotators label against.
    pub definition: String,
    /// Lexicon terms and their weights, in file order.
    pub terms: Vec<(String, f32)>,
    /// Gazetteer mention kinds and their weights, in file order.
    pub kinds: Vec<(String, f32)>,
    /// The 1-based line of each of `kinds` in the themes file, in the same order: a kind no
    /// gazetteer of the chain writes is refused at that line when the chain is built.
    pub kind_lines: Vec<usize>,
    /// Context terms: they add their weight only in a sentence where a term or kind of this
    /// label with a positive weight already fired. They tell what a name is doing in the
    /// sentence (雄安 being planned and built, not merely the end of a railway) without voting
    /// for the label on their own.
    pub context: Vec<(String, f32)>,
}

/// The taxonomy: labels in file order (the last is `other`), and the lexicon's threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Taxonomy {
    /// Where it was read from, for messages.
    pub source: String,
    /// Every label, `other` included.
    pub labels: Vec<LabelDef>,
    /// A lexicon label is chosen when its summed weights reach this.
    pub threshold: f32,
    /// The TOML it was parsed from, so that a trained model can carry the lexicon it used.
    pub toml: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThemes {
    format: Spanned<u32>,
    #[serde(default = "default_threshold")]
    threshold: Spanned<f32>,
    label: Vec<Spanned<RawLabel>>,
}

fn default_threshold() -> Spanned<f32> {
    Spanned::new(0..0, 1.0)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    id: Spanned<String>,
    zh: String,
    en: String,
    definition: String,
    #[serde(default)]
    terms: BTreeMap<Spanned<String>, Spanned<f32>>,
    #[serde(default)]
    kinds: BTreeMap<Spanned<String>, Spanned<f32>>,
    #[serde(default)]
    context: BTreeMap<Spanned<String>, Spanned<f32>>,
}

/// A location in the themes file, printed as `path:line`.
struct At<'a> {
    source: &'a str,
    line: usize,
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source, self.line)
    }
}

impl Taxonomy {
    /// The taxonomy bundled with this build (`dictionaries/themes.toml` at build time).
    pub fn bundled() -> Self {
        Self::parse(crate::BUNDLED_THEMES, "dictionaries/themes.toml (bundled)")
            .expect("the bundled themes file is valid (checked by a test)")
    }

    /// Reads and validates a themes file.
    pub fn load(path: &std::path::Path) -> Result<Self, ConfigError> {
        let text = zhpipe_artefact::bundle::read_to_string(path)
            .map_err(|e| ConfigError::new(format!("{}: cannot read themes file: {e}", path.display())))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates themes TOML; `source` names it in messages.
    pub fn parse(text: &str, source: &str) -> Result<Self, ConfigError> {
        let at = |span: std::ops::Range<usize>| At { source, line: line_of(text, span.start) };
        let raw: RawThemes = toml::from_str(text).map_err(|e| {
            let place = match e.span() {
                Some(span) => at(span).to_string(),
                None => source.to_owned(),
            };
            ConfigError::new(format!("{place}: {}", e.message().trim_end()))
        })?;
        if *raw.format.get_ref() != THEMES_FORMAT {
            return Err(ConfigError::new(format!(
                "{}: themes file format {} is not supported; this build reads format {THEMES_FORMAT}",
                at(raw.format.span()),
                raw.format.get_ref()
            )));
        }
        let threshold = *raw.threshold.get_ref();
        if !(threshold.is_finite() && threshold > 0.0) {
            return Err(ConfigError::new(format!(
                "{}: threshold must be a positive number, found {threshold}",
                at(raw.threshold.span())
            )));
        }
        let mut labels: Vec<LabelDef> = Vec::with_capacity(raw.label.len());
        let mut spans = Vec::with_capacity(raw.label.len());
        for spanned in raw.label {
            let span = spanned.span();
            let label = spanned.into_inner();
            let id = label.id.get_ref().clone();
            let id_at = at(label.id.span());
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(ConfigError::new(format!(
                    "{id_at}: label id {id:?} must be lower-case ASCII letters, digits and `_`"
                )));
            }
            if labels.iter().any(|l| l.id == id) {
                return Err(ConfigError::new(format!("{id_at}: label `{id}` is defined twice")));
            }
            let weighted = |entries: BTreeMap<Spanned<String>, Spanned<f32>>, what: &str| {
                let mut out: Vec<(usize, String, f32)> = Vec::with_capacity(entries.len());
                for (key, weight) in entries {
                    let key_at = at(key.span());
                    let term = key.get_ref().trim();
                    if term.is_empty() {
                        return Err(ConfigError::new(format!("{key_at}: label `{id}`: empty {what}")));
                    }
                    let w = *weight.get_ref();
                    if !w.is_finite() || w == 0.0 {
                        return Err(ConfigError::new(format!(
                            "{}: label `{id}`: {what} `{term}`: weight must be a finite number other than 0, found {w}",
                            at(weight.span())
                        )));
                    }
                    out.push((key.span().start, term.to_owned(), w));
                }
                // File order, so that evidence and messages follow what the user wrote.
                out.sort_by_key(|(start, _, _)| *start);
                Ok(out)
            };
            let without_starts =
                |entries: Vec<(usize, String, f32)>| entries.into_iter().map(|(_, t, w)| (t, w)).collect();
            let terms: Vec<(String, f32)> = without_starts(weighted(label.terms, "term")?);
            let kinds = weighted(label.kinds, "mention kind")?;
            let kind_lines = kinds.iter().map(|(start, _, _)| line_of(text, *start)).collect();
            let kinds: Vec<(String, f32)> = without_starts(kinds);
            let context: Vec<(String, f32)> = without_starts(weighted(label.context, "context term")?);
            if id == OTHER && !(terms.is_empty() && kinds.is_empty() && context.is_empty()) {
                return Err(ConfigError::new(format!(
                    "{id_at}: label `other` is the fallback for sentences no other label fits; it takes no terms, kinds or context"
                )));
            }
            spans.push(span);
            labels.push(LabelDef {
                id,
                zh: label.zh,
                en: label.en,
                definition: label.definition,
                terms,
                kinds,
                kind_lines,
                context,
            });
        }
        let Some(other) = labels.iter().position(|l| l.id == OTHER) else {
            return Err(ConfigError::new(format!("{source}: no `other` label: add one as the fallback")));
        };
        if labels.len() < 2 {
            return Err(ConfigError::new(format!("{source}: no labels besides `other`")));
        }
        // `other` last, so that label indices of the real themes are 0..n-1.
        let other = labels.remove(other);
        labels.push(other);
        Ok(Self { source: source.to_owned(), labels, threshold, toml: text.to_owned() })
    }

    /// Every `[label.kinds]` entry, with where it is written (`themes.toml:597: label `meeting``).
    pub fn named_kinds(&self) -> Vec<NamedKind> {
        let mut named = Vec::new();
        for label in &self.labels {
            for ((kind, _), line) in label.kinds.iter().zip(&label.kind_lines) {
                let location = format!("{}: label `{}`", At { source: &self.source, line: *line }, label.id);
                named.push(NamedKind { kind: kind.clone(), location });
            }
        }
        named
    }

    /// The ids of every label, `other` last.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.labels.iter().map(|l| l.id.as_str())
    }

    /// The labels other than `other`.
    pub fn themes(&self) -> &[LabelDef] {
        &self.labels[..self.labels.len() - 1]
    }

    /// The definition of `id`, if it is a label.
    pub fn get(&self, id: &str) -> Option<&LabelDef> {
        self.labels.iter().find(|l| l.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXED_IDS: [&str; 11] = [
        "relocation",
        "new_wings",
        "transport",
        "ecology",
        "industry",
        "innovation",
        "public_services",
        "reform_opening",
        "party_building",
        "meeting",
        "other",
    ];

    #[test]
    fn bundled_taxonomy_has_the_fixed_ids_names_and_definitions() {
        let taxonomy = Taxonomy::bundled();
        assert_eq!(taxonomy.ids().collect::<Vec<_>>(), FIXED_IDS);
        for label in &taxonomy.labels {
            assert!(!label.zh.is_empty() && !label.en.is_empty(), "{}", label.id);
            assert!(label.definition.chars().count() > 30, "{}: definition too short", label.id);
            assert!(!label.definition.contains('\n'), "{}: definition is one line", label.id);
        }
        for theme in taxonomy.themes() {
            assert!(theme.terms.len() >= 10, "{}: lexicon too small", theme.id);
        }
        assert_eq!(taxonomy.threshold, 1.0);
    }

    fn err(text: &str) -> String {
        Taxonomy::parse(text, "themes.toml").unwrap_err().to_string()
    }

    const HEAD: &str = "format = 1\n";
    const OTHER_LABEL: &str = "[[label]]\nid = \"other\"\nzh = \"其他\"\nen = \"Other\"\ndefinition = \"d\"\n";

    #[test]
    fn bad_weight_names_the_file_line_label_and_term() {
        let text = format!(
            "{HEAD}[[label]]\nid = \"transport\"\nzh = \"交通\"\nen = \"T\"\ndefinition = \"d\"\n[label.terms]\n\"高铁\" = 1.0\n\"港口\" = 0\n{OTHER_LABEL}"
        );
        assert_eq!(
            err(&text),
            "themes.toml:9: label `transport`: term `港口`: weight must be a finite number other than 0, found 0"
        );
    }

    #[test]
    fn non_numeric_weight_is_a_located_toml_error() {
        let text = format!(
            "{HEAD}[[label]]\nid = \"transport\"\nzh = \"交通\"\nen = \"T\"\ndefinition = \"d\"\n[label.terms]\n\"高铁\" = \"heavy\"\n{OTHER_LABEL}"
        );
        let message = err(&text);
        assert!(message.starts_with("themes.toml:8: "), "{message}");
    }

    #[test]
    fn duplicate_label_unknown_key_missing_other_and_terms_on_other_are_refused() {
        let transport = "[[label]]\nid = \"transport\"\nzh = \"交通\"\nen = \"T\"\ndefinition = \"d\"\n";
        assert_eq!(
            err(&format!("{HEAD}{transport}{transport}{OTHER_LABEL}")),
            "themes.toml:8: label `transport` is defined twice"
        );
        assert_eq!(err(&format!("{HEAD}{transport}")), "themes.toml: no `other` label: add one as the fallback");
        let message = err(&format!("{HEAD}{transport}colour = \"red\"\n{OTHER_LABEL}"));
        assert!(message.starts_with("themes.toml:7: unknown field `colour`"), "{message}");
        let message = err(&format!("{HEAD}{transport}{OTHER_LABEL}[label.terms]\n\"别的\" = 1\n"));
        assert!(message.contains("label `other` is the fallback"), "{message}");
        assert!(
            err(&format!("format = 2\n{transport}{OTHER_LABEL}")).contains("themes file format 2 is not supported")
        );
        assert!(
            err(&format!("{HEAD}threshold = -1\n{transport}{OTHER_LABEL}")).starts_with("themes.toml:2: threshold")
        );
        assert!(
            err(&format!(
                "{HEAD}[[label]]\nid = \"Bad Id\"\nzh = \"x\"\nen = \"x\"\ndefinition = \"d\"\n{OTHER_LABEL}"
            ))
            .starts_with("themes.toml:3: label id \"Bad Id\"")
        );
    }

    #[test]
    fn other_is_moved_last_and_terms_keep_file_order() {
        let text = format!(
            "{HEAD}{OTHER_LABEL}[[label]]\nid = \"ecology\"\nzh = \"生态\"\nen = \"E\"\ndefinition = \"d\"\n[label.terms]\n\"污染\" = 1\n\"PM2.5\" = 0.5\n\"水质\" = 1\n"
        );
        let taxonomy = Taxonomy::parse(&text, "t").unwrap();
        assert_eq!(taxonomy.ids().collect::<Vec<_>>(), ["ecology", "other"]);
        let terms: Vec<&str> = taxonomy.labels[0].terms.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(terms, ["污染", "PM2.5", "水质"]);
    }

    #[test]
    fn mention_kinds_are_named_with_their_file_line_and_label() {
        let text = format!(
            "{HEAD}[[label]]\nid = \"meeting\"\nzh = \"会议\"\nen = \"M\"\ndefinition = \"d\"\n[label.kinds]\n\"person\" = 0.3\n\"organisation\" = 0.2\n{OTHER_LABEL}"
        );
        let named: Vec<(String, String)> = Taxonomy::parse(&text, "themes.toml")
            .unwrap()
            .named_kinds()
            .into_iter()
            .map(|n| (n.kind, n.location))
            .collect();
        assert_eq!(
            named,
            [
                ("person".to_owned(), "themes.toml:8: label `meeting`".to_owned()),
                ("organisation".to_owned(), "themes.toml:9: label `meeting`".to_owned())
            ]
        );
        let bundled = Taxonomy::bundled().named_kinds();
        assert!(
            !bundled.is_empty()
                && bundled.iter().all(|n| n.location.starts_with("dictionaries/themes.toml (bundled):"))
        );
    }

    #[test]
    fn a_byte_order_mark_before_the_first_line_is_accepted() {
        let transport = "[[label]]\nid = \"transport\"\nzh = \"交通\"\nen = \"T\"\ndefinition = \"d\"\n";
        let text = format!("\u{feff}{HEAD}{transport}[label.kinds]\n\"zone\" = 0.5\n{OTHER_LABEL}");
        let taxonomy = Taxonomy::parse(&text, "themes.toml").unwrap();
        assert_eq!(taxonomy.ids().collect::<Vec<_>>(), ["transport", "other"]);
        assert_eq!(taxonomy.named_kinds()[0].location, "themes.toml:8: label `transport`");
        // Lines are counted as without it.
        let bad = format!("\u{feff}{HEAD}{transport}[label.terms]\n\"高铁\" = 1.0\n\"港口\" = 0\n{OTHER_LABEL}");
        assert_eq!(
            err(&bad),
            "themes.toml:9: label `transport`: term `港口`: weight must be a finite number other than 0, found 0"
        );
        // And read from a file, whose first bytes are the mark.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("themes.toml");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(&std::fs::read(&path).unwrap()[..3], b"\xef\xbb\xbf");
        assert_eq!(Taxonomy::load(&path).unwrap().labels, taxonomy.labels);
    }
}
