//! The repository's own paths: defaults of the tools' arguments that point into the repository
//! (its pipeline, its dictionaries, its labelled samples), wherever the tool is run from. Data
//! from elsewhere is always given as an argument.

use std::path::{Path, PathBuf};

/// The repository root (the parent of `tools/`).
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tools/ has a parent").to_owned();
    root.canonicalize().unwrap_or(root)
}

/// `relative` under the repository root.
pub fn in_repo(relative: impl AsRef<Path>) -> PathBuf {
    repo_root().join(relative)
}

/// The repository's `dictionaries/` directory.
pub fn dictionaries() -> PathBuf {
    in_repo("dictionaries")
}

/// A path given on the command line, or `default` under the repository root.
pub fn or_in_repo(given: Option<&Path>, default: &str) -> PathBuf {
    given.map_or_else(|| in_repo(default), Path::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_holds_the_workspace_and_its_dictionaries() {
        assert!(repo_root().join("tools/Cargo.toml").is_file());
        assert!(dictionaries().join("themes.toml").is_file());
        assert_eq!(or_in_repo(None, "pipeline.toml"), repo_root().join("pipeline.toml"));
        assert_eq!(or_in_repo(Some(Path::new("x.toml")), "pipeline.toml"), Path::new("x.toml"));
    }
}
