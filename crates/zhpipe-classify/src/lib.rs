//! The policy themes of every sentence: the `classify` stage of zhpipe.
//!
//! Every sentence gets one or more labels of a fixed taxonomy (relocation of non-capital
//! functions, the two new wings, transport, ecology, industry, innovation, public services,
//! reform and opening up, party building, meeting procedure), each with a score, or `other`
//! when none applies. The taxonomy, with a Chinese and an English name and a definition per
//! label, lives in `dictionaries/themes.toml` ([`Taxonomy`]). Two models can be chosen in the
//! config, and swapped without touching code:
//!
//! - [`LexiconModel`] (`model = "lexicon"`, the default): weighted terms and gazetteer mention
//!   kinds per label, in the same file users edit, plus context terms that count only next to
//!   one of the label's own clues (雄安 with 建设 is new_wings, 雄安 alone is a place).
//!   Transparent: with `evidence = true` every label in the output lists the terms that fired.
//! - [`TrainedModel`] (`model = "trained"`): one-vs-rest logistic regression over words,
//!   character bigrams and mention kinds, trained from labelled JSONL by
//!   `cargo xtask train classify` and loaded from a versioned binary file.
//!
//! The stage reads sentences (and the words and mentions inside them when earlier stages
//! produced them) and writes [`Document::labels`](zhpipe_core::Document::labels).
//!
//! ```
//! use zhpipe_classify::{LexiconModel, SentenceView, Taxonomy};
//!
//! let model = LexiconModel::new(Taxonomy::bundled());
//! let labels = model.classify(&SentenceView::text("加快推进京雄高铁建设，强化大气污染联防联控。"), true);
//! let ids: Vec<&str> = labels.iter().map(|l| l.label.as_str()).collect();
//! assert!(ids.contains(&"transport") && ids.contains(&"ecology"));
//! let transport = labels.iter().find(|l| l.label == "transport").unwrap();
//! assert_eq!(transport.evidence, ["高铁"]);
//! ```
//!
//! As a stage, from its config table:
//!
//! ```
//! use zhpipe_core::{Document, Layers, Registry, Span, StageSpec};
//!
//! let mut registry = Registry::new();
//! zhpipe_classify::register(&mut registry);
//! let spec = StageSpec::from_toml("classify", "model = \"lexicon\"\nevidence = true", ".").unwrap();
//! let stage = zhpipe_classify::build(&spec).unwrap();
//! let mut doc = Document::from_text("d", "首批7家央企总部迁出北京。李鸿忠、蔡奇出席会议。");
//! let cut = doc.text.find('。').unwrap() + '。'.len_utf8();
//! doc.sentences = vec![Span::new(0, cut), Span::new(cut, doc.text.len())];
//! doc.mark_filled(Layers::SENTENCES);
//! stage.process(&mut doc).unwrap();
//! assert_eq!(doc.labels[0].labels[0].label, "relocation");
//! assert_eq!(doc.labels[1].labels[0].label, "meeting");
//! ```

mod features;
mod lexicon;
pub mod metrics;
mod taxonomy;
mod trained;

use std::path::PathBuf;

use serde::Deserialize;
use zhpipe_core::{
    ConfigError, Document, Label, Layers, NamedKind, Registry, SentenceLabels, Stage, StageDescriptor, StageError,
    StageSpec,
};

pub use features::{FeatureSet, SentenceView, extract};
pub use lexicon::{LexiconModel, LexiconScore};
pub use taxonomy::{LabelDef, OTHER, THEMES_FORMAT, Taxonomy};
pub use trained::{
    Example, MODEL_FORMAT, MODEL_MAGIC, ModelData, ModelError, ModelProblem, TrainOptions, TrainedModel,
};

/// The themes file this build was compiled with: the default when the config names none.
pub const BUNDLED_THEMES: &str = include_str!("../../../dictionaries/themes.toml");

/// The stage's name in configs.
pub const STAGE_NAME: &str = "classify";

/// Registers the `classify` stage.
pub fn register(registry: &mut Registry) {
    registry.register(&DESCRIPTOR, build);
}

/// The `classify` stage: needs sentences; uses words and mentions when an earlier stage made
/// them.
pub static DESCRIPTOR: StageDescriptor = StageDescriptor::new(
    STAGE_NAME,
    "Policy themes of every sentence (lexicon or trained model).",
    Layers::SENTENCES,
    Layers::LABELS,
)
.reads(Layers::TOKENS.union(Layers::MENTIONS));

/// Which model scores the sentences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Weighted terms and mention kinds per label from the themes file.
    #[default]
    Lexicon,
    /// The linear model in `trained_model`.
    Trained,
}

/// The `[[stage]]` table of `use = "classify"`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyConfig {
    /// `"lexicon"` (default): weighted terms per label, every score explained by the terms that
    /// fired. `"trained"`: the logistic-regression model of `trained_model`.
    #[serde(default)]
    pub model: ModelKind,
    /// The taxonomy and lexicon file (TOML), relative to the config file. Default: the
    /// `dictionaries/themes.toml` this build was compiled with.
    #[serde(default)]
    pub themes: Option<PathBuf>,
    /// The trained model file (`cargo xtask train classify --out FILE`), relative to the config
    /// file; required with `model = "trained"`. Its labels must all be in the taxonomy.
    #[serde(default)]
    pub trained_model: Option<PathBuf>,
    /// Also write, for each label, what made the model choose it: the lexicon terms that fired
    /// (`kind:<kind>` for mention kinds), or the trained model's three strongest features.
    #[serde(default)]
    pub evidence: bool,
}

/// Either model, built and ready.
#[derive(Clone, Debug)]
pub enum Classifier {
    /// The lexicon model.
    Lexicon(LexiconModel),
    /// The trained model.
    Trained(TrainedModel),
}

impl Classifier {
    /// The labels of one sentence, best first; `other` alone when no theme applies.
    pub fn classify(&self, view: &SentenceView<'_>, evidence: bool) -> Vec<Label> {
        match self {
            Classifier::Lexicon(m) => m.classify(view, evidence),
            Classifier::Trained(m) => m.classify(view, evidence),
        }
    }
}

/// The built stage.
#[derive(Debug)]
pub struct Classify {
    classifier: Classifier,
    evidence: bool,
}

impl Classify {
    /// A stage around a built classifier.
    pub fn new(classifier: Classifier, evidence: bool) -> Self {
        Self { classifier, evidence }
    }

    /// Builds the stage from its config; relative paths resolve against `spec`'s directory.
    pub fn from_config(config: &ClassifyConfig, spec: &StageSpec) -> Result<Self, ConfigError> {
        let taxonomy = match &config.themes {
            Some(path) => Taxonomy::load(&spec.resolve(path))?,
            None => Taxonomy::bundled(),
        };
        let classifier = match config.model {
            ModelKind::Lexicon => {
                if let Some(path) = &config.trained_model {
                    return Err(ConfigError::new(format!(
                        "`trained_model = {:?}` is only used with `model = \"trained\"`",
                        path.display().to_string()
                    )));
                }
                Classifier::Lexicon(LexiconModel::new(taxonomy))
            }
            ModelKind::Trained => {
                let Some(path) = &config.trained_model else {
                    return Err(ConfigError::new(
                        "`model = \"trained\"` needs `trained_model = \"<file>\"` (made by `cargo xtask train classify`)",
                    ));
                };
                let path = spec.resolve(path);
                let model = TrainedModel::load(&path).map_err(|e| ConfigError::new(e.to_string()))?;
                if let Some(unknown) = model.data().labels.iter().find(|l| taxonomy.get(l).is_none()) {
                    return Err(ConfigError::new(format!(
                        "{}: label `{unknown}` is not in the taxonomy {}",
                        path.display(),
                        taxonomy.source
                    )));
                }
                Classifier::Trained(model)
            }
        };
        Ok(Self::new(classifier, config.evidence))
    }

    /// The classifier.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }
}

/// The factory registered for `use = "classify"`.
pub fn build(spec: &StageSpec) -> Result<Box<dyn Stage>, ConfigError> {
    let config: ClassifyConfig = spec.parse()?;
    Ok(Box::new(Classify::from_config(&config, spec)?))
}

impl Stage for Classify {
    fn descriptor(&self) -> &'static StageDescriptor {
        &DESCRIPTOR
    }

    fn process(&self, doc: &mut Document) -> Result<(), StageError> {
        if !doc.layers().contains(Layers::SENTENCES) {
            return Err(StageError::missing_layer("no sentences: run a segmenter before classify"));
        }
        if matches!(self.classifier, Classifier::Trained(_))
            && !doc.layers().contains(Layers::TOKENS)
            && !doc.sentences.is_empty()
        {
            doc.note(
                STAGE_NAME,
                "no-tokens",
                "no words from a segmenter: the trained model used character bigrams only",
            );
        }
        let labels: Vec<SentenceLabels> = SentenceView::of_document(doc)
            .iter()
            .enumerate()
            .map(|(sentence, view)| SentenceLabels { sentence, labels: self.classifier.classify(view, self.evidence) })
            .collect();
        doc.labels = labels;
        Ok(())
    }

    /// The `[label.kinds]` of the lexicon it scores with (the themes file, or the lexicon
    /// embedded in a trained model): the chain refuses a kind that no earlier gazetteer writes.
    fn kinds_named(&self) -> Vec<NamedKind> {
        let lexicon = match &self.classifier {
            Classifier::Lexicon(model) => Some(model),
            Classifier::Trained(model) => model.lexicon(),
        };
        lexicon.map(|l| l.taxonomy().named_kinds()).unwrap_or_default()
    }
}
