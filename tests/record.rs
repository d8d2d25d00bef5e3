//! The record format: one sample's record pinned by a golden file, every record of the samples
//! (and an error record) valid against `docs/record.schema.json` read strictly (a field the
//! schema does not list is an error, so the schema cannot fall behind the writer), and hostile
//! metadata escaped everywhere in `report.html`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `zhpipe run` with the default pipeline, JSONL out on stdout; `stdin` is given when the input is `-`.
fn run(inputs: &[&str], output: &str, stdin: Option<&str>) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhpipe"))
        .args(["run", "-q", "--config", "pipeline.toml", "--output", output])
        .args(inputs)
        .current_dir(repo())
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.stderr.is_empty() || out.status.code() == Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

/// Checks `value` against `schema` (the subset of JSON Schema the record schema uses: type,
/// const, enum, required, properties, items, minItems, maxItems, minimum, maximum, $ref), with
/// every object closed: a key its schema does not list is an error.
fn check(value: &Value, schema: &Value, root: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.strip_prefix("#/$defs/").expect("local $defs references only");
        return check(value, &root["$defs"][name], root, at, errors);
    }
    if let Some(expected) = schema.get("const")
        && value != expected
    {
        errors.push(format!("{at}: {value} is not {expected}"));
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {options:?}"));
    }
    let type_ok = match schema.get("type").and_then(Value::as_str) {
        None => true,
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_u64() || value.is_i64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some(other) => panic!("type {other} not handled"),
    };
    if !type_ok {
        errors.push(format!("{at}: {value} is not of type {}", schema["type"]));
        return;
    }
    if let Some(n) = value.as_f64()
        && (schema.get("minimum").and_then(Value::as_f64).is_some_and(|min| n < min)
            || schema.get("maximum").and_then(Value::as_f64).is_some_and(|max| n > max))
    {
        errors.push(format!("{at}: {n} out of range"));
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !object.contains_key(key.as_str().unwrap()) {
                errors.push(format!("{at}: required {key} missing"));
            }
        }
        if let Some(properties) = properties {
            for (key, item) in object {
                match properties.get(key) {
                    Some(sub) => check(item, sub, root, &format!("{at}.{key}"), errors),
                    None => errors.push(format!("{at}: `{key}` is not in the schema")),
                }
            }
        }
    }
    if let Some(array) = value.as_array() {
        let len = array.len() as u64;
        if schema.get("minItems").and_then(Value::as_u64).is_some_and(|n| len < n)
            || schema.get("maxItems").and_then(Value::as_u64).is_some_and(|n| len > n)
        {
            errors.push(format!("{at}: {len} items"));
        }
        if let Some(items) = schema.get("items") {
            for (i, item) in array.iter().enumerate() {
                check(item, items, root, &format!("{at}[{i}]"), errors);
            }
        }
    }
}

fn schema() -> Value {
    serde_json::from_str(&fs::read_to_string(repo().join("docs/record.schema.json")).unwrap()).unwrap()
}

#[test]
fn the_record_of_sample_000_is_the_golden_one() {
    let (status, out) = run(&["corpus/samples/000_76c7bd47a1db1cd9.txt"], "-", None);
    assert_eq!(status, Some(0));
    zhpipe_core::check_golden(repo().join("tests/golden/record/000_76c7bd47a1db1cd9.jsonl"), &out);
}

#[test]
fn every_record_of_the_samples_and_an_error_record_follow_the_json_schema() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("binary.bin"), [0u8, 1, 2, 3, 0, 0, 255, 254].repeat(64)).unwrap();
    let (status, out) = run(&["corpus/samples", dir.path().to_str().unwrap()], "-", None);
    assert_eq!(status, Some(3), "the binary file is an error record");
    let schema = schema();
    let mut seen = std::collections::BTreeSet::new();
    for line in out.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        seen.extend(record.as_object().unwrap().keys().cloned());
        let mut errors = Vec::new();
        check(&record, &schema, &schema, "record", &mut errors);
        assert!(errors.is_empty(), "{}: {errors:#?}", record["id"]);
    }
    // The samples exercise the fields a default run writes, the Traditional ones included.
    for key in ["schema", "encoding", "meta", "original_text", "tokens", "mentions", "labels", "stage", "error"] {
        assert!(seen.contains(key), "no record has `{key}`");
    }
    // The checker is strict: an unknown field and a wrong category are caught.
    let mut errors = Vec::new();
    let bad: Value = serde_json::json!({"schema": 1, "id": "x", "status": "ok", "txt": "",
        "mentions": [{"span": [0, 3], "surface": "京", "id": "a", "kind": "b", "name": "c", "dictionary": "d", "category": "city"}]});
    check(&bad, &schema, &schema, "record", &mut errors);
    assert_eq!(errors.len(), 2, "{errors:?}");
}

#[test]
fn hostile_front_matter_ids_and_values_are_escaped_in_the_report() {
    let text = "---\ntitle: 京津冀协同发展\n\"<img src=x onerror=alert(1)>\": 1\nnote: '\"><img src=x onerror=1>'\n---\n河北省推进京津冀交通一体化。\n";
    let input = serde_json::json!({"id": "<script>alert(1)</script>", "text": text}).to_string() + "\n";
    let dir = tempfile::tempdir().unwrap();
    let (status, _) = run(&["-"], dir.path().to_str().unwrap(), Some(&input));
    assert_eq!(status, Some(0));
    let record: Value =
        serde_json::from_str(fs::read_to_string(dir.path().join("documents.jsonl")).unwrap().trim()).unwrap();
    assert_eq!(record["meta"]["extra"]["<img src=x onerror=alert(1)>"], 1, "the key reaches the record as written");
    assert_eq!(record["meta"]["extra"]["note"], "\"><img src=x onerror=1>");
    let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
    // The template writes two script elements and no image; anything else came from the input.
    assert_eq!(html.matches("<script").count(), 2);
    assert!(!html.contains("<img"));
    for shown in [
        "&#60;img src=x onerror=alert(1)&#62;",
        "&#34;&#62;&#60;img src=x onerror=1&#62;",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
    ] {
        assert!(html.contains(shown), "{shown} not shown");
    }
}
