//! Command-line flags (clap). Parsed first; the real objects are built from them in `cmd`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::{remediate, report};

#[derive(Debug, Parser)]
#[command(
    name = "aksradar",
    version,
    about = "The upgrade posture of an Azure Kubernetes Service fleet"
)]
pub struct Cli {
    /// Config file to use instead of the default location (see `aksradar info`).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One non-interactive pass over the fleet: every cluster, every finding.
    Scan(ScanArgs),
    /// The fixes for every failing finding, ready to run or merge.
    Remediate(RemediateArgs),
    /// Versions and the paths of the config, cache and log files.
    Info,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// An exported fleet: `az aks list -o json`, `az aks show`, an ARM list response,
    /// a Resource Graph response, PSRule objects or template resources. Repeatable.
    #[arg(long = "input", value_name = "FILE", required = true)]
    pub inputs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[arg(long, value_enum, default_value_t = report::Format::Table)]
    pub format: report::Format,

    /// Exit with code 1 when any finding fails (after printing the report).
    #[arg(long)]
    pub fail_on: bool,
}

#[derive(Debug, Args)]
pub struct RemediateArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[arg(long, value_enum, default_value_t = remediate::Format::Cli)]
    pub format: remediate::Format,
}
