//! The commands: read flags, config and files, call the core, write the result.
//!
//! This is the shell around the core: the only place here that touches the file
//! system, the environment, the clock and standard output. Errors are for people;
//! every one maps to exit code 2 in `main`. `scan` and `remediate` return 3 when the
//! read was incomplete (after printing what was read, with a summary on stderr), and
//! `scan --fail-on` 1 when a finding fails. `apply` (in `apply`) returns 4 when a
//! change did not go through.

mod apply;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use time::{Date, OffsetDateTime};
use tokio::sync::mpsc;

use crate::app::saved::Saved;
use crate::app::state::DataSource;
use crate::app::{Keymap, State};
use crate::azure::Environment;
use crate::cache::{Loaded, Snapshot, Store};
use crate::cli::{Cli, Command, DemoArgs, GlobalArgs, InfoArgs, InputArgs, RemediateArgs, RenderArgs, ScanArgs};
use crate::config::Config;
use crate::dashboard::{LiveServices, Services};
use crate::fetch::{self, Live};
use crate::filter::Filter;
use crate::history::{self, History, Record};
use crate::model::{Assessed, Cluster, Fleet, Outcome, Progress};
use crate::sim::{SimOptions, Simulator};
use crate::ui::Theme;
use crate::{calendar, import, remediate, report, rules, sim};

/// Runs a parsed command line; `Err` means exit code 2 with the message on stderr.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = cli.command else {
        let config = load_config(cli.global.config.as_deref())?;
        return dashboard(&cli.global, &cli.render, &cli.inputs, config, None);
    };
    match command {
        Command::Demo(args) => {
            let config = load_config(cli.global.config.as_deref())?;
            let render = args.render.clone();
            dashboard(&cli.global, &render, &[], config, Some(args))
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            crate::cli::completions(shell, &mut out);
            finish(io::stdout().lock().write_all(&out), ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut out = Vec::new();
            crate::cli::man(&mut out)?;
            finish(io::stdout().lock().write_all(&out), ExitCode::SUCCESS)
        }
        Command::Info(InfoArgs { dump_cache: Some(file) }) => {
            let config = load_config(cli.global.config.as_deref())?;
            dump_cache(file.as_deref(), &config, &cli.global)
        }
        Command::Info(_) => finish(
            info(cli.global.config.as_deref(), today(), &mut io::stdout().lock()),
            ExitCode::SUCCESS,
        ),
        Command::Simulate(args) => {
            runtime()?.block_on(sim::run(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Scan(args) => {
            let config = load_config(cli.global.config.as_deref())?;
            scan(&args, &config, &cli.global, time::OffsetDateTime::now_utc())
        }
        Command::Remediate(args) => {
            let config = load_config(cli.global.config.as_deref())?;
            remediate(&args, &config, &cli.global, time::OffsetDateTime::now_utc())
        }
        Command::Apply(args) => {
            let config = load_config(cli.global.config.as_deref())?;
            let file = cli
                .global
                .config
                .clone()
                .or_else(|| Paths::discover().map(|p| p.config_file))
                .map_or_else(
                    || "the config file (see `aksradar info`)".to_string(),
                    |p| p.display().to_string(),
                );
            apply::run(&args, config, &cli.global, &file)
        }
    }
}

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
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

    /// Warnings aksradar could not show anywhere else end up here too.
    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("aksradar.log")
    }

    /// The dashboard's remembered view.
    pub fn saved_view(&self) -> PathBuf {
        self.state_dir.join("dashboard.json")
    }

    /// The record of every write `apply` made (JSON lines, owner-only).
    pub fn audit_log(&self) -> PathBuf {
        self.state_dir.join(apply::AUDIT_LOG)
    }
}

/// The largest remembered view read back; it holds a few names and one filter.
const SAVED_VIEW_LIMIT: u64 = 1 << 20;

/// The dashboard's remembered view, or nothing when the file is missing or unreadable.
/// A file there that is no regular file (a link, a FIFO) or is far too large is moved
/// aside, with a warning.
fn load_saved_view(path: &Path, paths: Option<&Paths>) -> Option<Saved> {
    match crate::disk::read_own(path, SAVED_VIEW_LIMIT) {
        Ok(bytes) => Saved::from_json(&bytes?),
        Err(err) => {
            let what = if err.is_damage() {
                let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
                format!("; {}", crate::disk::set_aside(path, stamp))
            } else {
                String::new()
            };
            warn(
                paths,
                &format!("the dashboard's remembered view is not used: {err}{what}"),
            );
            None
        }
    }
}

/// The config from `--config` (which must exist) or the default location (which may
/// not). Its `[keys]` are resolved here too, so a name that is no command or key stops
/// every command at once, as any other mistake in the file does.
pub fn load_config(explicit: Option<&Path>) -> anyhow::Result<Config> {
    let config = match explicit {
        Some(path) => Config::load(path, true)?,
        None => match Paths::discover() {
            Some(paths) => Config::load(&paths.config_file, false)?,
            None => Config::default(),
        },
    };
    Keymap::with_bindings(&config.keys)?;
    Ok(config)
}

/// A one-line progress bar on stderr, erased when the read ends: the subscriptions
/// listed, then once every list ended the requests of the details phase.
async fn draw_progress(mut events: mpsc::UnboundedReceiver<Progress>) {
    let (mut total, mut done, mut failed, mut clusters) = (0usize, 0usize, 0usize, 0usize);
    let mut details: Option<(usize, usize, usize)> = None;
    let mut waiting = String::new();
    while let Some(event) = events.recv().await {
        match event {
            Progress::Subscriptions { total: n } => total = n,
            Progress::Page { clusters: n, .. } => clusters += n,
            Progress::Done { .. } => {
                done += 1;
                waiting.clear();
            }
            Progress::Failed { .. } => failed += 1,
            Progress::Waiting { seconds, why, .. } => waiting = format!(" (waiting {seconds:.1}s: {why})"),
            Progress::Started { .. } => {}
            // The total grows as lists end and their clusters' details are asked for.
            Progress::Details { total } => details.get_or_insert((0, 0, 0)).0 = total,
            Progress::Detail { failed: bad } => {
                if let Some((_, done, failed)) = &mut details {
                    *done += 1;
                    *failed += usize::from(bad);
                    waiting.clear();
                }
            }
        }
        let bar = |finished: usize, total: usize| {
            let width = 30;
            let filled = (finished * width).checked_div(total).unwrap_or(0);
            format!("{}{}", "#".repeat(filled), " ".repeat(width - filled.min(width)))
        };
        // The phases overlap: a subscription's details are read as soon as its list
        // ends, so the line shows the lists until they all end, then the details.
        let finished = done + failed;
        let line = match details {
            None => format!(
                "[{}] {finished}/{total} subscriptions, {clusters} clusters, {failed} failed{waiting}",
                bar(finished, total)
            ),
            Some((asked, read, _)) if finished < total => format!(
                "[{}] {finished}/{total} subscriptions, {clusters} clusters, {failed} failed; details {read}/{asked} \
                 requests{waiting}",
                bar(finished, total)
            ),
            Some((asked, read, bad)) => format!(
                "[{}] {finished}/{total} subscriptions, {clusters} clusters; details of {clusters} clusters: \
                 {read}/{asked} requests, {bad} failed{waiting}",
                bar(read, asked)
            ),
        };
        let mut stderr = io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K{line}");
        let _ = stderr.flush();
    }
    let _ = write!(io::stderr().lock(), "\r\x1b[2K");
}

/// What a command works on: the assessed clusters, the fleet they came from, and
/// for live data how they were obtained.
pub struct Obtained {
    pub assessed: Vec<Assessed>,
    pub fleet: Fleet,
    /// What the read could not cover, one line each (`fetch::incomplete`); empty for
    /// a complete read and for files.
    pub incomplete: Vec<String>,
    /// The history of this fleet (live data only).
    pub history: Option<History>,
    /// True when the data was read live just now (not from files or the cache).
    pub fresh: bool,
}

/// The rules, then each cluster's upgrade outlook (support, next windows, events,
/// insights) as of `now`, over the whole fleet read.
/// `clusters` are the fleet's (taken out of it); its events end up in the outlooks.
fn assess(fleet: &mut Fleet, clusters: Vec<Arc<Cluster>>, config: &Config, now: OffsetDateTime) -> Vec<Assessed> {
    let mut assessed = rules::assess_shared(clusters, config, now.date());
    let calendar = config.support_calendar();
    let context = calendar::Context::new(now, &calendar, &fleet.regions, None, &config.insights, &assessed);
    // Each cluster's events move into its outlook: the read's list is not kept beside.
    calendar::annotate_with_events(&mut assessed, &context, fleet.events.take());
    assessed
}

/// The fleet from files when any are given, else from the cache or live; then the
/// rules and the upgrade calendar, as of `now`.
pub fn obtain(input: &InputArgs, config: &Config, flags: &GlobalArgs, now: OffsetDateTime) -> anyhow::Result<Obtained> {
    let filter = CliFilter::parse(input.filter.as_deref())?;
    if !input.inputs.is_empty() {
        let mut fleet = read_files(&input.inputs)?;
        let clusters = std::mem::take(&mut fleet.clusters).into_iter().map(Arc::new).collect();
        let mut assessed = assess(&mut fleet, clusters, config, now);
        filter.retain(&mut assessed);
        return Ok(Obtained {
            assessed,
            fleet,
            incomplete: Vec::new(),
            history: None,
            fresh: false,
        });
    }
    let live = Live::new(config, &flags.overrides());
    let key = live.cache_key();
    let paths = Paths::discover();
    let store = paths.as_ref().map(|p| Store::new(&p.cache_dir));
    let history = paths.as_ref().map(|p| History::new(&p.state_dir, &key));
    let cached = match store.as_ref().map(|s| s.load(&key)) {
        Some(Loaded::Hit(snapshot)) => Some(*snapshot),
        Some(Loaded::Unusable(warning)) => {
            warn(paths.as_ref(), &warning);
            None
        }
        Some(Loaded::Miss) | None => None,
    };
    let young = |s: &Snapshot| input.max_age.is_some_and(|max| now - s.saved_at < max);
    let (snapshot, fresh) = match cached {
        Some(snapshot) if input.offline || young(&snapshot) => (snapshot, false),
        None if input.offline => {
            let dir = store
                .as_ref()
                .map_or_else(|| "(no cache folder)".to_string(), |s| s.dir().display().to_string());
            anyhow::bail!(
                "--offline: no cached fleet for {} in {dir}; run `aksradar scan` once with network access to make one",
                live.endpoint
            );
        }
        previous => {
            let snapshot = runtime()?.block_on(read_live(
                &live,
                &Environment::from_process(),
                !input.no_details,
                previous,
                &key,
            ))?;
            if let Some(store) = &store
                && let Err(err) = store.save(&snapshot)
            {
                warn(
                    paths.as_ref(),
                    &format!("cannot write the cache in {}: {err}", store.dir().display()),
                );
            }
            (snapshot, true)
        }
    };
    // The clusters stay as the snapshot shares them: nothing is copied to assess them.
    let (mut fleet, clusters) = snapshot.into_parts();
    let incomplete = fetch::incomplete_of(&fleet, &clusters);
    let mut assessed = assess(&mut fleet, clusters, config, now);
    if fresh && let Some(history) = &history {
        match history.append(&Record::of(&assessed, now)) {
            Ok(None) => {}
            Ok(Some(warning)) => warn(paths.as_ref(), &warning),
            Err(err) => warn(
                paths.as_ref(),
                &format!("cannot write the history {}: {err}", history.path().display()),
            ),
        }
    }
    // The history records the whole read; the filter only narrows what is reported.
    filter.retain(&mut assessed);
    Ok(Obtained {
        assessed,
        fleet,
        incomplete,
        history,
        fresh,
    })
}

/// `--filter`, parsed before anything is read so a typo costs nothing.
struct CliFilter(Option<Filter>);

impl CliFilter {
    fn parse(text: Option<&str>) -> anyhow::Result<CliFilter> {
        match text {
            Some(text) => Filter::parse(text)
                .map(|f| CliFilter(Some(f)))
                .map_err(|e| anyhow::anyhow!("--filter {e}")),
            None => Ok(CliFilter(None)),
        }
    }

    fn retain(&self, assessed: &mut Vec<Assessed>) {
        if let Some(filter) = &self.0 {
            assessed.retain(|item| filter.matches_item(item));
        }
    }
}

/// Reads the fleet live, merged with the previous snapshot. Progress is drawn on
/// stderr when it is a terminal.
async fn read_live(
    live: &Live,
    env: &Environment,
    details: bool,
    previous: Option<Snapshot>,
    key: &str,
) -> anyhow::Result<Snapshot> {
    let (events, received) = mpsc::unbounded_channel();
    let client = Arc::new(live.client(env)?.with_events(events.clone()));
    let drawer = io::stderr()
        .is_terminal()
        .then(|| tokio::spawn(draw_progress(received)));
    let mut snapshot = fetch::refresh(
        client.clone(),
        &live.request,
        details,
        Some(&events),
        // Called when a merge needs the earlier read: a failed subscription, a failed
        // detail (at most twice, so it is copied; nothing is copied when all is read).
        || std::future::ready(previous.clone()),
        key,
        time::OffsetDateTime::now_utc,
    )
    .await;
    let texts = crate::model::Interner::new();
    fetch::events(&client, &mut snapshot, &|| std::future::ready(previous.clone()), texts).await;
    // The drawer ends when the last sender goes: the client holds one too.
    drop(client);
    drop(events);
    if let Some(drawer) = drawer {
        let _ = drawer.await;
    }
    Ok(snapshot)
}

/// The dashboard: over files, the live fleet, or the demo's simulator.
fn dashboard(
    flags: &GlobalArgs,
    render: &RenderArgs,
    inputs: &[PathBuf],
    config: Config,
    demo: Option<DemoArgs>,
) -> anyhow::Result<ExitCode> {
    let keys = match &render.keys {
        Some(text) => crate::app::keymap::parse_keys(text).map_err(anyhow::Error::msg)?,
        None => Vec::new(),
    };
    let mut config = config;
    if demo.is_some() {
        // The demo's fleet is the simulator's: applying to it changes nothing real.
        config.apply.enabled = true;
    }
    let config = Arc::new(config);
    let now = time::OffsetDateTime::now_utc();
    let paths = Paths::discover();
    runtime()?.block_on(async move {
        // The demo's simulator lives as long as the dashboard.
        let mut simulator = None;
        let services = Services {
            live: None,
            config: config.clone(),
            in_tmux: std::env::var_os("TMUX").is_some(),
            write_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        };
        let (state, services) = if !inputs.is_empty() {
            let fleet = read_files(inputs)?;
            let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
            let mut state = State::new(config.clone(), DataSource::Files(names.clone()), now);
            state.fleet_key = format!("files|{}", names.join("|"));
            state.errors = fleet.errors;
            state.skipped = fleet.skipped;
            state.duplicates = fleet.duplicates;
            // The upgrade calendar as `scan` works it out from the same files.
            state.regions = fleet.regions;
            state.events = fleet.events;
            state.set_fleet(rules::assess(fleet.clusters, &config, now.date()));
            (state, services)
        } else {
            let (live, env, key, data_source) = match &demo {
                Some(args) => {
                    let options = SimOptions {
                        subscriptions: args.subscriptions,
                        clusters_per_subscription: args.clusters_per_subscription,
                        seed: args.seed,
                        latency_ms: args.latency_ms,
                        record_requests: false,
                        ..SimOptions::default()
                    };
                    let sim = Simulator::start("127.0.0.1:0".parse().expect("loopback"), options)
                        .await
                        .context("cannot start the built-in simulator")?;
                    let mut live = Live::new(&config, &flags.overrides());
                    live.endpoint = sim.url();
                    live.cloud = crate::config::Cloud::Public;
                    live.auth = crate::config::AuthMode::Token;
                    live.tenant = None;
                    live.request.subscriptions.clear();
                    simulator = Some(sim);
                    let env = Environment::from_pairs([("AKSRADAR_TOKEN", "simulator")]);
                    // Its own cache file: the user's own fleet's cache is untouched.
                    let key = format!(
                        "demo|{}|{}|{}",
                        args.seed, args.subscriptions, args.clusters_per_subscription
                    );
                    (live, env, key, DataSource::Demo)
                }
                None => {
                    let live = Live::new(&config, &flags.overrides());
                    let key = live.cache_key();
                    let data_source = DataSource::Arm {
                        endpoint: live.endpoint.clone(),
                    };
                    (live, Environment::from_process(), key, data_source)
                }
            };
            let trust = live.trust(&env)?;
            let credentials = Arc::new(live.credentials(&env, &trust)?);
            let store = paths.as_ref().map(|p| Store::new(&p.cache_dir));
            let history = paths.as_ref().map(|p| History::new(&p.state_dir, &key));
            let mut state = State::new(config.clone(), data_source, now);
            state.fleet_key = key.clone();
            let mut live = LiveServices::new(live, credentials, trust, store, history, key)?;
            if let Some(paths) = &paths {
                live = live.with_audit_log(paths.audit_log());
            }
            state.cloud = live.live.cloud;
            if let Some(snapshot) = live.cached() {
                crate::app::update::apply_snapshot(&mut state, snapshot);
                state.status = None;
            }
            (
                state,
                Services {
                    live: Some(live),
                    ..services
                },
            )
        };
        let keymap = Keymap::with_bindings(&config.keys)?;
        let saved_path = paths.as_ref().map(Paths::saved_view);
        let mut state = state;
        if let Some(saved) = saved_path
            .as_deref()
            .and_then(|path| load_saved_view(path, paths.as_ref()))
        {
            saved.apply(&mut state);
        }
        let result = match render.render {
            Some((width, height)) => {
                let screen = crate::dashboard::headless(state, keymap, services, width, height, &keys).await?;
                let mut out = io::stdout().lock();
                finish(
                    out.write_all(screen.as_bytes()).and_then(|()| out.flush()),
                    ExitCode::SUCCESS,
                )
            }
            None => {
                let theme = Theme { color: color_allowed() };
                let state = crate::dashboard::interactive(state, keymap, services, theme).await?;
                // Other fleets' filters stay as they were saved.
                let mut saved = saved_path
                    .as_deref()
                    .and_then(|p| load_saved_view(p, paths.as_ref()))
                    .unwrap_or_default();
                saved.remember(&state);
                if let Some(path) = &saved_path
                    && let Err(err) = crate::cache::write_atomic(path, &saved.to_json())
                {
                    warn(
                        paths.as_ref(),
                        &format!("cannot remember the dashboard's view in {}: {err}", path.display()),
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
        };
        if let Some(sim) = simulator {
            sim.stop().await;
        }
        result
    })
}

/// A warning on stderr (one line) and in the log file. The log is appended only when
/// it is a regular file in a real state folder: never through a link, never into a FIFO.
/// The warnings log's size before it is rotated to `aksradar.log.1`.
const LOG_LIMIT: u64 = 1 << 20;

fn warn(paths: Option<&Paths>, message: &str) {
    let message = crate::text::clean(message);
    eprintln!("aksradar: warning: {message}");
    if let Some(paths) = paths {
        let line = format!(
            "{} warning {message}\n",
            time::OffsetDateTime::now_utc().unix_timestamp()
        );
        if let Err(err) = crate::disk::append_log(&paths.log_file(), line.as_bytes(), LOG_LIMIT) {
            let err = err.to_string();
            eprintln!(
                "aksradar: warning: the warning above is not in the log: {}",
                crate::text::clean(&err)
            );
        }
    }
}

/// Reads and merges exported files (`-` is standard input), each a regular file of at
/// most `disk::INPUT_LIMIT` bytes. Clusters read twice and clusters whose id does not
/// read are summed up on stderr; the report has them too.
pub fn read_files(inputs: &[PathBuf]) -> anyhow::Result<Fleet> {
    let mut fleets = Vec::with_capacity(inputs.len());
    for path in inputs {
        let bytes = crate::disk::read_input(path, crate::disk::INPUT_LIMIT)?;
        fleets.push(import::parse(&bytes, &path.display().to_string())?);
    }
    let fleet = import::merge(fleets);
    if fleet.duplicates > 0 {
        eprintln!(
            "aksradar: {} repeated an id read before; the later copy of each cluster is kept",
            crate::text::count(fleet.duplicates, "cluster")
        );
    }
    let unusable = fleet
        .errors
        .iter()
        .filter(|e| e.code.as_deref() == Some(import::INVALID_ID))
        .count();
    if unusable > 0 {
        eprintln!(
            "aksradar: {} left out: the id does not read (see the errors in the report)",
            crate::text::count(unusable, "cluster")
        );
    }
    Ok(fleet)
}

fn scan(args: &ScanArgs, config: &Config, flags: &GlobalArgs, now: OffsetDateTime) -> anyhow::Result<ExitCode> {
    let Obtained {
        mut assessed,
        fleet,
        incomplete,
        history,
        ..
    } = obtain(&args.input, config, flags, now)?;
    // The dashboard's default order: what needs attention first.
    report::worst_first(&mut assessed);
    let changes = if args.changes {
        let Some(history) = &history else {
            anyhow::bail!("--changes needs live data: the history is kept for live reads, not for --input files");
        };
        // The history only adds to the report: when it cannot be read, the report
        // still comes, with a warning in place of the changes.
        match history.records() {
            Ok(records) => match records.as_slice() {
                [.., before, after] => Some(history::diff(before, after)),
                _ => None,
            },
            Err(err) => {
                warn(
                    Paths::discover().as_ref(),
                    &format!(
                        "no --changes: cannot read the history {}: {err}",
                        history.path().display()
                    ),
                );
                None
            }
        }
    } else {
        None
    };
    let report = report::Report {
        assessed: &assessed,
        skipped: fleet.skipped,
        duplicates: fleet.duplicates,
        errors: &fleet.errors,
        minimum_version: &config.rules.kubernetes_minimum_version,
        changes: changes.as_ref(),
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
    say(&incomplete);
    // The process ends here: freeing a large fleet piece by piece would only cost time.
    std::mem::forget(assessed);
    std::mem::forget(fleet);
    finish(written, exit_code(&incomplete, args.fail_on && failed))
}

/// 3 when the read was incomplete, whatever else (a gate must not pass on a fleet it
/// could not see, and 3 says why it did not); 1 when a gate's finding fails; else 0.
fn exit_code(incomplete: &[String], failing: bool) -> ExitCode {
    if !incomplete.is_empty() {
        ExitCode::from(3)
    } else if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Lines for stderr, each as `aksradar: ...`, whatever the output format.
fn say(lines: &[String]) {
    let mut stderr = io::stderr().lock();
    for line in lines {
        let _ = writeln!(stderr, "aksradar: {}", crate::text::clean(line));
    }
}

fn remediate(
    args: &RemediateArgs,
    config: &Config,
    flags: &GlobalArgs,
    now: OffsetDateTime,
) -> anyhow::Result<ExitCode> {
    let Obtained {
        assessed, incomplete, ..
    } = obtain(&args.input, config, flags, now)?;
    let failing: Vec<&Assessed> = assessed.iter().filter(|a| a.failing().next().is_some()).collect();
    // Stale data is from an earlier read: the cluster may have changed or gone since,
    // and its subscription just refused or failed us. No command for it unless asked.
    let stale = failing.iter().filter(|a| a.cluster.stale).count();
    let (included, notes): (Vec<&Assessed>, Vec<String>) = if stale == 0 {
        (failing, Vec::new())
    } else if args.include_stale {
        (failing, vec![remediate::stale_note(stale, true)])
    } else {
        let fresh = failing.into_iter().filter(|a| !a.cluster.stale).collect();
        (fresh, vec![remediate::stale_note(stale, false)])
    };
    // The rules asked for: by --rule, else by the filter, else all but the upgrades.
    let asked = if args.rules.is_empty() {
        args.input
            .filter
            .as_deref()
            .and_then(|text| Filter::parse(text).ok())
            .map(|filter| filter.rules_asked())
            .unwrap_or_default()
    } else {
        args.rules.clone()
    };
    let request = remediate::Request {
        format: args.format,
        scope: remediate::Scope::asked(&asked),
        minimum: &config.rules.kubernetes_minimum_version,
        notes: &notes,
    };
    let text = remediate::render_request(&request, &included, &config.remediation);
    let mut out = io::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    say(&notes);
    say(&incomplete);
    finish(written, exit_code(&incomplete, false))
}

/// `info --dump-cache`: a snapshot file (`file`, else the one `scan --offline` reads)
/// printed as plain JSON, the clusters as objects.
fn dump_cache(file: Option<&Path>, config: &Config, flags: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let path = match file {
        Some(path) => path.to_path_buf(),
        None => {
            let live = Live::new(config, &flags.overrides());
            let paths = Paths::discover().context("no home folder: name the snapshot file after --dump-cache")?;
            Store::new(&paths.cache_dir).path(&live.cache_key())
        }
    };
    let bytes = crate::disk::read_own(&path, crate::cache::SNAPSHOT_LIMIT)
        .with_context(|| format!("cannot read the snapshot {}", path.display()))?
        .with_context(|| {
            format!(
                "no snapshot at {}; run `aksradar scan` once to make one, or name a file after --dump-cache",
                path.display()
            )
        })?;
    let snapshot = match crate::cache::read_any_snapshot(&bytes) {
        Ok(snapshot) => snapshot,
        Err(crate::cache::Unreadable::Schema(schema)) => anyhow::bail!(
            "{} is a snapshot of schema {schema}; this aksradar reads schema {}",
            path.display(),
            crate::cache::SCHEMA_VERSION
        ),
        Err(crate::cache::Unreadable::Damaged(why)) => {
            anyhow::bail!("{} is not a snapshot aksradar can read: {why}", path.display())
        }
    };
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, &snapshot)
        .map_err(io::Error::other)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    finish(written, ExitCode::SUCCESS)
}

fn info(explicit_config: Option<&Path>, today: Date, out: &mut dyn Write) -> io::Result<()> {
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
    writeln!(
        out,
        "audit:  {}",
        describe(paths.as_ref().map(Paths::audit_log).as_deref())
    )?;
    // The config, when it loads, may add support dates over the built-in calendar.
    let overrides = config
        .as_deref()
        .filter(|p| p.exists())
        .and_then(|p| Config::load(p, true).ok())
        .map(|c| c.support)
        .unwrap_or_default();
    for line in support_calendar_lines(crate::config::built_in_support_calendar(), &overrides, today) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// What `info` says of the support calendar: how old the built-in one is, what it
/// covers and where it was read, and what config changes.
fn support_calendar_lines(
    calendar: &crate::model::SupportCalendar,
    overrides: &crate::config::SupportOverrides,
    today: Date,
) -> Vec<String> {
    use crate::model::support::minor_text;
    let mut lines = Vec::new();
    let span = match (calendar.minors.keys().next(), calendar.minors.keys().next_back()) {
        (Some(first), Some(last)) => format!("{}-{}", minor_text(*first), minor_text(*last)),
        _ => "no minors".to_string(),
    };
    let age = calendar.read().map_or_else(
        || "never read".to_string(),
        |read| format!("read {read}, {} days ago", (today - read).whole_days()),
    );
    lines.push(format!(
        "support calendar: built in ({}), {age}; Kubernetes {span}",
        crate::config::support::BUILT_IN_FILE
    ));
    for (name, source) in &calendar.sources {
        lines.push(format!(
            "  {name}: {} ({}), read {}",
            source.page,
            source.revision.as_deref().unwrap_or("revision unknown"),
            source.read
        ));
    }
    if !overrides.0.is_empty() {
        let minors: Vec<String> = overrides.0.iter().map(|o| minor_text(o.minor)).collect();
        lines.push(format!("  config [support] changes: {}", minors.join(", ")));
    }
    lines
}

/// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `code` once the output is written. A closed pipe (`aksradar scan | head`) is how
/// the reader says "enough", not an error: the code stays what the read earned.
fn finish(written: io::Result<()>, code: ExitCode) -> anyhow::Result<ExitCode> {
    match written {
        Ok(()) => Ok(code),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(code),
        Err(err) => Err(anyhow::Error::new(err).context("cannot write the output")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_tells_the_support_calendar_s_age_and_config_s_changes() {
        let calendar = crate::config::built_in_support_calendar();
        let today = time::macros::date!(2026 - 12 - 09);
        let none = support_calendar_lines(calendar, &Default::default(), today);
        assert_eq!(
            none[0],
            "support calendar: built in (assets/kubernetes-support.toml), read 2026-11-29, 10 days ago; Kubernetes 1.27-1.37"
        );
        assert!(
            none.iter()
                .any(|l| l.contains("https://learn.microsoft.com/azure/aks/supported-kubernetes-versions")),
            "{none:?}"
        );
        let config = Config::parse("[support.\"1.38\"]\nend = \"2028-01\"\n", Path::new("c.toml")).unwrap();
        let lines = support_calendar_lines(calendar, &config.support, today);
        assert_eq!(lines.last().unwrap(), "  config [support] changes: 1.38");
    }

    #[test]
    fn the_remembered_view_survives_a_round_trip_and_a_bad_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_file: dir.path().join("config.toml"),
            cache_dir: dir.path().join("cache"),
            state_dir: dir.path().to_path_buf(),
        };
        let path = paths.saved_view();
        assert_eq!(load_saved_view(&path, None), None, "no file yet");
        let saved = Saved {
            view: "posture".into(),
            sort: "name".into(),
            descending: false,
            fleets: [(
                "demo|1|20|25".to_string(),
                crate::app::saved::FleetView {
                    filter: "eastus".into(),
                    only_failing: true,
                    filter_history: vec!["eastus".into()],
                },
            )]
            .into(),
        };
        crate::cache::write_atomic(&path, &saved.to_json()).unwrap();
        assert_eq!(load_saved_view(&path, None), Some(saved));
        std::fs::write(&path, b"{ not json").unwrap();
        assert_eq!(load_saved_view(&path, None), None, "a damaged file is ignored");
    }
}
