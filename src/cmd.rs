//! The commands: read flags, config and files, call the pure core, write the result.
//!
//! This is the shell around the core: the only place here that touches the file
//! system, the clock and standard output. Errors are for people; every one maps to
//! exit code 2 in `main`.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use time::Date;

use crate::cli::{Cli, Command, RemediateArgs, ScanArgs};
use crate::config::Config;
use crate::model::{Assessed, Fleet, Outcome};
use crate::{import, remediate, report, rules};

/// Runs a parsed command line; `Err` means exit code 2 with the message on stderr.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = cli.command else {
        anyhow::bail!(
            "the interactive dashboard is not built yet; use `aksradar scan --input FILE` or `aksradar remediate --input FILE`"
        );
    };
    if let Command::Info = command {
        return finish(info(cli.config.as_deref(), &mut io::stdout().lock()).map(|()| ExitCode::SUCCESS));
    }
    let config = load_config(cli.config.as_deref())?;
    let today = time::OffsetDateTime::now_utc().date();
    match command {
        Command::Scan(args) => scan(&args, &config, today),
        Command::Remediate(args) => remediate(&args, &config, today),
        Command::Info => unreachable!("handled above"),
    }
}

/// Where aksradar keeps its files, from the `directories` crate.
pub struct Paths {
    pub config_file: PathBuf,
    pub cache_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    pub fn discover() -> Option<Paths> {
        let dirs = directories::ProjectDirs::from("", "", "aksradar")?;
        Some(Paths {
            config_file: dirs.config_dir().join("config.toml"),
            cache_dir: dirs.cache_dir().to_path_buf(),
            state_dir: dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf(),
        })
    }
}

/// The config from `--config` (which must exist) or the default location (which may not).
pub fn load_config(explicit: Option<&Path>) -> anyhow::Result<Config> {
    match explicit {
        Some(path) => Ok(Config::load(path, true)?),
        None => match Paths::discover() {
            Some(paths) => Ok(Config::load(&paths.config_file, false)?),
            None => Ok(Config::default()),
        },
    }
}

/// Reads and merges every input file, then evaluates the rules.
pub fn assess_files(inputs: &[PathBuf], config: &Config, today: Date) -> anyhow::Result<(Vec<Assessed>, Fleet)> {
    let mut fleets = Vec::with_capacity(inputs.len());
    for path in inputs {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read input file {}", path.display()))?;
        fleets.push(import::parse(&bytes, &path.display().to_string())?);
    }
    let mut fleet = import::merge(fleets);
    let clusters = std::mem::take(&mut fleet.clusters);
    Ok((rules::assess(clusters, config, today), fleet))
}

fn scan(args: &ScanArgs, config: &Config, today: Date) -> anyhow::Result<ExitCode> {
    let (assessed, fleet) = assess_files(&args.input.inputs, config, today)?;
    let report = report::Report {
        assessed: &assessed,
        skipped: fleet.skipped,
        errors: &fleet.errors,
        minimum_version: &config.rules.kubernetes_minimum_version,
    };
    let stdout = io::stdout();
    let style = report::Style {
        color: stdout.is_terminal() && color_allowed(),
    };
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = report::write(args.format, &report, style, &mut out).and_then(|()| out.flush());
    let failed = assessed
        .iter()
        .any(|a| a.findings.iter().any(|f| f.outcome == Outcome::Fail));
    let code = if args.fail_on && failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    finish(written.map(|()| code))
}

fn remediate(args: &RemediateArgs, config: &Config, today: Date) -> anyhow::Result<ExitCode> {
    let (assessed, _) = assess_files(&args.input.inputs, config, today)?;
    let failing: Vec<&Assessed> = assessed.iter().filter(|a| a.failing().next().is_some()).collect();
    let text = remediate::render(args.format, &failing, &config.remediation);
    let mut out = io::stdout().lock();
    finish(
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map(|()| ExitCode::SUCCESS),
    )
}

fn info(explicit_config: Option<&Path>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "aksradar {}", env!("CARGO_PKG_VERSION"))?;
    let paths = Paths::discover();
    let config = explicit_config
        .map(Path::to_path_buf)
        .or_else(|| paths.as_ref().map(|p| p.config_file.clone()));
    let describe = |path: Option<&Path>| match path {
        Some(p) if p.exists() => format!("{}", p.display()),
        Some(p) => format!("{} (not present)", p.display()),
        None => "(no home folder found)".to_string(),
    };
    writeln!(out, "config: {}", describe(config.as_deref()))?;
    writeln!(
        out,
        "cache:  {}",
        describe(paths.as_ref().map(|p| p.cache_dir.as_path()))
    )?;
    writeln!(
        out,
        "state:  {}",
        describe(paths.as_ref().map(|p| p.state_dir.as_path()))
    )?;
    Ok(())
}

/// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A closed pipe (`aksradar scan | head`) is how the reader says "enough", not an error.
fn finish(result: io::Result<ExitCode>) -> anyhow::Result<ExitCode> {
    match result {
        Ok(code) => Ok(code),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(err) => Err(anyhow::Error::new(err).context("cannot write the output")),
    }
}
