//! `cargo xtask <job>`: the project's automation, one subcommand per job, as plain Rust so that
//! it runs wherever cargo does. Jobs that need a stage's code (evaluating, training, building
//! dictionaries, measuring) run the `zhpipe-tools` binary (`tools/`) in release mode, so xtask
//! itself stays dependency-free.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const HELP: &str = "\
usage: cargo xtask <job> [args...]

jobs:
  pipeline [ARGS...]      build in release mode and run pipeline.toml over corpus/samples/,
                          writing out/; ARGS go to `zhpipe run` (e.g. --config my.toml dir/)
  test [--rust-only] [ARGS...]
                          run the whole test suite (what CI runs): `cargo test --workspace`
                          (ARGS go to it), then the Python package built with pip into
                          target/python-venv and its pytest suite (python/tests), Spark included
                          when Java is installed; --rust-only stops after cargo
  bench [ARGS...]         run the criterion benchmarks (e.g. `cargo xtask bench gazetteer`)
  bless                   rewrite the golden files under tests/golden/ from current output
  eval <stage> [ARGS...]  evaluate a stage (decode, clean, convert, segment, gazetteer, ner,
                          classify); `cargo xtask eval <stage> --help` lists its ARGS
  train <stage> [ARGS...] train a stage's model (classify, ner)
  dictionaries [ARGS...]  rebuild dictionaries/places.tsv from the administrative-division tables
  measure <stage> [ARGS...]
                          measure a stage beside its bare engine (segment)
  soak [ARGS...]          stream a generated 1 GB corpus through `zhpipe run -` and check memory
  fuzz [SECONDS] [TARGET...]
                          run each fuzz target of fuzz/ (decode, clean, chain; default all) for
                          SECONDS (default 60) from a corpus seeded with corpus/samples/; needs
                          nightly and cargo-fuzz; fails if a target finds a crash
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let Some((job, rest)) = args.split_first() else {
        eprint!("{HELP}");
        return ExitCode::from(2);
    };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let result = match job.as_str() {
        "pipeline" => pipeline(&rest),
        "test" => test(&rest),
        "bench" => cargo(&[&["bench", "-p", "zhpipe-benches", "--bench"][..], bench_target(&rest)].concat(), &[]),
        "bless" => cargo(&["test", "--workspace"], &[("ZHPIPE_BLESS", "1")]),
        "eval" | "train" | "dictionaries" | "measure" => tools(&[&[job.as_str()][..], &rest].concat()),
        "soak" => cargo(
            &[&["test", "--release", "-p", "zhpipe", "--test", "soak", "--", "--ignored", "--nocapture"][..], &rest]
                .concat(),
            &[],
        ),
        "fuzz" => fuzz(&rest),
        "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown job `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask bench` runs every bench; `cargo xtask bench gazetteer -- --quick` runs one.
fn bench_target<'a>(args: &'a [&'a str]) -> &'a [&'a str] {
    static ALL: [&str; 1] = ["*"];
    match args.first() {
        Some(first) if !first.starts_with('-') => args,
        _ if args.is_empty() => &ALL,
        _ => args,
    }
}

/// The targets of `fuzz/`, in the order `cargo xtask fuzz` runs them.
const FUZZ_TARGETS: [&str; 3] = ["decode", "clean", "chain"];

/// The longest input the fuzzer makes: the largest sample (about 10 KB) fits whole.
const FUZZ_MAX_LEN: &str = "16384";

/// An input that takes longer than this many seconds is a finding (a hang or a quadratic path).
const FUZZ_TIMEOUT: &str = "30";

/// `cargo xtask fuzz [SECONDS] [TARGET...]`: every target runs for SECONDS even when an earlier
/// one found a crash; the job fails afterwards, naming them.
fn fuzz(args: &[&str]) -> Result<(), String> {
    let (seconds, targets) = match args.split_first() {
        Some((first, rest)) if first.parse::<u64>().is_ok() => (*first, rest),
        _ => ("60", args),
    };
    let targets = if targets.is_empty() { &FUZZ_TARGETS[..] } else { targets };
    if let Some(unknown) = targets.iter().find(|t| !FUZZ_TARGETS.contains(t)) {
        return Err(format!("unknown fuzz target `{unknown}` (targets: {})", FUZZ_TARGETS.join(", ")));
    }
    let root = repo_root();
    let mut crashed = Vec::new();
    for target in targets {
        let corpus = root.join("fuzz/corpus").join(target);
        seed(&root.join("corpus/samples"), &corpus)?;
        let corpus = corpus.display().to_string();
        let max_total_time = format!("-max_total_time={seconds}");
        let max_len = format!("-max_len={FUZZ_MAX_LEN}");
        let timeout = format!("-timeout={FUZZ_TIMEOUT}");
        let dict = format!("-dict={}", root.join("fuzz/markup.dict").display());
        eprintln!("xtask: fuzzing `{target}` for {seconds} s");
        // The rustup proxy, not $CARGO (this toolchain's cargo, which has no `+nightly`).
        let mut command = Command::new("cargo");
        command
            .args(["+nightly", "fuzz", "run", target, &corpus, "--"])
            .args([&max_total_time, &max_len, &timeout, &dict, "-print_final_stats=1"])
            .env_remove("CARGO")
            .current_dir(&root);
        if let Err(message) = run(&mut command, false) {
            eprintln!(
                "xtask: fuzz target `{target}`: {message} (a crash leaves its input in fuzz/artifacts/{target}/)"
            );
            crashed.push(*target);
        }
    }
    if crashed.is_empty() { Ok(()) } else { Err(format!("fuzz targets that failed: {}", crashed.join(", "))) }
}

/// Copies every sample into a fuzz target's corpus, so that the fuzzer starts from real text.
fn seed(samples: &Path, corpus: &Path) -> Result<(), String> {
    fs::create_dir_all(corpus).map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    let entries = fs::read_dir(samples).map_err(|e| format!("cannot read {}: {e}", samples.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot read {}: {e}", samples.display()))?.path();
        if let (true, Some(name)) = (path.is_file(), path.file_name()) {
            fs::copy(&path, corpus.join(name)).map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn pipeline(args: &[&str]) -> Result<(), String> {
    // Cargo's own progress, so that a first build (minutes on two cores) is not silence.
    cargo(&["build", "--release", "-p", "zhpipe"], &[])?;
    let root = repo_root();
    let binary = root.join("target/release/zhpipe");
    let mut run_args: Vec<&str> = vec!["run"];
    if !args.contains(&"--config") && !args.contains(&"-c") {
        run_args.extend(["--config", "pipeline.toml"]);
    }
    run_args.extend(args);
    // No stdin: with no inputs named, `zhpipe run` reads a piped stdin, which here would be
    // whatever started cargo.
    let mut command = Command::new(binary);
    command.args(&run_args).current_dir(&root).stdin(std::process::Stdio::null());
    let result = run(&mut command, true);
    let output = args
        .iter()
        .position(|a| *a == "--output" || *a == "-o")
        .and_then(|i| args.get(i + 1).copied())
        .unwrap_or("out");
    if output != "-" && result.is_ok() {
        let dir = root.join(output);
        for file in ["documents.jsonl", "documents.parquet", "report.html"] {
            if dir.join(file).exists() {
                eprintln!("xtask: wrote {}", dir.join(file).display());
            }
        }
    }
    result
}

/// `cargo xtask test`: the Rust suite, then the Python package installed as a user installs it
/// (`pip install ./python`) into a virtualenv of its own, and its tests against the CLI.
fn test(args: &[&str]) -> Result<(), String> {
    let rust_only = args.contains(&"--rust-only");
    let cargo_args: Vec<&str> = args.iter().copied().filter(|a| *a != "--rust-only").collect();
    cargo(&[&["test", "--workspace"][..], &cargo_args].concat(), &[])?;
    if rust_only {
        return Ok(());
    }
    let root = repo_root();
    let venv = env::var_os("ZHPIPE_VENV").map_or_else(|| root.join("target/python-venv"), PathBuf::from);
    let python = venv.join("bin/python");
    if !python.is_file() {
        let system = env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
        run(Command::new(&system).args(["-m", "venv"]).arg(&venv), false)?;
    }
    let pip = |args: &[&str]| {
        let mut command = Command::new(&python);
        command.args([&["-m", "pip", "install", "-q", "--disable-pip-version-check"][..], args].concat());
        command.current_dir(&root);
        run(&mut command, false)
    };
    pip(&["-r", "python/requirements-test.txt"])?;
    pip(&["./python"])?;
    let mut pytest = Command::new(&python);
    // From the tests' directory, so that the source tree's zhpipe/ (which has no extension
    // module) does not shadow the installed package.
    pytest.args(["-m", "pytest", "-q", "-p", "no:cacheprovider"]).current_dir(root.join("python/tests"));
    pytest.env("ZHPIPE_BIN", root.join("target/debug/zhpipe"));
    run(&mut pytest, false)
}

/// `zhpipe-tools ARGS` in release mode; its exit code is passed through (2 for a usage error).
fn tools(args: &[&str]) -> Result<(), String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args([&["run", "--release", "-q", "-p", "zhpipe-tools", "--"][..], args].concat()).current_dir(repo_root());
    run(&mut command, true)
}

fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(args).current_dir(repo_root());
    for (key, value) in envs {
        command.env(key, value);
    }
    run(&mut command, false)
}

/// Runs a command; `pass_exit` passes a failing exit code through unchanged (zhpipe's 3 means
/// "finished, some documents failed", which the user must see as such).
fn run(command: &mut Command, pass_exit: bool) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    if status.success() {
        return Ok(());
    }
    if pass_exit {
        std::process::exit(status.code().unwrap_or(1));
    }
    Err(format!("{:?} failed ({status})", command.get_program()))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask/ has a parent").to_owned()
}
