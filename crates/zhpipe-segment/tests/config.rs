//! Bad configs: every error names the config file, the stage entry and the cause, and a bad
//! dictionary names its file and line.

use std::path::Path;

use zhpipe_core::{Layers, PipelineConfig, Registry};

fn build(dir: &Path, stage: &str) -> Result<(), String> {
    let mut registry = Registry::new();
    zhpipe_segment::register(&mut registry);
    let path = dir.join("pipeline.toml");
    let config = PipelineConfig::parse(stage, &path).map_err(|e| e.to_string())?;
    config.build(&registry, Layers::TEXT).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn missing_dictionary_names_the_resolved_path() {
    let dir = tempfile::tempdir().unwrap();
    for stage in ["segment", "segment-mm"] {
        let err =
            build(dir.path(), &format!("[[stage]]\nuse = \"{stage}\"\nuser_dictionaries = [\"dicts/nope.dict\"]\n"))
                .unwrap_err();
        let expected = format!(
            "{}: [[stage]] #1 `{stage}` (line 1): {}: cannot read user dictionary: ",
            dir.path().join("pipeline.toml").display(),
            dir.path().join("dicts/nope.dict").display()
        );
        assert!(err.starts_with(&expected), "{err}");
    }
}

#[test]
fn malformed_dictionary_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("terms.dict"), "京津冀 20000 ns\n\n雄安新区 3000 ns extra\n").unwrap();
    let err = build(dir.path(), "[[stage]]\nuse = \"segment\"\nuser_dictionaries = [\"terms.dict\"]\n").unwrap_err();
    let at = format!("{}:3: 4 fields in \"雄安新区 3000 ns extra\"", dir.path().join("terms.dict").display());
    assert!(err.contains(&at), "{err}");
}

#[test]
fn a_number_as_the_word_names_the_dictionary_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("terms.dict"), "京津冀 20000 ns\n 100 ns\n").unwrap();
    for stage in ["segment", "segment-mm"] {
        let err = build(dir.path(), &format!("[[stage]]\nuse = \"{stage}\"\nuser_dictionaries = [\"terms.dict\"]\n"))
            .unwrap_err();
        let at = format!(
            "{}:2: the word `100` is a number, which jieba keeps whole without an entry; \
             the line starts with white space: was the word before it lost?",
            dir.path().join("terms.dict").display()
        );
        assert!(err.contains(&at), "{err}");
    }
}

#[test]
fn a_dictionary_without_entries_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("terms.dict"), "# to be filled\n\n").unwrap();
    let err = build(dir.path(), "[[stage]]\nuse = \"segment\"\nuser_dictionaries = [\"terms.dict\"]\n").unwrap_err();
    let at = format!("{}: holds no entries, only blank lines and comments", dir.path().join("terms.dict").display());
    assert!(err.ends_with(&format!("(line 1): {at} (expected lines `word [freq] [tag]`)")), "{err}");
}

#[test]
fn unknown_keys_and_values_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = build(dir.path(), "[[stage]]\nuse = \"segment\"\nhmn = false\n").unwrap_err();
    let at = format!("{}:3:1: [[stage]] #1 `segment`: unknown field `hmn`", dir.path().join("pipeline.toml").display());
    assert!(err.starts_with(&at), "{err}");
    let err = build(dir.path(), "[[stage]]\nuse = \"segment\"\nmode = \"fast\"\n").unwrap_err();
    assert!(err.contains("unknown variant `fast`, expected `default` or `search`"), "{err}");
    let err = build(dir.path(), "[[stage]]\nuse = \"segment-mm\"\ndirection = \"sideways\"\n").unwrap_err();
    assert!(err.contains("unknown variant `sideways`"), "{err}");
    let err = build(dir.path(), "[[stage]]\nuse = \"segment-mm\"\nhmm = false\n").unwrap_err();
    assert!(err.contains("unknown field `hmm`"), "{err}");
}

#[test]
fn the_shipped_dictionary_loads_and_the_default_pipeline_table_builds() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let entries = zhpipe_segment::dictionary::load(&repo.join("dictionaries/terms.dict")).unwrap();
    assert!(entries.len() > 50, "{} entries", entries.len());
    assert!(
        entries.iter().all(|e| e.freq.is_some() && e.tag.is_some()),
        "every shipped entry has a frequency and a tag"
    );
    build(&repo, "[[stage]]\nuse = \"segment\"\nuser_dictionaries = [\"dictionaries/terms.dict\"]\n").unwrap();
}
