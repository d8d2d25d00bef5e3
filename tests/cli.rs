//! End-to-end tests of the `zhpipe` binary on the bundled samples and on bad input.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn samples() -> PathBuf {
    repo().join("corpus/samples")
}

fn zhpipe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhpipe")).args(args).current_dir(repo()).output().unwrap()
}

fn run_to(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "--quiet", "--config", "pipeline.toml", "--output", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    zhpipe(&args)
}

fn records(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("invalid JSON line {line:?}: {e}")))
        .collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn samples_give_one_ok_record_each_in_input_order() {
    let out = tempfile::tempdir().unwrap();
    let output = run_to(out.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let records = records(&out.path().join("documents.jsonl"));
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "corpus/samples/000_76c7bd47a1db1cd9.txt",
            "corpus/samples/001_2e05ff05c1a982e2.txt",
            "corpus/samples/002_d2ed7689422571ad.txt",
            "corpus/samples/003_69f31250f606846b.txt",
            "corpus/samples/004_1e751c50671583d8.txt",
        ]
    );
    for record in &records {
        assert_eq!(record["status"], "ok", "{record}");
        assert!(!record["text"].as_str().unwrap().is_empty());
        // Every layer the default chain produces is present.
        for layer in ["encoding", "meta", "sentences", "tokens", "mentions", "labels", "notes"] {
            assert!(record.get(layer).is_some(), "{layer} missing in {}", record["id"]);
        }
    }
    let summary: Value = serde_json::from_str(&fs::read_to_string(out.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!((summary["documents"].as_u64(), summary["ok"].as_u64(), summary["failed"].as_u64()), (Some(5), Some(5), Some(0)));
    let stages: Vec<&str> = summary["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["decode", "clean", "convert", "segment", "gazetteer", "classify"]);
    assert!(!out.path().join(".documents.jsonl.tmp").exists());
}

#[test]
fn unknown_stage_exits_2_naming_it_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    fs::write(&config, "[[stage]]\nuse = \"decode\"\n\n[[stage]]\nuse = \"tokenize\"\n").unwrap();
    let out = dir.path().join("out");
    let output = zhpipe(&["run", "--config", config.to_str().unwrap(), "--output", out.to_str().unwrap(), samples().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("[[stage]] #2 `tokenize` (line 4): unknown stage `tokenize`; known stages: "), "{message}");
    for known in ["decode", "clean", "convert", "segment", "gazetteer", "classify"] {
        assert!(message.contains(known), "{known} not listed: {message}");
    }
    assert!(!out.exists(), "output written despite a config error");
}

#[test]
fn stage_needing_a_missing_layer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    fs::write(&config, "[[stage]]\nuse = \"decode\"\n\n[[stage]]\nuse = \"classify\"\n").unwrap();
    let output = zhpipe(&["run", "--config", config.to_str().unwrap(), samples().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`classify` requires sentences"), "{}", stderr(&output));
}

#[test]
fn bad_files_become_error_records_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    for entry in fs::read_dir(samples()).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, input.join(path.file_name().unwrap())).unwrap();
    }
    std::os::unix::fs::symlink(dir.path().join("nowhere.txt"), input.join("005_dangling.txt")).unwrap();
    // Bytes from a fixed-seed generator: a reproducible "binary file".
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    fs::write(input.join("006_random.bin"), random).unwrap();

    let out = dir.path().join("out");
    let output = run_to(&out, &[input.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let records = records(&out.join("documents.jsonl"));
    assert_eq!(records.len(), 7);
    let errors: Vec<&Value> = records.iter().filter(|r| r["status"] == "error").collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0]["id"].as_str().unwrap().ends_with("005_dangling.txt"));
    assert_eq!(errors[0]["stage"], "input");
    assert!(errors[0]["error"].as_str().unwrap().contains("dangling symbolic link"), "{}", errors[0]);
    assert!(errors[1]["id"].as_str().unwrap().ends_with("006_random.bin"));
    assert_eq!(errors[1]["stage"], "decode");
    assert!(!errors[1]["error"].as_str().unwrap().is_empty());
}

#[test]
fn file_over_the_size_limit_is_an_error_record_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("small.toml");
    fs::write(&config, "[input]\nmax_bytes = 5000\n\n[[stage]]\nuse = \"decode\"\n").unwrap();
    let out = dir.path().join("out");
    let output = zhpipe(&["run", "-q", "--config", config.to_str().unwrap(), "--output", out.to_str().unwrap(), samples().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let records = records(&out.join("documents.jsonl"));
    let failed: Vec<&str> = records.iter().filter(|r| r["status"] == "error").map(|r| r["error"].as_str().unwrap()).collect();
    // 000 (3,922 bytes) is under the limit; the other four are over it.
    assert_eq!(failed.len(), 4, "{failed:?}");
    assert!(failed[0].ends_with("001_2e05ff05c1a982e2.txt is 8245 bytes, over the size limit of 5000 bytes ([input] max_bytes)"), "{}", failed[0]);
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    assert_eq!(run_to(&one, &["--threads", "1"]).status.code(), Some(0));
    assert_eq!(run_to(&two, &["--threads", "2"]).status.code(), Some(0));
    let a = fs::read(one.join("documents.jsonl")).unwrap();
    let b = fs::read(two.join("documents.jsonl")).unwrap();
    assert!(a == b, "documents.jsonl differs between --threads 1 and --threads 2");
}

#[test]
fn jsonl_on_stdin_to_stdout() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhpipe"))
        .args(["run", "-q", "--config", "pipeline.toml", "--output", "-", "-"])
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = concat!(
        "{\"id\": \"t1\", \"text\": \"京津冀协同发展不断迈上新台阶。\"}\n",
        "{\"id\": \"b1\", \"bytes_base64\": \"5Lqs5rSl5YaA\"}\n",
        "{\"id\": \"broken\"\n",
    );
    use std::io::Write;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let lines: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!((lines[0]["id"].as_str(), lines[0]["status"].as_str()), (Some("t1"), Some("ok")));
    assert_eq!(lines[1]["text"], "京津冀");
    assert_eq!((lines[2]["id"].as_str(), lines[2]["status"].as_str()), (Some("stdin:3"), Some("error")));
}

#[test]
fn every_config_in_the_repository_builds() {
    let mut configs = vec![repo().join("pipeline.toml")];
    for entry in fs::read_dir(repo().join("configs")).unwrap() {
        configs.push(entry.unwrap().path());
    }
    for config in configs {
        let dir = tempfile::tempdir().unwrap();
        let output = zhpipe(&["run", "-q", "--config", config.to_str().unwrap(), "--output", dir.path().to_str().unwrap(), samples().to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(0), "{}: {}", config.display(), stderr(&output));
    }
}

#[test]
fn missing_input_is_a_usage_error() {
    let output = zhpipe(&["run", "--config", "pipeline.toml", "no/such/dir"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("input no/such/dir does not exist"), "{}", stderr(&output));
}
