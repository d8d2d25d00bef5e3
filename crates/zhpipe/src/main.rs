//! The `zhpipe` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zhpipe::{Output, RunOptions, RunSummary};

const EXIT_CODES: &str = "\
Exit status:
  0  every document was processed
  1  output could not be written
  2  usage or config error (unknown stage, missing dictionary, bad key, …); nothing is written
  3  the run completed, but some documents are error records in the output";

/// Turns Chinese news and policy documents into clean, structured JSONL.
#[derive(Parser)]
#[command(name = "zhpipe", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the pipeline of a config file over files, directories or JSONL on stdin.
    #[command(after_help = EXIT_CODES)]
    Run {
        /// The pipeline config (TOML).
        #[arg(short, long, default_value = "pipeline.toml")]
        config: PathBuf,
        /// Output directory for documents.jsonl and summary.json, or `-` for JSONL on stdout.
        /// Defaults to the config's `[output] dir`.
        #[arg(short, long)]
        output: Option<String>,
        /// Worker threads (default: one per core). The output is the same for any number.
        #[arg(short = 'j', long)]
        threads: Option<usize>,
        /// Do not draw a progress bar or print the summary table on stderr.
        #[arg(short, long)]
        quiet: bool,
        /// Files, directories (walked recursively in sorted order) or `-` for JSONL records
        /// `{"id", "text"}` / `{"id", "bytes_base64"}` on stdin. Defaults to the config's
        /// `[input] paths`.
        inputs: Vec<String>,
    },
    /// List the stages this build knows, for `use = "..."` in a config.
    Stages,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Stages => {
            for (name, summary) in zhpipe::registry().list() {
                println!("{name:<14} {summary}");
            }
            ExitCode::SUCCESS
        }
        Command::Run { config, output, threads, quiet, inputs } => {
            let output = output.map(|o| if o == "-" { Output::Stdout } else { Output::Dir(o.into()) });
            let options = RunOptions { config, inputs, output, threads, progress: !quiet };
            match zhpipe::run(&options) {
                Ok((summary, status)) => {
                    if !quiet {
                        print_summary(&summary);
                    }
                    ExitCode::from(status as u8)
                }
                Err(e) => {
                    eprintln!("zhpipe: {}", e.message);
                    ExitCode::from(e.status as u8)
                }
            }
        }
    }
}

fn print_summary(summary: &RunSummary) {
    eprintln!(
        "{} documents: {} ok, {} failed; {:.2} MB in {:.2} s on {} threads",
        summary.documents,
        summary.ok,
        summary.failed,
        summary.bytes as f64 / 1e6,
        summary.seconds,
        summary.threads
    );
    eprintln!("{:<14} {:>10} {:>12} {:>10}", "stage", "documents", "seconds", "MB/s");
    for stage in &summary.stages {
        eprintln!("{:<14} {:>10} {:>12.4} {:>10.1}", stage.stage, stage.documents, stage.seconds, stage.mb_per_second);
    }
}

