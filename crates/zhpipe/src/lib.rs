//! The zhpipe driver: builds the chain of stages from a config file and streams a corpus
//! through it.
//!
//! The driver owns everything the stages do not: reading inputs, threads, output files, timing
//! and the exit status. Documents are read lazily and processed in fixed-size batches on a
//! rayon pool; each batch is written in input order before the next is read, so memory stays
//! flat however large the corpus, and the output is byte-identical for any thread count.
//!
//! Every input produces exactly one output line: the processed document, or an error record
//! `{"id", "status": "error", "stage", "error"}`. A bad document never stops the run.

mod input;
mod record;
mod run;

pub use run::{ExitStatus, Output, RunOptions, RunSummary, StageTiming, run};

use zhpipe_core::Registry;

/// Every stage this build of zhpipe knows. A new stage crate adds one line here.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    zhpipe_decode::register(&mut registry);
    zhpipe_clean::register(&mut registry);
    zhpipe_convert::register(&mut registry);
    zhpipe_segment::register(&mut registry);
    zhpipe_gazetteer::register(&mut registry);
    zhpipe_classify::register(&mut registry);
    registry
}
