//! `cargo xtask <job>`: the project's automation, one subcommand per job, as plain Rust so that
//! it runs wherever cargo does. Jobs that need a stage's code (evaluating, training, building
//! dictionaries, measuring) run the `zhpipe-tools` binary (`tools/`) in release mode, so xtask
//! itself stays dependency-free.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const HELP: &str = "\
usage: cargo xtask <job> [args...]

jobs:
  pipeline [ARGS...]      build in release mode and run pipeline.toml over corpus/samples/,
                          writing out/; ARGS go to `zhpipe run` (e.g. --config my.toml dir/)
  test [ARGS...]          run the whole test suite (what CI runs)
  bench [ARGS...]         run the criterion benchmarks (e.g. `cargo xtask bench gazetteer`)
  bless                   rewrite the golden files under tests/golden/ from current output
  eval <stage> [ARGS...]  evaluate a stage (decode, clean, convert, segment, gazetteer,
                          classify); `cargo xtask eval <stage> --help` lists its ARGS
  train <stage> [ARGS...] train a stage's model (classify)
  dictionaries [ARGS...]  rebuild dictionaries/places.tsv from the administrative-division tables
  measure <stage> [ARGS...]
                          measure a stage beside its bare engine (segment)
  soak [ARGS...]          stream a generated 1 GB corpus through `zhpipe run -` and check memory
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
        "test" => cargo(&[&["test", "--workspace"][..], &rest].concat(), &[]),
        "bench" => cargo(&[&["bench", "-p", "zhpipe-benches", "--bench"][..], bench_target(&rest)].concat(), &[]),
        "bless" => cargo(&["test", "--workspace"], &[("ZHPIPE_BLESS", "1")]),
        "eval" | "train" | "dictionaries" | "measure" => tools(&[&[job.as_str()][..], &rest].concat()),
        "soak" => cargo(
            &[&["test", "--release", "-p", "zhpipe", "--test", "soak", "--", "--ignored", "--nocapture"][..], &rest]
                .concat(),
            &[],
        ),
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

fn pipeline(args: &[&str]) -> Result<(), String> {
    cargo(&["build", "--release", "--quiet", "-p", "zhpipe"], &[])?;
    let root = repo_root();
    let binary = root.join("target/release/zhpipe");
    let mut run_args: Vec<&str> = vec!["run"];
    if !args.contains(&"--config") {
        run_args.extend(["--config", "pipeline.toml"]);
    }
    run_args.extend(args);
    run(Command::new(binary).args(&run_args).current_dir(&root), true)
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
