//! A config given as a Python dict, turned into the TOML text a `pipeline.toml` would hold, so
//! that it is parsed, checked and reported on exactly as a file is.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::ConfigError;

/// The TOML text of `table`.
pub(crate) fn toml_of_dict(table: &Bound<'_, PyDict>) -> PyResult<String> {
    let toml::Value::Table(table) = value(table.as_any(), "config")? else {
        unreachable!("a dict is a table");
    };
    toml::to_string(&table).map_err(|e| ConfigError::new_err(format!("<dict>: cannot be written as TOML: {e}")))
}

fn value(object: &Bound<'_, PyAny>, at: &str) -> PyResult<toml::Value> {
    // bool before int: Python's True is an int too.
    if let Ok(b) = object.cast::<PyBool>() {
        return Ok(toml::Value::Boolean(b.is_true()));
    }
    if object.is_instance_of::<PyInt>() {
        let n: i64 = object
            .extract()
            .map_err(|_| ConfigError::new_err(format!("<dict>: {at}: integer out of range for TOML")))?;
        return Ok(toml::Value::Integer(n));
    }
    if let Ok(f) = object.cast::<PyFloat>() {
        return Ok(toml::Value::Float(f.value()));
    }
    if let Ok(s) = object.cast::<PyString>() {
        return Ok(toml::Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = object.cast::<PyDict>() {
        let mut table = toml::Table::new();
        for (key, item) in d.iter() {
            let key: String =
                key.extract().map_err(|_| ConfigError::new_err(format!("<dict>: {at}: keys must be strings")))?;
            if item.is_none() {
                continue;
            }
            let inner = value(&item, &format!("{at}.{key}"))?;
            table.insert(key, inner);
        }
        return Ok(toml::Value::Table(table));
    }
    if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
        let items = object
            .try_iter()?
            .enumerate()
            .map(|(i, item)| value(&item?, &format!("{at}[{i}]")))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(toml::Value::Array(items));
    }
    // Paths (pathlib) are written as their string.
    if let Ok(path) = object.extract::<std::path::PathBuf>() {
        return Ok(toml::Value::String(path.display().to_string()));
    }
    Err(ConfigError::new_err(format!(
        "<dict>: {at}: a {} has no TOML form (use str, int, float, bool, list or dict)",
        object.get_type().name()?
    )))
}
