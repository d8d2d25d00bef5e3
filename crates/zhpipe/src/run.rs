//! One run: config → chain → batches of documents → output files and a summary.

use std::fs::{self, File};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;
use zhpipe_core::{Chain, Layers, PipelineConfig};

use crate::input::{JsonLines, Pending, Walk};
use crate::record;

/// Documents per batch and worker thread. A batch is processed in parallel and written in
/// order before the next one is read: large enough to keep every thread busy while a slow
/// document finishes, small enough that memory does not depend on the corpus.
const BATCH_PER_THREAD: usize = 16;

/// Where the records go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// `DIR/documents.jsonl` and `DIR/summary.json`.
    Dir(PathBuf),
    /// JSONL on stdout (summary on stderr).
    Stdout,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The config file.
    pub config: PathBuf,
    /// Inputs from the command line (files, directories or `-`); empty means the config's.
    pub inputs: Vec<String>,
    /// Output override; `None` means the config's `[output] dir`.
    pub output: Option<Output>,
    /// Worker threads; `None` means one per core.
    pub threads: Option<usize>,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

/// How a run ended, as the process exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Every document was processed.
    Ok = 0,
    /// I/O failure while writing output.
    Failure = 1,
    /// Bad usage or config; nothing was written.
    Usage = 2,
    /// The run completed, but some documents are error records.
    SomeFailed = 3,
}

/// Time spent in one stage over the whole run.
#[derive(Clone, Debug, Serialize)]
pub struct StageTiming {
    /// Stage name.
    pub stage: String,
    /// Documents that reached the stage.
    pub documents: u64,
    /// Summed processing time over all threads, in seconds.
    pub seconds: f64,
    /// Input megabytes (10^6) of the documents that reached the stage per second of stage time.
    pub mb_per_second: f64,
}

/// `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    /// Input documents read.
    pub documents: u64,
    /// Documents processed by every stage.
    pub ok: u64,
    /// Error records.
    pub failed: u64,
    /// Input bytes of the documents that were read.
    pub bytes: u64,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
    /// Worker threads.
    pub threads: usize,
    /// Per-stage timing, in chain order.
    pub stages: Vec<StageTiming>,
}

/// A failure that ends the run before or while writing output.
#[derive(Debug)]
pub struct RunError {
    /// Exit status to use.
    pub status: ExitStatus,
    /// Message for stderr.
    pub message: String,
}

impl RunError {
    fn usage(message: impl Into<String>) -> Self {
        Self { status: ExitStatus::Usage, message: message.into() }
    }

    fn io(what: &str, path: &Path, e: io::Error) -> Self {
        Self { status: ExitStatus::Failure, message: format!("cannot {what} {}: {e}", path.display()) }
    }
}

struct Stats {
    stage_nanos: Vec<AtomicU64>,
    stage_docs: Vec<AtomicU64>,
    stage_bytes: Vec<AtomicU64>,
}

/// Runs the pipeline. Returns the summary and exit status, or an error that ended the run.
pub fn run(options: &RunOptions) -> Result<(RunSummary, ExitStatus), RunError> {
    let started = Instant::now();
    let config = PipelineConfig::load(&options.config).map_err(|e| RunError::usage(e.message()))?;
    let registry = crate::registry();
    // Files and JSONL `bytes_base64` records arrive as raw bytes; the first stage decodes them.
    let chain = config.build(&registry, Layers::RAW).map_err(|e| RunError::usage(e.message()))?;
    let layers = chain.provides(Layers::RAW);

    let inputs: Vec<String> = if options.inputs.is_empty() {
        config.input.paths.iter().map(|p| config.base_dir().join(p).display().to_string()).collect()
    } else {
        options.inputs.clone()
    };
    if inputs.is_empty() {
        return Err(RunError::usage(format!(
            "no input: give files or directories, `-` for JSONL on stdin, or set [input] paths in {}",
            config.path.display()
        )));
    }
    let source: Box<dyn Iterator<Item = Pending>> = if inputs == ["-"] {
        Box::new(JsonLines::new(io::stdin().lock(), "stdin"))
    } else if inputs.iter().any(|i| i == "-") {
        return Err(RunError::usage("`-` (stdin) cannot be combined with other inputs"));
    } else {
        for input in &inputs {
            let path = Path::new(input);
            if fs::symlink_metadata(path).is_err() {
                return Err(RunError::usage(format!("input {input} does not exist")));
            }
        }
        Box::new(Walk::new(inputs.iter().map(PathBuf::from).collect()))
    };

    let threads = options.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err(RunError::usage("--threads must be at least 1"));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::usage(format!("cannot start {threads} threads: {e}")))?;

    let output = options.output.clone().unwrap_or_else(|| Output::Dir(config.output.dir.clone()));
    let mut sink = Sink::open(&output)?;

    let stats = Stats {
        stage_nanos: (0..chain.len()).map(|_| AtomicU64::new(0)).collect(),
        stage_docs: (0..chain.len()).map(|_| AtomicU64::new(0)).collect(),
        stage_bytes: (0..chain.len()).map(|_| AtomicU64::new(0)).collect(),
    };
    let progress = Progress::new(options.progress);
    let mut summary = RunSummary { documents: 0, ok: 0, failed: 0, bytes: 0, seconds: 0.0, threads, stages: Vec::new() };

    let batch_size = threads * BATCH_PER_THREAD;
    let mut source = source.peekable();
    while source.peek().is_some() {
        let batch: Vec<Pending> = source.by_ref().take(batch_size).collect();
        let max_bytes = config.input.max_bytes;
        let results: Vec<Processed> =
            pool.install(|| batch.into_par_iter().map(|p| process(p, max_bytes, &chain, layers, &stats)).collect());
        for result in results {
            summary.documents += 1;
            summary.bytes += result.bytes;
            if result.ok {
                summary.ok += 1;
            } else {
                summary.failed += 1;
            }
            sink.write_line(&result.line)?;
        }
        sink.flush()?;
        progress.set(summary.documents, summary.bytes);
    }
    progress.finish();
    sink.finish()?;

    summary.seconds = started.elapsed().as_secs_f64();
    summary.stages = chain
        .stages()
        .enumerate()
        .map(|(i, stage)| {
            let seconds = Duration::from_nanos(stats.stage_nanos[i].load(Ordering::Relaxed)).as_secs_f64();
            let bytes = stats.stage_bytes[i].load(Ordering::Relaxed) as f64;
            StageTiming {
                stage: stage.name().to_owned(),
                documents: stats.stage_docs[i].load(Ordering::Relaxed),
                seconds,
                mb_per_second: if seconds > 0.0 { bytes / 1e6 / seconds } else { 0.0 },
            }
        })
        .collect();
    if let Output::Dir(dir) = &output {
        let json = serde_json::to_string_pretty(&summary).expect("summary serialises") + "\n";
        write_atomically(&dir.join("summary.json"), json.as_bytes())?;
    }
    let status = if summary.failed == 0 { ExitStatus::Ok } else { ExitStatus::SomeFailed };
    Ok((summary, status))
}

struct Processed {
    line: String,
    ok: bool,
    bytes: u64,
}

fn process(pending: Pending, max_bytes: u64, chain: &Chain, layers: Layers, stats: &Stats) -> Processed {
    let mut doc = match pending.load(max_bytes) {
        Ok(doc) => doc,
        Err((id, error)) => return Processed { line: record::error_line(&id, "input", &error), ok: false, bytes: 0 },
    };
    let bytes = (doc.raw.len() + doc.text.len()) as u64;
    let result = chain.run(&mut doc, |i, elapsed| {
        stats.stage_nanos[i].fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
        stats.stage_docs[i].fetch_add(1, Ordering::Relaxed);
        stats.stage_bytes[i].fetch_add(bytes, Ordering::Relaxed);
    });
    match result {
        Ok(()) => Processed { line: record::ok_line(&doc, layers), ok: true, bytes },
        Err((i, error)) => {
            let stage = chain.stages().nth(i).map_or("?", |s| s.name());
            Processed { line: record::error_line(&doc.id, stage, error.message()), ok: false, bytes }
        }
    }
}

/// The JSONL output: a temporary file renamed into place when complete, or stdout.
enum Sink {
    File { writer: BufWriter<File>, tmp: PathBuf, path: PathBuf },
    Stdout(BufWriter<io::Stdout>),
}

impl Sink {
    fn open(output: &Output) -> Result<Self, RunError> {
        match output {
            Output::Stdout => Ok(Sink::Stdout(BufWriter::new(io::stdout()))),
            Output::Dir(dir) => {
                fs::create_dir_all(dir).map_err(|e| RunError::io("create output directory", dir, e))?;
                let path = dir.join("documents.jsonl");
                let tmp = dir.join(".documents.jsonl.tmp");
                let file = File::create(&tmp).map_err(|e| RunError::io("create", &tmp, e))?;
                Ok(Sink::File { writer: BufWriter::new(file), tmp, path })
            }
        }
    }

    fn write_line(&mut self, line: &str) -> Result<(), RunError> {
        let result = match self {
            Sink::File { writer, .. } => writer.write_all(line.as_bytes()).and_then(|()| writer.write_all(b"\n")),
            Sink::Stdout(writer) => writer.write_all(line.as_bytes()).and_then(|()| writer.write_all(b"\n")),
        };
        result.map_err(|e| self.error("write", e))
    }

    fn flush(&mut self) -> Result<(), RunError> {
        let result = match self {
            Sink::File { writer, .. } => writer.flush(),
            Sink::Stdout(writer) => writer.flush(),
        };
        result.map_err(|e| self.error("write", e))
    }

    fn finish(self) -> Result<(), RunError> {
        match self {
            Sink::Stdout(mut writer) => writer.flush().map_err(|e| RunError::io("write", Path::new("stdout"), e)),
            Sink::File { writer, tmp, path } => {
                let file = writer.into_inner().map_err(|e| RunError::io("write", &tmp, e.into_error()))?;
                file.sync_all().map_err(|e| RunError::io("write", &tmp, e))?;
                fs::rename(&tmp, &path).map_err(|e| RunError::io("rename into", &path, e))
            }
        }
    }

    fn error(&self, what: &str, e: io::Error) -> RunError {
        match self {
            Sink::File { tmp, .. } => RunError::io(what, tmp, e),
            Sink::Stdout(_) => RunError::io(what, Path::new("stdout"), e),
        }
    }
}

/// Writes a whole file under a temporary name, then renames it into place.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    fs::write(&tmp, bytes).map_err(|e| RunError::io("write", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| RunError::io("rename into", path, e))
}

/// A progress line on stderr, drawn only when stderr is a terminal.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(wanted: bool) -> Self {
        if !wanted || !io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} documents, {msg} [{elapsed}]")
                .expect("valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(Some(bar))
    }

    fn set(&self, documents: u64, bytes: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(documents);
            bar.set_message(format!("{:.1} MB", bytes as f64 / 1e6));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
