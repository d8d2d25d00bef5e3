//! `zhpipe-tools`: the evaluation, training, dictionary and measuring tools of zhpipe's stages
//! (see the library's documentation for the subcommands). `cargo xtask eval|train|dictionaries`
//! runs it in release mode.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = zhpipe_tools::Cli::parse();
    match cli.command.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{}: {message}", cli.command.name());
            ExitCode::FAILURE
        }
    }
}
