//! The driver under inputs and situations that must not stop a run or lose a record: names that
//! are not UTF-8, repeated ids, two runs into one directory, a resume with another config, piped
//! stdin, a closed stdout, `.jsonl` paths, absurd thread counts.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Decode and clean only: fast, and enough to make records.
const FAST: &str = "configs/minimal.toml";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zhpipe"));
    command.args(args).current_dir(repo()).stdin(Stdio::null());
    command
}

fn zhpipe(args: &[&str]) -> Output {
    command(args).output().unwrap()
}

fn zhpipe_with_input(args: &[&str], input: &str) -> Output {
    let mut child = command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut writer = child.stdin.take().unwrap();
    let input = input.to_owned();
    let feeder = std::thread::spawn(move || {
        let _ = writer.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn ids(jsonl: &str) -> Vec<String> {
    jsonl.lines().map(|line| serde_json::from_str::<Value>(line).unwrap()["id"].as_str().unwrap().to_owned()).collect()
}

fn run(config: &str, out: &Path, inputs: &[&str], resume: bool) -> Output {
    let mut args = vec!["run", "-q", "--config", config, "--output", out.to_str().unwrap()];
    if resume {
        args.push("--resume");
    }
    args.extend_from_slice(inputs);
    zhpipe(&args)
}

/// Turns a finished output into what an interrupted run leaves: the first `keep` records in the
/// partial file, and no finished file.
fn interrupt_after(out: &Path, keep: usize) {
    let finished = fs::read_to_string(out.join("documents.jsonl")).unwrap();
    let partial: String = finished.lines().take(keep).map(|l| format!("{l}\n")).collect();
    fs::write(out.join(".documents.jsonl.tmp"), partial).unwrap();
    fs::remove_file(out.join("documents.jsonl")).unwrap();
}

#[cfg(unix)]
#[test]
fn two_files_with_undecodable_names_both_survive_an_interrupted_and_resumed_run() {
    use std::os::unix::ffi::OsStrExt;
    let input = tempfile::tempdir().unwrap();
    for (name, text) in [(&b"caf\xe9.txt"[..], "京津冀协同发展"), (b"caf\xe8.txt", "雄安新区"), (b"z.txt", "天津")]
    {
        fs::write(input.path().join(std::ffi::OsStr::from_bytes(name)), text).unwrap();
    }
    let root = input.path().to_str().unwrap();
    let full = tempfile::tempdir().unwrap();
    let output = run(FAST, full.path(), &[root], false);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let records = fs::read_to_string(full.path().join("documents.jsonl")).unwrap();
    assert_eq!(ids(&records), ["caf%E8.txt", "caf%E9.txt", "z.txt"]);

    let resumed = tempfile::tempdir().unwrap();
    assert!(run(FAST, resumed.path(), &[root], false).status.success());
    interrupt_after(resumed.path(), 1);
    let output = run(FAST, resumed.path(), &[root], true);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(fs::read_to_string(resumed.path().join("documents.jsonl")).unwrap(), records);
}

#[test]
fn repeated_jsonl_ids_all_survive_an_interrupted_and_resumed_run() {
    let input = tempfile::tempdir().unwrap();
    let lines: String = (0..15).map(|i| format!("{{\"id\": \"doc{}\", \"text\": \"第{i}篇\"}}\n", i % 4)).collect();
    fs::write(input.path().join("batch.jsonl"), lines).unwrap();
    let path = input.path().join("batch.jsonl");
    let path = path.to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    assert!(run(FAST, out.path(), &[path], false).status.success());
    let full = fs::read_to_string(out.path().join("documents.jsonl")).unwrap();
    let mut seen = ids(&full);
    assert_eq!(seen.len(), 15);
    assert_eq!(&seen[..6], ["doc0", "doc1", "doc2", "doc3", "doc0~2", "doc1~2"]);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 15, "every id is distinct");
    let renamed: Value = serde_json::from_str(full.lines().nth(4).unwrap()).unwrap();
    let notes = renamed["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| n["kind"] == "duplicate-id" && n["message"].as_str().unwrap().contains("`doc0`")));

    interrupt_after(out.path(), 7);
    let output = run(FAST, out.path(), &[path], true);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(fs::read_to_string(out.path().join("documents.jsonl")).unwrap(), full);
}

#[test]
fn ids_do_not_depend_on_the_working_directory() {
    let out = tempfile::tempdir().unwrap();
    let from_repo = zhpipe(&["run", "-q", "--config", FAST, "--output", "-", "corpus/samples"]);
    let from_corpus = command(&["run", "-q", "--config", "../configs/minimal.toml", "--output", "-", "samples"])
        .current_dir(repo().join("corpus"))
        .output()
        .unwrap();
    let absolute = repo().join("corpus/samples");
    let from_elsewhere = command(&["run", "-q", "--config", &repo().join(FAST).display().to_string()])
        .args(["--output", "-", absolute.to_str().unwrap()])
        .current_dir(out.path())
        .output()
        .unwrap();
    let [a, b, c] = [from_repo, from_corpus, from_elsewhere].map(|o| ids(&String::from_utf8(o.stdout).unwrap()));
    assert_eq!(a.len(), 5);
    assert!(a[0].starts_with("000_"), "{a:?}");
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn a_second_run_into_the_same_directory_is_refused_while_the_first_writes() {
    let out = tempfile::tempdir().unwrap();
    // The first run waits on its stdin, holding the directory, until the test closes it.
    let mut first = command(&["run", "-q", "--config", FAST, "--output", out.path().to_str().unwrap(), "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = first.stdin.take().unwrap();
    stdin.write_all(b"{\"id\": \"a\", \"text\": \"\xe4\xba\xac\"}\n").unwrap();
    // The partial output file is created once the lock is held: wait for it, so that the second
    // run does not start first.
    for _ in 0..2_000 {
        if out.path().join(".documents.jsonl.tmp").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let second = run(FAST, out.path(), &["corpus/samples"], false);
    drop(stdin);
    let first = first.wait_with_output().unwrap();
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(stderr(&second).contains("is being written by another zhpipe run"), "{}", stderr(&second));
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(ids(&fs::read_to_string(out.path().join("documents.jsonl")).unwrap()), ["a"]);
    // Once the first has finished, the directory is free again.
    assert!(run(FAST, out.path(), &["corpus/samples"], false).status.success());
}

#[test]
fn a_resume_with_a_changed_config_or_dictionary_is_refused_naming_the_difference() {
    let dir = tempfile::tempdir().unwrap();
    let words = dir.path().join("words.txt");
    fs::write(&words, "京津冀 100 ns\n").unwrap();
    let config = |extra: &str| {
        let text = format!(
            "[[stage]]\nuse = \"decode\"\n\n[[stage]]\nuse = \"clean\"\n{extra}\n[[stage]]\nuse = \"segment\"\nuser_dictionaries = [\"words.txt\"]\n"
        );
        fs::write(dir.path().join("p.toml"), text).unwrap();
        dir.path().join("p.toml").display().to_string()
    };
    let out = dir.path().join("out");
    let path = config("");
    assert!(run(&path, &out, &["corpus/samples"], false).status.success());
    interrupt_after(&out, 2);

    let changed = config("html = \"never\"\n");
    let output = run(&changed, &out, &["corpus/samples"], true);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("its records were made differently"), "{message}");
    assert!(message.contains("#2 clean"), "{message}");
    assert!(message.contains("html = \"never\""), "{message}");

    config("");
    fs::write(&words, "京津冀 200 ns\n").unwrap();
    let output = run(&path, &out, &["corpus/samples"], true);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("words.txt has changed"), "{}", stderr(&output));

    // With the config and dictionary as they were, the run resumes.
    fs::write(&words, "京津冀 100 ns\n").unwrap();
    let output = run(&path, &out, &["corpus/samples"], true);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn piped_stdin_without_a_dash_is_read_not_replaced_by_the_samples() {
    let input = "{\"id\": \"piped-1\", \"text\": \"京津冀\"}\n{\"id\": \"piped-2\", \"text\": \"雄安\"}\n";
    let output = zhpipe_with_input(&["run", "--config", FAST, "--output", "-"], input);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("reading JSONL records from stdin"), "{}", stderr(&output));
    assert_eq!(ids(&String::from_utf8(output.stdout).unwrap()), ["piped-1", "piped-2"]);
}

#[test]
fn a_closed_stdout_ends_the_run_with_status_1_and_no_panic() {
    let text = "京津冀协同发展。".repeat(2_000);
    let input: String = (0..200).map(|i| format!("{{\"id\": \"d{i}\", \"text\": \"{text}\"}}\n")).collect();
    for stderr_too in [false, true] {
        let mut child = command(&["run", "--config", FAST, "--output", "-", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut writer = child.stdin.take().unwrap();
        let feed = input.clone();
        let feeder = std::thread::spawn(move || {
            let _ = writer.write_all(feed.as_bytes());
        });
        let mut first = [0u8; 100];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // stdout is dropped here: the reader is gone, as after `| head -c 100`.
        let mut message = String::new();
        let mut stderr_pipe = child.stderr.take().unwrap();
        if stderr_too {
            // The same pipe's other end closes too: `2>&1 | head` leaves no stderr either.
            drop(stderr_pipe);
        } else {
            stderr_pipe.read_to_string(&mut message).unwrap();
        }
        let status = child.wait().unwrap();
        feeder.join().unwrap();
        assert_eq!(status.code(), Some(1), "{message}");
        assert!(!message.contains("panicked"), "{message}");
        if !stderr_too {
            assert!(message.contains("stdout was closed before the run ended"), "{message}");
            assert_eq!(message.trim().lines().count(), 1, "{message}");
        }
    }
}

#[test]
fn jsonl_paths_are_records_unless_read_as_text() {
    let input = tempfile::tempdir().unwrap();
    let path = input.path().join("docs.jsonl");
    fs::write(&path, "\u{feff}{\"id\": \"r1\", \"text\": \"京\"}\n{\"id\": \"r2\", \"text\": \"津\"}\n").unwrap();
    let path = path.to_str().unwrap();
    let output = zhpipe(&["run", "-q", "--config", FAST, "--output", "-", path]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(ids(&String::from_utf8(output.stdout).unwrap()), ["r1", "r2"]);
    let output = zhpipe(&["run", "-q", "--config", FAST, "--output", "-", "--jsonl-as-text", path]);
    assert_eq!(ids(&String::from_utf8(output.stdout).unwrap()), ["docs.jsonl"]);
}

#[test]
fn threads_beyond_four_per_core_are_capped_with_a_warning() {
    let output = zhpipe(&["run", "--config", FAST, "--output", "-", "--threads", "100000", "corpus/samples"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("--threads 100000 is more than 4 per core; using"), "{}", stderr(&output));
    assert_eq!(ids(&String::from_utf8(output.stdout).unwrap()).len(), 5);
}

#[test]
fn a_report_over_a_file_with_no_records_fails_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("documents.jsonl");
    fs::write(&empty, "\n").unwrap();
    let out = dir.path().join("out");
    let output = zhpipe(&["report", "--output", out.to_str().unwrap(), empty.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("no records in"), "{}", stderr(&output));
    assert!(!out.join("report.html").exists());
}
