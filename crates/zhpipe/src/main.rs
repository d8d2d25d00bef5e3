//! The `zhpipe` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zhpipe::{Output, RunOptions, RunSummary, Shard};
use zhpipe_core::{LayerName, OutputFormat};

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
        /// The pipeline config (TOML). Default: `pipeline.toml` in the working directory if there
        /// is one, else the built-in default pipeline (`zhpipe init` writes it out for editing).
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// Output directory for documents.jsonl, summary.json and report.html, or `-` for JSONL on
        /// stdout. Defaults to the config's `[output] dir`.
        #[arg(short, long)]
        output: Option<String>,
        /// Worker threads (default: one per core). The output is the same for any number.
        #[arg(short = 'j', long)]
        threads: Option<usize>,
        /// Do not draw a progress bar or print the summary table on stderr.
        #[arg(short, long)]
        quiet: bool,
        /// Process only the K-th of N shards of the input (e.g. `2/8`): a document belongs to
        /// shard `fnv1a64(id) % N + 1`, so N processes split one corpus with no coordination.
        #[arg(long, value_name = "K/N")]
        shard: Option<Shard>,
        /// Keep the records already in the output directory (the finished documents.jsonl, or the
        /// partial file of an interrupted run) and process only the ids not among them.
        #[arg(long)]
        resume: bool,
        /// How many documents (the first ones) report.html shows with their full text.
        /// Defaults to the config's `[output] report_documents` (200 when unset).
        #[arg(long, value_name = "N")]
        report_documents: Option<usize>,
        /// Check every document's invariants (spans on char boundaries, layers sorted, mentions
        /// inside their tables, …) after every stage; a violation becomes that document's error
        /// record, naming the stage. Always on in debug builds.
        #[arg(long)]
        check: bool,
        /// Read `.jsonl` and `.jsonl.gz` files among the inputs as one text document each, not as
        /// records (one document per line, the default).
        #[arg(long)]
        jsonl_as_text: bool,
        /// `jsonl` (documents.jsonl) or `parquet` (documents, sentences, mentions and tokens
        /// .parquet) in the output directory. Defaults to the config's `[output] format`.
        #[arg(long, value_parser = parse_format)]
        format: Option<OutputFormat>,
        /// The layers to write, comma-separated, from text, sentences, tokens, mentions, labels
        /// (e.g. `--layers text,sentences,mentions,labels` to drop tokens, most of a record's
        /// size). Defaults to the config's `[output] layers`, else every layer the chain makes.
        #[arg(long, value_delimiter = ',')]
        layers: Option<Vec<LayerName>>,
        /// Files, directories (walked recursively in sorted order) or `-` for JSONL records
        /// `{"id", "text"}` / `{"id", "bytes_base64"}` on stdin. When none is given, stdin if it
        /// is a pipe or a file, else the config's `[input] paths`.
        inputs: Vec<String>,
    },
    /// Write report.html from output records, e.g. the documents.jsonl of every shard of a corpus.
    Report {
        /// Directory for report.html.
        #[arg(short, long)]
        output: PathBuf,
        /// How many documents (the first ones) the report shows with their full text.
        #[arg(long, value_name = "N", default_value_t = zhpipe::report::DEFAULT_REPORT_DOCUMENTS)]
        report_documents: usize,
        /// The themes file whose names the report shows (`themes.toml`); the bundled one when
        /// not given.
        #[arg(long, value_name = "FILE")]
        themes: Option<PathBuf>,
        /// documents.jsonl files, read in the order given, or `-` for records on stdin.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Write the Parquet tables of output records, e.g. the documents.jsonl of every shard.
    Tables {
        /// Directory for documents.parquet, sentences.parquet, mentions.parquet, tokens.parquet.
        #[arg(short, long)]
        output: PathBuf,
        /// The table format; `parquet` is the one there is.
        #[arg(long, value_parser = parse_format, default_value = "parquet")]
        format: OutputFormat,
        /// Do not write tokens.parquet.
        #[arg(long)]
        no_tokens: bool,
        /// documents.jsonl files, read in the order given, or `-` for records on stdin.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// List the stages this build knows, for `use = "..."` in a config.
    Stages,
    /// Write the built-in pipeline.toml and dictionaries/ into DIR (default: the working
    /// directory) to edit them; `zhpipe run` in DIR then uses them.
    Init {
        /// Where to write them.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Replace files that are already there.
        #[arg(long)]
        force: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Stages => {
            for stage in zhpipe::registry().list() {
                println!("{:<14} {}", stage.name, stage.summary);
                let mut layers = format!("requires {}, writes {}", stage.requires, stage.provides);
                if !stage.reads.is_empty() {
                    layers.push_str(&format!(", uses {} when present", stage.reads));
                }
                if !stage.appends.is_empty() {
                    layers.push_str(&format!(", adds to {} of earlier stages", stage.appends));
                }
                println!("{:<14} {layers}", "");
            }
            ExitCode::SUCCESS
        }
        Command::Tables { output, format, no_tokens, inputs } => {
            if format != OutputFormat::Parquet {
                zhpipe::say!("zhpipe: `zhpipe tables` writes --format parquet; the records are already JSONL");
                return ExitCode::from(2);
            }
            match zhpipe::tables_from_records(&inputs, &output, !no_tokens) {
                Ok(written) => {
                    for (path, rows) in written {
                        zhpipe::say!("{}: {rows} rows", path.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    zhpipe::say!("zhpipe: {}", e.message);
                    ExitCode::from(e.status as u8)
                }
            }
        }
        Command::Init { dir, force } => match zhpipe::bundled::init(&dir, force) {
            Ok(files) => {
                zhpipe::say!(
                    "wrote {} files into {}: edit pipeline.toml and dictionaries/, then run `zhpipe run` there",
                    files.len(),
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(message) => {
                zhpipe::say!("zhpipe: {message}");
                ExitCode::from(2)
            }
        },
        Command::Report { output, report_documents, themes, inputs } => {
            let taxonomy = match themes {
                Some(path) => match zhpipe_classify::Taxonomy::load(&path) {
                    Ok(taxonomy) => taxonomy,
                    Err(e) => {
                        zhpipe::say!("zhpipe: {e}");
                        return ExitCode::from(2);
                    }
                },
                None => zhpipe_classify::Taxonomy::bundled(),
            };
            let themes = zhpipe::themes_of(&taxonomy);
            match zhpipe::report_from_records(&inputs, &output, report_documents, themes) {
                Ok(documents) => {
                    zhpipe::say!("{}: {documents} documents", output.join("report.html").display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    zhpipe::say!("zhpipe: {}", e.message);
                    ExitCode::from(e.status as u8)
                }
            }
        }
        Command::Run {
            config,
            output,
            threads,
            quiet,
            shard,
            resume,
            report_documents,
            check,
            jsonl_as_text,
            format,
            layers,
            inputs,
        } => {
            let output = output.map(|o| if o == "-" { Output::Stdout } else { Output::Dir(o.into()) });
            let options = RunOptions {
                config: config.unwrap_or_else(zhpipe::bundled::default_config),
                inputs,
                output,
                threads,
                progress: !quiet,
                shard,
                resume,
                report_documents,
                check,
                jsonl_records: !jsonl_as_text,
                format,
                layers,
            };
            match zhpipe::run(&options) {
                Ok((summary, status)) => {
                    if !quiet {
                        print_summary(&summary);
                    }
                    ExitCode::from(status as u8)
                }
                Err(e) => {
                    zhpipe::say!("zhpipe: {}", e.message);
                    ExitCode::from(e.status as u8)
                }
            }
        }
    }
}

fn parse_format(s: &str) -> Result<OutputFormat, String> {
    match s {
        "jsonl" => Ok(OutputFormat::Jsonl),
        "parquet" => Ok(OutputFormat::Parquet),
        other => Err(format!("unknown format `{other}`: expected jsonl or parquet")),
    }
}

fn print_summary(summary: &RunSummary) {
    zhpipe::say!(
        "{} documents: {} ok, {} failed; {:.2} MB in {:.2} s on {} threads",
        summary.documents,
        summary.ok,
        summary.failed,
        summary.bytes as f64 / 1e6,
        summary.seconds,
        summary.threads
    );
    if let Some(shard) = &summary.shard {
        zhpipe::say!("shard {shard}: {} inputs left to the other shards", summary.other_shards);
    }
    if summary.resumed > 0 || summary.skipped > 0 {
        zhpipe::say!(
            "resumed: {} records kept from the previous run, {} inputs skipped",
            summary.resumed,
            summary.skipped
        );
    }
    zhpipe::say!("{:<14} {:>10} {:>12} {:>10}", "stage", "documents", "seconds", "MB/s");
    for stage in &summary.stages {
        zhpipe::say!(
            "{:<14} {:>10} {:>12.4} {:>10.1}",
            stage.stage,
            stage.documents,
            stage.seconds,
            stage.mb_per_second
        );
    }
}
