//! The `[[stage]]` table of the gazetteer.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Options of the `gazetteer` stage.
///
/// ```toml
/// [[stage]]
/// use = "gazetteer"
/// dictionaries = ["dictionaries/places.tsv", "dictionaries/organisations.tsv"]
/// engine = "daachorse"
/// ```
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct GazetteerConfig {
    /// Dictionary files (TSV: `surface, id, kind, parent, attributes`), relative to the config
    /// file. When one surface belongs to entries of different kinds, the first file listed wins.
    /// Default: places, organisations, people and policy terms under `dictionaries/`.
    pub dictionaries: Vec<PathBuf>,
    /// Matching engine: `daachorse` (charwise double-array Aho–Corasick, the default: the faster
    /// on Chinese text) or `aho-corasick`. Both give identical mentions.
    pub engine: EngineKind,
    /// Automaton of the `aho-corasick` engine: `nfa-contiguous` (default, chosen by
    /// measurement), `nfa-noncontiguous`, `dfa` (faster on small sets, large in memory) or `auto`
    /// (the crate's own choice).
    pub aho_corasick_kind: AhoCorasickKind,
    /// Report every match, overlapping ones included (北京, 北京市 and 京 in 北京市), instead of
    /// the leftmost-longest ones. Mentions are then ordered by start, then end.
    pub overlapping: bool,
    /// Also match the short aliases flagged `short` in the dictionaries (冀, 津, 京), which are
    /// ambiguous in running text.
    pub short_aliases: bool,
    /// Keep only mentions that start and end on token boundaries, when the document has tokens
    /// (run `segment` first). Ignored for documents without tokens.
    pub token_boundaries: bool,
    /// When a surface flagged `common` (a place name that is also a common word, 和平, 东方, 城区,
    /// 中山, or a county's bare short form far from the corpus's region, 新建, 古城) counts as a
    /// mention: `context` (default: right after the name of one of its ancestors, as in 天津和平,
    /// 江西万安), `place-token` (that, or when the segmenter tagged exactly its span `ns*`:
    /// more recall, less precision), `always`, or `never`.
    pub common_words: CommonWords,
    /// Directory of the compiled form: by default the user's cache directory
    /// ([`zhpipe_artefact::user_cache_dir`]); a relative path is relative to the config file.
    /// The file is keyed by a hash of the dictionaries, engine and options, written on first use
    /// and rebuilt when any of them changes; a cache that cannot be written is skipped, with a
    /// note. An empty path disables the cache.
    pub cache_dir: PathBuf,
}

impl Default for GazetteerConfig {
    fn default() -> Self {
        Self {
            dictionaries: ["places", "organisations", "people", "policy-terms"]
                .iter()
                .map(|name| PathBuf::from(format!("dictionaries/{name}.tsv")))
                .collect(),
            engine: EngineKind::default(),
            aho_corasick_kind: AhoCorasickKind::default(),
            overlapping: false,
            short_aliases: false,
            token_boundaries: false,
            common_words: CommonWords::default(),
            cache_dir: zhpipe_artefact::user_cache_dir().unwrap_or_default(),
        }
    }
}

/// The matching engine.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum EngineKind {
    /// daachorse's `CharwiseDoubleArrayAhoCorasick`.
    #[default]
    Daachorse,
    /// The `aho-corasick` crate.
    AhoCorasick,
}

/// The automaton of the `aho-corasick` engine.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum AhoCorasickKind {
    /// The crate's own choice by pattern count.
    Auto,
    /// A noncontiguous NFA: fastest to build, slowest to search.
    NfaNoncontiguous,
    /// A contiguous NFA.
    #[default]
    NfaContiguous,
    /// A full DFA: fastest search, slowest build, most memory.
    Dfa,
}

/// When common-word surfaces count.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum CommonWords {
    /// Right after the name of one of its ancestors (天津和平).
    #[default]
    Context,
    /// Right after an ancestor, or as a token tagged as a place name (`ns`). Measured on news
    /// transcripts, about half of the extra mentions this keeps are wrong (新建 "newly built",
    /// 古城 "old town", 三江 in 三江源).
    PlaceToken,
    /// Always, like any other surface.
    Always,
    /// Never.
    Never,
}

/// What the compiled form depends on besides the dictionaries' contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CompileOptions {
    /// The engine.
    pub engine: EngineKind,
    /// The aho-corasick automaton kind.
    pub aho_corasick_kind: AhoCorasickKind,
    /// Standard (overlapping) rather than leftmost-longest automaton.
    pub overlapping: bool,
    /// Short aliases compiled in.
    pub short_aliases: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        GazetteerConfig::default().compile_options()
    }
}

impl GazetteerConfig {
    /// The options that shape the compiled form.
    pub fn compile_options(&self) -> CompileOptions {
        CompileOptions {
            engine: self.engine,
            aho_corasick_kind: self.aho_corasick_kind,
            overlapping: self.overlapping,
            short_aliases: self.short_aliases,
        }
    }
}
