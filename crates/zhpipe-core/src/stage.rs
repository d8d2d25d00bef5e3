//! The one trait every stage implements.

use crate::{Document, Layers, StageError};

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
    /// The name the stage is registered under, used in notes, errors and timings.
    fn name(&self) -> &str;

    /// The layers this stage reads. The driver refuses a chain where an earlier stage (or the
    /// input) does not provide them.
    fn requires(&self) -> Layers;

    /// The layers this stage writes. Providing [`Layers::TEXT`] means the stage rewrites the
    /// text, so it must run before every stage that provides [`Layers::ANNOTATIONS`].
    fn provides(&self) -> Layers;

    /// Processes one document in place.
    fn process(&self, doc: &mut Document) -> Result<(), StageError>;
}
