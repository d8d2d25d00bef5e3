//! The `gazetteer` stage: every place, organisation, person and policy term in the text,
//! found with Aho–Corasick and linked to one canonical entry.
//!
//! Dictionaries are TSV files ([`dictionary`] describes the format): one surface a line, with
//! its canonical id, kind, optional parent and attributes; aliases share the id (河北省 and 河北
//! are both `place:130000`). They are validated together, compiled into one automaton
//! ([`Gazetteer`]) with one of two engines (daachorse's charwise double array, or the
//! `aho-corasick` crate), and the compiled form is cached in a file keyed by a hash of the
//! dictionaries, engine and options, so start-up loads it instead of rebuilding.
//!
//! Matching is leftmost-longest across all dictionaries, so a longer entry of another kind wins
//! over the place inside it (北京大学 is an organisation, not 北京). Short aliases (冀) are only
//! matched when enabled, and place names that are also common words (和平, 东方) only in context.
//!
//! A mention ([`zhpipe_core::Mention`]) is plain data: a span and the index of its entry in the
//! compiled table, which the document's mention layer holds once. Building one copies no string
//! and touches no entry, so the stage keeps close to its engine's speed even with a 350,000-word
//! list, where nearly every word of the text is a mention. Names are read from the table when a
//! record is written. A second gazetteer (a user's own list after the places) appends to the
//! same layer; where their mentions overlap the longer wins, or both stay with `overlapping`.
//!
//! ```
//! use zhpipe_gazetteer::{CompileOptions, Gazetteer, Source};
//!
//! let places = Source::from_text("places", "surface\tid\tkind\tparent\n\
//!     北京市\tplace:110000\tprovince\n北京\tplace:110000\tprovince\n");
//! let orgs = Source::from_text("organisations", "surface\tid\tkind\n\
//!     北京大学\torg:pku\torganisation\n");
//! let gazetteer = Gazetteer::from_sources(&[places, orgs], CompileOptions::default()).unwrap();
//!
//! let text = "北京大学在北京";
//! let found: Vec<String> = gazetteer
//!     .find(text, &[])
//!     .iter()
//!     .map(|m| format!("{}/{}@{}", &text[m.span().range()], m.kind(), m.span()))
//!     .collect();
//! assert_eq!(found, ["北京大学/organisation@0..12", "北京/province@15..21"]);
//! ```

pub mod config;
pub mod dictionary;
mod error;
mod gazetteer;
pub mod hash;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use zhpipe_core::{
    ConfigError, Document, EntryTable, Layers, OptionNeed, Overlap, Registry, Stage, StageDescriptor, StageError,
    StageSpec,
};

pub use config::{AhoCorasickKind, CommonWords, CompileOptions, EngineKind, GazetteerConfig};
pub use dictionary::{Dictionaries, Source};
pub use error::Error;
pub use gazetteer::{CacheOutcome, EntryRef, Gazetteer, MatchRules, cache_key};

/// Registers the `gazetteer` stage.
pub fn register(registry: &mut Registry) {
    registry.register(&DESCRIPTOR, build);
}

/// The `gazetteer` stage: appends to the mention layer, so that several gazetteers (and other
/// recognisers) may run in one chain; its token rules use a segmenter's words.
pub static DESCRIPTOR: StageDescriptor = StageDescriptor::new(
    "gazetteer",
    "Places, organisations, people and policy terms from dictionaries (Aho–Corasick).",
    Layers::TEXT,
    Layers::MENTIONS,
)
.reads(Layers::TOKENS)
.appends(Layers::MENTIONS)
.options(&[
    OptionNeed { key: "token_boundaries", values: &["true"], layer: Layers::TOKENS },
    OptionNeed { key: "common_words", values: &["place-token"], layer: Layers::TOKENS },
]);

fn build(spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    let config: GazetteerConfig = spec.parse()?;
    let paths: Vec<PathBuf> = config.dictionaries.iter().map(|p| spec.resolve(p)).collect();
    let cache_dir = (!config.cache_dir.as_os_str().is_empty()).then(|| spec.resolve(&config.cache_dir));
    Ok(Box::new(GazetteerStage::open(&config, &paths, cache_dir)?))
}

/// The stage: a compiled [`Gazetteer`] applied to each document's text (and tokens).
#[derive(Debug)]
pub struct GazetteerStage {
    gazetteer: Gazetteer,
    table: Arc<dyn EntryTable>,
    overlap: Overlap,
    cache: CacheOutcome,
}

impl GazetteerStage {
    /// Builds the stage from its config; `paths` and `cache_dir` are already resolved.
    pub fn open(config: &GazetteerConfig, paths: &[PathBuf], cache_dir: Option<PathBuf>) -> Result<Self, ConfigError> {
        if paths.is_empty() {
            return Err(ConfigError::new("`dictionaries` is empty: name at least one dictionary file"));
        }
        let (gazetteer, cache) = Gazetteer::open(paths, config.compile_options(), cache_dir.as_deref())
            .map_err(|e| ConfigError::new(e.to_string()))?;
        let rules = MatchRules { token_boundaries: config.token_boundaries, common_words: config.common_words };
        Ok(Self { cache, ..Self::new(gazetteer.with_rules(rules)) })
    }

    /// Wraps an already compiled gazetteer.
    pub fn new(gazetteer: Gazetteer) -> Self {
        // A gazetteer compiled to report overlapping matches keeps them across annotators too.
        let overlap = if gazetteer.options().overlapping { Overlap::Keep } else { Overlap::LongestWins };
        Self { table: gazetteer.entry_table(), overlap, gazetteer, cache: CacheOutcome::Disabled }
    }

    /// The compiled gazetteer.
    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// Whether the compiled form was loaded, written or could not be written.
    pub fn cache_outcome(&self) -> &CacheOutcome {
        &self.cache
    }
}

impl Stage for GazetteerStage {
    fn descriptor(&self) -> &'static StageDescriptor {
        &DESCRIPTOR
    }

    fn build_warnings(&self) -> Vec<String> {
        match &self.cache {
            CacheOutcome::NotWritten(why) => {
                vec![format!("the compiled gazetteer was not cached ({why}); it is compiled again on every run")]
            }
            _ => Vec::new(),
        }
    }

    fn process(&self, doc: &mut Document) -> Result<(), StageError> {
        let table = doc.mentions.table_id(&self.table);
        let mut found = Vec::new();
        self.gazetteer.find_into(&doc.text, &doc.tokens, table, &mut found);
        doc.mentions.append(found, self.overlap);
        Ok(())
    }

    /// The kinds of its dictionaries' entries: a later stage that names a kind none of them has
    /// (a classifier's `[label.kinds]`) is refused when the chain is built.
    fn mention_kinds(&self) -> Option<BTreeSet<String>> {
        Some((0..self.table.len() as u32).map(|i| self.table.kind(i).to_owned()).collect())
    }
}
