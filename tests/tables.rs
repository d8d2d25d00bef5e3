//! Parquet tables and character offsets: what a notebook reads must slice the text correctly.

use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use arrow_array::{Array, RecordBatch, StringArray, UInt32Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn zhpipe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhpipe")).args(args).current_dir(repo()).stdin(Stdio::null()).output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every row of a Parquet file, as one batch per row group or so.
fn read(path: &Path) -> Vec<RecordBatch> {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let schema_version = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|kv| kv.key == "zhpipe.schema"))
        .and_then(|kv| kv.value.clone());
    assert_eq!(schema_version.as_deref(), Some("1"), "{} names its schema", path.display());
    builder.build().unwrap().map(Result::unwrap).collect()
}

fn strings<'a>(batch: &'a RecordBatch, name: &str) -> &'a StringArray {
    batch.column_by_name(name).unwrap_or_else(|| panic!("no column {name}")).as_any().downcast_ref().unwrap()
}

fn u32s<'a>(batch: &'a RecordBatch, name: &str) -> &'a UInt32Array {
    batch.column_by_name(name).unwrap_or_else(|| panic!("no column {name}")).as_any().downcast_ref().unwrap()
}

/// Python's `text[start:end]`: by code points.
fn slice_chars(text: &str, start: u32, end: u32) -> String {
    text.chars().skip(start as usize).take((end - start) as usize).collect()
}

/// The document texts of a `documents.parquet`, by id.
fn texts(dir: &Path) -> HashMap<String, String> {
    let mut texts = HashMap::new();
    for batch in read(&dir.join("documents.parquet")) {
        let (ids, text) = (strings(&batch, "id"), strings(&batch, "text"));
        for row in 0..batch.num_rows() {
            texts.insert(ids.value(row).to_owned(), text.value(row).to_owned());
        }
    }
    texts
}

/// Checks that every row's character span of its document's text is the row's `column`.
fn check_spans(dir: &Path, table: &str, column: &str, texts: &HashMap<String, String>) -> usize {
    let mut rows = 0;
    for batch in read(&dir.join(table)) {
        let (doc, start, end, value) =
            (strings(&batch, "doc_id"), u32s(&batch, "start"), u32s(&batch, "end"), strings(&batch, column));
        let (start_byte, end_byte) = (u32s(&batch, "start_byte"), u32s(&batch, "end_byte"));
        for row in 0..batch.num_rows() {
            let text = &texts[doc.value(row)];
            assert_eq!(slice_chars(text, start.value(row), end.value(row)), value.value(row), "{table} row {row}");
            let bytes = start_byte.value(row) as usize..end_byte.value(row) as usize;
            assert_eq!(&text[bytes], value.value(row), "{table} row {row}, bytes");
            rows += 1;
        }
    }
    rows
}

#[test]
fn every_mention_and_sentence_row_slices_its_text_by_characters() {
    let out = tempfile::tempdir().unwrap();
    let output =
        zhpipe(&["run", "-q", "--format", "parquet", "--output", out.path().to_str().unwrap(), "corpus/samples"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!out.path().join("documents.jsonl").exists());
    assert!(out.path().join("report.html").exists());
    let texts = texts(out.path());
    assert_eq!(texts.len(), 5);
    assert!(check_spans(out.path(), "mentions.parquet", "surface", &texts) > 100);
    assert!(check_spans(out.path(), "sentences.parquet", "text", &texts) > 100);
    assert!(check_spans(out.path(), "tokens.parquet", "word", &texts) > 1_000);

    // Sentence labels: a list, and the best one beside it.
    let batches = read(&out.path().join("sentences.parquet"));
    let labelled = batches.iter().map(|b| b.num_rows() - strings(b, "label").null_count()).sum::<usize>();
    assert!(labelled > 100, "{labelled} sentences with a label");
}

#[test]
fn tables_from_records_match_the_run_and_tokens_can_be_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("jsonl");
    let output = zhpipe(&["run", "-q", "--output", jsonl.to_str().unwrap(), "corpus/samples"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let tables = dir.path().join("tables");
    let records = jsonl.join("documents.jsonl");
    let output = zhpipe(&["tables", "--output", tables.to_str().unwrap(), records.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("mentions.parquet:"), "{}", stderr(&output));
    let texts = texts(&tables);
    let mentions = check_spans(&tables, "mentions.parquet", "surface", &texts);
    let in_records: usize = fs::read_to_string(&records)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["mentions"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(mentions, in_records);

    let slim = dir.path().join("slim");
    let output = zhpipe(&[
        "run",
        "-q",
        "--format",
        "parquet",
        "--layers",
        "text,sentences,mentions,labels",
        "--output",
        slim.to_str().unwrap(),
        "corpus/samples",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!slim.join("tokens.parquet").exists());
    assert!(slim.join("mentions.parquet").exists());
}

#[test]
fn json_records_carry_character_offsets_that_slice_like_python() {
    let output = zhpipe(&["run", "-q", "--output", "-", "--layers", "text,sentences,mentions", "corpus/samples"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut checked = 0;
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        assert!(record.get("tokens").is_none(), "tokens were not asked for");
        let text = record["text"].as_str().unwrap();
        for mention in record["mentions"].as_array().unwrap() {
            let chars = &mention["chars"];
            let (start, end) = (chars[0].as_u64().unwrap() as u32, chars[1].as_u64().unwrap() as u32);
            assert_eq!(slice_chars(text, start, end), mention["surface"].as_str().unwrap());
            checked += 1;
        }
        let sentences = record["sentences"].as_array().unwrap();
        let sentence_chars = record["sentence_chars"].as_array().unwrap();
        assert_eq!(sentences.len(), sentence_chars.len());
        for (bytes, chars) in sentences.iter().zip(sentence_chars) {
            let bytes = bytes[0].as_u64().unwrap() as usize..bytes[1].as_u64().unwrap() as usize;
            let (start, end) = (chars[0].as_u64().unwrap() as u32, chars[1].as_u64().unwrap() as u32);
            assert_eq!(slice_chars(text, start, end), &text[bytes]);
        }
    }
    assert!(checked > 100);
}

#[test]
fn parquet_output_needs_a_directory_and_cannot_be_resumed() {
    let output = zhpipe(&["run", "-q", "--format", "parquet", "--output", "-", "corpus/samples"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--format parquet needs an output directory"), "{}", stderr(&output));
    let dir = tempfile::tempdir().unwrap();
    let args = ["run", "-q", "--format", "parquet", "--resume", "--output", dir.path().to_str().unwrap()];
    let output = zhpipe(&[&args[..], &["corpus/samples"]].concat());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot continue --format parquet output"), "{}", stderr(&output));
}
