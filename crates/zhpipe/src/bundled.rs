//! The default pipeline and every file it names, built into the binary: `zhpipe run DIR` works
//! on a machine that has only the binary, and `zhpipe init` writes editable copies.
//!
//! The files are the repository's own `pipeline.toml` and `dictionaries/`, included at build
//! time, so the built-in pipeline and the repository's never differ. They are served under
//! [`zhpipe_artefact::bundle::ROOT`]; the config read from there is [`CONFIG`].

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use zhpipe_artefact::bundle;

/// The path of the built-in config, for `--config` or [`crate::load_config`].
pub const CONFIG: &str = "<bundled>/pipeline.toml";

/// Every built-in file, by its path in the repository.
static FILES: bundle::Files = &[
    ("pipeline.toml", include_bytes!("../../../pipeline.toml")),
    ("dictionaries/README.md", include_bytes!("../../../dictionaries/README.md")),
    ("dictionaries/clean.toml", include_bytes!("../../../dictionaries/clean.toml")),
    ("dictionaries/licenses/cpca-MIT.txt", include_bytes!("../../../dictionaries/licenses/cpca-MIT.txt")),
    (
        "dictionaries/licenses/jionlp-Apache-2.0.txt",
        include_bytes!("../../../dictionaries/licenses/jionlp-Apache-2.0.txt"),
    ),
    ("dictionaries/licenses/modood-WTFPL.txt", include_bytes!("../../../dictionaries/licenses/modood-WTFPL.txt")),
    ("dictionaries/ner.model", include_bytes!("../../../dictionaries/ner.model")),
    ("dictionaries/organisations.tsv", include_bytes!("../../../dictionaries/organisations.tsv")),
    ("dictionaries/people.tsv", include_bytes!("../../../dictionaries/people.tsv")),
    ("dictionaries/places.tsv", include_bytes!("../../../dictionaries/places.tsv")),
    ("dictionaries/policy-terms.tsv", include_bytes!("../../../dictionaries/policy-terms.tsv")),
    ("dictionaries/terms.dict", include_bytes!("../../../dictionaries/terms.dict")),
    ("dictionaries/themes.model", include_bytes!("../../../dictionaries/themes.model")),
    ("dictionaries/themes.toml", include_bytes!("../../../dictionaries/themes.toml")),
];

/// Makes the built-in files readable through [`bundle::read`]; harmless to call again.
pub fn install() {
    bundle::install(FILES);
}

/// The config a run uses when none is named: `pipeline.toml` in the working directory when
/// there is one (a project of one's own, or the repository), else the built-in one.
pub fn default_config() -> PathBuf {
    let local = Path::new("pipeline.toml");
    if local.is_file() { local.to_owned() } else { PathBuf::from(CONFIG) }
}

/// The built-in `pipeline.toml` as `zhpipe init` writes it: the repository's, whose `[input]
/// paths` name the repository's samples, with no input paths.
fn editable_config() -> String {
    let text = std::str::from_utf8(FILES[0].1).expect("pipeline.toml is UTF-8");
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("paths = ") {
                "paths = []  # files or directories to read when the command line names none".to_owned()
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Writes `pipeline.toml` and `dictionaries/` into `dir` for editing. Refuses to overwrite any
/// file unless `force`; returns the files written.
pub fn init(dir: &Path, force: bool) -> Result<Vec<PathBuf>, String> {
    let targets: Vec<(PathBuf, Vec<u8>)> = FILES
        .iter()
        .map(|(name, bytes)| {
            let bytes = if *name == "pipeline.toml" { editable_config().into_bytes() } else { bytes.to_vec() };
            (dir.join(name), bytes)
        })
        .collect();
    if !force {
        let existing: Vec<String> =
            targets.iter().filter(|(path, _)| path.exists()).map(|(path, _)| path.display().to_string()).collect();
        if !existing.is_empty() {
            return Err(format!("not overwriting {}; use --force to replace them", existing.join(", ")));
        }
    }
    let write = |path: &Path, bytes: &[u8]| -> io::Result<()> {
        fs::create_dir_all(path.parent().expect("a file in a directory"))?;
        zhpipe_artefact::write_atomically(path, bytes)
    };
    for (path, bytes) in &targets {
        write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(targets.into_iter().map(|(path, _)| path).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_the_default_config_names_is_built_in() {
        install();
        let config = crate::load_config(Path::new(CONFIG)).unwrap();
        for entry in &config.stages {
            for value in entry.table.values() {
                let names: Vec<&str> = match value {
                    toml::Value::String(s) => vec![s.as_str()],
                    toml::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
                    _ => vec![],
                };
                for name in names.into_iter().filter(|n| n.contains('/')) {
                    let path = config.base_dir().join(name);
                    assert!(bundle::read(&path).is_ok(), "{} names {name}, which is not built in", entry.name);
                }
            }
        }
    }

    #[test]
    fn init_writes_an_editable_copy_and_refuses_to_overwrite_it() {
        let dir = tempfile::tempdir().unwrap();
        let written = init(dir.path(), false).unwrap();
        assert_eq!(written.len(), FILES.len());
        let config = fs::read_to_string(dir.path().join("pipeline.toml")).unwrap();
        assert!(config.contains("paths = []"), "{config}");
        let places = FILES.iter().find(|(name, _)| *name == "dictionaries/places.tsv").unwrap().1;
        assert_eq!(fs::read(dir.path().join("dictionaries/places.tsv")).unwrap(), places);
        let refused = init(dir.path(), false).unwrap_err();
        assert!(refused.contains("not overwriting") && refused.contains("pipeline.toml"), "{refused}");
        assert!(init(dir.path(), true).is_ok());
    }
}
