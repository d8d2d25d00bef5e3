//! Records from files, and records as `pyarrow.Table`s: the same four tables as
//! `zhpipe run --format parquet`, built by the same [`zhpipe::tables::TableWriter`] and handed to
//! pyarrow through the Arrow C data interface, without copying.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow_pyarrow::IntoPyArrow;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use zhpipe::record::Record;
use zhpipe::tables::TableWriter;

use crate::document::Document;

/// The records file a path names: the file itself, or a run's output directory's
/// `documents.jsonl`.
fn records_file(path: &Path) -> PathBuf {
    if path.is_dir() { path.join("documents.jsonl") } else { path.to_owned() }
}

fn open(path: &Path) -> PyResult<Box<dyn BufRead + Send + Sync>> {
    let file = File::open(path).map_err(|e| PyOSError::new_err(format!("{}: cannot open: {e}", path.display())))?;
    Ok(if path.extension().is_some_and(|e| e == "gz") {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    })
}

fn table_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("cannot build tables: {e}"))
}

/// The iterator `read_records` returns: one Document per non-blank line.
#[pyclass(module = "zhpipe")]
pub(crate) struct RecordReader {
    path: PathBuf,
    reader: Box<dyn BufRead + Send + Sync>,
    line_number: usize,
    line: String,
}

impl RecordReader {
    fn open(path: &Path) -> PyResult<Self> {
        let path = records_file(path);
        Ok(Self { reader: open(&path)?, path, line_number: 0, line: String::new() })
    }

    /// The next record, or `None` at the end; a line that is not a record is an error naming
    /// the file and the line.
    fn next_record(&mut self) -> PyResult<Option<Record<'static>>> {
        loop {
            self.line.clear();
            self.line_number += 1;
            let read = self.reader.read_line(&mut self.line).map_err(|e| {
                PyOSError::new_err(format!("{}: line {}: cannot read: {e}", self.path.display(), self.line_number))
            })?;
            if read == 0 {
                return Ok(None);
            }
            if self.line.trim().is_empty() {
                continue;
            }
            return Record::parse(self.line.trim_end_matches(['\n', '\r']))
                .map(|record| Some(record.into_owned()))
                .map_err(|e| {
                    PyValueError::new_err(format!("{}: line {}: {e}", self.path.display(), self.line_number))
                });
        }
    }
}

#[pymethods]
impl RecordReader {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Document>> {
        let record = py.detach(|| self.next_record())?;
        Ok(record.map(Document::new))
    }
}

/// The records of a `documents.jsonl` (or `.jsonl.gz`, or a run's output directory) as
/// Documents, read lazily.
#[pyfunction]
pub(crate) fn read_records(path: PathBuf) -> PyResult<RecordReader> {
    RecordReader::open(&path)
}

/// A records file being written.
enum RecordsOut {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
}

impl RecordsOut {
    /// Writes one record's line; `line` is a buffer reused across calls, so that serde_json
    /// writes into memory rather than through a `dyn Write` per fragment.
    fn line(&mut self, record: &Record, line: &mut Vec<u8>) -> std::io::Result<()> {
        line.clear();
        serde_json::to_writer(&mut *line, record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        match self {
            RecordsOut::Plain(w) => w.write_all(line),
            RecordsOut::Gzip(w) => w.write_all(line),
        }
    }

    fn finish(self) -> std::io::Result<File> {
        let buffered = match self {
            RecordsOut::Plain(w) => w,
            RecordsOut::Gzip(w) => w.finish()?,
        };
        buffered.into_inner().map_err(|e| e.into_error())
    }
}

/// Writes Documents as a records file, one JSON line each (the lines `zhpipe run` writes), to
/// `path` (gzip-compressed when it ends in `.gz`), whole or not at all; returns how many.
/// Faster than writing `to_json()` strings: the lines never become Python strings.
#[pyfunction]
pub(crate) fn write_records(py: Python<'_>, path: PathBuf, documents: &Bound<'_, PyAny>) -> PyResult<u64> {
    let io_error =
        |what: &str, e: std::io::Error| PyOSError::new_err(format!("{}: cannot {what}: {e}", path.display()));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let file = File::create(&tmp).map_err(|e| io_error("create", e))?;
    let mut out = if path.extension().is_some_and(|e| e == "gz") {
        RecordsOut::Gzip(flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::default()))
    } else {
        RecordsOut::Plain(BufWriter::new(file))
    };
    let mut written = 0u64;
    let mut line = Vec::new();
    let result = (|| -> PyResult<()> {
        for item in documents.try_iter()? {
            let item = item?;
            let doc = item
                .cast::<Document>()
                .map_err(|_| pyo3::exceptions::PyTypeError::new_err("write_records() takes Documents"))?;
            let record = &doc.get().record;
            py.detach(|| out.line(record, &mut line)).map_err(|e| io_error("write", e))?;
            written += 1;
        }
        Ok(())
    })();
    let finished = result.and_then(|()| {
        let file = out.finish().map_err(|e| io_error("write", e))?;
        zhpipe_artefact::persist(file, &tmp, &path).map_err(|e| io_error("write", e))
    });
    if finished.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    finished?;
    Ok(written)
}

/// The tables of Documents, or of the records in one or more files: a dict of `documents`,
/// `sentences`, `mentions` and (when the records have tokens, or `tokens=True`) `tokens`, each
/// a `pyarrow.Table` with the Parquet output's schema.
#[pyfunction]
#[pyo3(signature = (documents, tokens=None))]
pub(crate) fn tables<'py>(
    py: Python<'py>,
    documents: &Bound<'py, PyAny>,
    tokens: Option<bool>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut writer = TableWriter::in_memory(tokens != Some(false));
    let mut any_tokens = false;
    let paths: Option<Vec<PathBuf>> = if let Ok(path) = documents.extract::<PathBuf>() {
        Some(vec![path])
    } else if documents.is_instance_of::<pyo3::types::PyList>() || documents.is_instance_of::<pyo3::types::PyTuple>() {
        documents.extract::<Vec<PathBuf>>().ok()
    } else {
        None
    };
    match paths {
        Some(paths) => py.detach(|| -> PyResult<()> {
            for path in &paths {
                let mut reader = RecordReader::open(path)?;
                while let Some(record) = reader.next_record()? {
                    any_tokens |= record.tokens.is_some();
                    writer.add(&record).map_err(table_error)?;
                }
            }
            Ok(())
        })?,
        None => {
            for item in documents.try_iter()? {
                let item = item?;
                let doc = item.cast::<Document>().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(
                        "tables() takes Documents, or paths of records files (documents.jsonl)",
                    )
                })?;
                let record = &doc.get().record;
                any_tokens |= record.tokens.is_some();
                writer.add(record).map_err(table_error)?;
            }
        }
    }
    let tables = writer.finish_in_memory().map_err(table_error)?;
    let out = PyDict::new(py);
    for table in tables {
        if table.name == "tokens" && tokens.is_none() && !any_tokens {
            continue;
        }
        let name = table.name;
        let table = arrow_pyarrow::Table::try_new(table.batches, table.schema)
            .map_err(|e| PyValueError::new_err(format!("cannot build the {name} table: {e}")))?;
        out.set_item(name, table.into_pyarrow(py)?)?;
    }
    Ok(out)
}
