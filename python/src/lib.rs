//! `zhpipe` for Python: the same pipeline as the binary, its documents as Python objects and
//! its tables as `pyarrow.Table`s.
//!
//! The extension module is `zhpipe._zhpipe`; `python/zhpipe/__init__.py` re-exports it with the
//! Spark and Ray helpers. Everything heavy happens in Rust with the GIL released: [`Pipeline`]
//! holds the chain, [`stream::Stream`] feeds it batches on a pool of Rust threads while Python
//! consumes earlier results, and every result is a [`document::Document`] holding the owned
//! record, so `to_json()` is the line `zhpipe run` writes and offsets are Python string indices.

mod config;
mod document;
mod stream;
mod tables;

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use zhpipe_core::LayerName;

use crate::document::{Document, Mention, Sentence, Token};

pyo3::create_exception!(
    zhpipe,
    ConfigError,
    PyValueError,
    "A config that cannot be read or built into a chain; the message is the CLI's."
);

/// A chain of stages built from a config: the built-in default, a TOML file or a dict.
#[pyclass(frozen, module = "zhpipe")]
struct Pipeline {
    inner: Arc<zhpipe::Pipeline>,
}

/// The layer names `layers=` accepts, parsed as a config's `[output] layers` is.
fn layer_names(layers: Option<Vec<String>>) -> PyResult<Option<Vec<LayerName>>> {
    layers
        .map(|names| {
            names
                .iter()
                .map(|name| {
                    serde_json::from_value::<LayerName>(serde_json::Value::String(name.clone())).map_err(|_| {
                        ConfigError::new_err(format!(
                            "unknown layer `{name}`: the layers are text, sentences, tokens, mentions and labels"
                        ))
                    })
                })
                .collect()
        })
        .transpose()
}

#[pymethods]
impl Pipeline {
    /// `config`: `None` for the built-in pipeline, a path to a `pipeline.toml`, or a dict of
    /// the same shape (relative paths in it are relative to the working directory). `layers`
    /// selects what records keep, as `[output] layers` does.
    #[new]
    #[pyo3(signature = (config=None, *, layers=None))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>, layers: Option<Vec<String>>) -> PyResult<Self> {
        let layers = layer_names(layers)?;
        let built = match config {
            None => {
                let path = PathBuf::from(zhpipe::bundled::CONFIG);
                py.detach(|| zhpipe::Pipeline::from_path(&path, layers.as_deref()))
            }
            Some(table) if table.is_instance_of::<PyDict>() => {
                let text = config::toml_of_dict(table.cast::<PyDict>()?)?;
                let name = PathBuf::from("<dict>");
                py.detach(|| zhpipe::Pipeline::from_toml(&text, &name, layers.as_deref()))
            }
            Some(path) => {
                let path: PathBuf = path.extract().map_err(|_| {
                    ConfigError::new_err("config must be None, a path to a pipeline.toml, or a dict of its shape")
                })?;
                py.detach(|| zhpipe::Pipeline::from_path(&path, layers.as_deref()))
            }
        };
        let inner = built.map_err(ConfigError::new_err)?;
        if !inner.warnings().is_empty() {
            let warnings = py.import("warnings")?;
            for warning in inner.warnings() {
                warnings.call_method1("warn", (format!("zhpipe: {warning}"),))?;
            }
        }
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The stages of the chain, in order.
    #[getter]
    fn stages(&self) -> Vec<&'static str> {
        self.inner.chain().names().collect()
    }

    /// The layers records keep.
    #[getter]
    fn layers(&self) -> Vec<&'static str> {
        self.inner.layers().names().into_iter().filter(|name| !matches!(*name, "raw" | "meta")).collect()
    }

    /// Processes one document: `str` is decoded text, `bytes` go through decode's detection.
    /// A failure is a `Document` whose `status` is `"error"`, not an exception.
    #[pyo3(signature = (text, id=None))]
    fn process(&self, py: Python<'_>, text: &Bound<'_, PyAny>, id: Option<String>) -> PyResult<Document> {
        let id = id.unwrap_or_else(|| "0".to_owned());
        let doc = if let Ok(text) = text.cast::<PyString>() {
            zhpipe_core::Document::from_text(id, &*text.to_cow()?)
        } else if let Ok(bytes) = text.cast::<PyBytes>() {
            zhpipe_core::Document::from_bytes(id, bytes.as_bytes().to_vec())
        } else {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "process takes str or bytes, not {}",
                text.get_type().name()?
            )));
        };
        let pipeline = self.inner.clone();
        let record = py.detach(move || pipeline.process(doc).into_record());
        Ok(Document::new(record))
    }

    /// Processes an iterable of texts, `(id, text)` pairs or dicts (`id` and one of `text`,
    /// `bytes`, `bytes_base64`) on `threads` Rust threads (default: one per core), yielding
    /// Documents in input order. `batch_size` documents are processed together, and at most two
    /// batches are in flight, so memory stays flat for an endless iterable.
    #[pyo3(signature = (documents, threads=None, batch_size=64))]
    fn pipe(
        &self,
        documents: &Bound<'_, PyAny>,
        threads: Option<usize>,
        batch_size: usize,
    ) -> PyResult<stream::Stream> {
        stream::Stream::new(self.inner.clone(), documents, threads, batch_size)
    }

    fn __repr__(&self) -> String {
        format!("Pipeline(stages={:?}, layers={:?})", self.stages(), self.layers())
    }
}

/// The extension module.
#[pymodule]
fn _zhpipe(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA", zhpipe::record::SCHEMA)?;
    m.add("ConfigError", m.py().get_type::<ConfigError>())?;
    m.add_class::<Pipeline>()?;
    m.add_class::<Document>()?;
    m.add_class::<Sentence>()?;
    m.add_class::<Token>()?;
    m.add_class::<Mention>()?;
    m.add_class::<stream::Stream>()?;
    m.add_class::<tables::RecordReader>()?;
    m.add_function(wrap_pyfunction!(tables::read_records, m)?)?;
    m.add_function(wrap_pyfunction!(tables::write_records, m)?)?;
    m.add_function(wrap_pyfunction!(tables::tables, m)?)?;
    Ok(())
}
