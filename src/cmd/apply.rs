//! `aksradar apply`: read the fleet live (the list and every cluster's details, as
//! `scan` does), plan the clusters the filter keeps for the rules asked for, show the
//! plan, ask (or take `--yes`), apply it with progress on stderr, and print each
//! change's result.
//!
//! Refused before anything is read when config does not allow writing (unless
//! `--dry-run`), or when there is nobody to ask and no `--yes`. Nothing is written
//! without an audit log to record it. Exit codes: 0 when every change was applied and
//! read back, 4 when one was refused, failed, did not show or its cluster changed
//! meanwhile, 3 when the read was incomplete (and nothing failed), 2 as elsewhere.

use std::collections::HashMap;
use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{CliFilter, Paths, finish, say};
use crate::apply::{Audit, Options, Planner};
use crate::azure::Environment;
use crate::cli::{ApplyArgs, ApplyFormat, GlobalArgs};
use crate::config::Config;
use crate::fetch::{self, Live};
use crate::remediate::Scope;
use crate::remediate::outcome::{ChangeState, ClusterResult, Ending, Event};
use crate::remediate::plan::{self, Change, Plan};
use crate::text::{clean, count};

/// The audit log's name in the state folder.
pub const AUDIT_LOG: &str = "apply-audit.jsonl";

/// What the read found: the plans (in order), and what the read could not cover.
struct Planned {
    plans: Vec<Plan>,
    incomplete: Vec<String>,
    /// Subscription display names, by id (lower case).
    names: HashMap<String, String>,
}

pub fn run(args: &ApplyArgs, config: Config, flags: &GlobalArgs, config_file: &str) -> anyhow::Result<ExitCode> {
    let filter = CliFilter::parse(args.filter.as_deref())?;
    if !args.dry_run && !config.apply.enabled {
        anyhow::bail!(crate::config::apply_disabled(config_file));
    }
    if !args.dry_run && !args.yes && !io::stdin().is_terminal() {
        anyhow::bail!(
            "apply asks before it changes anything, and standard input is not a terminal to ask on: pass --yes to \
             apply without asking (look at the plan with --dry-run first)"
        );
    }
    let paths = Paths::discover();
    let mut options = Options::from(&config.apply);
    if let Some(n) = args.max_parallel {
        options.max_parallel = usize::from(n);
    }
    // The rules asked for: by --rule, else by the filter, else all but the upgrades
    // (as `remediate` scopes its fixes).
    let asked = if args.rules.is_empty() {
        filter.0.as_ref().map(|f| f.rules_asked()).unwrap_or_default()
    } else {
        args.rules.clone()
    };
    let config = Arc::new(config);
    let planner = Arc::new(Planner {
        config: config.clone(),
        scope: Scope::asked(&asked),
        clock: time::OffsetDateTime::now_utc,
    });
    let live = Live::new(&config, &flags.overrides());
    super::runtime()?.block_on(async move {
        let client = Arc::new(live.client(&Environment::from_process())?);
        let planned = plan(&live, &client, &planner, &filter).await;
        let json = args.format == ApplyFormat::Json;
        let (clusters, changes) = plan::totals(&planned.plans);
        // The plan goes where a person reads it: stdout for the table, stderr beside JSON.
        let plan_text = render_plan(&planned);
        if args.dry_run {
            let written = if json {
                write_out(&document(true, &planned, &[]))
            } else {
                write_out(&plan_text)
            };
            say(&planned.incomplete);
            return finish(written, exit_code(&[], &planned));
        }
        if json {
            eprint!("{plan_text}");
        } else {
            finish(write_out(&plan_text), ExitCode::SUCCESS)?;
        }
        if clusters == 0 {
            eprintln!("aksradar: nothing to apply");
            if json {
                finish(write_out(&document(false, &planned, &[])), ExitCode::SUCCESS)?;
            }
            say(&planned.incomplete);
            return Ok(exit_code(&[], &planned));
        }
        if !args.yes && !confirmed(clusters, changes)? {
            eprintln!("aksradar: nothing was applied");
            return Ok(ExitCode::SUCCESS);
        }
        let Some(paths) = paths else {
            anyhow::bail!("no home folder, so no state folder for the audit log; nothing was applied");
        };
        let audit_path = paths.state_dir.join(AUDIT_LOG);
        let who = client.identity().await;
        let audit = Audit::open(audit_path.clone(), who, time::OffsetDateTime::now_utc).map_err(|e| {
            anyhow::anyhow!(
                "cannot keep the audit log {}: {e}; nothing was applied",
                audit_path.display()
            )
        })?;
        let plans: Vec<Plan> = planned
            .plans
            .iter()
            .filter(|p| !p.changes.is_empty())
            .cloned()
            .collect();
        let (events, received) = mpsc::unbounded_channel();
        let printer = tokio::spawn(print_progress(received, plans.clone()));
        let (_control, listen) = mpsc::unbounded_channel();
        let results = crate::apply::apply(client, planner, plans, options, Some(Arc::new(audit)), events, listen).await;
        let _ = printer.await;
        let written = if json {
            write_out(&document(false, &planned, &results))
        } else {
            write_out(&render_results(&results))
        };
        say(&summary(&results));
        say(&planned.incomplete);
        finish(written, exit_code(&results, &planned))
    })
}

/// Reads the fleet (the list, then every cluster's details), narrows it to the
/// clusters the filter keeps, and plans them. The engine reads each cluster once more
/// before it writes, so a plan confirmed here is never applied to a cluster that has
/// moved since.
async fn plan(
    live: &Live,
    client: &Arc<crate::azure::ArmClient>,
    planner: &Arc<Planner>,
    filter: &CliFilter,
) -> Planned {
    let (events, received) = mpsc::unbounded_channel();
    let drawer = io::stderr()
        .is_terminal()
        .then(|| tokio::spawn(super::draw_progress(received)));
    let reader = Arc::new(client.with_events(events.clone()));
    // Nothing from earlier reads: a cluster that cannot be read now is not planned.
    let nothing_earlier = || std::future::ready(None);
    let mut snapshot = fetch::list(
        reader.clone(),
        &live.request,
        Some(&events),
        &nothing_earlier,
        &live.cache_key(),
        (planner.clock)(),
    )
    .await;
    fetch::details(
        reader,
        &mut snapshot,
        live.request.concurrency,
        Some(&events),
        &nothing_earlier,
        (planner.clock)(),
    )
    .await;
    drop(events);
    if let Some(drawer) = drawer {
        let _ = drawer.await;
    }
    let fleet = snapshot.into_fleet();
    let incomplete = fetch::incomplete(&fleet);
    let names: HashMap<String, String> = fleet
        .subscriptions
        .iter()
        .filter_map(|s| Some((s.id.to_ascii_lowercase(), s.name.clone()?)))
        .collect();
    let mut assessed = crate::rules::assess(fleet.clusters, &planner.config, (planner.clock)().date());
    filter.retain(&mut assessed);
    let mut plans: Vec<Plan> = planner
        .plans(&assessed)
        .into_iter()
        .filter(|p| !p.changes.is_empty() || !p.left_out.is_empty())
        .collect();
    plans.sort_by(|a, b| {
        let key = |p: &Plan| {
            (
                p.cluster.subscription_id.to_ascii_lowercase(),
                p.cluster.resource_group.to_ascii_lowercase(),
                p.cluster.name.to_ascii_lowercase(),
            )
        };
        key(a).cmp(&key(b))
    });
    Planned {
        plans,
        incomplete,
        names,
    }
}

fn write_out(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush())
}

/// Asks on the terminal, and whether the answer was the one asked for.
fn confirmed(clusters: usize, changes: usize) -> anyhow::Result<bool> {
    let want = plan::go_ahead_word(clusters);
    eprint!(
        "Apply {} to {}? Type {want} to go ahead, anything else stops: ",
        count(changes, "change"),
        count(clusters, "cluster")
    );
    io::stderr().flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim() == want)
}

/// The plan, for people: the totals, then the plans as the dashboard shows them too.
fn render_plan(planned: &Planned) -> String {
    let (clusters, changes) = plan::totals(&planned.plans);
    let mut out = format!(
        "aksradar apply: {} on {}\n",
        count(changes, "change"),
        count(clusters, "cluster")
    );
    let name = |id: &str| planned.names.get(&id.to_ascii_lowercase()).cloned();
    let lines = plan::describe(&planned.plans, name);
    if !lines.is_empty() {
        out.push('\n');
    }
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// Progress on stderr, one line per step that matters, as the engine reports it.
async fn print_progress(mut events: mpsc::UnboundedReceiver<Event>, plans: Vec<Plan>) {
    let names: HashMap<String, (String, Vec<String>)> = plans
        .iter()
        .map(|p| {
            let changes = p.changes.iter().map(Change::to_string).collect();
            (p.cluster.id.clone(), (clean(&p.cluster.name).into_owned(), changes))
        })
        .collect();
    let name = |id: &str| names.get(id).map_or_else(|| clean(id).into_owned(), |n| n.0.clone());
    while let Some(event) = events.recv().await {
        // What a person follows: operations as they start, what did not go through,
        // and each cluster's end; the rest is in the result table.
        let line = match event {
            Event::Change { cluster, index, state } => {
                let change = names
                    .get(&cluster)
                    .and_then(|n| n.1.get(index))
                    .cloned()
                    .unwrap_or_default();
                match &state {
                    ChangeState::Running { operation: Some(op) } => {
                        format!("{}: {change}: running (operation {})", name(&cluster), clean(op))
                    }
                    ChangeState::Failed { .. } | ChangeState::NotVerified { .. } | ChangeState::Skipped { .. } => {
                        let detail = state.detail().unwrap_or_default();
                        format!("{}: {change}: {}: {}", name(&cluster), state.label(), clean(&detail))
                    }
                    _ => continue,
                }
            }
            Event::Waiting {
                cluster,
                seconds,
                why,
                busy: true,
            } => {
                format!("{}: waiting {seconds:.0} s: {why}", name(&cluster))
            }
            Event::Started { .. } | Event::Waiting { .. } => continue,
            Event::Warning { message } => format!("warning: {}", clean(&message)),
            Event::Finished(result) => {
                let cluster = name(&result.plan.cluster.id);
                match &result.ending {
                    Ending::Changed { why, .. } => format!("{cluster}: not applied: {}", clean(why)),
                    Ending::Verified => format!(
                        "{cluster}: done, {} applied and verified",
                        count(result.plan.changes.len(), "change")
                    ),
                    Ending::Failed => format!("{cluster}: failed"),
                    Ending::Cancelled => format!("{cluster}: cancelled"),
                }
            }
        };
        let _ = writeln!(io::stderr().lock(), "aksradar: {line}");
    }
}

/// The result table: one row per change.
fn render_results(results: &[ClusterResult]) -> String {
    let mut rows: Vec<[String; 4]> = vec![["CLUSTER".into(), "CHANGE".into(), "RESULT".into(), "DETAIL".into()]];
    for result in results {
        for (change, state) in result.plan.changes.iter().zip(&result.states) {
            let detail = match (state.detail(), state.operation()) {
                (Some(detail), _) => detail,
                (None, Some(op)) => format!("operation {op}"),
                (None, None) => String::new(),
            };
            rows.push([
                clean(&result.plan.cluster.name).into_owned(),
                change.to_string(),
                state.label().to_string(),
                clean(&detail).into_owned(),
            ]);
        }
    }
    let widths: Vec<usize> = (0..3)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, width) in widths.iter().enumerate() {
            line.push_str(&row[i]);
            line.push_str(&" ".repeat(width - row[i].chars().count() + 2));
        }
        line.push_str(&row[3]);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for result in results {
        if let Ending::Changed { plan, why } = &result.ending {
            out.push_str(&format!("\n{}: {}\n", clean(&result.plan.cluster.name), clean(why)));
            for change in &plan.changes {
                out.push_str(&format!("  now planned: {change}\n"));
            }
        }
    }
    out
}

/// One line for stderr: how the apply went.
fn summary(results: &[ClusterResult]) -> Vec<String> {
    let count_of = |wanted: fn(&Ending) -> bool| results.iter().filter(|r| wanted(&r.ending)).count();
    let verified = count_of(|e| *e == Ending::Verified);
    let failed = count_of(|e| *e == Ending::Failed);
    let changed = count_of(|e| matches!(e, Ending::Changed { .. }));
    let mut line = format!("{} applied and verified, {failed} failed", count(verified, "cluster"));
    if changed > 0 {
        line.push_str(&format!(
            ", {changed} changed since the plan was made (run apply again to see and confirm their new plan)"
        ));
    }
    vec![line]
}

/// 4 when anything was not applied and verified; else 3 when the read was incomplete.
fn exit_code(results: &[ClusterResult], planned: &Planned) -> ExitCode {
    if results.iter().any(|r| !r.verified()) {
        ExitCode::from(4)
    } else if !planned.incomplete.is_empty() {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

fn change_json(change: &Change) -> Value {
    json!({
        "rule": change.rule.name(),
        "property": change.property(),
        "from": change.from(),
        "to": change.to(),
    })
}

/// The plan and, after an apply, each change's result, as one JSON document.
fn document(dry_run: bool, planned: &Planned, results: &[ClusterResult]) -> String {
    let clusters: Vec<Value> = planned
        .plans
        .iter()
        .map(|plan| {
            let result = results.iter().find(|r| r.plan.cluster == plan.cluster);
            let changes: Vec<Value> = plan
                .changes
                .iter()
                .enumerate()
                .map(|(i, change)| {
                    let mut value = change_json(change);
                    let state = result.and_then(|r| r.states.get(i));
                    value["state"] = json!(state.map_or("planned", ChangeState::label));
                    value["operation"] = json!(state.and_then(ChangeState::operation));
                    value["detail"] = json!(state.and_then(ChangeState::detail));
                    value
                })
                .collect();
            let outcome = match result.map(|r| &r.ending) {
                None if plan.changes.is_empty() => "nothingToChange",
                None => "planned",
                Some(Ending::Verified) => "verified",
                Some(Ending::Failed) => "failed",
                Some(Ending::Changed { .. }) => "changed",
                Some(Ending::Cancelled) => "cancelled",
            };
            let mut value = json!({
                "id": plan.cluster.id,
                "name": plan.cluster.name,
                "subscriptionId": plan.cluster.subscription_id,
                "resourceGroup": plan.cluster.resource_group,
                "result": outcome,
                "changes": changes,
                "leftOut": plan.left_out.iter().map(|l| json!({
                    "rule": l.rule.map(|r| r.name()),
                    "reason": l.to_string(),
                })).collect::<Vec<_>>(),
                "warnings": plan.warnings,
            });
            if let Some(Ending::Changed { plan: now, why }) = result.map(|r| &r.ending) {
                value["why"] = json!(why);
                value["planNow"] = json!(now.changes.iter().map(change_json).collect::<Vec<_>>());
            }
            value
        })
        .collect();
    let of = |wanted: fn(&Ending) -> bool| results.iter().filter(|r| wanted(&r.ending)).count();
    let document = json!({
        "dryRun": dry_run,
        "clusters": clusters,
        "incomplete": planned.incomplete,
        "summary": {
            "clusters": planned.plans.iter().filter(|p| !p.changes.is_empty()).count(),
            "changes": planned.plans.iter().map(|p| p.changes.len()).sum::<usize>(),
            "verified": of(|e| *e == Ending::Verified),
            "failed": of(|e| *e == Ending::Failed),
            "changed": of(|e| matches!(e, Ending::Changed { .. })),
        },
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
