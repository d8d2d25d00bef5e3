//! One run: config → chain → batches of documents → output files and a summary.

use std::collections::HashSet;
use std::fs;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;
use zhpipe_core::{ConfigError, ConfigErrorKind, Document, LayerName, Layers, OutputFormat, PipelineConfig, Registry};

use crate::input::{JsonLines, Pending, UniqueIds, Walk};
use crate::output::{self, Fingerprint, Sink, Written, write_atomically};
use crate::pipeline::{Outcome, Pipeline};
use crate::report::{self, DocSummary, Report, ReportOptions, ThemeNames};
use crate::shard::Shard;

/// Documents per batch and worker thread. A batch is processed in parallel and written in
/// order before the next one is read: large enough to keep every thread busy while a slow
/// document finishes, small enough that memory does not depend on the corpus.
pub(crate) const BATCH_PER_THREAD: usize = 16;

/// Input bytes a batch holds at most, whatever the number of threads; a larger document is a
/// batch of its own. What is in flight (documents being processed, their records waiting to be
/// written in order) is a multiple of this, so memory is bounded by bytes, not by documents.
pub(crate) const BATCH_BYTES: u64 = 16 << 20;

/// Worker threads per core at most: more only adds memory and contention.
const THREADS_PER_CORE: usize = 4;

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
    /// Process only this shard of the input.
    pub shard: Option<Shard>,
    /// Keep the records of the previous run in the output directory and skip their ids.
    pub resume: bool,
    /// Documents whose full text `report.html` shows (the first ones in output order); `None`
    /// means the config's `[output] report_documents`.
    pub report_documents: Option<usize>,
    /// Check every document's invariants after every stage (always on in debug builds).
    pub check: bool,
    /// Read `.jsonl` and `.jsonl.gz` files among the inputs as records, one document per line
    /// (the default), rather than as one document each.
    pub jsonl_records: bool,
    /// How records are written to an output directory; `None` means the config's `[output] format`.
    pub format: Option<OutputFormat>,
    /// The layers written; `None` means the config's `[output] layers`, else all.
    pub layers: Option<Vec<LayerName>>,
}

impl RunOptions {
    /// Options for running `config` over its own inputs into its own output directory.
    pub fn new(config: impl Into<PathBuf>) -> Self {
        Self {
            config: config.into(),
            inputs: Vec::new(),
            output: None,
            threads: None,
            progress: false,
            shard: None,
            resume: false,
            report_documents: None,
            check: false,
            jsonl_records: true,
            format: None,
            layers: None,
        }
    }
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
    /// Input documents processed by this run.
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
    /// The shard processed (`--shard`), e.g. `2/8`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Inputs left to the other shards.
    pub other_shards: u64,
    /// Records kept from the previous run's output (`--resume`).
    pub resumed: u64,
    /// Inputs skipped because their id was among the resumed records.
    pub skipped: u64,
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
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self { status: ExitStatus::Usage, message: message.into() }
    }

    pub(crate) fn io(what: &str, path: &Path, e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            let message = format!("{} was closed before the run ended; stopped", path.display());
            return Self { status: ExitStatus::Failure, message };
        }
        Self { status: ExitStatus::Failure, message: format!("cannot {what} {}: {e}", path.display()) }
    }
}

struct Stats {
    stage_nanos: Vec<AtomicU64>,
    stage_docs: Vec<AtomicU64>,
    stage_bytes: Vec<AtomicU64>,
}

/// Reads and parses a config file.
pub fn load_config(path: &Path) -> Result<PipelineConfig, ConfigError> {
    crate::bundled::install();
    let text = zhpipe_artefact::bundle::read_to_string(path).map_err(|e| {
        ConfigError::of_kind(ConfigErrorKind::Io, format!("cannot read config: {e}")).in_file(path.display())
    })?;
    PipelineConfig::parse(&text, path)
}

/// Runs the pipeline with every stage of this build ([`registry`](crate::registry)). Returns
/// the summary and exit status, or an error that ended the run.
pub fn run(options: &RunOptions) -> Result<(RunSummary, ExitStatus), RunError> {
    run_with_registry(options, &crate::registry())
}

/// Runs the pipeline with the stages of `registry`: for embedding zhpipe with stages of one's own.
pub fn run_with_registry(options: &RunOptions, registry: &Registry) -> Result<(RunSummary, ExitStatus), RunError> {
    let started = Instant::now();
    let mut config = load_config(&options.config).map_err(|e| RunError::usage(e.message()))?;
    // The built-in config's input paths are the repository's samples, which are not built in.
    if zhpipe_artefact::bundle::is_bundled(&config.path) {
        config.input.paths.clear();
    }
    let mut pipeline = Pipeline::from_config(config, options.layers.as_deref(), registry).map_err(RunError::usage)?;
    if options.check {
        pipeline = pipeline.with_checks(true);
    }
    for warning in pipeline.warnings() {
        crate::say!("zhpipe: warning: {warning}");
    }
    let (config, chain, layers) = (pipeline.config(), pipeline.chain(), pipeline.layers());
    let format = options.format.unwrap_or(config.output.format);

    // With no inputs named, piped stdin is what the user means (`cat a.jsonl | zhpipe run`):
    // never the config's inputs instead.
    let inputs: Vec<String> = if !options.inputs.is_empty() {
        options.inputs.clone()
    } else if stdin_is_piped() {
        if options.progress {
            crate::say!("zhpipe: no inputs given and stdin is not a terminal: reading JSONL records from stdin");
        }
        vec!["-".to_owned()]
    } else {
        config.input.paths.iter().map(|p| config.base_dir().join(p).display().to_string()).collect()
    };
    if inputs.is_empty() {
        let or_config = if zhpipe_artefact::bundle::is_bundled(&config.path) {
            String::new()
        } else {
            format!(", or set [input] paths in {}", config.path.display())
        };
        return Err(RunError::usage(format!(
            "no input: give files or directories, or `-` for JSONL on stdin{or_config}"
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
        Box::new(Walk::new(inputs.iter().map(PathBuf::from).collect(), options.jsonl_records))
    };
    // Counted first for the progress line (only drawn on a terminal); stdin has no total.
    let totals = (options.progress && inputs != ["-"] && io::stderr().is_terminal())
        .then(|| crate::input::totals(&inputs.iter().map(PathBuf::from).collect::<Vec<_>>(), options.jsonl_records));

    let threads = options.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err(RunError::usage("--threads must be at least 1"));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = if threads > THREADS_PER_CORE * cores {
        crate::say!(
            "zhpipe: warning: --threads {threads} is more than {THREADS_PER_CORE} per core; using {}",
            THREADS_PER_CORE * cores
        );
        THREADS_PER_CORE * cores
    } else {
        threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::usage(format!("cannot start {threads} threads: {e}")))?;

    let output = options.output.clone().unwrap_or_else(|| Output::Dir(config.output.dir.clone()));
    if format == OutputFormat::Parquet && output == Output::Stdout {
        return Err(RunError::usage("--format parquet needs an output directory: it writes one file per table"));
    }
    if format == OutputFormat::Parquet && options.resume {
        return Err(RunError::usage("--resume reads documents.jsonl: it cannot continue --format parquet output"));
    }
    if options.resume && output == Output::Stdout {
        return Err(RunError::usage("--resume needs an output directory: it reads the records already written there"));
    }
    let mut report = match &output {
        Output::Dir(_) => Some(Report::new(ReportOptions {
            documents_with_text: options.report_documents.unwrap_or(config.output.report_documents),
            index_rows: report::DEFAULT_INDEX_ROWS,
            stages: chain.names().map(str::to_owned).collect(),
            layers,
            themes: theme_names(config),
        })),
        Output::Stdout => None,
    };
    let mut summary = RunSummary {
        documents: 0,
        ok: 0,
        failed: 0,
        bytes: 0,
        seconds: 0.0,
        threads,
        shard: options.shard.map(|s| s.to_string()),
        other_shards: 0,
        resumed: 0,
        skipped: 0,
        stages: Vec::new(),
    };
    let batch_size = threads * BATCH_PER_THREAD;
    // Held until the run ends: a second run into the same directory is refused meanwhile.
    let _lock = match &output {
        Output::Dir(dir) => Some(output::lock(dir)?),
        Output::Stdout => None,
    };
    let fingerprint = Fingerprint::of(config);
    let (mut sink, done) = match (&output, options.resume) {
        (Output::Dir(dir), true) => {
            fingerprint.check_resume(dir)?;
            let (done, resumed) = output::resume(dir, report.as_mut(), &pool, batch_size)?;
            summary.resumed = resumed;
            fingerprint.store(dir)?;
            (Sink::append(dir)?, done)
        }
        (Output::Dir(dir), false) => {
            let sink = match format {
                OutputFormat::Jsonl => Sink::open(&output)?,
                OutputFormat::Parquet => Sink::tables(dir, layers.contains(Layers::TOKENS))?,
            };
            fingerprint.store(dir)?;
            (sink, HashSet::new())
        }
        (Output::Stdout, _) => (Sink::open(&output)?, HashSet::new()),
    };

    let stats = Stats {
        stage_nanos: (0..chain.len()).map(|_| AtomicU64::new(0)).collect(),
        stage_docs: (0..chain.len()).map(|_| AtomicU64::new(0)).collect(),
        stage_bytes: (0..chain.len()).map(|_| AtomicU64::new(0)).collect(),
    };
    let progress = Progress::new(options.progress, totals);

    let (mut other_shards, mut skipped) = (0, 0);
    let mut ids = UniqueIds::default();
    let mut source = source
        .map(|mut pending| {
            let duplicate_of = ids.assign(&mut pending);
            (pending, duplicate_of)
        })
        .filter(|(pending, _)| {
            if options.shard.is_some_and(|shard| !shard.contains(pending.id())) {
                other_shards += 1;
                false
            } else if done.contains(pending.id()) {
                skipped += 1;
                false
            } else {
                true
            }
        })
        .peekable();
    let themes = report.as_ref().map(|r| r.options().themes.clone()).unwrap_or_default();
    let form = RecordForm { layers, lines: sink.takes_lines() };
    while source.peek().is_some() {
        let first = report.as_ref().map_or(0, |r| r.documents());
        let mut batch = Vec::new();
        let mut batch_bytes = 0;
        while let Some((pending, duplicate_of)) = source.next_if(|(next, _)| {
            batch.is_empty() || (batch.len() < batch_size && batch_bytes + next.size() <= BATCH_BYTES)
        }) {
            batch_bytes += pending.size();
            let report_text = report.as_ref().map(|r| r.wants_text(first + batch.len() as u64));
            batch.push((pending, duplicate_of, report_text));
        }
        let max_bytes = config.input.max_bytes;
        let results: Vec<Processed> = pool.install(|| {
            batch
                .into_par_iter()
                .map(|(p, duplicate_of, report_text)| {
                    let report_text = report_text.map(|t| (t, &themes));
                    process(p, duplicate_of, max_bytes, &pipeline, form, &stats, report_text)
                })
                .collect()
        });
        for result in results {
            summary.documents += 1;
            summary.bytes += result.bytes;
            if result.ok {
                summary.ok += 1;
            } else {
                summary.failed += 1;
            }
            sink.write(result.written)?;
            if let (Some(report), Some(doc)) = (report.as_mut(), result.report) {
                report.add(doc);
            }
        }
        sink.flush()?;
        progress.set(summary.documents, summary.bytes);
    }
    drop(source);
    summary.other_shards = other_shards;
    summary.skipped = skipped;
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
                stage: stage.descriptor().name.to_owned(),
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
    if let (Output::Dir(dir), Some(report)) = (&output, report) {
        write_atomically(&dir.join("report.html"), report.render().as_bytes())?;
    }
    let status = if summary.failed == 0 { ExitStatus::Ok } else { ExitStatus::SomeFailed };
    Ok((summary, status))
}

struct Processed {
    written: Written,
    ok: bool,
    bytes: u64,
    /// What the report keeps of the record, when there is a report.
    report: Option<DocSummary>,
}

/// What a record holds and whether the sink takes it as a line.
#[derive(Clone, Copy)]
struct RecordForm {
    layers: Layers,
    lines: bool,
}

/// `None` without a report, else whether the report shows the document's full text and the
/// theme names it shows.
type ReportText<'a> = Option<(bool, &'a ThemeNames)>;

/// What a worker makes of one document's result: the report's summary of its record and the
/// record in the form the sink takes (a line, or for the tables the document itself).
fn finish_record(
    result: Result<Document, (String, String, String)>,
    form: RecordForm,
    bytes: u64,
    report_text: ReportText,
) -> Processed {
    let ok = result.is_ok();
    let written = match result {
        Ok(doc) => Written::Document(Box::new(doc), form.layers),
        Err((id, stage, error)) => Written::Failed { id, stage, error },
    };
    // The report summarises the record the sink writes; a resumed run summarises the same
    // record parsed back from its line, and the two agree (tested on every sample).
    let (report, line) = written.with_record(|record| {
        let report = report_text.map(|(with_text, themes)| report::summarise_record(record, with_text, themes));
        (report, form.lines.then(|| record.to_line()))
    });
    let written = line.map_or(written, Written::Line);
    Processed { written, ok, bytes, report }
}

/// Reads and processes one document, and makes its record and its report summary.
fn process(
    pending: Pending,
    duplicate_of: Option<String>,
    max_bytes: u64,
    pipeline: &Pipeline,
    form: RecordForm,
    stats: &Stats,
    report_text: ReportText,
) -> Processed {
    let mut doc = match pending.load(max_bytes) {
        Ok(doc) => doc,
        Err((id, error)) => {
            let error = match &duplicate_of {
                Some(original) => format!("{error} (renamed from `{original}`, an earlier input's id)"),
                None => error,
            };
            return finish_record(Err((id, "input".into(), error)), form, 0, report_text);
        }
    };
    if let Some(original) = duplicate_of {
        doc.notes.push(zhpipe_core::Note {
            stage: "input".into(),
            kind: "duplicate-id".into(),
            message: format!("an earlier input has the id `{original}`: this one is `{}`", doc.id),
            count: None,
        });
    }
    let bytes = (doc.raw.len() + doc.text.len()) as u64;
    let outcome = pipeline.process_observed(doc, |i, elapsed| {
        stats.stage_nanos[i].fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
        stats.stage_docs[i].fetch_add(1, Ordering::Relaxed);
        stats.stage_bytes[i].fetch_add(bytes, Ordering::Relaxed);
    });
    let result = match outcome {
        Outcome::Done(doc, _) => Ok(*doc),
        Outcome::Failed { id, stage, error } => Err((id, stage, error)),
    };
    finish_record(result, form, bytes, report_text)
}

/// Whether stdin is a pipe, a file or a socket: something to read, as opposed to a terminal or
/// a device such as `/dev/null` (how ripgrep decides the same).
fn stdin_is_piped() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::FileTypeExt;
        let Ok(fd) = io::stdin().as_fd().try_clone_to_owned() else { return false };
        let Ok(meta) = fs::File::from(fd).metadata() else { return false };
        let kind = meta.file_type();
        kind.is_file() || kind.is_fifo() || kind.is_socket()
    }
    #[cfg(not(unix))]
    {
        !io::stdin().is_terminal()
    }
}

/// A progress line on stderr, drawn only when stderr is a terminal. With the totals of file
/// inputs it is a bar over bytes, with the rate and the time left; on stdin a counter.
struct Progress(Option<indicatif::ProgressBar>, Option<u64>);

impl Progress {
    fn new(wanted: bool, totals: Option<(u64, u64)>) -> Self {
        if !wanted || !io::stderr().is_terminal() {
            return Self(None, None);
        }
        let (bar, template) = match totals {
            Some((_, bytes)) => (
                indicatif::ProgressBar::new(bytes),
                "{bar:30} {msg}, {bytes}/{total_bytes} at {bytes_per_sec}, {eta} left [{elapsed}]",
            ),
            None => (indicatif::ProgressBar::new_spinner(), "{spinner} {pos} documents, {msg} [{elapsed}]"),
        };
        bar.set_style(indicatif::ProgressStyle::with_template(template).expect("valid template"));
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(Some(bar), totals.map(|(documents, _)| documents))
    }

    fn set(&self, documents: u64, bytes: u64) {
        let Some(bar) = &self.0 else { return };
        match self.1 {
            Some(total) => {
                bar.set_position(bytes);
                bar.set_message(format!("{documents} of {total} documents"));
            }
            None => {
                bar.set_position(documents);
                bar.set_message(format!("{:.1} MB", bytes as f64 / 1e6));
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// The theme names the report shows: those of the themes file the config's `classify` stage
/// reads, else of the bundled one.
fn theme_names(config: &PipelineConfig) -> ThemeNames {
    let file =
        config.stages.iter().filter(|entry| entry.name == "classify").find_map(|entry| entry.table.get("themes"));
    let taxonomy = file
        .and_then(|path| path.as_str())
        .and_then(|path| zhpipe_classify::Taxonomy::load(&config.base_dir().join(path)).ok())
        .unwrap_or_else(zhpipe_classify::Taxonomy::bundled);
    themes_of(&taxonomy)
}

/// The `zh` name of every theme of `taxonomy`.
pub fn themes_of(taxonomy: &zhpipe_classify::Taxonomy) -> ThemeNames {
    ThemeNames::new(taxonomy.labels.iter().map(|label| (label.id.clone(), label.zh.clone())))
}
