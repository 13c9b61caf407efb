//! The `aksradar` binary: parse flags, run the command, map errors to exit codes.
//!
//! Exit codes (`cli::EXIT_CODES`, shown by `--help`): 0 success, 1 a finding failed and
//! `--fail-on` was given, 2 bad input, config or usage (the message on stderr says where
//! and what to do), 3 the read was incomplete (`scan` and `remediate` decide 1 and 3),
//! 4 a change `apply` made was refused, failed or did not read back.

use std::process::ExitCode;

/// jemalloc, set up in `.cargo/config.toml` to give freed memory back within 200 ms:
/// a refresh at 100,000 clusters frees hundreds of megabytes on several threads.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = match aksradar::cli::Cli::parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        // Help and the version print and exit 0; usage errors exit 2, as clap does.
        Err(err) => err.exit(),
    };
    match aksradar::cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            let message = format!("{err:#}");
            eprintln!("aksradar: {}", aksradar::text::clean(&message));
            ExitCode::from(2)
        }
    }
}
