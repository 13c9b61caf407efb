//! Command-line flags (clap). Parsed first; the real objects are built from them in `cmd`.
//!
//! A flag is accepted only by the commands it does something for: `--render` and
//! `--keys` belong to the dashboard (no command, or `demo`), and the flags that reach
//! Azure are refused by the commands that never do (`parse` checks them, so an ignored
//! flag is an error and not a surprise). Completions and the man page are made from
//! these same definitions.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::{AuthMode, Cloud, Source};
use crate::fetch::Overrides;
use crate::model::Rule;
use crate::{remediate, report, sim};

/// The exit codes, for `--help` (the README has the same list).
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success: everything was read (and, with --fail-on, no finding fails)
  1  --fail-on was given and a finding fails
  2  bad input, config or usage: the message names the file, line or field and what to do
  3  the read was incomplete: a subscription, the subscription list or a requested detail
     could not be read; what was read is still printed, and stderr says what is missing
     (this wins over 1: a gate never passes on a fleet it could not see)
  4  apply: a change was refused, failed, or did not show when read back, or a cluster
     changed since the plan was made (this wins over 3)";

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

    #[command(flatten)]
    pub render: RenderArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The headless dashboard: only where there is a dashboard (no command, or `demo`).
#[derive(Debug, Args, Default, Clone)]
pub struct RenderArgs {
    /// Draw the dashboard without a terminal at this size (e.g. 160x45), feed --keys,
    /// wait for loads to settle, print the screen as text and exit.
    #[arg(long, value_name = "WIDTHxHEIGHT", value_parser = parse_size)]
    pub render: Option<(u16, u16)>,

    /// Keys for --render: characters as themselves, names in angle brackets
    /// (`/prod<Enter>j<Enter>`, `<Esc>`, `<Tab>`, `<C-c>`, `<lt>` for `<`).
    #[arg(long, value_name = "KEYS", requires = "render")]
    pub keys: Option<String>,
}

/// The global flags each command does nothing with, by the command's name.
fn unused_globals(command: &str) -> &'static [&'static str] {
    const LIVE: [&str; 5] = ["endpoint", "auth", "cloud", "source", "concurrency"];
    const ALL: [&str; 6] = ["config", "endpoint", "auth", "cloud", "source", "concurrency"];
    match command {
        // The demo reads its own simulator with its own token.
        "demo" => &["endpoint", "auth", "cloud"],
        "info" => &LIVE,
        "simulate" | "completions" | "man" => &ALL,
        _ => &[],
    }
}

impl Cli {
    /// Parses the command line, refusing a global flag the command does nothing with.
    pub fn parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let mut command = Cli::command();
        let matches = command.try_get_matches_from_mut(args)?;
        if let Some((name, sub)) = matches.subcommand() {
            // `--input`, `--render` and `--keys` before a command are the dashboard's:
            // the command would ignore them.
            for (id, flag) in [("inputs", "--input"), ("render", "--render"), ("keys", "--keys")] {
                if matches.value_source(id) == Some(ValueSource::CommandLine) {
                    let hint = match (id, name) {
                        ("render" | "keys", "demo") => "; put it after `demo`",
                        ("inputs", "scan" | "remediate") => "; put it after the command",
                        _ => "",
                    };
                    return Err(command.error(
                        ErrorKind::ArgumentConflict,
                        format!(
                            "{flag} before a command is the dashboard's; `aksradar {name}` does nothing with it{hint}"
                        ),
                    ));
                }
            }
            // The snapshot `info --dump-cache` prints is the endpoint's and the cloud's.
            let dumping = name == "info" && sub.value_source("dump_cache") == Some(ValueSource::CommandLine);
            for id in unused_globals(name) {
                if dumping && matches!(*id, "endpoint" | "cloud") {
                    continue;
                }
                if sub.value_source(id) == Some(ValueSource::CommandLine) {
                    return Err(command.error(
                        ErrorKind::ArgumentConflict,
                        format!("--{id} does nothing for `aksradar {name}`; leave it out"),
                    ));
                }
            }
        }
        Cli::from_arg_matches(&matches)
    }
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

    /// Requests made at once (the lists and the details share them).
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,
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
    /// Apply the fixes to the live fleet over ARM: show the plan, ask, write, verify.
    #[command(after_help = EXIT_CODES)]
    Apply(ApplyArgs),
    /// The built-in fleet simulator alone, serving ARM and Resource Graph on 127.0.0.1.
    Simulate(sim::SimulateArgs),
    /// Versions and the paths of the config, cache and log files.
    Info(InfoArgs),
    /// A shell completion script on standard output, for bash, zsh, fish or powershell.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The man page (roff) on standard output.
    Man,
}

#[derive(Debug, Args, Clone, Default)]
pub struct InfoArgs {
    /// Print the cached fleet as JSON, cluster by cluster as it reads in memory: the
    /// snapshot `scan --offline` reads (of --endpoint and --cloud), or FILE.
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    pub dump_cache: Option<Option<PathBuf>>,
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Simulated subscriptions.
    #[arg(long, default_value_t = 20)]
    pub subscriptions: usize,
    /// Simulated clusters in each subscription.
    #[arg(long, default_value_t = 25)]
    pub clusters_per_subscription: usize,
    /// Seed of the simulated fleet: the same seed always makes the same clusters, so
    /// another seed shows another fleet (and keeps its own cache).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Latency the simulator adds to every request, in milliseconds.
    #[arg(long, default_value_t = 20)]
    pub latency_ms: u64,
    #[command(flatten)]
    pub render: RenderArgs,
}

/// Writes the completion script for `shell`, made from the clap definitions.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    clap_complete::generate(shell, &mut Cli::command(), "aksradar", out);
}

/// Writes the man page, made from the clap definitions.
pub fn man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// An exported fleet: `az aks list -o json`, `az aks show`, an ARM list response,
    /// a Resource Graph response, PSRule objects or template resources. Repeatable.
    /// Without it, the fleet is read live from Azure.
    #[arg(long = "input", value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Live data: skip the details phase (every cluster's maintenance configurations,
    /// upgrade profile, latest node images and region versions, read by default). The
    /// MaintenanceWindow rule is then Unknown, and Kubernetes upgrades have no target.
    #[arg(long, conflicts_with = "details")]
    pub no_details: bool,

    /// The details are read by default; kept so earlier scripts keep working.
    #[arg(long, hide = true)]
    pub details: bool,

    /// Read only the cache from the last live read: no network.
    #[arg(long, conflicts_with_all = ["inputs", "max_age"])]
    pub offline: bool,

    /// Use the cache when it is younger than this (e.g. 90s, 15m, 2h, 1d), else read live.
    #[arg(long, value_name = "DURATION", value_parser = crate::text::parse_duration)]
    pub max_age: Option<std::time::Duration>,

    /// Only the clusters that match, in the dashboard's filter language
    /// (e.g. "channel:unmanaged,none sub:prod !tag:env=dev"; see the README).
    /// A filter may start with `-`: `--filter -x` and `--filter=-x` both work.
    #[arg(long, value_name = "FILTER", allow_hyphen_values = true)]
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

    /// Only the fixes of this rule: its full name, short name or AZR reference
    /// (repeatable). Without it, the rules the filter asks about (fail:/pass: terms,
    /// channel: for NodeAutoUpgrade, upgrade: for AutoUpgrade, k8s: for Version), else
    /// every rule but the Kubernetes upgrades (Version, PoolVersion), which drain every node.
    #[arg(long = "rule", value_name = "RULE", value_parser = parse_rule)]
    pub rules: Vec<Rule>,
}

/// `--rule`: a rule by its full name, short name or reference.
fn parse_rule(text: &str) -> Result<Rule, String> {
    Rule::lookup(text).ok_or_else(|| {
        let known: Vec<String> = Rule::ALL
            .iter()
            .map(|r| format!("{} ({}, {})", r.short_name(), r.name(), r.reference()))
            .collect();
        format!(
            "`{}` is not a rule aksradar checks; use one of: {}",
            crate::text::clip(&crate::text::clean(text), crate::text::ECHO),
            known.join(", ")
        )
    })
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Only the fixes of this rule: its full name, short name or AZR reference
    /// (repeatable). Without it, the rules the filter asks about, else every rule but
    /// the Kubernetes upgrades (Version, PoolVersion), which drain every node and are
    /// applied only when asked for: as `remediate --rule`.
    #[arg(long = "rule", value_name = "RULE", value_parser = parse_rule)]
    pub rules: Vec<Rule>,

    /// Only the clusters that match, in the dashboard's filter language.
    #[arg(long, value_name = "FILTER", allow_hyphen_values = true)]
    pub filter: Option<String>,

    /// Show the plan and send no write (works with apply off in config).
    #[arg(long)]
    pub dry_run: bool,

    /// Apply without asking (needed when standard input is not a terminal).
    #[arg(long)]
    pub yes: bool,

    /// Clusters changed at once (default: config apply.max_parallel).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub max_parallel: Option<u16>,

    /// The result as a table, or as one JSON document.
    #[arg(long, value_enum, default_value_t = ApplyFormat::Table)]
    pub format: ApplyFormat,
}

/// `apply --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApplyFormat {
    Table,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes of `--help` and the rows of the README's exit-code table are the same
    /// list, so neither can gain a code the other lacks.
    #[test]
    fn the_readme_lists_every_exit_code_help_does() {
        let help: Vec<String> = EXIT_CODES
            .lines()
            .filter_map(|l| l.strip_prefix("  "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| w.parse::<u8>().is_ok())
            .map(String::from)
            .collect();
        let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md");
        let table = readme
            .split_once("Exit codes (also in `aksradar --help`):")
            .expect("the exit-code table's heading in README.md")
            .1;
        let rows: Vec<String> = table
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .map(String::from)
            .collect();
        assert_eq!(help, ["0", "1", "2", "3", "4"]);
        assert_eq!(rows, help, "README.md's exit-code table and cli::EXIT_CODES differ");
    }

    #[test]
    fn apply_takes_rules_by_any_name_and_refuses_unknown_ones() {
        let cli = parse("aksradar apply --rule NodeAutoUpgrade --rule azr-000446 --dry-run").unwrap();
        let Some(Command::Apply(args)) = cli.command else {
            panic!("apply");
        };
        assert_eq!(
            args.rules,
            [
                crate::model::Rule::NodeAutoUpgrade,
                crate::model::Rule::MaintenanceWindow
            ]
        );
        assert!(args.dry_run && !args.yes);
        let err = parse("aksradar apply --rule UseRBAC").unwrap_err();
        assert!(err.contains("`UseRBAC` is not a rule"), "{err}");
        assert!(parse("aksradar apply --max-parallel 0").is_err());
        assert!(parse("aksradar apply --max-parallel 16 --format json --yes").is_ok());
    }

    fn parse(line: &str) -> Result<Cli, String> {
        Cli::parse_args(line.split_whitespace()).map_err(|e| e.to_string())
    }

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn render_and_keys_belong_to_the_dashboard_only() {
        for ok in [
            "aksradar --render 80x24",
            "aksradar --render 80x24 --keys jj",
            "aksradar demo --render 80x24 --keys jj",
            "aksradar --input f.json --render 80x24",
        ] {
            assert!(parse(ok).is_ok(), "{ok}: {:?}", parse(ok).err());
        }
        for bad in [
            "aksradar scan --render 80x24",
            "aksradar simulate --render 80x24",
            "aksradar remediate --keys j",
            "aksradar --render 80x24 scan",
            "aksradar --input f.json scan",
            "aksradar info --render 80x24",
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
        for command in ["scan", "remediate", "simulate", "info"] {
            let mut cli = Cli::command();
            let sub = cli.find_subcommand_mut(command).expect("a command");
            let help = sub.render_long_help().to_string();
            assert!(
                !help.contains("--render") && !help.contains("--keys"),
                "{command}: {help}"
            );
        }
    }

    #[test]
    fn global_flags_a_command_ignores_are_refused() {
        for ok in [
            "aksradar --config c.toml scan",
            "aksradar scan --endpoint http://127.0.0.1:1 --auth token",
            "aksradar --endpoint http://127.0.0.1:1 remediate",
            "aksradar demo --concurrency 4 --config c.toml",
            "aksradar info --config c.toml",
        ] {
            assert!(parse(ok).is_ok(), "{ok}: {:?}", parse(ok).err());
        }
        for (bad, flag) in [
            ("aksradar simulate --endpoint http://127.0.0.1:1", "--endpoint"),
            ("aksradar --auth token simulate", "--auth"),
            ("aksradar demo --endpoint http://127.0.0.1:1", "--endpoint"),
            ("aksradar demo --cloud china", "--cloud"),
            ("aksradar info --source graph", "--source"),
            ("aksradar completions bash --config c.toml", "--config"),
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(err.contains(&format!("{flag} does nothing for")), "{bad}: {err}");
        }
    }

    #[test]
    fn every_demo_flag_is_described() {
        let mut cli = Cli::command();
        let demo = cli.find_subcommand_mut("demo").expect("demo");
        for arg in demo.get_arguments() {
            if arg.is_global_set() || arg.get_id() == "help" {
                continue;
            }
            assert!(arg.get_help().is_some(), "demo --{} has no description", arg.get_id());
        }
    }

    #[test]
    fn rules_are_named_by_full_name_short_name_or_reference_and_repeat() {
        let cli = parse("aksradar remediate --rule Version --rule azr-000435 --rule Azure.AKS.PoolVersion").unwrap();
        let Some(Command::Remediate(args)) = cli.command else {
            panic!("remediate")
        };
        assert_eq!(args.rules, [Rule::Version, Rule::NodeAutoUpgrade, Rule::PoolVersion]);
        let err = parse("aksradar remediate --rule UseRBAC").unwrap_err();
        assert!(
            err.contains("`UseRBAC` is not a rule aksradar checks")
                && err.contains("NodeAutoUpgrade (Azure.AKS.NodeAutoUpgrade, AZR-000435)"),
            "{err}"
        );
        assert!(parse("aksradar scan --rule Version").is_err(), "scan has no --rule");
    }

    #[test]
    fn details_are_read_unless_no_details_and_the_old_flag_still_parses() {
        for (line, skip) in [
            ("aksradar scan", false),
            ("aksradar scan --details", false),
            ("aksradar scan --no-details", true),
            ("aksradar remediate --no-details", true),
        ] {
            let cli = parse(line).unwrap();
            let input = match cli.command {
                Some(Command::Scan(args)) => args.input,
                Some(Command::Remediate(args)) => args.input,
                _ => panic!("{line}"),
            };
            assert_eq!(input.no_details, skip, "{line}");
        }
        assert!(parse("aksradar scan --details --no-details").is_err());
    }

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
