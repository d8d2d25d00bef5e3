//! One run: config → chain → batches of documents → output files and a summary.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;
use zhpipe_core::{Chain, ConfigError, ConfigErrorKind, Layers, PipelineConfig, Registry};

use crate::input::{JsonLines, Pending, Walk};
use crate::record::{self, Record};
use crate::report::{self, DocSummary, Report, ReportOptions, ThemeNames};
use crate::shard::Shard;

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
    /// Process only this shard of the input.
    pub shard: Option<Shard>,
    /// Keep the records of the previous run in the output directory and skip their ids.
    pub resume: bool,
    /// Documents whose full text `report.html` shows (the first ones in output order); `None`
    /// means the config's `[output] report_documents`.
    pub report_documents: Option<usize>,
    /// Check every document's invariants after every stage (always on in debug builds).
    pub check: bool,
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

/// Reads and parses a config file.
pub fn load_config(path: &Path) -> Result<PipelineConfig, ConfigError> {
    let text = fs::read_to_string(path).map_err(|e| {
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
    let config = load_config(&options.config).map_err(|e| RunError::usage(e.message()))?;
    // Files and JSONL `bytes_base64` records arrive as raw bytes; the first stage decodes them.
    let mut chain = config.build(registry, Layers::RAW).map_err(|e| RunError::usage(e.message()))?;
    if options.check {
        chain = chain.with_checks(true);
    }
    for warning in chain.warnings() {
        eprintln!("zhpipe: warning: {warning}");
    }
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
    if options.resume && output == Output::Stdout {
        return Err(RunError::usage("--resume needs an output directory: it reads the records already written there"));
    }
    let mut report = match &output {
        Output::Dir(_) => Some(Report::new(ReportOptions {
            documents_with_text: options.report_documents.unwrap_or(config.output.report_documents),
            index_rows: report::DEFAULT_INDEX_ROWS,
            stages: chain.names().map(str::to_owned).collect(),
            layers,
            themes: theme_names(&config),
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
    let (mut sink, done) = match (&output, options.resume) {
        (Output::Dir(dir), true) => {
            let (done, resumed) = resume(dir, report.as_mut(), &pool, batch_size)?;
            summary.resumed = resumed;
            (Sink::append(dir)?, done)
        }
        _ => (Sink::open(&output)?, HashSet::new()),
    };

    let stats = Stats {
        stage_nanos: (0..chain.len()).map(|_| AtomicU64::new(0)).collect(),
        stage_docs: (0..chain.len()).map(|_| AtomicU64::new(0)).collect(),
        stage_bytes: (0..chain.len()).map(|_| AtomicU64::new(0)).collect(),
    };
    let progress = Progress::new(options.progress);

    let (mut other_shards, mut skipped) = (0, 0);
    let mut source = source
        .filter(|pending| {
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
    while source.peek().is_some() {
        let first = report.as_ref().map_or(0, |r| r.documents());
        let batch: Vec<(Pending, Option<bool>)> = source
            .by_ref()
            .take(batch_size)
            .enumerate()
            .map(|(i, p)| (p, report.as_ref().map(|r| r.wants_text(first + i as u64))))
            .collect();
        let max_bytes = config.input.max_bytes;
        let results: Vec<Processed> = pool.install(|| {
            batch
                .into_par_iter()
                .map(|(p, report_text)| {
                    process(p, max_bytes, &chain, layers, &stats, report_text.map(|t| (t, &themes)))
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
            sink.write_line(&result.line)?;
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
    line: String,
    ok: bool,
    bytes: u64,
    /// What the report keeps of the record, when there is a report.
    report: Option<DocSummary>,
}

impl Processed {
    fn new(line: String, ok: bool, bytes: u64, report_text: ReportText) -> Self {
        // The report reads the record as written, so that a resumed run's report, built partly
        // from the previous run's lines, is the same as an uninterrupted run's.
        let report = report_text.map(|(with_text, themes)| report::summarise(&line, with_text, themes));
        Self { line, ok, bytes, report }
    }
}

/// `None` without a report, else whether the report shows the document's full text and the
/// theme names it shows.
type ReportText<'a> = Option<(bool, &'a ThemeNames)>;

/// Reads, processes and serialises one document, and summarises it for the report.
fn process(
    pending: Pending,
    max_bytes: u64,
    chain: &Chain,
    layers: Layers,
    stats: &Stats,
    report_text: ReportText,
) -> Processed {
    let mut doc = match pending.load(max_bytes) {
        Ok(doc) => doc,
        Err((id, error)) => return Processed::new(record::error_line(&id, "input", &error), false, 0, report_text),
    };
    let bytes = (doc.raw.len() + doc.text.len()) as u64;
    let result = chain.run(&mut doc, |i, elapsed| {
        stats.stage_nanos[i].fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
        stats.stage_docs[i].fetch_add(1, Ordering::Relaxed);
        stats.stage_bytes[i].fetch_add(bytes, Ordering::Relaxed);
    });
    match result {
        Ok(()) => Processed::new(record::ok_line(&doc, layers), true, bytes, report_text),
        Err((i, error)) => {
            let stage = chain.names().nth(i).unwrap_or("?");
            Processed::new(record::error_line(&doc.id, stage, error.message()), false, bytes, report_text)
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
                let path = dir.join(FINISHED);
                let tmp = dir.join(PARTIAL);
                let file = File::create(&tmp).map_err(|e| RunError::io("create", &tmp, e))?;
                Ok(Sink::File { writer: BufWriter::new(file), tmp, path })
            }
        }
    }

    /// The partial output file prepared by [`resume`], opened to add records after its own.
    fn append(dir: &Path) -> Result<Self, RunError> {
        let tmp = dir.join(PARTIAL);
        let file = OpenOptions::new().append(true).open(&tmp).map_err(|e| RunError::io("open", &tmp, e))?;
        Ok(Sink::File { writer: BufWriter::new(file), tmp, path: dir.join(FINISHED) })
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
                // On failure the partial file stays, for `--resume`.
                zhpipe_artefact::persist(file, &tmp, &path)
                    .map_err(|e| RunError::io("sync and rename into place", &path, e))
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

/// The finished output, in an output directory.
const FINISHED: &str = "documents.jsonl";
/// The output while it is written: whole batches are flushed to it in input order, so after an
/// interruption it holds every record written so far, perhaps with a torn last line.
const PARTIAL: &str = ".documents.jsonl.tmp";

/// Makes the partial output in `dir` the start of this run's output and returns the ids it holds
/// and how many records that is, feeding each record to the report.
///
/// The partial file, when there is one, is the newest output: a run that was interrupted, and
/// that `--resume` continues after its last complete line (a torn last line is cut off; that
/// document is processed again). Otherwise the finished `documents.jsonl` of an earlier run is
/// copied to start the partial file. Either way the records stay in the order they were written,
/// so an interrupted run resumed over the same input ends byte-identical to an uninterrupted one.
/// The ids are held for the whole run: memory grows with the number of resumed records (about
/// 100 bytes each), the one exception to flat memory, and only with `--resume`.
fn resume(
    dir: &Path,
    mut report: Option<&mut Report>,
    pool: &rayon::ThreadPool,
    batch_size: usize,
) -> Result<(HashSet<String>, u64), RunError> {
    let path = dir.join(FINISHED);
    let tmp = dir.join(PARTIAL);
    fs::create_dir_all(dir).map_err(|e| RunError::io("create output directory", dir, e))?;
    if !tmp.exists() {
        if path.exists() {
            fs::copy(&path, &tmp).map_err(|e| RunError::io("copy into", &tmp, e))?;
        } else {
            File::create(&tmp).map_err(|e| RunError::io("create", &tmp, e))?;
        }
    }
    let mut file = OpenOptions::new().read(true).write(true).open(&tmp).map_err(|e| RunError::io("open", &tmp, e))?;
    let mut reader = BufReader::new(&mut file);
    let mut done = HashSet::new();
    let (mut complete, mut line_number) = (0u64, 0u64);
    let mut line = Vec::new();
    let mut batch: Vec<String> = Vec::with_capacity(batch_size);
    let mut summarise = |batch: &mut Vec<String>| {
        if let Some(report) = report.as_deref_mut() {
            add_lines(report, pool, batch);
        }
        batch.clear();
    };
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(|e| RunError::io("read", &tmp, e))?;
        if read == 0 || line.last() != Some(&b'\n') {
            break;
        }
        line_number += 1;
        let not_a_record = |why: &dyn std::fmt::Display| {
            RunError::usage(format!(
                "cannot resume from {}: line {line_number}: {why}; remove the file to start again",
                tmp.display()
            ))
        };
        let text = std::str::from_utf8(&line).map_err(|e| not_a_record(&e))?;
        let record = Record::parse(text.trim_end()).map_err(|e| not_a_record(&e))?;
        done.insert(record.id.into_owned());
        complete += read as u64;
        batch.push(text.trim_end().to_owned());
        if batch.len() == batch_size {
            summarise(&mut batch);
        }
    }
    summarise(&mut batch);
    drop(reader);
    // Cut a torn last line, so that appended records start on a line of their own.
    file.set_len(complete).map_err(|e| RunError::io("truncate", &tmp, e))?;
    file.seek(SeekFrom::End(0)).map_err(|e| RunError::io("seek", &tmp, e))?;
    Ok((done, line_number))
}

/// Adds record lines to the report in order, summarising them in parallel.
fn add_lines(report: &mut Report, pool: &rayon::ThreadPool, lines: &[String]) {
    let first = report.documents();
    let docs: Vec<DocSummary> = pool
        .install(|| lines.par_iter().enumerate().map(|(i, line)| report.summarise(line, first + i as u64)).collect());
    docs.into_iter().for_each(|doc| report.add(doc));
}

/// `zhpipe report`: writes `dir/report.html` from existing output records, e.g. the
/// `documents.jsonl` of every shard of one corpus, read in the order given (`-` is stdin).
/// Returns the number of records.
pub fn report_from_records(
    inputs: &[PathBuf],
    dir: &Path,
    documents_with_text: usize,
    themes: ThemeNames,
) -> Result<u64, RunError> {
    if inputs.is_empty() {
        return Err(RunError::usage("no input: give documents.jsonl files, or `-` for stdin"));
    }
    for input in inputs.iter().filter(|p| p.as_os_str() != "-") {
        if !input.is_file() {
            return Err(RunError::usage(format!("input {} is not a file", input.display())));
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::usage(format!("cannot start {threads} threads: {e}")))?;
    let mut report = Report::new(ReportOptions { documents_with_text, themes, ..ReportOptions::default() });
    let batch_size = threads * BATCH_PER_THREAD;
    for input in inputs {
        let (reader, name): (Box<dyn BufRead>, &Path) = if input.as_os_str() == "-" {
            (Box::new(io::stdin().lock()), Path::new("stdin"))
        } else {
            (Box::new(BufReader::new(File::open(input).map_err(|e| RunError::io("open", input, e))?)), input)
        };
        let mut batch = Vec::with_capacity(batch_size);
        for line in reader.lines() {
            let line = line.map_err(|e| RunError::io("read", name, e))?;
            if line.trim().is_empty() {
                continue;
            }
            batch.push(line);
            if batch.len() == batch_size {
                add_lines(&mut report, &pool, &batch);
                batch.clear();
            }
        }
        add_lines(&mut report, &pool, &batch);
    }
    fs::create_dir_all(dir).map_err(|e| RunError::io("create output directory", dir, e))?;
    write_atomically(&dir.join("report.html"), report.render().as_bytes())?;
    Ok(report.documents())
}

/// Writes a whole file, whole or not at all ([`zhpipe_artefact::write_atomically`]).
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    zhpipe_artefact::write_atomically(path, bytes).map_err(|e| RunError::io("write", path, e))
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
