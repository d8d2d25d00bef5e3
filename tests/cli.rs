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

/// `zhpipe run --quiet` with `config`, writing to `out`; `extra` holds more options and the inputs.
fn run_config(config: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "--quiet", "--config", config, "--output", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    zhpipe(&args)
}

/// `config` over the samples, writing to `out`.
fn run_samples(config: &Path, out: &Path) -> Output {
    run_config(config.to_str().unwrap(), out, &[samples().to_str().unwrap()])
}

/// The default pipeline, writing to `out`.
fn run_to(out: &Path, extra: &[&str]) -> Output {
    run_config("pipeline.toml", out, extra)
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
            "000_76c7bd47a1db1cd9.txt",
            "001_2e05ff05c1a982e2.txt",
            "002_d2ed7689422571ad.txt",
            "003_69f31250f606846b.txt",
            "004_1e751c50671583d8.txt",
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
    assert_eq!(
        (summary["documents"].as_u64(), summary["ok"].as_u64(), summary["failed"].as_u64()),
        (Some(5), Some(5), Some(0))
    );
    let stages: Vec<&str> =
        summary["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["decode", "clean", "convert", "segment", "gazetteer", "ner", "classify"]);
    assert!(!out.path().join(".documents.jsonl.tmp").exists());
}

#[test]
fn unknown_stage_exits_2_naming_it_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    fs::write(&config, "[[stage]]\nuse = \"decode\"\n\n[[stage]]\nuse = \"tokenize\"\n").unwrap();
    let out = dir.path().join("out");
    let output = run_samples(&config, &out);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("[[stage]] #2 `tokenize` (line 4): unknown stage `tokenize`; known stages: "),
        "{message}"
    );
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
    let output = run_samples(&config, &out);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let records = records(&out.join("documents.jsonl"));
    let failed: Vec<&str> =
        records.iter().filter(|r| r["status"] == "error").map(|r| r["error"].as_str().unwrap()).collect();
    // 000 (3,922 bytes) is under the limit; the other four are over it.
    assert_eq!(failed.len(), 4, "{failed:?}");
    assert!(
        failed[0]
            .ends_with("001_2e05ff05c1a982e2.txt is 8245 bytes, over the size limit of 5000 bytes ([input] max_bytes)"),
        "{}",
        failed[0]
    );
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
        let output = run_samples(&config, dir.path());
        assert_eq!(output.status.code(), Some(0), "{}: {}", config.display(), stderr(&output));
    }
}

#[test]
fn missing_input_is_a_usage_error() {
    let output = zhpipe(&["run", "--config", "pipeline.toml", "no/such/dir"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("input no/such/dir does not exist"), "{}", stderr(&output));
}

/// `n` JSONL records made from the samples: the same texts under different ids, with the
/// record number written in, so that every record is distinct.
fn jsonl_corpus(n: usize) -> String {
    let mut texts: Vec<String> = Vec::new();
    let mut paths: Vec<PathBuf> = fs::read_dir(samples()).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths {
        texts.push(fs::read_to_string(path).unwrap());
    }
    let mut out = String::new();
    for i in 0..n {
        let text = format!("第{i}号文件\n{}", texts[i % texts.len()]);
        out.push_str(&serde_json::json!({"id": format!("doc-{i:03}"), "text": text}).to_string());
        out.push('\n');
    }
    out
}

/// Runs zhpipe with `stdin` as its standard input.
fn zhpipe_with_input(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhpipe"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut writer = child.stdin.take().unwrap();
    let input = stdin.to_owned();
    // Written from a thread: zhpipe writes while it reads, and both pipes have limited room.
    let feeder = std::thread::spawn(move || {
        use std::io::Write;
        let _ = writer.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    output
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path).unwrap().lines().map(str::to_owned).collect()
}

const FAST: &str = "configs/minimal.toml";

#[test]
fn shards_1_to_4_together_give_the_unsharded_records_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = jsonl_corpus(60);
    let run = |out: &Path, shard: Option<&str>| {
        let mut args = vec!["run", "-q", "--config", FAST, "--output", out.to_str().unwrap()];
        if let Some(shard) = shard {
            args.extend(["--shard", shard]);
        }
        args.push("-");
        let output = zhpipe_with_input(&args, &corpus);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        lines(&out.join("documents.jsonl"))
    };
    let all = run(&dir.path().join("all"), None);
    assert_eq!(all.len(), 60);
    let mut union = Vec::new();
    for k in 1..=4u64 {
        let out = dir.path().join(format!("shard-{k}"));
        let shard = run(&out, Some(&format!("{k}/4")));
        assert!(!shard.is_empty() && shard.len() < 60, "shard {k}/4 has {} records", shard.len());
        // Each shard keeps the input order and holds exactly the ids the published formula gives.
        let positions: Vec<usize> =
            shard.iter().map(|l| all.iter().position(|a| a == l).expect("record of the full run")).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "shard {k} out of order");
        for line in &shard {
            let id = serde_json::from_str::<Value>(line).unwrap()["id"].as_str().unwrap().to_owned();
            assert_eq!(zhpipe::fnv1a64(id.as_bytes()) % 4 + 1, k, "{id} in shard {k}");
        }
        let summary: Value = serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(summary["shard"], format!("{k}/4"));
        assert_eq!(summary["documents"].as_u64().unwrap() + summary["other_shards"].as_u64().unwrap(), 60);
        union.extend(shard);
    }
    union.sort();
    let mut expected = all.clone();
    expected.sort();
    assert!(union == expected, "the shards' records differ from the unsharded run's");

    // One report over every shard's records.
    let merged = dir.path().join("merged");
    let mut args = vec!["report".to_owned(), "--output".to_owned(), merged.display().to_string()];
    args.extend((1..=4).map(|k| dir.path().join(format!("shard-{k}/documents.jsonl")).display().to_string()));
    let output = zhpipe(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let html = fs::read_to_string(merged.join("report.html")).unwrap();
    assert!(html.contains("data-documents=\"60\" data-ok=\"60\" data-failed=\"0\""));
}

#[test]
fn report_command_rebuilds_the_report_of_a_run_from_its_records() {
    let out = tempfile::tempdir().unwrap();
    let output = run_to(out.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rebuilt = out.path().join("rebuilt");
    let records = out.path().join("documents.jsonl");
    let output = zhpipe(&["report", "--output", rebuilt.to_str().unwrap(), records.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let original = fs::read_to_string(out.path().join("report.html")).unwrap();
    // The same page, but for the pipeline line, which only a run knows.
    let chain_start = original.find("<p class=\"chain\">").unwrap();
    let chain_end = chain_start + original[chain_start..].find("</p>").unwrap() + "</p>".len();
    let without_chain = format!("{}{}", &original[..chain_start], &original[chain_end..]);
    assert!(fs::read_to_string(rebuilt.join("report.html")).unwrap() == without_chain);

    let output = zhpipe(&["report", "--output", rebuilt.to_str().unwrap(), "no/such/documents.jsonl"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("input no/such/documents.jsonl is not a file"), "{}", stderr(&output));
}

#[test]
fn shards_of_a_directory_split_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut ids = Vec::new();
    for k in 1..=4 {
        let out = dir.path().join(k.to_string());
        let shard = format!("{k}/4");
        let output = run_config(FAST, &out, &["--shard", &shard, "corpus/samples"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        ids.extend(records(&out.join("documents.jsonl")).iter().map(|r| r["id"].as_str().unwrap().to_owned()));
    }
    ids.sort();
    let expected: Vec<String> = fs::read_dir(samples())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(ids, expected);
}

#[test]
fn bad_shard_is_a_usage_error() {
    for bad in ["0/4", "5/4", "2"] {
        let output = zhpipe(&["run", "--config", FAST, "--shard", bad, "corpus/samples"]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(stderr(&output).contains(&format!("invalid shard `{bad}`")), "{}", stderr(&output));
    }
}

/// Waits until `path` has at least `n` complete lines.
fn wait_for_lines(path: &Path, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let done = fs::read(path).map(|b| b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(0);
        if done >= n {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{} has {done} lines, expected {n}", path.display());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn interrupted_run_resumed_gives_the_same_output_as_an_uninterrupted_one() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let corpus = jsonl_corpus(70);
    let full = dir.path().join("full");
    let output = zhpipe_with_input(&["run", "-q", "--config", FAST, "--output", full.to_str().unwrap(), "-"], &corpus);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    // One thread takes batches of 16: given 40 records, it writes two batches (32 records),
    // then waits for more input; it is killed there, as a job is when its time runs out.
    let part = dir.path().join("part");
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhpipe"))
        .args(["run", "-q", "--threads", "1", "--config", FAST, "--output", part.to_str().unwrap(), "-"])
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let first_40: String = corpus.lines().take(40).map(|l| format!("{l}\n")).collect();
    stdin.write_all(first_40.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let partial = part.join(".documents.jsonl.tmp");
    wait_for_lines(&partial, 32);
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    assert!(!part.join("documents.jsonl").exists(), "an interrupted run must not leave a finished file");
    assert!(!part.join("report.html").exists());
    // A write cut short by the interruption leaves a torn last line.
    let next = lines(&full.join("documents.jsonl"))[32].clone();
    fs::OpenOptions::new().append(true).open(&partial).unwrap().write_all(&next.as_bytes()[..next.len() / 2]).unwrap();

    let output = zhpipe_with_input(
        &["run", "-q", "--resume", "--config", FAST, "--output", part.to_str().unwrap(), "-"],
        &corpus,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary: Value = serde_json::from_str(&fs::read_to_string(part.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        (summary["resumed"].as_u64(), summary["skipped"].as_u64(), summary["documents"].as_u64()),
        (Some(32), Some(32), Some(38))
    );
    assert!(!partial.exists());
    for file in ["documents.jsonl", "report.html"] {
        let a = fs::read(full.join(file)).unwrap();
        let b = fs::read(part.join(file)).unwrap();
        assert!(a == b, "{file} of the resumed run differs from the uninterrupted run's");
    }
}

#[test]
fn resume_after_a_finished_run_adds_only_the_new_documents() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = jsonl_corpus(30);
    let full = dir.path().join("full");
    let output = zhpipe_with_input(&["run", "-q", "--config", FAST, "--output", full.to_str().unwrap(), "-"], &corpus);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let grown = dir.path().join("grown");
    let first_20: String = corpus.lines().take(20).map(|l| format!("{l}\n")).collect();
    let output =
        zhpipe_with_input(&["run", "-q", "--config", FAST, "--output", grown.to_str().unwrap(), "-"], &first_20);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = zhpipe_with_input(
        &["run", "-q", "--resume", "--config", FAST, "--output", grown.to_str().unwrap(), "-"],
        &corpus,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(fs::read(full.join("documents.jsonl")).unwrap() == fs::read(grown.join("documents.jsonl")).unwrap());
    // Resuming a complete output processes nothing and changes nothing.
    let output =
        zhpipe_with_input(&["run", "--resume", "--config", FAST, "--output", grown.to_str().unwrap(), "-"], &corpus);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("0 documents: 0 ok"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("resumed: 30 records kept from the previous run, 30 inputs skipped"),
        "{}",
        stderr(&output)
    );
    assert!(fs::read(full.join("documents.jsonl")).unwrap() == fs::read(grown.join("documents.jsonl")).unwrap());
}

/// An output directory written by a whole run of `config` over the samples.
fn output_of_a_run(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let output = run_config(config, dir.path(), &["corpus/samples"]);
    assert!(output.status.success(), "{}", stderr(&output));
    dir
}

#[test]
fn resume_refuses_stdout_and_a_damaged_partial_file() {
    let output = zhpipe(&["run", "--resume", "--config", FAST, "--output", "-", "corpus/samples"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--resume needs an output directory"), "{}", stderr(&output));

    let dir = output_of_a_run(FAST);
    fs::write(dir.path().join(".documents.jsonl.tmp"), "{\"schema\":1,\"id\":\"a\",\"status\":\"ok\"}\nnot a record\n")
        .unwrap();
    let output =
        zhpipe(&["run", "--resume", "--config", FAST, "--output", dir.path().to_str().unwrap(), "corpus/samples"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains(".documents.jsonl.tmp: line 2: not a zhpipe record"), "{}", stderr(&output));

    // Records written by a zhpipe of another record schema are not mixed with this one's.
    let dir = output_of_a_run(FAST);
    fs::write(dir.path().join(".documents.jsonl.tmp"), "{\"schema\":7,\"id\":\"a\",\"status\":\"ok\"}\n").unwrap();
    let output =
        zhpipe(&["run", "--resume", "--config", FAST, "--output", dir.path().to_str().unwrap(), "corpus/samples"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("line 1: a record of schema 7; this zhpipe reads and writes schema 1"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn every_run_to_a_directory_writes_a_report() {
    let out = tempfile::tempdir().unwrap();
    let output = run_config(FAST, out.path(), &["--report-documents", "2", "corpus/samples"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let html = fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("data-documents=\"5\" data-ok=\"5\" data-failed=\"0\""));
    assert_eq!(html.matches("<section class=\"doc\"").count(), 2);
    assert!(!out.path().join(".report.html.tmp").exists());
}

#[test]
fn report_documents_comes_from_the_config_unless_given() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    fs::write(&config, "[output]\nreport_documents = 1\n\n[[stage]]\nuse = \"decode\"\n\n[[stage]]\nuse = \"clean\"\n")
        .unwrap();
    let sections = |extra: &[&str]| {
        let out = dir.path().join(format!("out{}", extra.len()));
        let output = run_config(config.to_str().unwrap(), &out, &[extra, &["corpus/samples"]].concat());
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        fs::read_to_string(out.join("report.html")).unwrap().matches("<section class=\"doc\"").count()
    };
    assert_eq!(sections(&[]), 1);
    assert_eq!(sections(&["--report-documents", "3"]), 3);
}

/// Decode, clean, convert and segment as in `pipeline.toml`, then `rest` (more `[[stage]]`
/// tables), in a config file in a temporary directory.
fn config_with(dir: &Path, rest: &str) -> PathBuf {
    let config = dir.join("pipeline.toml");
    let terms = repo().join("dictionaries/terms.dict");
    let text = format!(
        "[[stage]]\nuse = \"decode\"\n\n[[stage]]\nuse = \"clean\"\n\n[[stage]]\nuse = \"convert\"\n\n\
         [[stage]]\nuse = \"segment\"\nuser_dictionaries = [{terms:?}]\n\n{rest}"
    );
    fs::write(&config, text).unwrap();
    config
}

#[test]
fn two_gazetteers_over_different_dictionaries_write_one_sorted_layer() {
    let dir = tempfile::tempdir().unwrap();
    let dictionary = |name: &str| repo().join("dictionaries").join(name);
    let config = config_with(
        dir.path(),
        &format!(
            "[[stage]]\nuse = \"gazetteer\"\ndictionaries = [{:?}]\n\n[[stage]]\nuse = \"gazetteer\"\ndictionaries = [{:?}]\n",
            dictionary("places.tsv"),
            dictionary("policy-terms.tsv"),
        ),
    );
    let out = dir.path().join("out");
    let output = run_samples(&config, &out);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut dictionaries = std::collections::BTreeSet::new();
    for record in records(&out.join("documents.jsonl")) {
        let spans: Vec<(u64, u64)> = record["mentions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                dictionaries.insert(m["dictionary"].as_str().unwrap().to_owned());
                (m["span"][0].as_u64().unwrap(), m["span"][1].as_u64().unwrap())
            })
            .collect();
        assert!(spans.is_sorted(), "{}: {spans:?}", record["id"]);
        // Longest wins across the two stages: no two kept mentions overlap.
        assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0), "{}: {spans:?}", record["id"]);
    }
    assert_eq!(dictionaries.len(), 2, "mentions of both stages: {dictionaries:?}");
}

/// A `[label.kinds]` kind that no dictionary of the gazetteer before it has would never count:
/// the run is refused before any document is read, naming the themes file, its line, the kind
/// and the kinds there are.
#[test]
fn a_mention_kind_no_gazetteer_writes_is_refused_with_exit_2_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let themes = fs::read_to_string(repo().join("dictionaries/themes.toml")).unwrap();
    let edited = themes.replacen("\"person\" = 0.3", "\"peson\" = 0.3", 1);
    let line = edited.lines().position(|l| l == "\"peson\" = 0.3").unwrap() + 1;
    let themes_path = dir.path().join("themes.toml");
    fs::write(&themes_path, edited).unwrap();
    let dictionaries: Vec<PathBuf> = ["places", "organisations", "people", "policy-terms"]
        .iter()
        .map(|name| repo().join(format!("dictionaries/{name}.tsv")))
        .collect();
    let config = config_with(
        dir.path(),
        &format!(
            "[[stage]]\nuse = \"gazetteer\"\ndictionaries = {dictionaries:?}\ncache_dir = \"\"\n\n[[stage]]\nuse = \"classify\"\nthemes = {themes_path:?}\n"
        ),
    );
    let out = dir.path().join("out");
    let output = run_samples(&config, &out);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let expected = format!(
        "{}: [[stage]] #6 `classify` (line 19): {}:{line}: label `meeting`: mention kind `peson` is written by no stage before it \
         (the kinds [[stage]] #5 `gazetteer` (line 14) writes: city, country, county, lake, new_area, organisation, other, person, \
         policy, prefecture, province, region, time, town, zone)",
        config.display(),
        themes_path.display()
    );
    assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn two_segmenters_are_refused_with_exit_2_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(dir.path(), "[[stage]]\nuse = \"segment-mm\"\n");
    let out = dir.path().join("out");
    let output = run_samples(&config, &out);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("[[stage]] #5 `segment-mm` (line 14): stage `segment-mm` writes sentences + tokens, which [[stage]] #4 `segment` (line 10) already wrote"),
        "{message}"
    );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_token_rule_without_a_segmenter_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pipeline.toml");
    let places = repo().join("dictionaries/places.tsv");
    fs::write(
        &config,
        format!("[[stage]]\nuse = \"decode\"\n\n[[stage]]\nuse = \"gazetteer\"\ndictionaries = [{places:?}]\ntoken_boundaries = true\n"),
    )
    .unwrap();
    let output = run_samples(&config, &dir.path().join("out"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let expected = "pipeline.toml: [[stage]] #2 `gazetteer` (line 4): `token_boundaries` uses tokens, which no earlier stage provides; it has no effect";
    let message = stderr(&output);
    assert!(message.starts_with("zhpipe: warning: ") && message.contains(expected), "{message}");
}
