//! The `aksradar` binary: parse flags, run the command, map errors to exit codes.
//!
//! Exit codes: 0 success, 1 a finding failed and `--fail-on` was given, 2 bad input,
//! config or usage (the message on stderr says where and what to do).

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
