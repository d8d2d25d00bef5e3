//! `Pipeline.pipe`: an iterable of inputs through the chain on Rust threads, in input order.
//!
//! Inputs are taken from the Python iterable a batch at a time (that needs the GIL), and each
//! batch is handed to a rayon pool that processes its documents in parallel without the GIL.
//! Two batches are kept in flight, so the pool works on the next batch while Python consumes
//! the results of the one before; what is held at once is bounded by two batches however long
//! the iterable is.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyIterator, PyString, PyTuple};
use rayon::prelude::*;
use zhpipe::record::Record;
use zhpipe_core::Document as Input;

use crate::document::Document;

/// Batches in flight at once: one being processed while the results of the other are read.
const IN_FLIGHT: usize = 2;

/// One input: a document to process, or why the item could not be one.
enum Item {
    Input(Box<Input>),
    Unreadable { id: String, error: String },
}

/// The iterator `Pipeline.pipe` returns.
#[pyclass(module = "zhpipe")]
pub(crate) struct Stream {
    pipeline: Arc<zhpipe::Pipeline>,
    source: Option<Py<PyIterator>>,
    pool: Arc<rayon::ThreadPool>,
    batch_size: usize,
    /// Items taken from the source so far: the default id of the next one.
    taken: usize,
    /// Behind a mutex only because a Python object must be shareable between threads.
    in_flight: VecDeque<Mutex<mpsc::Receiver<Vec<Record<'static>>>>>,
    ready: VecDeque<Record<'static>>,
}

impl Stream {
    pub(crate) fn new(
        pipeline: Arc<zhpipe::Pipeline>,
        documents: &Bound<'_, PyAny>,
        threads: Option<usize>,
        batch_size: usize,
    ) -> PyResult<Self> {
        if batch_size == 0 {
            return Err(PyValueError::new_err("batch_size must be at least 1"));
        }
        let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        if threads == 0 {
            return Err(PyValueError::new_err("threads must be at least 1"));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("zhpipe-{i}"))
            .build()
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start {threads} threads: {e}")))?;
        Ok(Self {
            pipeline,
            source: Some(documents.try_iter()?.unbind()),
            pool: Arc::new(pool),
            batch_size,
            taken: 0,
            in_flight: VecDeque::new(),
            ready: VecDeque::new(),
        })
    }

    /// Takes up to a batch of items from the source; an exception the source raises ends the
    /// stream and is the caller's.
    fn take_batch(&mut self, py: Python<'_>) -> PyResult<Vec<Item>> {
        let Some(source) = &self.source else { return Ok(Vec::new()) };
        let mut source = source.bind(py).clone();
        let mut batch = Vec::with_capacity(self.batch_size);
        while batch.len() < self.batch_size {
            match source.next() {
                Some(item) => {
                    let item = item?;
                    batch.push(to_input(&item, self.taken));
                    self.taken += 1;
                }
                None => {
                    self.source = None;
                    break;
                }
            }
        }
        Ok(batch)
    }

    fn submit(&mut self, batch: Vec<Item>) {
        let (send, receive) = mpsc::sync_channel(1);
        let pipeline = self.pipeline.clone();
        let pool = self.pool.clone();
        self.pool.spawn(move || {
            let records = pool.install(|| {
                batch
                    .into_par_iter()
                    .map(|item| match item {
                        Item::Input(doc) => pipeline.process(*doc).into_record(),
                        Item::Unreadable { id, error } => Record::error(&id, "input", &error).into_owned(),
                    })
                    .collect()
            });
            // The stream may have been dropped meanwhile: then nobody wants the records.
            let _ = send.send(records);
        });
        self.in_flight.push_back(Mutex::new(receive));
    }
}

/// The id of item `index` when it names none.
fn default_id(index: usize) -> String {
    index.to_string()
}

/// What the user's item is: `str`, `bytes`, `(id, text_or_bytes)` or a dict with `id` and one
/// of `text`, `bytes`, `bytes_base64`. Anything else becomes an error record, not an exception.
fn to_input(item: &Bound<'_, PyAny>, index: usize) -> Item {
    let content = |id: String, value: &Bound<'_, PyAny>| -> Item {
        if let Ok(text) = value.cast::<PyString>() {
            match text.to_cow() {
                Ok(text) => Item::Input(Box::new(Input::from_text(id, text.into_owned()))),
                Err(e) => Item::Unreadable { id, error: format!("the text is not valid Unicode: {e}") },
            }
        } else if let Ok(bytes) = value.cast::<PyBytes>() {
            Item::Input(Box::new(Input::from_bytes(id, bytes.as_bytes().to_vec())))
        } else {
            let kind = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            Item::Unreadable { id, error: format!("expected str or bytes as the document, got {kind}") }
        }
    };
    let id_of = |value: Option<Bound<'_, PyAny>>| -> String {
        match value {
            Some(id) if !id.is_none() => id.str().map(|s| s.to_string()).unwrap_or_else(|_| default_id(index)),
            _ => default_id(index),
        }
    };
    if item.is_instance_of::<PyString>() || item.is_instance_of::<PyBytes>() {
        return content(default_id(index), item);
    }
    if let Ok(pair) = item.cast::<PyTuple>() {
        if pair.len() == 2 {
            let (id, value) = (pair.get_item(0).ok(), pair.get_item(1));
            if let Ok(value) = value {
                return content(id_of(id), &value);
            }
        }
        return Item::Unreadable {
            id: default_id(index),
            error: format!("a tuple must be (id, text), not {} items", pair.len()),
        };
    }
    if let Ok(dict) = item.cast::<PyDict>() {
        let id = id_of(dict.get_item("id").ok().flatten());
        let fields: Vec<_> = ["text", "bytes", "bytes_base64"]
            .into_iter()
            .filter_map(|key| dict.get_item(key).ok().flatten().filter(|v| !v.is_none()).map(|v| (key, v)))
            .collect();
        return match &fields[..] {
            [("bytes_base64", value)] => match value.extract::<String>() {
                Ok(encoded) => match base64::engine::general_purpose::STANDARD.decode(encoded.trim()) {
                    Ok(bytes) => Item::Input(Box::new(Input::from_bytes(id, bytes))),
                    Err(e) => Item::Unreadable { id, error: format!("`bytes_base64` is not valid base64: {e}") },
                },
                Err(_) => Item::Unreadable { id, error: "`bytes_base64` must be a str".into() },
            },
            [(_, value)] => content(id, value),
            _ => Item::Unreadable {
                id,
                error: "a dict needs `id` and exactly one of `text`, `bytes`, `bytes_base64`".into(),
            },
        };
    }
    let kind = item.get_type().name().map(|n| n.to_string()).unwrap_or_default();
    Item::Unreadable {
        id: default_id(index),
        error: format!("expected str, bytes, (id, text) or a dict with `id` and `text`, got {kind}"),
    }
}

#[pymethods]
impl Stream {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Document>> {
        loop {
            // Topped up before anything is returned, so the pool always has the next batch.
            while self.in_flight.len() < IN_FLIGHT && self.source.is_some() {
                let batch = self.take_batch(py)?;
                if !batch.is_empty() {
                    self.submit(batch);
                }
            }
            if let Some(record) = self.ready.pop_front() {
                return Ok(Some(Document::new(record)));
            }
            let Some(receive) = self.in_flight.pop_front() else { return Ok(None) };
            let records = py
                .detach(move || receive.into_inner().map_err(|_| mpsc::RecvError)?.recv())
                .map_err(|_| PyRuntimeError::new_err("a zhpipe worker thread stopped"))?;
            self.ready.extend(records);
        }
    }
}
