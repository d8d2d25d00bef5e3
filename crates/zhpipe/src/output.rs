//! The output directory: the records file written in batches and renamed into place when the
//! run completes, resuming from what an earlier run left, and `zhpipe report` over records.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use zhpipe_core::Layers;

use crate::record::Record;
use crate::report::{DocSummary, Report, ReportOptions, ThemeNames};
use crate::run::{BATCH_BYTES, BATCH_PER_THREAD, Output, RunError};
use crate::tables::TableWriter;

/// The JSONL output: a temporary file renamed into place when complete, or stdout.
pub(crate) enum Sink {
    File {
        writer: BufWriter<File>,
        tmp: PathBuf,
        path: PathBuf,
    },
    Stdout(BufWriter<io::Stdout>),
    /// Parquet tables in the output directory instead of `documents.jsonl`, written on a
    /// thread of their own: each batch's lines go to it while the next batch is processed.
    Tables {
        writer: TablesThread,
        pending: Vec<Written>,
        dir: PathBuf,
    },
}

/// One document's result in the form its sink takes: the record line for JSONL, or for the
/// tables the processed document itself, whose rows are built on the tables' thread from the
/// same [`Record`] the line would hold, without serialising it and parsing it back.
pub(crate) enum Written {
    Line(String),
    /// A processed document and the layers its record holds.
    Document(Box<zhpipe_core::Document>, Layers),
    Failed {
        id: String,
        stage: String,
        error: String,
    },
}

impl Written {
    /// The record this result stands for, borrowed from it, or parsed from its line.
    pub(crate) fn with_record<T>(&self, f: impl FnOnce(&Record) -> T) -> T {
        match self {
            Written::Line(line) => f(&Record::parse(line).expect("the writer's own records parse")),
            Written::Document(doc, layers) => f(&Record::ok(doc, *layers)),
            Written::Failed { id, stage, error } => f(&Record::error(id, stage, error)),
        }
    }
}

impl Sink {
    /// Parquet tables in `dir` (`tokens.parquet` only `with_tokens`).
    pub(crate) fn tables(dir: &Path, with_tokens: bool) -> Result<Self, RunError> {
        let tables = TableWriter::create(dir, with_tokens)
            .map_err(|message| RunError { status: crate::ExitStatus::Failure, message })?;
        Ok(Sink::Tables { writer: TablesThread::start(tables, dir), pending: Vec::new(), dir: dir.to_owned() })
    }

    /// Whether this sink writes record lines, so that workers serialise records for it;
    /// otherwise they hand it documents.
    pub(crate) fn takes_lines(&self) -> bool {
        !matches!(self, Sink::Tables { .. })
    }

    pub(crate) fn open(output: &Output) -> Result<Self, RunError> {
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
    pub(crate) fn append(dir: &Path) -> Result<Self, RunError> {
        let tmp = dir.join(PARTIAL);
        let file = OpenOptions::new().append(true).open(&tmp).map_err(|e| RunError::io("open", &tmp, e))?;
        Ok(Sink::File { writer: BufWriter::new(file), tmp, path: dir.join(FINISHED) })
    }

    pub(crate) fn write(&mut self, written: Written) -> Result<(), RunError> {
        if let Sink::Tables { pending, .. } = self {
            pending.push(written);
            return Ok(());
        }
        let line = match &written {
            Written::Line(line) => std::borrow::Cow::Borrowed(line.as_str()),
            other => std::borrow::Cow::Owned(other.with_record(|record| record.to_line())),
        };
        let result = match self {
            Sink::File { writer, .. } => writer.write_all(line.as_bytes()).and_then(|()| writer.write_all(b"\n")),
            Sink::Stdout(writer) => writer.write_all(line.as_bytes()).and_then(|()| writer.write_all(b"\n")),
            Sink::Tables { .. } => unreachable!("handled above"),
        };
        result.map_err(|e| self.error("write", e))
    }

    pub(crate) fn flush(&mut self) -> Result<(), RunError> {
        let result = match self {
            Sink::File { writer, .. } => writer.flush(),
            Sink::Stdout(writer) => writer.flush(),
            Sink::Tables { writer, pending, .. } => return writer.send(std::mem::take(pending)),
        };
        result.map_err(|e| self.error("write", e))
    }

    pub(crate) fn finish(self) -> Result<(), RunError> {
        match self {
            Sink::Stdout(mut writer) => writer.flush().map_err(|e| RunError::io("write", Path::new("stdout"), e)),
            Sink::File { writer, tmp, path } => {
                let file = writer.into_inner().map_err(|e| RunError::io("write", &tmp, e.into_error()))?;
                // On failure the partial file stays, for `--resume`.
                zhpipe_artefact::persist(file, &tmp, &path)
                    .map_err(|e| RunError::io("sync and rename into place", &path, e))
            }
            Sink::Tables { mut writer, pending, .. } => {
                writer.send(pending)?;
                writer.finish().map(|_| ())
            }
        }
    }

    fn error(&self, what: &str, e: io::Error) -> RunError {
        match self {
            Sink::File { tmp, .. } => RunError::io(what, tmp, e),
            Sink::Stdout(_) => RunError::io(what, Path::new("stdout"), e),
            Sink::Tables { dir, .. } => RunError::io(what, dir, e),
        }
    }
}

/// The finished output, in an output directory.
pub(crate) const FINISHED: &str = "documents.jsonl";
/// The output while it is written: whole batches are flushed to it in input order, so after an
/// interruption it holds every record written so far, perhaps with a torn last line.
pub(crate) const PARTIAL: &str = ".documents.jsonl.tmp";

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
pub(crate) fn resume(
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
    let mut batch_bytes = 0;
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
        batch_bytes += read as u64;
        batch.push(text.trim_end().to_owned());
        if batch.len() == batch_size || batch_bytes >= BATCH_BYTES {
            summarise(&mut batch);
            batch_bytes = 0;
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
    check_record_inputs(inputs)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::usage(format!("cannot start {threads} threads: {e}")))?;
    let mut report = Report::new(ReportOptions { documents_with_text, themes, ..ReportOptions::default() });
    let batch_size = threads * BATCH_PER_THREAD;
    let mut batch = Vec::with_capacity(batch_size);
    let mut batch_bytes = 0;
    for_each_record_line(inputs, "nothing to report", |_, _, line| {
        batch_bytes += line.len() as u64;
        batch.push(line);
        if batch.len() == batch_size || batch_bytes >= BATCH_BYTES {
            add_lines(&mut report, &pool, &batch);
            batch.clear();
            batch_bytes = 0;
        }
        Ok(())
    })?;
    add_lines(&mut report, &pool, &batch);
    fs::create_dir_all(dir).map_err(|e| RunError::io("create output directory", dir, e))?;
    write_atomically(&dir.join("report.html"), report.render().as_bytes())?;
    Ok(report.documents())
}

/// Refuses an empty list of record inputs, or one that names something other than a file.
fn check_record_inputs(inputs: &[PathBuf]) -> Result<(), RunError> {
    if inputs.is_empty() {
        return Err(RunError::usage("no input: give documents.jsonl files, or `-` for stdin"));
    }
    for input in inputs.iter().filter(|p| p.as_os_str() != "-") {
        if !input.is_file() {
            return Err(RunError::usage(format!("input {} is not a file", input.display())));
        }
    }
    Ok(())
}

/// Hands every non-blank line of the record files `inputs` (`-` is stdin), in order, to `each`
/// with the file's name and the line's number. Input that holds no line at all is refused,
/// saying `nothing` is what comes of it.
fn for_each_record_line(
    inputs: &[PathBuf],
    nothing: &str,
    mut each: impl FnMut(&Path, usize, String) -> Result<(), RunError>,
) -> Result<(), RunError> {
    let mut lines = 0u64;
    for input in inputs {
        let (reader, name): (Box<dyn BufRead>, &Path) = if input.as_os_str() == "-" {
            (Box::new(io::stdin().lock()), Path::new("stdin"))
        } else {
            (Box::new(BufReader::new(File::open(input).map_err(|e| RunError::io("open", input, e))?)), input)
        };
        for (number, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| RunError::io("read", name, e))?;
            if line.trim().is_empty() {
                continue;
            }
            lines += 1;
            each(name, number + 1, line)?;
        }
    }
    if lines == 0 {
        let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(RunError::usage(format!("no records in {}: {nothing}", names.join(", "))));
    }
    Ok(())
}

/// Writes a whole file, whole or not at all ([`zhpipe_artefact::write_atomically`]).
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    zhpipe_artefact::write_atomically(path, bytes).map_err(|e| RunError::io("write", path, e))
}

/// The advisory lock that keeps a second run out of an output directory while one writes it.
pub(crate) const LOCK: &str = ".zhpipe.lock";

/// Takes the output directory's lock for as long as the returned file is open. A second run into
/// the same directory is refused rather than interleaving its records with this one's. The lock
/// is the operating system's (`flock` on Unix), so it goes away with the process, however that
/// ends: a run that was killed leaves nothing to clean up.
pub(crate) fn lock(dir: &Path) -> Result<File, RunError> {
    fs::create_dir_all(dir).map_err(|e| RunError::io("create output directory", dir, e))?;
    let path = dir.join(LOCK);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| RunError::io("open", &path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(RunError::usage(format!(
            "{} is being written by another zhpipe run; wait for it, or choose another --output",
            dir.display()
        ))),
        Err(fs::TryLockError::Error(e)) => Err(RunError::io("lock", &path, e)),
    }
}

/// Where the fingerprint of the run that wrote an output directory is kept.
pub(crate) const FINGERPRINT: &str = "fingerprint.json";

/// What decides the records a run writes: this build, the resolved config and the content of
/// every file the config names (dictionaries, themes, rules, models). Stored in the output
/// directory, so that `--resume` refuses to add records of another shape to a run's output.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Fingerprint {
    /// The zhpipe version.
    zhpipe: String,
    /// The record schema.
    schema: u32,
    /// `[input] max_bytes`, which decides which documents are error records.
    max_bytes: u64,
    /// Each stage as `#n name: its keys` (TOML, keys sorted).
    stages: Vec<String>,
    /// Each file a stage's keys name, with its content's FNV-1a hash and length.
    files: std::collections::BTreeMap<String, String>,
}

impl Fingerprint {
    /// The fingerprint of running `config` with this build.
    pub(crate) fn of(config: &zhpipe_core::PipelineConfig) -> Self {
        let mut files = std::collections::BTreeMap::new();
        let mut stages = Vec::new();
        for entry in &config.stages {
            stages.push(format!("#{} {}: {}", entry.number, entry.name, toml_line(&entry.table)));
            let mut paths = Vec::new();
            entry.table.values().for_each(|value| strings(value, &mut paths));
            for path in paths {
                let resolved = config.base_dir().join(path);
                if let Ok(bytes) = fs::read(&resolved) {
                    let digest = format!("{:016x}:{}", crate::shard::fnv1a64(&bytes), bytes.len());
                    files.insert(path.to_owned(), digest);
                }
            }
        }
        Self {
            zhpipe: env!("CARGO_PKG_VERSION").to_owned(),
            schema: crate::record::SCHEMA,
            max_bytes: config.input.max_bytes,
            stages,
            files,
        }
    }

    /// What differs between the fingerprint an output was written with and this one, in words.
    pub(crate) fn differences(&self, written: &Fingerprint) -> Vec<String> {
        let mut out = Vec::new();
        if self.zhpipe != written.zhpipe || self.schema != written.schema {
            out.push(format!(
                "zhpipe {} (schema {}) wrote it, this is zhpipe {} (schema {})",
                written.zhpipe, written.schema, self.zhpipe, self.schema
            ));
        }
        if self.max_bytes != written.max_bytes {
            out.push(format!("[input] max_bytes was {}, is {}", written.max_bytes, self.max_bytes));
        }
        if self.stages != written.stages {
            let (old, new) = (written.stages.join("; "), self.stages.join("; "));
            let differing: Vec<String> = (0..self.stages.len().max(written.stages.len()))
                .filter(|&i| self.stages.get(i) != written.stages.get(i))
                .map(|i| match (written.stages.get(i), self.stages.get(i)) {
                    (Some(was), Some(is)) => format!("stage was `{was}`, is `{is}`"),
                    (Some(was), None) => format!("stage `{was}` is gone"),
                    (None, Some(is)) => format!("stage `{is}` is new"),
                    (None, None) => unreachable!("index within one of them"),
                })
                .collect();
            out.extend(if differing.is_empty() { vec![format!("stages were {old}, are {new}")] } else { differing });
        }
        for (path, digest) in &self.files {
            match written.files.get(path) {
                Some(was) if was == digest => {}
                Some(_) => out.push(format!("{path} has changed")),
                None => out.push(format!("{path} is new to the config")),
            }
        }
        for path in written.files.keys().filter(|p| !self.files.contains_key(*p)) {
            out.push(format!("{path} is no longer in the config"));
        }
        out
    }

    /// Writes it into `dir`.
    pub(crate) fn store(&self, dir: &Path) -> Result<(), RunError> {
        let json = serde_json::to_string_pretty(self).expect("a fingerprint serialises") + "\n";
        write_atomically(&dir.join(FINGERPRINT), json.as_bytes())
    }

    /// Refuses to resume into `dir` unless its output was written with this fingerprint. An
    /// output directory with no records yet needs none.
    pub(crate) fn check_resume(&self, dir: &Path) -> Result<(), RunError> {
        let path = dir.join(FINGERPRINT);
        let has_records = dir.join(FINISHED).exists() || dir.join(PARTIAL).exists();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !has_records => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(RunError::usage(format!(
                    "cannot resume into {}: it has records but no {FINGERPRINT} saying how they were made; \
                     run without --resume into a new directory",
                    dir.display()
                )));
            }
            Err(e) => return Err(RunError::io("read", &path, e)),
        };
        let written: Fingerprint = serde_json::from_str(&text)
            .map_err(|e| RunError::usage(format!("cannot resume: {} is not a fingerprint: {e}", path.display())))?;
        let differences = self.differences(&written);
        if differences.is_empty() {
            return Ok(());
        }
        Err(RunError::usage(format!(
            "cannot resume into {}: its records were made differently: {}; run without --resume into a new directory",
            dir.display(),
            differences.join("; ")
        )))
    }
}

/// A stage's keys on one line, sorted (a `toml::Table` keeps them sorted).
fn toml_line(table: &toml::Table) -> String {
    let value = toml::Value::Table(table.clone());
    let mut line = String::new();
    flatten(&value, &mut line);
    line
}

fn flatten(value: &toml::Value, out: &mut String) {
    match value {
        toml::Value::Table(table) => {
            out.push('{');
            for (i, (key, value)) in table.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push_str(" = ");
                flatten(value, out);
            }
            out.push('}');
        }
        toml::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flatten(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Every string in a config value: the candidates for file paths.
fn strings<'a>(value: &'a toml::Value, out: &mut Vec<&'a str>) {
    match value {
        toml::Value::String(s) => out.push(s),
        toml::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        toml::Value::Table(table) => table.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The thread that turns records into table rows and writes them. Batches wait in a channel
/// of two, so the run is never more than two batches ahead of the tables.
pub(crate) struct TablesThread {
    sender: Option<std::sync::mpsc::SyncSender<Vec<Written>>>,
    handle: Option<std::thread::JoinHandle<Result<crate::tables::WrittenTables, RunError>>>,
}

impl TablesThread {
    fn start(mut tables: TableWriter, dir: &Path) -> Self {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Written>>(2);
        let dir = dir.to_owned();
        let writer = move || {
            for batch in receiver {
                for written in &batch {
                    written.with_record(|record| tables.add(record)).map_err(|e| table_error(&dir, e))?;
                }
            }
            tables.finish().map_err(|e| table_error(&dir, e))
        };
        // Named, so that a profile tells the tables' time from the workers'.
        let handle =
            std::thread::Builder::new().name("zhpipe-tables".into()).spawn(writer).expect("a thread can be started");
        Self { sender: Some(sender), handle: Some(handle) }
    }

    /// Hands a batch to the thread; a failure of the thread is returned here or at
    /// [`finish`](Self::finish).
    fn send(&mut self, batch: Vec<Written>) -> Result<(), RunError> {
        if batch.is_empty() {
            return Ok(());
        }
        let sent = self.sender.as_ref().is_some_and(|sender| sender.send(batch).is_ok());
        // A send fails only when the thread has stopped, on an error: report it.
        if sent { Ok(()) } else { self.join().map(|_| ()) }
    }

    fn join(&mut self) -> Result<crate::tables::WrittenTables, RunError> {
        self.sender = None;
        match self.handle.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => {
                Err(RunError { status: crate::ExitStatus::Failure, message: "the table writer panicked".into() })
            }
            None => {
                Err(RunError { status: crate::ExitStatus::Failure, message: "the table writer has stopped".into() })
            }
        }
    }

    fn finish(mut self) -> Result<crate::tables::WrittenTables, RunError> {
        self.join()
    }
}

fn table_error(dir: &Path, e: parquet::errors::ParquetError) -> RunError {
    RunError { status: crate::ExitStatus::Failure, message: format!("cannot write tables in {}: {e}", dir.display()) }
}

/// `zhpipe tables`: writes the Parquet tables of existing output records (every shard of a run,
/// say) into `dir`, in the order given (`-` is stdin). Returns the files written and their rows.
pub fn tables_from_records(
    inputs: &[PathBuf],
    dir: &Path,
    with_tokens: bool,
) -> Result<crate::tables::WrittenTables, RunError> {
    check_record_inputs(inputs)?;
    let _lock = lock(dir)?;
    let mut tables = TableWriter::create(dir, with_tokens)
        .map_err(|message| RunError { status: crate::ExitStatus::Failure, message })?;
    for_each_record_line(inputs, "no tables written", |name, number, line| {
        let record =
            Record::parse(&line).map_err(|e| RunError::usage(format!("{}: line {number}: {e}", name.display())))?;
        tables.add(&record).map_err(|e| table_error(dir, e))
    })?;
    tables.finish().map_err(|e| table_error(dir, e))
}
