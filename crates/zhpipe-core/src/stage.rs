//! The one trait every stage implements, and the description of a stage known before it is
//! built.

use std::collections::BTreeSet;

use crate::{Document, Layers, StageError};

/// What a stage is, independent of its config: registered beside its factory, so that a chain
/// is checked (layers present, in order, one writer each) before any stage loads a dictionary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageDescriptor {
    /// The name it is registered under (`use = "..."`), used in notes, errors and timings.
    pub name: &'static str,
    /// One line for `zhpipe stages` and error messages.
    pub summary: &'static str,
    /// The layers it cannot run without: the input or an earlier stage must provide them.
    pub requires: Layers,
    /// The layers it writes. Providing [`Layers::TEXT`] means it rewrites the text, so it must
    /// run before every stage that provides an annotation layer.
    pub provides: Layers,
    /// The layers it uses when an earlier stage provided them, and does without otherwise.
    pub reads: Layers,
    /// The layers of `provides` it adds to instead of filling: several stages may write them
    /// (only [`Layers::MENTIONS`] allows that). Any other annotation layer has one writer.
    pub appends: Layers,
    /// Options that read a layer: when the entry sets one of them, and no earlier stage provides
    /// the layer, the chain is built with a warning that the option has no effect.
    pub options: &'static [OptionNeed],
}

impl StageDescriptor {
    /// A descriptor with nothing read optionally, nothing appended and no option needs.
    pub const fn new(name: &'static str, summary: &'static str, requires: Layers, provides: Layers) -> Self {
        Self { name, summary, requires, provides, reads: Layers::empty(), appends: Layers::empty(), options: &[] }
    }

    /// The same descriptor, also reading `layers` when they are there.
    pub const fn reads(mut self, layers: Layers) -> Self {
        self.reads = layers;
        self
    }

    /// The same descriptor, adding to `layers` rather than filling them.
    pub const fn appends(mut self, layers: Layers) -> Self {
        self.appends = layers;
        self
    }

    /// The same descriptor, with options that read a layer.
    pub const fn options(mut self, options: &'static [OptionNeed]) -> Self {
        self.options = options;
        self
    }
}

/// An option whose effect depends on a layer: `key` set to one of `values` (any value when
/// empty; written as in TOML without quotes, `true`, `place-token`) reads `layer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionNeed {
    /// The key in the stage's `[[stage]]` table.
    pub key: &'static str,
    /// The values that make it read the layer; empty means any.
    pub values: &'static [&'static str],
    /// The layer it reads.
    pub layer: Layers,
}

/// One step of the pipeline: reads some layers of a [`Document`] and writes others.
///
/// A stage is built once per run from its config table and then shared by all worker threads,
/// hence `Send + Sync` and `&self`: dictionaries, automata and models are loaded in the
/// constructor and only read while processing. A stage processes one document at a time and
/// never spawns threads; the driver owns parallelism.
///
/// Problems with a document that still leave a usable result (a replaced byte, a doubtful
/// conversion, a removed widget) are recorded as [`Note`](crate::Note)s on the document, not
/// returned as errors. Return an error only when the document cannot go on to the next stage;
/// the driver then writes an error record for it and carries on with the rest of the corpus.
pub trait Stage: Send + Sync {
    /// What the stage is: the descriptor it is registered with.
    fn descriptor(&self) -> &'static StageDescriptor;

    /// Processes one document in place.
    fn process(&self, doc: &mut Document) -> Result<(), StageError>;

    /// What went wrong while the stage was built that does not stop it (a cache that could not
    /// be written, say), one message each; the driver shows them as warnings.
    fn build_warnings(&self) -> Vec<String> {
        Vec::new()
    }

    /// Every kind of mention it may write, when it knows them all before it sees a document (a
    /// gazetteer: the kinds of its dictionaries' entries). `None` (the default) when it writes no
    /// mentions or cannot tell (a recogniser that makes kinds up as it reads); a mention writer
    /// that cannot tell turns off the check of [`Stage::kinds_named`] for the stages after it.
    fn mention_kinds(&self) -> Option<BTreeSet<String>> {
        None
    }

    /// The mention kinds its own settings name, each with where it is written (a classifier's
    /// `[label.kinds]`). When earlier stages write mentions and all of them tell their kinds
    /// ([`Stage::mention_kinds`]), the chain refuses a kind none of them writes: a misspelt kind
    /// would silently never count.
    fn kinds_named(&self) -> Vec<NamedKind> {
        Vec::new()
    }
}

/// A mention kind named in a stage's settings, with where it is named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedKind {
    /// The kind, as a mention's entry gives it (`person`, `province`).
    pub kind: String,
    /// Where it is named, for the error: `dictionaries/themes.toml:597: label `meeting``.
    pub location: String,
}
