//! The data of the stage: widget words and boilerplate patterns, loaded from a TOML file.
//!
//! The bundled `dictionaries/clean.toml` is compiled into the binary so that the stage works
//! without any file; a `rules = "path"` key replaces it with a user's copy. Every error names the
//! file and the line of the entry at fault, because a regex that does not compile is found only
//! when the stage is built, long after the file was written.

use std::collections::HashSet;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;
use zhpipe_core::{ConfigError, line_of};

/// The rules file shipped with zhpipe.
pub const BUNDLED_RULES: &str = include_str!("../../../dictionaries/clean.toml");

/// The compiled rules.
#[derive(Debug)]
pub(crate) struct Rules {
    pub breadcrumb: Vec<Regex>,
    pub breadcrumb_title: Option<Regex>,
    pub header: HeaderRules,
    pub editor_line: Regex,
    pub editor_code: Regex,
    pub original_title: Regex,
    pub title_max_chars: usize,
    pub widget_words: Regex,
    pub widget_min_coverage: f64,
    pub widget_max_chars: usize,
    pub app_download: Vec<Regex>,
    pub app_download_max_chars: usize,
    pub caption: Vec<Regex>,
    pub caption_max_chars: usize,
    pub link_farm_separators: Vec<char>,
    pub link_farm_min_items: usize,
    pub link_farm_max_item_chars: usize,
    pub furniture: Vec<Regex>,
    pub repeated_min: usize,
    pub repeated_max_chars: usize,
}

/// The `label：value` fields of a page header.
#[derive(Debug)]
pub(crate) struct HeaderRules {
    /// A field label with its colon; group 1 is the label.
    pub label: Regex,
    pub published: HashSet<String>,
    pub source: HashSet<String>,
    pub author: HashSet<String>,
    pub max_line_chars: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    breadcrumb: BreadcrumbFile,
    header: HeaderFile,
    editor: EditorFile,
    title: TitleFile,
    widgets: WidgetsFile,
    app_download: PatternsFile,
    caption: CaptionFile,
    link_farm: LinkFarmFile,
    furniture: FurnitureFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreadcrumbFile {
    patterns: Vec<Spanned<String>>,
    title_pattern: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderFile {
    published: Vec<Spanned<String>>,
    source: Vec<Spanned<String>>,
    author: Vec<Spanned<String>>,
    ignored: Vec<Spanned<String>>,
    max_line_chars: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditorFile {
    labels: Vec<Spanned<String>>,
    code_pattern: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TitleFile {
    original_title_labels: Vec<Spanned<String>>,
    max_chars: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WidgetsFile {
    words: Vec<Spanned<String>>,
    min_coverage: f64,
    max_line_chars: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternsFile {
    patterns: Vec<Spanned<String>>,
    max_line_chars: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaptionFile {
    patterns: Vec<Spanned<String>>,
    max_chars: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkFarmFile {
    separators: Vec<Spanned<String>>,
    min_items: usize,
    max_item_chars: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FurnitureFile {
    patterns: Vec<Spanned<String>>,
    repeated_min: usize,
    repeated_max_chars: usize,
}

impl Rules {
    /// The bundled rules.
    pub(crate) fn bundled() -> Result<Self, ConfigError> {
        Self::parse(BUNDLED_RULES, Path::new("dictionaries/clean.toml (bundled)"))
    }

    /// Rules from a file.
    pub(crate) fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = zhpipe_artefact::bundle::read_to_string(path)
            .map_err(|e| ConfigError::new(format!("{}: cannot read clean rules: {e}", path.display())))?;
        Self::parse(&text, path)
    }

    /// Rules from the text of a file; `path` only names it in errors.
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let at = |span: std::ops::Range<usize>| format!("{}:{}", path.display(), line_of(text, span.start));
        let file: RulesFile = toml::from_str(text).map_err(|e| {
            let place = e.span().map_or_else(|| path.display().to_string(), at);
            ConfigError::new(format!("{place}: {}", e.message()))
        })?;
        let compile = |pattern: &Spanned<String>| -> Result<Regex, ConfigError> {
            Regex::new(pattern.get_ref()).map_err(|e| {
                ConfigError::new(format!("{}: invalid pattern {:?}: {e}", at(pattern.span()), pattern.get_ref()))
            })
        };
        let compile_all = |patterns: &[Spanned<String>]| patterns.iter().map(compile).collect::<Result<Vec<_>, _>>();
        let words = |list: &[Spanned<String>]| -> Result<Vec<String>, ConfigError> {
            list.iter()
                .map(|w| {
                    let word = w.get_ref().trim();
                    if word.is_empty() {
                        Err(ConfigError::new(format!("{}: empty word", at(w.span()))))
                    } else {
                        Ok(word.to_owned())
                    }
                })
                .collect()
        };
        let alternation = |list: &[String]| {
            let mut sorted: Vec<&String> = list.iter().collect();
            // Longest first, so that `返回顶部` wins over `返回`.
            sorted.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
            sorted.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join("|")
        };

        let published = words(&file.header.published)?;
        let source = words(&file.header.source)?;
        let author = words(&file.header.author)?;
        let ignored = words(&file.header.ignored)?;
        let labels: Vec<String> = published.iter().chain(&source).chain(&author).chain(&ignored).cloned().collect();
        let label = Regex::new(&format!(r"({})\s*[：:]", alternation(&labels)))
            .map_err(|e| ConfigError::new(format!("{}: [header] labels: {e}", path.display())))?;

        let editor_labels = words(&file.editor.labels)?;
        let editor_line = Regex::new(&format!(
            r"^[(（【\[]?\s*(?:{})\s*[：:]\s*([^()（）【】\[\]]+?)\s*[)）】\]]?$",
            alternation(&editor_labels)
        ))
        .map_err(|e| ConfigError::new(format!("{}: [editor] labels: {e}", path.display())))?;

        let original = words(&file.title.original_title_labels)?;
        let original_title = Regex::new(&format!(r"^(?:{})\s*[：:]\s*(.+)$", alternation(&original)))
            .map_err(|e| ConfigError::new(format!("{}: [title] labels: {e}", path.display())))?;

        let widget_list = words(&file.widgets.words)?;
        let widget_words = Regex::new(&alternation(&widget_list))
            .map_err(|e| ConfigError::new(format!("{}: [widgets] words: {e}", path.display())))?;
        if !(0.0..=1.0).contains(&file.widgets.min_coverage) {
            return Err(ConfigError::new(format!(
                "{}: [widgets] min_coverage must be between 0 and 1, not {}",
                path.display(),
                file.widgets.min_coverage
            )));
        }

        let mut separators = Vec::new();
        for sep in &file.link_farm.separators {
            let mut chars = sep.get_ref().chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => separators.push(c),
                _ => {
                    return Err(ConfigError::new(format!(
                        "{}: a link-farm separator is one character, not {:?}",
                        at(sep.span()),
                        sep.get_ref()
                    )));
                }
            }
        }

        Ok(Rules {
            breadcrumb: compile_all(&file.breadcrumb.patterns)?,
            breadcrumb_title: file.breadcrumb.title_pattern.as_ref().map(compile).transpose()?,
            header: HeaderRules {
                label,
                published: published.into_iter().collect(),
                source: source.into_iter().collect(),
                author: author.into_iter().collect(),
                max_line_chars: file.header.max_line_chars,
            },
            editor_line,
            editor_code: compile(&file.editor.code_pattern)?,
            original_title,
            title_max_chars: file.title.max_chars,
            widget_words,
            widget_min_coverage: file.widgets.min_coverage,
            widget_max_chars: file.widgets.max_line_chars,
            app_download: compile_all(&file.app_download.patterns)?,
            app_download_max_chars: file.app_download.max_line_chars,
            caption: compile_all(&file.caption.patterns)?,
            caption_max_chars: file.caption.max_chars,
            link_farm_separators: separators,
            link_farm_min_items: file.link_farm.min_items.max(2),
            link_farm_max_item_chars: file.link_farm.max_item_chars,
            furniture: compile_all(&file.furniture.patterns)?,
            repeated_min: file.furniture.repeated_min.max(2),
            repeated_max_chars: file.furniture.repeated_max_chars,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_rules_compile() {
        Rules::bundled().unwrap();
    }

    #[test]
    fn bad_pattern_names_file_and_line() {
        let text = BUNDLED_RULES.replace("'^\\d{1,4}\\s*第\\s*\\d{1,4}\\s*期$',", "'^(unclosed',");
        assert_ne!(text, BUNDLED_RULES, "the furniture pattern to break was not found");
        let line = text.lines().position(|l| l.contains("^(unclosed")).unwrap() + 1;
        let err = Rules::parse(&text, Path::new("my-rules.toml")).unwrap_err();
        assert!(
            err.message().starts_with(&format!("my-rules.toml:{line}: invalid pattern \"^(unclosed\"")),
            "{}",
            err.message()
        );
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let text = BUNDLED_RULES.replace("[link_farm]\n", "[link_farm]\nminimum = 3\n");
        let line = text.lines().position(|l| l == "minimum = 3").unwrap() + 1;
        let err = Rules::parse(&text, Path::new("my-rules.toml")).unwrap_err();
        assert!(
            err.message().starts_with(&format!("my-rules.toml:{line}: unknown field `minimum`")),
            "{}",
            err.message()
        );
    }

    #[test]
    fn long_separator_is_refused() {
        let text = BUNDLED_RULES.replace(r#"separators = ["|", "｜", "丨"]"#, r#"separators = ["||"]"#);
        let err = Rules::parse(&text, Path::new("r.toml")).unwrap_err();
        assert!(err.message().contains("a link-farm separator is one character"), "{}", err.message());
    }

    #[test]
    fn missing_file_is_named() {
        let err = Rules::load(Path::new("/nonexistent/clean.toml")).unwrap_err();
        assert!(err.message().starts_with("/nonexistent/clean.toml: cannot read clean rules"), "{}", err.message());
    }
}
