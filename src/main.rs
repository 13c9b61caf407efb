//! The `aksradar` binary: parse flags, run the command, map errors to exit codes.
//!
//! Exit codes (`cli::EXIT_CODES`, shown by `--help`): 0 success, 1 a finding failed and
//! `--fail-on` was given, 2 bad input, config or usage (the message on stderr says where
//! and what to do), 3 the read was incomplete (`scan` and `remediate` decide 1 and 3).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = aksradar::cli::Cli::parse();
    match aksradar::cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            let message = format!("{err:#}");
            eprintln!("aksradar: {}", aksradar::text::clean(&message));
            ExitCode::from(2)
        }
    }
}
