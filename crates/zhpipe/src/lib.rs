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
//!
//! An output directory also gets `report.html` ([`report`]), built from the records as they
//! are written. For corpora larger than one machine, [`Shard`] splits the input by a stable
//! hash of the id (`--shard K/N`), and `--resume` continues an interrupted run from the records
//! it already wrote.
//!
//! ```no_run
//! let mut options = zhpipe::RunOptions::new("pipeline.toml");
//! options.shard = Some("2/8".parse().unwrap());
//! let (summary, _status) = zhpipe::run(&options).map_err(|e| e.message).unwrap();
//! println!("{} documents, {} left to other shards", summary.documents, summary.other_shards);
//! ```

pub mod bundled;
mod input;
mod output;
mod pipeline;
pub mod record;
pub mod report;
mod run;
mod shard;
pub mod tables;

pub use output::{report_from_records, tables_from_records};
pub use pipeline::{Outcome, Pipeline};
pub use run::{
    ExitStatus, Output, RunError, RunOptions, RunSummary, StageTiming, load_config, run, run_with_registry, themes_of,
};
pub use shard::{Shard, fnv1a64};

use zhpipe_core::Registry;

/// Writes a line to stderr, like `eprintln!`, but never panics: when stderr is a closed pipe
/// (`zhpipe … 2>&1 | head -1`) the message is lost and the run goes on to end as it would.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr().lock(), $($arg)*);
    }};
}

/// Every stage this build of zhpipe knows. A new stage crate adds one line here.
pub fn registry() -> Registry {
    bundled::install();
    let mut registry = Registry::new();
    zhpipe_decode::register(&mut registry);
    zhpipe_clean::register(&mut registry);
    zhpipe_convert::register(&mut registry);
    zhpipe_segment::register(&mut registry);
    zhpipe_gazetteer::register(&mut registry);
    zhpipe_ner::register(&mut registry);
    zhpipe_classify::register(&mut registry);
    registry
}
