//! Command-line flags (clap). Parsed first; the real objects are built from them in `cmd`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{AuthMode, Cloud, Source};
use crate::fetch::Overrides;
use crate::{remediate, report, sim};

/// The exit codes, for `--help` (the README has the same list).
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success: everything was read (and, with --fail-on, no finding fails)
  1  --fail-on was given and a finding fails
  2  bad input, config or usage: the message names the file, line or field and what to do
  3  the read was incomplete: a subscription, the subscription list or a requested detail
     could not be read; what was read is still printed, and stderr says what is missing
     (this wins over 1: a gate never passes on a fleet it could not see)";

#[derive(Debug, Parser)]
#[command(
    name = "aksradar",
    version,
    about = "The upgrade posture of an Azure Kubernetes Service fleet",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The dashboard over exported files instead of the live fleet (repeatable).
    #[arg(long = "input", value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags accepted before or after the command.
#[derive(Debug, Args, Default, Clone)]
pub struct GlobalArgs {
    /// Config file to use instead of the default location (see `aksradar info`).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Resource Manager endpoint, e.g. the simulator's http://127.0.0.1:PORT.
    #[arg(long, global = true, value_name = "URL", value_parser = EndpointParser)]
    pub endpoint: Option<String>,

    /// How to sign in.
    #[arg(long, global = true, value_enum)]
    pub auth: Option<AuthMode>,

    /// The Azure cloud.
    #[arg(long, global = true, value_enum)]
    pub cloud: Option<Cloud>,

    /// Where clusters are listed from.
    #[arg(long, global = true, value_enum)]
    pub source: Option<Source>,

    /// Subscriptions read at once (ARM source).
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,

    /// Dashboard: draw without a terminal at this size (e.g. 160x45), feed --keys,
    /// wait for loads to settle, print the screen as text and exit.
    #[arg(long, global = true, value_name = "WIDTHxHEIGHT", value_parser = parse_size)]
    pub render: Option<(u16, u16)>,

    /// Keys for --render: characters as themselves, names in angle brackets
    /// (`/prod<Enter>j<Enter>`, `<Esc>`, `<Tab>`, `<C-c>`, `<lt>` for `<`).
    #[arg(long, global = true, value_name = "KEYS", requires = "render")]
    pub keys: Option<String>,
}

impl GlobalArgs {
    /// The flags that override config for a live read.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            endpoint: self.endpoint.clone(),
            cloud: self.cloud,
            auth: self.auth,
            source: self.source,
            concurrency: self.concurrency.map(usize::from),
        }
    }
}

/// `--endpoint`: a URL a token may be sent to, without a user name or password in
/// it. Its own parser because clap's usual message would repeat the value, password
/// and all.
#[derive(Debug, Clone, Copy)]
pub struct EndpointParser;

impl clap::builder::TypedValueParser for EndpointParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        use clap::error::ErrorKind;
        let text = value
            .to_str()
            .ok_or_else(|| clap::Error::raw(ErrorKind::InvalidUtf8, "--endpoint is not UTF-8\n").with_cmd(cmd))?;
        match crate::config::endpoint_problem(text) {
            None => Ok(text.to_string()),
            Some(problem) => Err(clap::Error::raw(
                ErrorKind::ValueValidation,
                format!("invalid --endpoint: {problem}\n"),
            )
            .with_cmd(cmd)),
        }
    }
}

/// `160x45`.
pub fn parse_size(text: &str) -> Result<(u16, u16), String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{text}` is not a size; write WIDTHxHEIGHT, e.g. 160x45"))?;
    let parse = |v: &str| v.trim().parse::<u16>().ok().filter(|n| (1..=1000).contains(n));
    match (parse(w), parse(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!(
            "`{text}` is not a size; width and height are 1 to 1000, e.g. 160x45"
        )),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The dashboard on the built-in fleet simulator: nothing else needed.
    Demo(DemoArgs),
    /// One non-interactive pass over the fleet: every cluster, every finding.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// The fixes for every failing finding, ready to run or merge.
    #[command(after_help = EXIT_CODES)]
    Remediate(RemediateArgs),
    /// The built-in fleet simulator alone, serving ARM and Resource Graph on 127.0.0.1.
    Simulate(sim::SimulateArgs),
    /// Versions and the paths of the config, cache and log files.
    Info,
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Simulated subscriptions.
    #[arg(long, default_value_t = 20)]
    pub subscriptions: usize,
    /// Simulated clusters in each subscription.
    #[arg(long, default_value_t = 25)]
    pub clusters_per_subscription: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Latency the simulator adds to every request, in milliseconds.
    #[arg(long, default_value_t = 20)]
    pub latency_ms: u64,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// An exported fleet: `az aks list -o json`, `az aks show`, an ARM list response,
    /// a Resource Graph response, PSRule objects or template resources. Repeatable.
    /// Without it, the fleet is read live from Azure.
    #[arg(long = "input", value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Live data: also read every cluster's maintenance configurations, pools'
    /// latest node images and the region's versions (the MaintenanceWindow rule needs them).
    #[arg(long)]
    pub details: bool,

    /// Read only the cache from the last live read: no network.
    #[arg(long, conflicts_with_all = ["inputs", "max_age"])]
    pub offline: bool,

    /// Use the cache when it is younger than this (e.g. 90s, 15m, 2h, 1d), else read live.
    #[arg(long, value_name = "DURATION", value_parser = crate::text::parse_duration)]
    pub max_age: Option<std::time::Duration>,

    /// Only the clusters that match, in the dashboard's filter language
    /// (e.g. "channel:unmanaged,none sub:prod !tag:env=dev"; see the README).
    #[arg(long, value_name = "FILTER")]
    pub filter: Option<String>,
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

    /// Also report what changed since the previous live read (from the history).
    #[arg(long)]
    pub changes: bool,
}

#[derive(Debug, Args)]
pub struct RemediateArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[arg(long, value_enum, default_value_t = remediate::Format::Cli)]
    pub format: remediate::Format,

    /// Also fix clusters whose data is stale (kept from an earlier read because the
    /// latest read of their subscription failed). Left out by default, and said so.
    #[arg(long)]
    pub include_stale: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_width_by_height() {
        assert_eq!(parse_size("160x45"), Ok((160, 45)));
        assert_eq!(parse_size("80X24"), Ok((80, 24)));
        for bad in ["160", "0x10", "x", "160x", "99999x1"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_endpoint_with_a_password_is_a_usage_error_that_does_not_repeat_it() {
        let err =
            Cli::try_parse_from(["aksradar", "--endpoint", "http://user:hunter2@127.0.0.1:9", "scan"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        assert!(text.contains("user name or password"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
