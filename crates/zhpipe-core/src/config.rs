//! The pipeline config file and the chain of stages built from it.
//!
//! ```toml
//! [input]
//! paths = ["corpus/samples"]
//! max_bytes = 16_777_216
//!
//! [output]
//! dir = "out"
//!
//! [[stage]]
//! use = "decode"
//!
//! [[stage]]
//! use = "convert"
//! profile = "t2s"
//! ```
//!
//! Every key of `[[stage]]` other than `use` belongs to the stage, which rejects keys it does
//! not know. Errors name the file, the stage entry (its number, name and line) and the key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::chain::{check_mention_kinds, validate_descriptors};
use crate::{Chain, ConfigError, ConfigErrorKind, Layers, Registry};

/// `[input]`: where documents come from and what is refused before reading.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    /// Files or directories (walked recursively, in sorted order), relative to the config file.
    /// Inputs given on the command line replace them.
    #[serde(default)]
    pub paths: Vec<PathBuf>,
    /// Files larger than this many bytes become error records without being read.
    #[serde(default = "InputConfig::default_max_bytes")]
    pub max_bytes: u64,
}

impl InputConfig {
    fn default_max_bytes() -> u64 {
        16 * 1024 * 1024
    }
}

impl Default for InputConfig {
    fn default() -> Self {
        Self { paths: Vec::new(), max_bytes: Self::default_max_bytes() }
    }
}

/// `[output]`: where results go.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Output directory, relative to the working directory; `--output` overrides it.
    #[serde(default = "OutputConfig::default_dir")]
    pub dir: PathBuf,
    /// How many documents (the first ones) `report.html` shows with their full text; the others
    /// appear in its index and totals only, so the report stays small for large corpora.
    /// `--report-documents` overrides it.
    #[serde(default = "OutputConfig::default_report_documents")]
    pub report_documents: usize,
    /// `jsonl` (default: `documents.jsonl`, one record a line) or `parquet` (one table a file);
    /// `--format` overrides it.
    #[serde(default)]
    pub format: OutputFormat,
    /// The layers written to records and tables (`text`, `sentences`, `tokens`, `mentions`,
    /// `labels`), when not all that the chain provides: tokens are most of a record's size.
    /// `--layers` overrides it.
    #[serde(default)]
    pub layers: Option<Vec<LayerName>>,
}

/// How the records of a run are written.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// One JSON record a line, `documents.jsonl`.
    #[default]
    Jsonl,
    /// `documents.parquet`, `sentences.parquet`, `mentions.parquet` and `tokens.parquet`.
    Parquet,
}

/// A layer a run can be asked to write, by name.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LayerName {
    /// The text.
    Text,
    /// Sentence spans.
    Sentences,
    /// Words and tags.
    Tokens,
    /// Dictionary and recognised names.
    Mentions,
    /// Sentence labels.
    Labels,
}

impl LayerName {
    /// The layer.
    pub fn layer(self) -> Layers {
        match self {
            LayerName::Text => Layers::TEXT,
            LayerName::Sentences => Layers::SENTENCES,
            LayerName::Tokens => Layers::TOKENS,
            LayerName::Mentions => Layers::MENTIONS,
            LayerName::Labels => Layers::LABELS,
        }
    }

    /// The set of `names`, with metadata, which every record keeps.
    pub fn set(names: &[LayerName]) -> Layers {
        names.iter().fold(Layers::META | Layers::RAW, |set, name| set | name.layer())
    }
}

impl std::str::FromStr for LayerName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        toml::Value::String(s.to_owned())
            .try_into()
            .map_err(|_| format!("unknown layer `{s}`: expected one of text, sentences, tokens, mentions, labels"))
    }
}

impl OutputConfig {
    /// `report_documents` when the config does not set it.
    pub const DEFAULT_REPORT_DOCUMENTS: usize = 200;

    fn default_dir() -> PathBuf {
        PathBuf::from("out")
    }

    fn default_report_documents() -> usize {
        Self::DEFAULT_REPORT_DOCUMENTS
    }
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self {
            dir: Self::default_dir(),
            report_documents: Self::default_report_documents(),
            format: OutputFormat::default(),
            layers: None,
        }
    }
}

/// One `[[stage]]` entry, not yet built.
#[derive(Clone, Debug, PartialEq)]
pub struct StageEntry {
    /// 1-based position in the file.
    pub number: usize,
    /// The registered name (`use = "..."`).
    pub name: String,
    /// Line of the entry in the config file (1-based), when known.
    pub line: Option<usize>,
    /// The stage's own keys.
    pub table: toml::Table,
    /// The text of the config file the entry is in, for errors that point at a key.
    pub source: Option<Arc<str>>,
}

impl StageEntry {
    /// `[[stage]] #3 (segment, line 20)`, for error messages.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("[[stage]] #{} `{}` (line {line})", self.number, self.name),
            None => format!("[[stage]] #{} `{}`", self.number, self.name),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    input: InputConfig,
    #[serde(default)]
    output: OutputConfig,
    #[serde(default)]
    stage: Vec<toml::Spanned<toml::Table>>,
}

/// A parsed config file.
#[derive(Clone, Debug)]
pub struct PipelineConfig {
    /// The file it was read from (or a name for in-memory configs).
    pub path: PathBuf,
    /// `[input]`.
    pub input: InputConfig,
    /// `[output]`.
    pub output: OutputConfig,
    /// `[[stage]]` entries in order.
    pub stages: Vec<StageEntry>,
}

impl PipelineConfig {
    /// Parses config text; `path` is used in messages and to resolve relative paths. Reading
    /// the file is the caller's: the core does no I/O.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(&e, text).in_file(path.display()))?;
        let source: Arc<str> = Arc::from(text);
        let mut stages = Vec::with_capacity(raw.stage.len());
        for (i, spanned) in raw.stage.into_iter().enumerate() {
            let line = line_of(text, spanned.span().start);
            let mut table = spanned.into_inner();
            let number = i + 1;
            let unnamed = |kind, cause: String| {
                ConfigError::of_kind(kind, cause)
                    .context(format!("[[stage]] #{number} (line {line})"))
                    .in_file(path.display())
            };
            let name = match table.remove("use") {
                Some(toml::Value::String(name)) => name,
                Some(other) => {
                    return Err(unnamed(
                        ConfigErrorKind::BadValue,
                        format!("`use` must be a stage name, found {}", other.type_str()),
                    ));
                }
                None => return Err(unnamed(ConfigErrorKind::BadValue, "missing `use = \"<stage name>\"`".into())),
            };
            stages.push(StageEntry { number, name, line: Some(line), table, source: Some(source.clone()) });
        }
        Ok(Self { path: path.to_owned(), input: raw.input, output: raw.output, stages })
    }

    /// The directory relative paths in the config resolve against.
    pub fn base_dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    /// Validates the chain from the stages' descriptors, then builds every stage: a wrong
    /// chain is refused before any dictionary is read. Once built, a mention kind a stage names
    /// that no earlier stage writes is refused too ([`Stage::kinds_named`](crate::Stage::kinds_named)).
    pub fn build(&self, registry: &Registry, input_layers: Layers) -> Result<Chain, ConfigError> {
        if self.stages.is_empty() {
            return Err(
                ConfigError::of_kind(ConfigErrorKind::Chain, "no [[stage]] entries").in_file(self.path.display())
            );
        }
        let in_file = |e: ConfigError| e.in_file(self.path.display());
        let mut described = Vec::with_capacity(self.stages.len());
        for entry in &self.stages {
            let descriptor = registry.descriptor(&entry.name).ok_or_else(|| in_file(registry.unknown(entry)))?;
            described.push((entry, descriptor));
        }
        let warnings = validate_descriptors(described, input_layers)
            .map_err(in_file)?
            .into_iter()
            .map(|w| format!("{}: {w}", self.path.display()))
            .collect();
        let base_dir = self.base_dir();
        let mut stages = Vec::with_capacity(self.stages.len());
        for entry in &self.stages {
            let stage = registry.build(entry, &base_dir).map_err(in_file)?;
            stages.push((entry.clone(), stage));
        }
        check_mention_kinds(&stages).map_err(in_file)?;
        Ok(Chain::from_entries(stages, warnings))
    }
}

/// The 1-based line of byte `byte` in `text` (clamped to its end), for errors that name a
/// file and line.
pub fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// A TOML error as a located config error: syntax, an unknown key or a bad value, at the line
/// and column its span starts.
pub(crate) fn toml_error(error: &toml::de::Error, text: &str) -> ConfigError {
    let message = error.message().trim_end();
    let kind = if message.starts_with("unknown field") {
        ConfigErrorKind::UnknownKey
    } else if message.starts_with("invalid")
        || message.starts_with("missing field")
        || message.starts_with("unknown variant")
    {
        ConfigErrorKind::BadValue
    } else {
        ConfigErrorKind::Syntax
    };
    let err = ConfigError::of_kind(kind, message);
    match error.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            err.at(line, column)
        }
        None => err,
    }
}

/// The 1-based line and column (in characters) of byte `byte` in `text`.
pub fn line_column(text: &str, byte: usize) -> (usize, usize) {
    let mut end = byte.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line_of(text, byte), before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Document, OptionNeed, Stage, StageDescriptor, StageError, StageSpec};

    struct Fake(&'static StageDescriptor);

    impl Stage for Fake {
        fn descriptor(&self) -> &'static StageDescriptor {
            self.0
        }
        fn process(&self, _doc: &mut Document) -> Result<(), StageError> {
            Ok(())
        }
    }

    static REWRITE: StageDescriptor = StageDescriptor::new("rewrite", "rewrites text", Layers::TEXT, Layers::TEXT);
    static ANNOTATE: StageDescriptor = StageDescriptor::new("annotate", "adds tokens", Layers::TEXT, Layers::TOKENS);
    static ANNOTATE_TOO: StageDescriptor =
        StageDescriptor::new("annotate-too", "adds tokens too", Layers::TEXT, Layers::TOKENS);
    static NEEDS_TOKENS: StageDescriptor =
        StageDescriptor::new("needs-tokens", "reads tokens", Layers::TOKENS, Layers::MENTIONS)
            .appends(Layers::MENTIONS);
    static MATCH: StageDescriptor = StageDescriptor::new("match", "adds mentions", Layers::TEXT, Layers::MENTIONS)
        .appends(Layers::MENTIONS)
        .options(&[OptionNeed { key: "on_tokens", values: &["true"], layer: Layers::TOKENS }]);
    static STRICT: StageDescriptor = StageDescriptor::new("strict", "has one key", Layers::TEXT, Layers::TEXT);
    static MISSING_FILE: StageDescriptor =
        StageDescriptor::new("missing-file", "fails to build", Layers::TOKENS, Layers::LABELS);

    fn registry() -> Registry {
        fn strict(spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            #[allow(dead_code)]
            struct StrictConfig {
                level: u8,
            }
            spec.parse::<StrictConfig>()?;
            Ok(Box::new(Fake(&STRICT)))
        }
        let mut r = Registry::new();
        r.register(&REWRITE, |_| Ok(Box::new(Fake(&REWRITE))));
        r.register(&ANNOTATE, |_| Ok(Box::new(Fake(&ANNOTATE))));
        r.register(&ANNOTATE_TOO, |_| Ok(Box::new(Fake(&ANNOTATE_TOO))));
        r.register(&NEEDS_TOKENS, |_| Ok(Box::new(Fake(&NEEDS_TOKENS))));
        r.register(&MATCH, |_| Ok(Box::new(Fake(&MATCH))));
        r.register(&STRICT, strict);
        r.register(&MISSING_FILE, |_| Err(ConfigError::new("dictionary `big.dict` not found")));
        r
    }

    fn build(toml: &str) -> Result<Chain, ConfigError> {
        PipelineConfig::parse(toml, Path::new("test.toml"))?.build(&registry(), Layers::TEXT)
    }

    #[test]
    fn valid_chain_builds() {
        let chain =
            build("[[stage]]\nuse = \"rewrite\"\n[[stage]]\nuse = \"annotate\"\n[[stage]]\nuse = \"needs-tokens\"\n")
                .unwrap();
        assert_eq!(chain.len(), 3);
        assert_eq!(chain.provides(Layers::TEXT), Layers::TEXT | Layers::TOKENS | Layers::MENTIONS);
    }

    #[test]
    fn unknown_stage_names_known_ones() {
        let err = build("[[stage]]\nuse = \"rewrite\"\n\n[[stage]]\nuse = \"tokenise\"\n").err().unwrap();
        assert_eq!(
            err.message(),
            "test.toml: [[stage]] #2 `tokenise` (line 4): unknown stage `tokenise`; known stages: annotate, annotate-too, match, missing-file, needs-tokens, rewrite, strict"
        );
    }

    #[test]
    fn missing_layer_is_refused() {
        let err = build("[[stage]]\nuse = \"needs-tokens\"\n").err().unwrap();
        assert!(err.message().contains("`needs-tokens` requires tokens, which no earlier stage provides"), "{err}");
    }

    #[test]
    fn rewrite_after_annotation_is_refused() {
        let err = build("[[stage]]\nuse = \"annotate\"\n[[stage]]\nuse = \"rewrite\"\n").err().unwrap();
        assert!(err.message().starts_with("test.toml: [[stage]] #2 `rewrite` (line 3)"), "{err}");
        assert!(err.message().contains("rewrites the text after `annotate` annotated it"), "{err}");
    }

    #[test]
    fn a_misordered_chain_is_refused_before_any_stage_is_built() {
        // `missing-file` would fail to build; the order is wrong first, and that is what is said.
        let err = build("[[stage]]\nuse = \"missing-file\"\n[[stage]]\nuse = \"annotate\"\n").err().unwrap();
        assert!(err.message().contains("`missing-file` requires tokens"), "{err}");
        let err = build("[[stage]]\nuse = \"annotate\"\n[[stage]]\nuse = \"missing-file\"\n").err().unwrap();
        assert!(err.message().contains("dictionary `big.dict` not found"), "{err}");
    }

    #[test]
    fn two_writers_of_a_layer_that_cannot_append_are_refused() {
        let err = build("[[stage]]\nuse = \"annotate\"\n\n[[stage]]\nuse = \"annotate-too\"\n").err().unwrap();
        assert_eq!(
            err.message(),
            "test.toml: [[stage]] #2 `annotate-too` (line 4): stage `annotate-too` writes tokens, which [[stage]] #1 `annotate` (line 1) already wrote; one stage writes each of sentences, tokens and labels (only mentions take several writers)"
        );
    }

    #[test]
    fn several_stages_may_append_mentions() {
        let chain =
            build("[[stage]]\nuse = \"annotate\"\n[[stage]]\nuse = \"match\"\n[[stage]]\nuse = \"needs-tokens\"\n")
                .unwrap();
        assert_eq!(chain.names().collect::<Vec<_>>(), ["annotate", "match", "needs-tokens"]);
        assert!(chain.warnings().is_empty());
    }

    #[test]
    fn an_option_reading_a_missing_layer_is_a_warning() {
        let chain = build("[[stage]]\nuse = \"match\"\non_tokens = true\n").unwrap();
        assert_eq!(
            chain.warnings(),
            [
                "test.toml: [[stage]] #1 `match` (line 1): `on_tokens` uses tokens, which no earlier stage provides; it has no effect"
            ]
        );
        let chain = build("[[stage]]\nuse = \"match\"\non_tokens = false\n").unwrap();
        assert!(chain.warnings().is_empty());
    }

    #[test]
    fn unknown_stage_key_names_file_entry_and_key() {
        let err = build("[[stage]]\nuse = \"strict\"\nlevel = 1\n  levle = 2\n").err().unwrap();
        assert_eq!(err.message(), "test.toml:4:3: [[stage]] #1 `strict`: unknown field `levle`, expected `level`");
        assert_eq!(err.kind(), ConfigErrorKind::UnknownKey);
        assert_eq!(err.location().key, Some((4, 3)));
        assert_eq!(err.location().entry, Some((1, "strict".to_owned())));
    }

    #[test]
    fn mistyped_stage_value_names_its_line_and_column() {
        let config = "[[stage]]\nuse = \"rewrite\"\n\n[[stage]]\nuse = \"strict\"\nlevel = \"high\"\n";
        let err = build(config).err().unwrap();
        assert!(
            err.message().starts_with("test.toml:6:9: [[stage]] #2 `strict`: invalid type: string \"high\""),
            "{err}"
        );
        assert_eq!(err.kind(), ConfigErrorKind::BadValue);
    }

    #[test]
    fn unknown_top_level_key_names_line() {
        let err = PipelineConfig::parse("[input]\npaths = []\nmax_byte = 3\n", Path::new("c.toml")).err().unwrap();
        assert!(err.message().starts_with("c.toml:3:1: unknown field `max_byte`"), "{err}");
    }

    #[test]
    fn missing_use_is_an_error() {
        let err = PipelineConfig::parse("[[stage]]\nprofile = \"t2s\"\n", Path::new("c.toml")).err().unwrap();
        assert_eq!(err.message(), "c.toml: [[stage]] #1 (line 1): missing `use = \"<stage name>\"`");
    }

    #[test]
    fn empty_chain_is_an_error() {
        let err = build("[input]\npaths = []\n").err().unwrap();
        assert_eq!(err.message(), "test.toml: no [[stage]] entries");
    }

    #[test]
    fn input_defaults_apply() {
        let config = PipelineConfig::parse("[[stage]]\nuse = \"rewrite\"\n", Path::new("dir/c.toml")).unwrap();
        assert_eq!(config.input.max_bytes, 16 * 1024 * 1024);
        assert_eq!(config.output.dir, PathBuf::from("out"));
        assert_eq!(config.output.report_documents, 200);
        assert_eq!(config.base_dir(), PathBuf::from("dir"));
        let config = PipelineConfig::parse("[output]\nreport_documents = 7\n", Path::new("c.toml")).unwrap();
        assert_eq!(config.output.report_documents, 7);
    }

    /// A stage writing mentions of the kinds in its `kinds` key (none given: it cannot tell), or
    /// naming the kinds of its `named` key.
    struct KindsFake {
        descriptor: &'static StageDescriptor,
        kinds: Option<std::collections::BTreeSet<String>>,
        named: Vec<crate::NamedKind>,
    }

    impl Stage for KindsFake {
        fn descriptor(&self) -> &'static StageDescriptor {
            self.descriptor
        }
        fn process(&self, _doc: &mut Document) -> Result<(), StageError> {
            Ok(())
        }
        fn mention_kinds(&self) -> Option<std::collections::BTreeSet<String>> {
            self.kinds.clone()
        }
        fn kinds_named(&self) -> Vec<crate::NamedKind> {
            self.named.clone()
        }
    }

    static GAZETTE: StageDescriptor =
        StageDescriptor::new("gazette", "adds mentions of known kinds", Layers::TEXT, Layers::MENTIONS)
            .appends(Layers::MENTIONS);
    static THEMES: StageDescriptor =
        StageDescriptor::new("themes", "labels by mention kind", Layers::TEXT, Layers::LABELS).reads(Layers::MENTIONS);

    fn kinds_registry() -> Registry {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct KindsConfig {
            kinds: Option<Vec<String>>,
            #[serde(default)]
            named: Vec<String>,
        }
        fn stage(descriptor: &'static StageDescriptor, spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
            let config: KindsConfig = spec.parse()?;
            let named = (config.named.into_iter().enumerate())
                .map(|(i, kind)| crate::NamedKind { kind, location: format!("themes.toml:{}: label `x`", i + 1) })
                .collect();
            Ok(Box::new(KindsFake { descriptor, kinds: config.kinds.map(|k| k.into_iter().collect()), named }))
        }
        let mut r = Registry::new();
        r.register(&GAZETTE, |spec| stage(&GAZETTE, spec));
        r.register(&THEMES, |spec| stage(&THEMES, spec));
        r
    }

    fn build_kinds(toml: &str) -> Result<Chain, ConfigError> {
        PipelineConfig::parse(toml, Path::new("test.toml"))?.build(&kinds_registry(), Layers::TEXT)
    }

    const WRITER: &str = "[[stage]]\nuse = \"gazette\"\nkinds = [\"province\", \"person\"]\n";

    #[test]
    fn a_mention_kind_no_earlier_stage_writes_is_refused() {
        let err = build_kinds(&format!("{WRITER}[[stage]]\nuse = \"themes\"\nnamed = [\"person\", \"peson\"]\n"))
            .err()
            .unwrap();
        assert_eq!(err.kind(), ConfigErrorKind::Chain);
        assert_eq!(
            err.message(),
            "test.toml: [[stage]] #2 `themes` (line 4): themes.toml:2: label `x`: mention kind `peson` is written by no stage before it (the kinds [[stage]] #1 `gazette` (line 1) writes: person, province)"
        );
        // A category is no kind: the message says so.
        let err = build_kinds(&format!("{WRITER}[[stage]]\nuse = \"themes\"\nnamed = [\"place\"]\n")).err().unwrap();
        assert!(
            err.message().ends_with(
                "themes.toml:1: label `x`: mention kind `place` is written by no stage before it, and it is a dictionary's category, not an entry kind (the kinds [[stage]] #1 `gazette` (line 1) writes: person, province)"
            ),
            "{err}"
        );
        // Two writers: the kinds of both, and both named.
        let two = format!("{WRITER}[[stage]]\nuse = \"gazette\"\nkinds = [\"zone\"]\n");
        let err = build_kinds(&format!("{two}[[stage]]\nuse = \"themes\"\nnamed = [\"county\"]\n")).err().unwrap();
        assert!(
            err.message().ends_with(
                "(the kinds [[stage]] #1 `gazette` (line 1) and [[stage]] #2 `gazette` (line 4) write: person, province, zone)"
            ),
            "{err}"
        );
        build_kinds(&format!("{two}[[stage]]\nuse = \"themes\"\nnamed = [\"zone\", \"person\"]\n")).unwrap();
    }

    /// Where no kinds are known before it, a stage's named kinds are not checked: with no
    /// mentions it does without them, and a writer that cannot tell its kinds may write any.
    #[test]
    fn mention_kinds_are_checked_only_against_writers_that_tell_them() {
        let themes = "[[stage]]\nuse = \"themes\"\nnamed = [\"peson\"]\n";
        build_kinds(themes).unwrap();
        build_kinds(&format!("{themes}{WRITER}")).unwrap();
        build_kinds(&format!("{WRITER}[[stage]]\nuse = \"gazette\"\n{themes}")).unwrap();
    }

    #[test]
    fn a_chain_of_built_stages_checks_mention_kinds_too() {
        let stage = |descriptor, kinds: Option<&[&str]>, named: &[&str]| -> Box<dyn Stage> {
            Box::new(KindsFake {
                descriptor,
                kinds: kinds.map(|k| k.iter().map(|k| k.to_string()).collect()),
                named: named.iter().map(|k| crate::NamedKind { kind: k.to_string(), location: "t".into() }).collect(),
            })
        };
        let chain = Chain::from_stages(vec![stage(&GAZETTE, Some(&["person"]), &[]), stage(&THEMES, None, &["peson"])]);
        let err = chain.validate(Layers::TEXT).err().unwrap();
        assert_eq!(
            err.message(),
            "[[stage]] #2 `themes`: t: mention kind `peson` is written by no stage before it (the kinds [[stage]] #1 `gazette` writes: person)"
        );
    }
}
