//! Stages registered by name and built from their `[[stage]]` table.
//!
//! A new stage is a new crate with a `register` function plus one line in the driver; choosing
//! another stage is an edit of the config, not of code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use std::sync::Arc;

use crate::config::toml_error;
use crate::{ConfigError, ConfigErrorKind, Stage, StageDescriptor, StageEntry};

/// Builds a stage from its config table.
pub type StageFactory = fn(&StageSpec) -> Result<Box<dyn Stage>, ConfigError>;

/// What a [`StageFactory`] is given: the stage's own keys and where the config file lives.
#[derive(Clone, Debug)]
pub struct StageSpec {
    name: String,
    table: toml::Table,
    base_dir: PathBuf,
    /// The config text and the entry's index among its `[[stage]]` tables, so that a bad key
    /// is reported at its own line and column.
    source: Option<(Arc<str>, usize)>,
}

impl StageSpec {
    /// A spec for stage `name` with the keys of `table` (without `use`); relative paths resolve
    /// against `base_dir`.
    pub fn new(name: impl Into<String>, table: toml::Table, base_dir: impl Into<PathBuf>) -> Self {
        Self { name: name.into(), table, base_dir: base_dir.into(), source: None }
    }

    /// A spec parsed from TOML text, for tests and examples: `StageSpec::from_toml("convert",
    /// "profile = 's2t'", ".")`.
    pub fn from_toml(name: &str, keys: &str, base_dir: impl Into<PathBuf>) -> Result<Self, ConfigError> {
        let table: toml::Table = toml::from_str(keys).map_err(|e| toml_error(&e, keys))?;
        Ok(Self::new(name, table, base_dir))
    }

    /// The registered name (`use = "..."`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raw keys.
    pub fn table(&self) -> &toml::Table {
        &self.table
    }

    /// Deserialises the keys into the stage's config type. Give the type
    /// `#[serde(deny_unknown_fields)]` so that a misspelt key is an error, not a silent default.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        if let Some((source, index)) = &self.source
            && let Some(entry) = spanned_entry(source, *index)
        {
            return T::deserialize(toml::de::Deserializer::from(entry)).map_err(|e| toml_error(&e, source));
        }
        T::deserialize(toml::Value::Table(self.table.clone())).map_err(|e| {
            let kind = if e.message().starts_with("unknown field") {
                ConfigErrorKind::UnknownKey
            } else {
                ConfigErrorKind::BadValue
            };
            ConfigError::of_kind(kind, e.message().trim_end())
        })
    }

    /// A path from the config, relative to the config file's directory.
    pub fn resolve(&self, path: impl AsRef<Path>) -> PathBuf {
        self.base_dir.join(path)
    }
}

/// The `index`-th `[[stage]]` table of `source` without its `use` key, with the spans of its
/// keys and values in `source`.
fn spanned_entry(source: &str, index: usize) -> Option<toml::Spanned<toml::de::DeTable<'_>>> {
    let root = toml::de::DeTable::parse(source).ok()?.into_inner();
    let stages = root.get("stage")?.get_ref().as_array()?;
    let entry = stages.get(index)?;
    let span = entry.span();
    let table = entry.get_ref().as_table()?;
    let keys = table.iter().filter(|(key, _)| key.get_ref() != "use").map(|(k, v)| (k.clone(), v.clone())).collect();
    Some(toml::Spanned::new(span, keys))
}

struct Registered {
    descriptor: &'static StageDescriptor,
    factory: StageFactory,
}

/// The stages the driver knows, by name.
#[derive(Default)]
pub struct Registry {
    stages: BTreeMap<&'static str, Registered>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `factory` under the descriptor's name. The stages it builds must return the
    /// same descriptor. Registering a name twice is a programming error and panics.
    pub fn register(&mut self, descriptor: &'static StageDescriptor, factory: StageFactory) {
        let previous = self.stages.insert(descriptor.name, Registered { descriptor, factory });
        assert!(previous.is_none(), "stage {:?} registered twice", descriptor.name);
    }

    /// The descriptors of the registered stages, sorted by name.
    pub fn list(&self) -> impl Iterator<Item = &'static StageDescriptor> + '_ {
        self.stages.values().map(|r| r.descriptor)
    }

    /// The descriptor of stage `name`, if registered.
    pub fn descriptor(&self, name: &str) -> Option<&'static StageDescriptor> {
        self.stages.get(name).map(|r| r.descriptor)
    }

    /// Whether `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.stages.contains_key(name)
    }

    /// The error for an entry whose stage is not registered, listing the known ones.
    pub(crate) fn unknown(&self, entry: &StageEntry) -> ConfigError {
        let known: Vec<&str> = self.stages.keys().copied().collect();
        ConfigError::of_kind(
            ConfigErrorKind::UnknownStage,
            format!("unknown stage `{}`; known stages: {}", entry.name, known.join(", ")),
        )
        .in_entry(entry.number, &entry.name, entry.line)
    }

    /// Builds the stage of one `[[stage]]` entry. Errors name the entry; the caller adds the file.
    pub fn build(&self, entry: &StageEntry, base_dir: &Path) -> Result<Box<dyn Stage>, ConfigError> {
        let registered = self.stages.get(entry.name.as_str()).ok_or_else(|| self.unknown(entry))?;
        let mut spec = StageSpec::new(entry.name.clone(), entry.table.clone(), base_dir);
        spec.source = entry.source.clone().map(|source| (source, entry.number - 1));
        let stage = (registered.factory)(&spec).map_err(|e| e.in_entry(entry.number, &entry.name, entry.line))?;
        assert_eq!(
            stage.descriptor(),
            registered.descriptor,
            "the factory of `{}` built a stage with another descriptor",
            entry.name
        );
        Ok(stage)
    }
}
