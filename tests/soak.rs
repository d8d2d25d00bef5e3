//! Memory stays flat: a generated corpus of at least 1 GB streamed through
//! `zhpipe run - --output -`, with the peak resident memory of the zhpipe process checked
//! against a bound.
//!
//! Ignored in the default test run; `cargo xtask soak` runs it in release mode. Settings (env):
//!
//! - `ZHPIPE_SOAK_BYTES`: JSONL bytes to generate (default 1 GiB, 1,073,741,824);
//! - `ZHPIPE_SOAK_MAX_RSS_MB`: the bound on peak RSS in MB (default 300);
//! - `ZHPIPE_SOAK_CONFIG`: the pipeline (default `pipeline.toml`, every stage).
//!
//! The records are the five samples, raw (front matter, HTML, gateway pinyin, PDF layout and
//! Traditional script as they are), each with its number appended, one in ten as
//! `bytes_base64`. Peak memory is the kernel's high-water mark `VmHWM` from
//! `/proc/<pid>/status`, read every 50 ms while the process runs (so at most the last 50 ms
//! could escape it, and it is monotone).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

/// A `/proc/<pid>/status` field in kB, as MB.
fn status_mb(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line[field.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}

/// The sample texts, sorted by name.
fn samples() -> Vec<String> {
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(repo().join("corpus/samples")).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

fn record(n: u64, texts: &[String]) -> String {
    let text = format!("{}\n\n（本文编号 {n}）\n", texts[n as usize % texts.len()]);
    let id = format!("soak-{n:09}");
    let json = if n % 10 == 9 {
        serde_json::json!({"id": id, "bytes_base64": base64::engine::general_purpose::STANDARD.encode(text.as_bytes())})
    } else {
        serde_json::json!({"id": id, "text": text})
    };
    json.to_string() + "\n"
}

#[test]
#[ignore = "streams 1 GB: run with `cargo xtask soak`"]
fn a_gigabyte_streams_through_stdin_and_stdout_in_flat_memory() {
    let target_bytes = env_u64("ZHPIPE_SOAK_BYTES", 1 << 30);
    let max_rss_mb = env_u64("ZHPIPE_SOAK_MAX_RSS_MB", 300) as f64;
    let config = std::env::var("ZHPIPE_SOAK_CONFIG").unwrap_or_else(|_| "pipeline.toml".to_owned());
    eprintln!(
        "soak: {target_bytes} bytes of JSONL through `zhpipe run --config {config} --output - -`, bound {max_rss_mb} MB"
    );

    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhpipe"))
        .args(["run", "-q", "--config", &config, "--output", "-", "-"])
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let pid = child.id();

    let texts = samples();
    let stdin = child.stdin.take().unwrap();
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let generator = {
        let sent = sent.clone();
        std::thread::spawn(move || {
            let mut writer = BufWriter::with_capacity(1 << 20, stdin);
            let (mut n, mut bytes) = (0u64, 0u64);
            while bytes < target_bytes {
                let line = record(n, &texts);
                writer.write_all(line.as_bytes()).expect("zhpipe stopped reading its input");
                bytes += line.len() as u64;
                n += 1;
                sent.store(bytes, std::sync::atomic::Ordering::Relaxed);
            }
            writer.flush().unwrap();
            (n, bytes)
        })
    };
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::with_capacity(1 << 20, stdout);
        let (mut records, mut ok, mut out_bytes) = (0u64, 0u64, 0u64);
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            // Records come back in input order, whatever the threads did.
            let id = format!("{{\"id\":\"soak-{records:09}\",");
            assert!(line.starts_with(&id), "record {records} out of order: {}", &line[..line.len().min(120)]);
            if line[id.len()..].starts_with("\"status\":\"ok\"") {
                ok += 1;
            }
            records += 1;
            out_bytes += line.len() as u64;
        }
        (records, ok, out_bytes)
    });

    let (mut peak, mut last_report) = (0.0f64, Instant::now());
    let mut samples_mb = Vec::new();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if let Some(hwm) = status_mb(pid, "VmHWM:") {
            peak = peak.max(hwm);
        }
        if last_report.elapsed() >= Duration::from_secs(15) {
            let rss = status_mb(pid, "VmRSS:").unwrap_or(0.0);
            let gb = sent.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e9;
            eprintln!(
                "soak: {:>6.0} s  {gb:.3} GB sent  RSS {rss:.0} MB  peak {peak:.0} MB",
                started.elapsed().as_secs_f64()
            );
            samples_mb.push(rss);
            last_report = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let seconds = started.elapsed().as_secs_f64();
    let (generated, bytes) = generator.join().unwrap();
    let (records, ok, out_bytes) = reader.join().unwrap();
    assert!(status.success(), "zhpipe exited with {status}");
    eprintln!(
        "soak: {:.3} GB in ({generated} records), {:.3} GB out, {seconds:.0} s ({:.1} MB/s); peak RSS {peak:.1} MB (bound {max_rss_mb} MB)",
        bytes as f64 / 1e9,
        out_bytes as f64 / 1e9,
        bytes as f64 / 1e6 / seconds
    );
    assert_eq!(records, generated, "one output record per input record");
    assert_eq!(ok, generated, "every generated record is processed");
    assert!(peak > 0.0, "VmHWM was never read");
    assert!(peak < max_rss_mb, "peak RSS {peak:.1} MB is over the bound of {max_rss_mb} MB");
}

/// The generator itself: well-formed records, one in ten undecoded, ids in sequence.
#[test]
fn generated_records_are_valid_input() {
    let texts = samples();
    for n in [0, 1, 9, 10, 19] {
        let line = record(n, &texts);
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["id"], format!("soak-{n:09}"));
        assert_eq!(value.get("bytes_base64").is_some(), n % 10 == 9, "{n}");
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
    }
}
