//! The `convert` stage: Traditional ↔ Simplified Chinese with OpenCC's dictionaries and
//! profiles, keeping the text before conversion and a map back to it.
//!
//! Gateway pages and Hong Kong or Taiwan sources arrive in Traditional script while analysis
//! runs on one script. This stage converts each document (or each paragraph of a mixed one)
//! whose script is the profile's source script, passes the others through byte for byte, and
//! says which it did in a `script` note. When the text changes, [`Document::original`] keeps
//! the text before conversion with the map from spans of the converted text back to it (a
//! second conversion composes its map onto the first), so that a mention found in Simplified can be shown as the source
//! wrote it, also where a phrase mapping changed the length. The text fields of the metadata
//! (title, source, captions, …) of a document in the source script are converted too.
//!
//! # Profiles
//!
//! OpenCC's own, by name ([`Profile`]): `t2s` (the default), `s2t`, `tw2s`, `tw2sp`, `hk2s`,
//! `s2tw`, `s2twp`, `s2hk`, `t2tw`, `t2hk`. Each runs as OpenCC's JSON config for it says
//! (the configs are embedded from `opencc/config/`):
//!
//! 1. **normalization**: `CJK_Compatibility_Ideographs` over the whole text (skipped when the
//!    text holds none of them);
//! 2. **segmentation** (`tw2s`, `tw2sp`, `hk2s`, `s2tw`, `s2twp`, `s2hk`): maximum matching
//!    with the phrase dictionary; each match, and each run of text between matches, is one
//!    segment, and no later match crosses a segment boundary;
//! 3. **conversion chain**: each step is a dictionary group applied to every segment in turn,
//!    e.g. `tw2sp` = `TWPhrasesRev | TWVariantsRevPhrases | TWVariantsRev`, then
//!    `TSPhrases | TSCharacters`. Within a `short_circuit` group the first dictionary with any
//!    match at a position wins, with its longest match; within a `union` group the longest match
//!    of all wins.
//!
//! # Backends
//!
//! - `native` (default): pure Rust. OpenCC's text dictionaries are embedded with
//!   `include_str!`, and every group of a profile is flattened into one table whose
//!   leftmost-longest matches are OpenCC's (see [`native`]) and compiled into a daachorse
//!   double-array Aho–Corasick automaton when the stage is built. The dictionaries OpenCC's
//!   build generates are derived the same way here: `TWVariantsRev` and `HKVariantsRev` by
//!   reversing the forward tables with their `@reverse-prefer` choices (`reverse.py`),
//!   `TSCharactersExt` from the `@tofu-risk` entries of `TSCharacters`
//!   (`extract_tofu_risk.py`; used only with `include_tofu_risk = true`, as OpenCC leaves it
//!   out unless asked), and `STPhrases_GeneratedFromRegionalPhrases` by converting the keys of
//!   `HKPhrases` and `TWPhrases` with t2s (`generate_st_phrases_from_regional_phrases.py`).
//!   OpenCC's test cases (`tests/fixtures/opencc-testcases.json`) pass for every profile, and
//!   a property test checks the automata against OpenCC's algorithm run literally (position
//!   by position over the unflattened groups, [`native::Reference`]) on text made of
//!   dictionary keys and pieces of them.
//! - `opencc` (cargo feature `opencc`): the reference C++ library through `opencc-rust`
//!   2.0.2, with the system's data files (`/usr/share/opencc/<profile>.json`, or
//!   `opencc_data_dir`). `opencc-rust` asks pkg-config for libopencc 1.4–1.5 while Debian 12
//!   ships 1.1.6, so build it against the system library by naming it:
//!
//!   ```sh
//!   apt-get install -y libopencc-dev
//!   OPENCC_LIB_DIRS=/usr/lib/x86_64-linux-gnu OPENCC_INCLUDE_DIRS=/usr/include/opencc \
//!     OPENCC_LIBS=opencc cargo test -p zhpipe-convert --features opencc
//!   ```
//!
//!   (`opencc-rust`'s `static-dictionaries` feature does not work with 1.1.6: "Required
//!   property not found: segmentation".) Its offset map is exact where a paragraph keeps its
//!   number of characters and one edit per paragraph otherwise.
//!
//! ## Known differences between the backends
//!
//! Debian's 1.1.6 data is older than the dictionaries embedded here. On OpenCC's current test
//! cases it gives the expected result for 225 of the 484 cases of these ten profiles (the
//! native backend: all of them); it passes OpenCC 1.1.9's own cases except two s2twp company
//! names (`摩尔线程`, `字节跳动`, split by its Taiwan IT vocabulary). On the samples, the
//! test `backends_differ_only_where_listed_on_samples` lists every difference in
//! `tests/golden/convert/backend-differences.txt`: none for t2s, tw2s, tw2sp, hk2s, t2tw,
//! t2hk, s2t, s2tw and s2hk; for s2twp, `大数据` stays `大數據` in the native backend (current
//! `TWPhrases` keeps it) where 1.1.6 gives `大資料`, and `通` stays `通` in two places
//! where 1.1.6 gives `透`.
//!
//! # Speed
//!
//! `cargo xtask bench convert` (criterion groups `convert` and `convert-build`) measures t2s
//! on the samples turned Traditional by s2t: the native converter alone, the whole stage
//! (script detection and offset map included), and the time to build each profile (s2t is the
//! slowest: its 49,000 phrases and the generated regional phrases). The figures are in the
//! README and, by commit, in `docs/measurements.md`.
//!
//! # Example
//!
//! ```
//! use zhpipe_core::{Document, Span, Stage, StageSpec};
//!
//! let spec = StageSpec::from_toml("convert", "profile = 't2s'", ".").unwrap();
//! let stage = zhpipe_convert::ConvertStage::from_spec(&spec).unwrap();
//!
//! let mut doc = Document::from_text("d", "京津冀協同發展\n京津冀协同发展");
//! stage.process(&mut doc).unwrap();
//! assert_eq!(doc.text, "京津冀协同发展\n京津冀协同发展");
//! let original = doc.original().unwrap();
//! assert_eq!(original.text(), "京津冀協同發展\n京津冀协同发展");
//!
//! // 发展 in the converted text is 發展 in the original.
//! assert_eq!(original.slice(Span::new(15, 21)), "發展");
//! assert!(doc.notes.iter().any(|n| n.kind == "script"));
//! ```

pub mod dict;
pub mod native;
#[cfg(feature = "opencc")]
mod system;

use serde::Deserialize;
use zhpipe_core::{
    ConfigError, Document, Layers, Meta, OffsetMap, OffsetMapBuilder, Registry, Stage, StageDescriptor, StageError,
    StageSpec,
};

pub use native::{Converter, ScriptCounts, ScriptMarkers};

const STAGE: &str = "convert";

/// Registers the `convert` stage.
pub fn register(registry: &mut Registry) {
    registry.register(&DESCRIPTOR, |spec| Ok(Box::new(ConvertStage::from_spec(spec)?)));
}

/// The `convert` stage. The metadata of a converted document is converted too, so that a report
/// groups 河北新聞網 and 河北新闻网 as one source.
pub static DESCRIPTOR: StageDescriptor = StageDescriptor::new(
    STAGE,
    "Traditional ↔ Simplified conversion with OpenCC's profiles (t2s by default), original text kept.",
    Layers::TEXT,
    Layers::TEXT.union(Layers::META),
);

/// An OpenCC profile, by OpenCC's name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Traditional (OpenCC standard) → Simplified.
    #[default]
    T2s,
    /// Simplified → Traditional (OpenCC standard).
    S2t,
    /// Traditional (Taiwan) → Simplified.
    Tw2s,
    /// Traditional (Taiwan) → Simplified, with Mainland phrases.
    Tw2sp,
    /// Traditional (Hong Kong) → Simplified.
    Hk2s,
    /// Simplified → Traditional (Taiwan).
    S2tw,
    /// Simplified → Traditional (Taiwan), with Taiwan phrases.
    S2twp,
    /// Simplified → Traditional (Hong Kong).
    S2hk,
    /// Traditional (OpenCC standard) → Traditional (Taiwan).
    T2tw,
    /// Traditional (OpenCC standard) → Traditional (Hong Kong).
    T2hk,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 10] = [
        Profile::T2s,
        Profile::S2t,
        Profile::Tw2s,
        Profile::Tw2sp,
        Profile::Hk2s,
        Profile::S2tw,
        Profile::S2twp,
        Profile::S2hk,
        Profile::T2tw,
        Profile::T2hk,
    ];

    /// OpenCC's name, which is also its config's file stem.
    pub fn name(self) -> &'static str {
        match self {
            Profile::T2s => "t2s",
            Profile::S2t => "s2t",
            Profile::Tw2s => "tw2s",
            Profile::Tw2sp => "tw2sp",
            Profile::Hk2s => "hk2s",
            Profile::S2tw => "s2tw",
            Profile::S2twp => "s2twp",
            Profile::S2hk => "s2hk",
            Profile::T2tw => "t2tw",
            Profile::T2hk => "t2hk",
        }
    }

    /// The profile named `name`, e.g. `t2s`.
    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether the profile reads Simplified text (`s2…`); the others read Traditional.
    pub fn reads_simplified(self) -> bool {
        self.name().starts_with('s')
    }
}

/// Which implementation converts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Pure Rust with the embedded OpenCC dictionaries.
    #[default]
    Native,
    /// The system's OpenCC library (cargo feature `opencc`).
    Opencc,
}

/// Where the script is decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Detect {
    /// Per paragraph (line); a paragraph without a clear majority follows the document.
    #[default]
    Paragraph,
    /// Once for the whole document.
    Document,
    /// Always convert.
    Off,
}

/// The `[[stage]]` keys of `convert`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvertConfig {
    /// OpenCC profile: `t2s` (default), `s2t`, `tw2s`, `tw2sp`, `hk2s`, `s2tw`, `s2twp`, `s2hk`,
    /// `t2tw` or `t2hk`.
    #[serde(default)]
    pub profile: Profile,
    /// `native` (default: pure Rust, embedded dictionaries) or `opencc` (the system's OpenCC
    /// library; needs the cargo feature `opencc`).
    #[serde(default)]
    pub backend: Backend,
    /// Where the script is decided: `paragraph` (default), `document`, or `off` to convert
    /// everything. Text not in the profile's source script is passed through unchanged.
    #[serde(default)]
    pub detect: Detect,
    /// Also use the dictionaries OpenCC marks as possibly rendering as tofu (rare Simplified
    /// forms that common fonts lack, e.g. `㑮` → `𫝈`). Off by default, as in OpenCC.
    #[serde(default)]
    pub include_tofu_risk: bool,
    /// The OpenCC data directory for `backend = "opencc"` (holding `t2s.json` and its
    /// dictionaries). Default: `/usr/share/opencc`.
    #[serde(default)]
    pub opencc_data_dir: Option<std::path::PathBuf>,
}

/// The conversion engine behind the stage.
enum Engine {
    Native(Box<Converter>),
    #[cfg(feature = "opencc")]
    System(system::SystemConverter),
}

/// The built `convert` stage.
pub struct ConvertStage {
    config: ConvertConfig,
    engine: Engine,
    markers: &'static ScriptMarkers,
}

impl std::fmt::Debug for ConvertStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvertStage").field("config", &self.config).finish()
    }
}

impl ConvertStage {
    /// Builds the stage from its `[[stage]]` table.
    pub fn from_spec(spec: &StageSpec) -> Result<Self, ConfigError> {
        let mut config: ConvertConfig = spec.parse()?;
        if let Some(dir) = &config.opencc_data_dir {
            config.opencc_data_dir = Some(spec.resolve(dir));
        }
        Self::new(config)
    }

    /// Builds the stage: compiles the profile's automata (native) or opens the system library.
    pub fn new(config: ConvertConfig) -> Result<Self, ConfigError> {
        let engine = match config.backend {
            Backend::Native => Engine::Native(Box::new(
                Converter::build(config.profile, config.include_tofu_risk)
                    .map_err(|e| ConfigError::new(format!("OpenCC dictionary {e}")))?,
            )),
            #[cfg(feature = "opencc")]
            Backend::Opencc => {
                Engine::System(system::SystemConverter::open(config.profile, config.opencc_data_dir.as_deref())?)
            }
            #[cfg(not(feature = "opencc"))]
            Backend::Opencc => {
                return Err(ConfigError::new(
                    "backend = \"opencc\" needs zhpipe built with the cargo feature `opencc` \
                     (zhpipe-convert/opencc) and libopencc installed; use backend = \"native\""
                        .to_owned(),
                ));
            }
        };
        Ok(Self { config, engine, markers: ScriptMarkers::get() })
    }

    /// The stage's config.
    pub fn config(&self) -> &ConvertConfig {
        &self.config
    }

    /// Converts `text` with the stage's engine, regardless of script, returning the text and
    /// the map from its spans back to `text`.
    pub fn convert(&self, text: &str) -> (String, OffsetMap) {
        let mut out = String::with_capacity(text.len());
        let mut map = OffsetMapBuilder::new();
        self.convert_into(text, &mut out, &mut map);
        (out, map.finish())
    }

    /// Converts the metadata's text fields in place (title, author, source, site, categories,
    /// editors, captions; not URLs, dates or `extra`). Returns how many fields changed.
    fn convert_meta(&self, meta: &mut Meta) -> usize {
        let mut changed = 0;
        let mut convert = |value: &mut String| {
            let converted = self.convert(value).0;
            if converted != *value {
                *value = converted;
                changed += 1;
            }
        };
        for value in [&mut meta.title, &mut meta.author, &mut meta.source, &mut meta.site].into_iter().flatten() {
            convert(value);
        }
        for value in meta.categories.iter_mut().chain(&mut meta.editors).chain(&mut meta.captions) {
            convert(value);
        }
        changed
    }

    fn convert_into(&self, text: &str, out: &mut String, map: &mut OffsetMapBuilder) {
        match &self.engine {
            Engine::Native(converter) => converter.convert_into(text, out, map),
            #[cfg(feature = "opencc")]
            Engine::System(converter) => converter.convert_into(text, out, map),
        }
    }

    fn backend_name(&self) -> &'static str {
        match self.config.backend {
            Backend::Native => "native",
            Backend::Opencc => "opencc",
        }
    }

    /// Whether text with these counts is in the profile's source script; `None` when the
    /// counts do not say.
    fn is_source_script(&self, counts: ScriptCounts) -> Option<bool> {
        let (source, other) = if self.config.profile.reads_simplified() {
            (counts.simplified, counts.traditional)
        } else {
            (counts.traditional, counts.simplified)
        };
        match source.cmp(&other) {
            std::cmp::Ordering::Greater => Some(true),
            std::cmp::Ordering::Less => Some(false),
            std::cmp::Ordering::Equal => None,
        }
    }
}

impl Stage for ConvertStage {
    fn descriptor(&self) -> &'static StageDescriptor {
        &DESCRIPTOR
    }

    fn process(&self, doc: &mut Document) -> Result<(), StageError> {
        let profile = self.config.profile.name();
        let source_name = if self.config.profile.reads_simplified() { "simplified" } else { "traditional" };
        let paragraphs: Vec<&str> = doc.text.split_inclusive('\n').collect();
        let counts: Vec<ScriptCounts> = paragraphs.iter().map(|p| self.markers.count(p)).collect();
        let mut total = ScriptCounts::default();
        for &c in &counts {
            total += c;
        }
        let document_is_source = self.is_source_script(total);
        let decisions: Vec<bool> = match self.config.detect {
            Detect::Off => vec![true; paragraphs.len()],
            Detect::Document => vec![document_is_source == Some(true); paragraphs.len()],
            Detect::Paragraph => counts
                .iter()
                .zip(&paragraphs)
                .map(|(&c, p)| !p.trim().is_empty() && self.is_source_script(c).or(document_is_source).unwrap_or(false))
                .collect(),
        };
        let converted_paragraphs = decisions.iter().filter(|&&d| d).count();
        let script = match document_is_source {
            Some(true) => source_name,
            Some(false) => {
                if source_name == "traditional" {
                    "simplified"
                } else {
                    "traditional"
                }
            }
            None => "undecided",
        };
        let summary = format!(
            "{script}: {} traditional-only and {} simplified-only characters",
            total.traditional, total.simplified
        );
        if converted_paragraphs == 0 {
            doc.note(STAGE, "script", format!("{summary}; passed through unchanged"));
            return Ok(());
        }

        let meta_fields = if document_is_source == Some(true) || self.config.detect == Detect::Off {
            self.convert_meta(&mut doc.meta)
        } else {
            0
        };

        let mut out = String::with_capacity(doc.text.len());
        let mut map = OffsetMapBuilder::new();
        // Consecutive paragraphs with the same decision go together: no dictionary key spans a
        // line break, so converting a run of lines at once gives what converting each would.
        let mut at = 0;
        let mut index = 0;
        while index < paragraphs.len() {
            let convert = decisions[index];
            let start = at;
            while index < paragraphs.len() && decisions[index] == convert {
                at += paragraphs[index].len();
                index += 1;
            }
            let run = &doc.text[start..at];
            if convert {
                self.convert_into(run, &mut out, &mut map);
            } else {
                out.push_str(run);
                map.keep(run.len());
            }
        }
        let how = format!("{} ({})", profile, self.backend_name());
        let message = if converted_paragraphs == paragraphs.len() {
            format!("{summary}; converted with {how}")
        } else {
            format!(
                "{summary}; converted {converted_paragraphs} of {} paragraphs with {how}, the others passed through",
                paragraphs.len()
            )
        };
        let message = if meta_fields > 0 { format!("{message}; {meta_fields} metadata fields too") } else { message };
        doc.note_count(STAGE, "script", converted_paragraphs as u64, message);
        if out == doc.text {
            return Ok(());
        }
        // A second conversion composes its map onto the first: the original stays the text as
        // the source wrote it.
        doc.rewrite(out, map.finish());
        Ok(())
    }
}
