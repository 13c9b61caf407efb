//! Running confirmed plans: `max_parallel` clusters at once, each cluster's changes
//! one after another, each change read, written, followed and read back.
//!
//! Per cluster: read it fresh; when its plan is no longer the confirmed one, stop
//! with the plan as it is now (`Ending::Changed`). Then the cluster's own properties
//! in one PUT with `If-Match: <eTag>` of that read, each lagging pool in a PUT of its
//! own (with the pool's tag), each new maintenance window in a PUT of the
//! configuration; each operation followed to its end. A 412 means someone changed the
//! resource between read and write: it is read again, and unless it already has what
//! the plan sets, the cluster stops as changed. A cluster or pool is never written
//! without the tag of the read its body came from; a maintenance configuration has no
//! entity tag in AKS, so a new one is written only right after a read found none (one
//! already there stops the cluster as changed). A 409 `OperationNotAllowed` waits and
//! reads again, until `conflict_deadline`. The
//! first change that fails stops the cluster's later ones. At the end the cluster is
//! read back, and each change that succeeded is verified against what Azure says.
//!
//! Progress leaves as `Event`s, and the only thing that comes in is `Control` (cancel
//! a queued cluster): the caller shares no state with the engine.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::audit::{Audit, Entry};
use super::body;
use super::read::{Fresh, Planner, ReadError, cluster_ref, read_cluster, under};
use crate::azure::client::{ArmClient, ClientError};
use crate::azure::{Accepted, Ended};
use crate::remediate::outcome::{ChangeState, ClusterResult, Ending, Event};
use crate::remediate::plan::{Change, Plan, What};

/// How an apply runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Clusters at once.
    pub max_parallel: usize,
    /// How long to keep trying while another operation runs on a cluster (409).
    pub conflict_deadline: Duration,
    /// How long to follow one operation.
    pub operation_deadline: Duration,
}

impl From<&crate::config::Apply> for Options {
    fn from(config: &crate::config::Apply) -> Options {
        Options {
            max_parallel: config.max_parallel,
            conflict_deadline: Duration::from_secs(config.conflict_deadline_seconds),
            operation_deadline: Duration::from_secs(config.operation_deadline_seconds),
        }
    }
}

/// What the caller may ask of a running apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Do not start this cluster (by resource id) if it has not started yet.
    Cancel(String),
}

/// How often to look again while another operation runs on the cluster (409).
const BUSY_POLL: Duration = Duration::from_secs(15);

struct Ctx {
    client: Arc<ArmClient>,
    planner: Arc<Planner>,
    options: Options,
    audit: Option<Arc<Audit>>,
    events: UnboundedSender<Event>,
}

impl Ctx {
    fn send(&self, event: Event) {
        // The caller may stop listening; the apply goes on and the results still come back.
        let _ = self.events.send(event);
    }
}

/// Applies `plans` (as confirmed) and returns each cluster's result, in the plans'
/// order. Events go to `events` as they happen; `control` may cancel queued clusters.
pub async fn apply(
    client: Arc<ArmClient>,
    planner: Arc<Planner>,
    plans: Vec<Plan>,
    options: Options,
    audit: Option<Arc<Audit>>,
    events: UnboundedSender<Event>,
    mut control: UnboundedReceiver<Control>,
) -> Vec<ClusterResult> {
    let ctx = Arc::new(Ctx {
        client,
        planner,
        options,
        audit,
        events,
    });
    let permits = Arc::new(Semaphore::new(options.max_parallel.max(1)));
    let mut cancelled: HashSet<String> = HashSet::new();
    let mut listening = true;
    let mut tasks = tokio::task::JoinSet::new();
    let mut results: Vec<Option<ClusterResult>> = plans.iter().map(|_| None).collect();
    for (index, plan) in plans.iter().cloned().enumerate() {
        // Wait for a free place, hearing cancellations meanwhile.
        let permit = loop {
            tokio::select! {
                biased;
                message = control.recv(), if listening => match message {
                    Some(Control::Cancel(id)) => {
                        cancelled.insert(id.to_ascii_lowercase());
                    }
                    None => listening = false,
                },
                permit = permits.clone().acquire_owned() => break permit,
            }
        };
        // A cancel that came in before this cluster's turn.
        while let Ok(Control::Cancel(id)) = control.try_recv() {
            cancelled.insert(id.to_ascii_lowercase());
        }
        if cancelled.contains(&plan.cluster.id.to_ascii_lowercase()) {
            drop(permit);
            let result = cancelled_result(plan);
            ctx.send(Event::Finished(Box::new(result.clone())));
            results[index] = Some(result);
            continue;
        }
        let ctx = ctx.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let result = run_cluster(&ctx, plan).await;
            ctx.send(Event::Finished(Box::new(result.clone())));
            (index, result)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    plans
        .into_iter()
        .zip(results)
        .map(|(plan, result)| {
            result.unwrap_or_else(|| {
                let states = plan
                    .changes
                    .iter()
                    .map(|_| ChangeState::Skipped {
                        why: "the apply of this cluster stopped unexpectedly".into(),
                    })
                    .collect();
                ClusterResult {
                    plan,
                    states,
                    ending: Ending::Failed,
                    now: None,
                }
            })
        })
        .collect()
}

fn cancelled_result(plan: Plan) -> ClusterResult {
    let states = plan
        .changes
        .iter()
        .map(|_| ChangeState::Skipped {
            why: "cancelled before it started".into(),
        })
        .collect();
    ClusterResult {
        plan,
        states,
        ending: Ending::Cancelled,
        now: None,
    }
}

/// One cluster's apply, as it goes.
struct Run<'a> {
    ctx: &'a Ctx,
    plan: &'a Plan,
    states: Vec<ChangeState>,
    now: Option<crate::model::Assessed>,
}

/// How one write went.
enum Sent {
    /// Done: the changes succeeded.
    Done,
    /// The cluster stops here with this ending (the changes' states are set).
    Stop(Ending),
    /// 412: the resource moved between read and write.
    Moved,
    /// 409 `OperationNotAllowed`: something else is running on the cluster.
    Busy(ClientError),
}

async fn run_cluster(ctx: &Ctx, plan: Plan) -> ClusterResult {
    let mut run = Run {
        ctx,
        plan: &plan,
        states: vec![ChangeState::Queued; plan.changes.len()],
        now: None,
    };
    let ending = run.go().await;
    ClusterResult {
        states: run.states,
        now: run.now,
        ending,
        plan,
    }
}

impl Run<'_> {
    fn id(&self) -> &str {
        &self.plan.cluster.id
    }

    fn set(&mut self, index: usize, state: ChangeState) {
        self.states[index] = state.clone();
        self.ctx.send(Event::Change {
            cluster: self.id().to_string(),
            index,
            state,
        });
    }

    fn audit(
        &self,
        index: Option<usize>,
        request: &str,
        operation: Option<&str>,
        result: &str,
        error: Option<(&str, &str)>,
    ) {
        let Some(audit) = &self.ctx.audit else { return };
        let change = index.map_or_else(|| "(the cluster)".to_string(), |i| self.plan.changes[i].to_string());
        let entry = Entry {
            cluster: self.id(),
            change: &change,
            request,
            operation,
            result,
            code: error.map(|e| e.0),
            message: error.map(|e| e.1),
        };
        if let Err(err) = audit.record(entry) {
            self.ctx.send(Event::Warning {
                message: format!("the audit log {} is missing a line: {err}", audit.path().display()),
            });
        }
    }

    async fn read(&self) -> Result<Fresh, ReadError> {
        read_cluster(&self.ctx.client, &self.ctx.planner, &self.plan.cluster).await
    }

    fn indices(&self, wanted: impl Fn(&What) -> bool) -> Vec<usize> {
        (0..self.plan.changes.len())
            .filter(|&i| wanted(&self.plan.changes[i].what))
            .collect()
    }

    /// Every change at `indices` that is still queued is skipped, with `why`.
    fn skip_queued(&mut self, why: &str) {
        for i in 0..self.states.len() {
            if self.states[i] == ChangeState::Queued {
                self.set(i, ChangeState::Skipped { why: why.to_string() });
            }
        }
    }

    fn fail(&mut self, indices: &[usize], operation: Option<String>, code: &str, message: &str) -> Ending {
        for &i in indices {
            self.set(
                i,
                ChangeState::Failed {
                    operation: operation.clone(),
                    code: code.to_string(),
                    message: message.to_string(),
                },
            );
        }
        Ending::Failed
    }

    /// A resource read without an entity tag is not written: without `If-Match` the
    /// write could overwrite a change made since the read.
    fn untagged(&mut self, indices: &[usize], what: &str) -> Ending {
        let message = format!(
            "{what} was read without an eTag, so the write could not be made conditional (If-Match) and might \
             overwrite someone else's change; nothing was written"
        );
        self.fail(indices, None, "NoEntityTag", &message)
    }

    /// The cluster as read now has a plan in which the changes at `indices` are still
    /// exactly as confirmed.
    fn holds(&self, fresh: &Plan, indices: &[usize]) -> bool {
        indices.iter().all(|&i| fresh.changes.contains(&self.plan.changes[i]))
    }

    fn changed(&mut self, fresh: Fresh, why: String) -> Ending {
        self.audit(
            None,
            "read",
            None,
            "changed since planned",
            Some(("Changed", why.as_str())),
        );
        self.now = Some(fresh.assessed);
        Ending::Changed { plan: fresh.plan, why }
    }

    async fn go(&mut self) -> Ending {
        self.ctx.send(Event::Started {
            cluster: self.id().to_string(),
        });
        let everything: Vec<usize> = (0..self.plan.changes.len()).collect();
        let fresh = match self.read().await {
            Ok(fresh) => fresh,
            Err(err) => {
                let message = format!("the cluster could not be read before writing: {}", err.message());
                let ending = self.fail(&everything, None, err.code(), &message);
                return ending;
            }
        };
        if fresh.plan.changes != self.plan.changes || fresh.plan.cluster != self.plan.cluster {
            let why = describe_move(self.plan, &fresh.plan);
            let ending = self.changed(fresh, why);
            self.skip_queued("the cluster changed since the plan was made; nothing was written");
            return ending;
        }
        let steps = [
            self.indices(|w| {
                matches!(
                    w,
                    What::UpgradeChannel { .. } | What::NodeOsChannel { .. } | What::KubernetesVersion { .. }
                )
            }),
            self.indices(|w| matches!(w, What::PoolVersion { .. })),
            self.indices(|w| matches!(w, What::Window { .. })),
        ];
        let mut fresh = Some(fresh);
        let mut stopped = None;
        'steps: for (kind, indices) in steps.iter().enumerate() {
            if indices.is_empty() {
                continue;
            }
            let outcome = match kind {
                0 => self.cluster_step(indices, fresh.take()).await,
                1 => {
                    let mut outcome = None;
                    for &i in indices {
                        outcome = self.pool_step(i).await;
                        if outcome.is_some() {
                            break;
                        }
                    }
                    outcome
                }
                _ => {
                    let mut outcome = None;
                    for &i in indices {
                        outcome = self.window_step(i).await;
                        if outcome.is_some() {
                            break;
                        }
                    }
                    outcome
                }
            };
            if let Some(ending) = outcome {
                stopped = Some(ending);
                break 'steps;
            }
        }
        if stopped.is_some() {
            self.skip_queued("an earlier change of this cluster did not go through");
        }
        self.verify().await;
        match stopped {
            Some(changed @ Ending::Changed { .. }) => changed,
            _ if self.states.iter().all(|s| matches!(s, ChangeState::Verified { .. })) => Ending::Verified,
            _ => Ending::Failed,
        }
    }

    /// The cluster's own properties, in one PUT.
    async fn cluster_step(&mut self, indices: &[usize], first: Option<Fresh>) -> Option<Ending> {
        let url = match cluster_ref(&self.plan.cluster).and_then(|at| under(&self.ctx.client, &at, &[])) {
            Ok(url) => url,
            Err(err) => return Some(self.fail(indices, None, err.code(), &err.message())),
        };
        let busy_until = self.ctx.client.clock().now() + self.ctx.options.conflict_deadline;
        let mut current = first;
        loop {
            let fresh = match current.take() {
                Some(fresh) => fresh,
                None => match self.read().await {
                    Ok(fresh) => fresh,
                    Err(err) => return Some(self.fail(indices, None, err.code(), &err.message())),
                },
            };
            if !self.holds(&fresh.plan, indices) {
                let why = describe_move(self.plan, &fresh.plan);
                return Some(self.changed(fresh, why));
            }
            let changes: Vec<&Change> = indices.iter().map(|&i| &self.plan.changes[i]).collect();
            let body = body::cluster_body(&fresh.value, &changes);
            let Some(tag) = fresh.value.get("eTag").and_then(|t| t.as_str()).map(String::from) else {
                return Some(self.untagged(indices, "the cluster"));
            };
            match self.send(indices, &url, &body, Some(&tag)).await {
                Sent::Done => return None,
                Sent::Stop(ending) => return Some(ending),
                Sent::Moved => return self.moved(indices).await,
                Sent::Busy(err) => {
                    if let Some(ending) = self.wait_busy(indices, &err, busy_until).await {
                        return Some(ending);
                    }
                }
            }
        }
    }

    /// One pool's version, in a PUT of the pool.
    async fn pool_step(&mut self, index: usize) -> Option<Ending> {
        let What::PoolVersion { pool, from, to } = &self.plan.changes[index].what else {
            return None;
        };
        let (pool, from, to) = (pool.clone(), from.clone(), to.clone());
        let url =
            match cluster_ref(&self.plan.cluster).and_then(|at| under(&self.ctx.client, &at, &["agentPools", &pool])) {
                Ok(url) => url,
                Err(err) => return Some(self.fail(&[index], None, err.code(), &err.message())),
            };
        let busy_until = self.ctx.client.clock().now() + self.ctx.options.conflict_deadline;
        loop {
            let current = match self.ctx.client.get(&url, self.ctx.client.deadline()).await {
                Ok(value) => value,
                Err(err) => return Some(self.fail(&[index], None, err.code(), &err.message())),
            };
            let running = current
                .pointer("/properties/orchestratorVersion")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            if running.eq_ignore_ascii_case(&to) {
                self.audit(Some(index), "read", None, "already set", None);
                self.set(index, ChangeState::Succeeded { operation: None });
                return None;
            }
            if !running.eq_ignore_ascii_case(&from) {
                return match self.read().await {
                    Ok(fresh) => {
                        let why = format!("pool {pool} now runs {running}, not {from}; nothing was written to it");
                        Some(self.changed(fresh, why))
                    }
                    Err(err) => Some(self.fail(&[index], None, err.code(), &err.message())),
                };
            }
            let body = body::pool_body(&current, &to);
            let Some(tag) = current
                .pointer("/properties/eTag")
                .and_then(|t| t.as_str())
                .map(String::from)
            else {
                return Some(self.untagged(&[index], &format!("pool {pool}")));
            };
            match self.send(&[index], &url, &body, Some(&tag)).await {
                Sent::Done => return None,
                Sent::Stop(ending) => return Some(ending),
                Sent::Moved => return self.moved(&[index]).await,
                Sent::Busy(err) => {
                    if let Some(ending) = self.wait_busy(&[index], &err, busy_until).await {
                        return Some(ending);
                    }
                }
            }
        }
    }

    /// A new maintenance window, in a PUT of its configuration, unless one is there now.
    async fn window_step(&mut self, index: usize) -> Option<Ending> {
        let What::Window { schedule, window } = &self.plan.changes[index].what else {
            return None;
        };
        let (name, body) = (schedule.name(), body::window_body(window));
        let url = match cluster_ref(&self.plan.cluster)
            .and_then(|at| under(&self.ctx.client, &at, &["maintenanceConfigurations", name]))
        {
            Ok(url) => url,
            Err(err) => return Some(self.fail(&[index], None, err.code(), &err.message())),
        };
        let busy_until = self.ctx.client.clock().now() + self.ctx.options.conflict_deadline;
        loop {
            match self.ctx.client.get(&url, self.ctx.client.deadline()).await {
                Err(ClientError::Api { status: 404, .. }) => {}
                Ok(_) => {
                    return match self.read().await {
                        Ok(fresh) => {
                            let why = format!("a {name} configuration exists now; it was left as it is");
                            Some(self.changed(fresh, why))
                        }
                        Err(err) => Some(self.fail(&[index], None, err.code(), &err.message())),
                    };
                }
                Err(err) => return Some(self.fail(&[index], None, err.code(), &err.message())),
            }
            match self.send(&[index], &url, &body, None).await {
                Sent::Done => return None,
                Sent::Stop(ending) => return Some(ending),
                Sent::Moved => return self.moved(&[index]).await,
                Sent::Busy(err) => {
                    if let Some(ending) = self.wait_busy(&[index], &err, busy_until).await {
                        return Some(ending);
                    }
                }
            }
        }
    }

    /// PUT `body`, follow its operation, and set the changes' states by how it went.
    async fn send(&mut self, indices: &[usize], url: &Url, body: &serde_json::Value, tag: Option<&str>) -> Sent {
        for &i in indices {
            self.set(i, ChangeState::Running { operation: None });
        }
        let client = self.ctx.client.clone();
        let request = format!("PUT {}", crate::config::without_userinfo(url));
        let accepted: Accepted = match client.put(url, body, tag, client.deadline()).await {
            Ok(accepted) => accepted,
            Err(err) => {
                let code = err.code().to_string();
                let message = err.message();
                for &i in indices {
                    self.audit(Some(i), &request, None, "refused", Some((&code, &message)));
                }
                return match &err {
                    ClientError::Api { status: 412, .. } => Sent::Moved,
                    ClientError::Api { status: 409, code, .. } if code == "OperationNotAllowed" => Sent::Busy(err),
                    _ => Sent::Stop(self.fail(indices, None, &code, &message)),
                };
            }
        };
        let operation = accepted.operation_id();
        for &i in indices {
            self.audit(Some(i), &request, operation.as_deref(), "accepted", None);
            if operation.is_some() {
                self.set(
                    i,
                    ChangeState::Running {
                        operation: operation.clone(),
                    },
                );
            }
        }
        let deadline = client.clock().now() + self.ctx.options.operation_deadline;
        let (events, cluster) = (self.ctx.events.clone(), self.id().to_string());
        let ended = client
            .follow(&accepted, deadline, |wait| {
                let _ = events.send(Event::Waiting {
                    cluster: cluster.clone(),
                    seconds: wait.as_secs_f64(),
                    why: "the operation is running".into(),
                    busy: false,
                });
            })
            .await;
        let (code, message) = match ended {
            Ok(Ended::Succeeded) => {
                for &i in indices {
                    self.audit(Some(i), "operation", operation.as_deref(), "succeeded", None);
                    self.set(
                        i,
                        ChangeState::Succeeded {
                            operation: operation.clone(),
                        },
                    );
                }
                return Sent::Done;
            }
            Ok(Ended::Failed { code, message }) => (code, message),
            Ok(Ended::Canceled) => (
                "Canceled".to_string(),
                "the operation was canceled in Azure".to_string(),
            ),
            Err(err) => (err.code().to_string(), err.message()),
        };
        for &i in indices {
            self.audit(
                Some(i),
                "operation",
                operation.as_deref(),
                "failed",
                Some((&code, &message)),
            );
        }
        Sent::Stop(self.fail(indices, operation, &code, &message))
    }

    /// After a 412: read again; when the resource already has what the changes set,
    /// they are done (an earlier try of the same write landed, or someone made the same
    /// change); otherwise the cluster stops as changed, nothing overwritten.
    async fn moved(&mut self, indices: &[usize]) -> Option<Ending> {
        let fresh = match self.read().await {
            Ok(fresh) => fresh,
            Err(err) => return Some(self.fail(indices, None, err.code(), &err.message())),
        };
        let already = indices
            .iter()
            .all(|&i| body::observed(&fresh.assessed.cluster, &self.plan.changes[i]).is_ok());
        if already {
            for &i in indices {
                self.audit(Some(i), "read", None, "already set", None);
                self.set(i, ChangeState::Succeeded { operation: None });
            }
            return None;
        }
        for &i in indices {
            self.set(
                i,
                ChangeState::Skipped {
                    why: "someone changed the cluster between aksradar's read and its write (412); nothing was \
                          written"
                        .into(),
                },
            );
        }
        let why = format!(
            "someone changed it between aksradar's read and its write (412 Precondition Failed); nothing was \
             overwritten. {}",
            describe_move(self.plan, &fresh.plan)
        );
        Some(self.changed(fresh, why))
    }

    /// After a 409: wait and go round again, unless that would pass `until`.
    async fn wait_busy(&mut self, indices: &[usize], err: &ClientError, until: tokio::time::Instant) -> Option<Ending> {
        let client = self.ctx.client.clone();
        let wait = BUSY_POLL.min(client.limits().max_wait);
        if client.clock().now() + wait > until {
            let message = format!(
                "{} (another operation was still running after {} s: apply.conflict_deadline_seconds)",
                err.message(),
                self.ctx.options.conflict_deadline.as_secs()
            );
            return Some(self.fail(indices, None, err.code(), &message));
        }
        self.ctx.send(Event::Waiting {
            cluster: self.id().to_string(),
            seconds: wait.as_secs_f64(),
            why: "another operation is running on the cluster (409 OperationNotAllowed)".into(),
            busy: true,
        });
        client.clock().sleep(wait).await;
        None
    }

    /// Reads the cluster back and marks each change that succeeded verified, or not.
    async fn verify(&mut self) {
        let done: Vec<usize> = (0..self.states.len())
            .filter(|&i| matches!(self.states[i], ChangeState::Succeeded { .. }))
            .collect();
        if done.is_empty() && self.now.is_some() {
            return;
        }
        match self.read().await {
            Ok(fresh) => {
                for i in done {
                    let operation = self.states[i].operation().map(String::from);
                    let state = match body::observed(&fresh.assessed.cluster, &self.plan.changes[i]) {
                        Ok(()) => {
                            self.audit(Some(i), "read back", operation.as_deref(), "verified", None);
                            ChangeState::Verified { operation }
                        }
                        Err(found) => {
                            self.audit(
                                Some(i),
                                "read back",
                                operation.as_deref(),
                                "not verified",
                                Some(("NotVerified", &found)),
                            );
                            ChangeState::NotVerified { operation, found }
                        }
                    };
                    self.set(i, state);
                }
                self.now = Some(fresh.assessed);
            }
            Err(err) => {
                for i in done {
                    let operation = self.states[i].operation().map(String::from);
                    self.set(
                        i,
                        ChangeState::NotVerified {
                            operation,
                            found: format!("nothing: it could not be read back ({}: {})", err.code(), err.message()),
                        },
                    );
                }
            }
        }
    }
}

/// What differs between the confirmed plan and the plan as it is now, in words.
fn describe_move(confirmed: &Plan, now: &Plan) -> String {
    let lines = |plan: &Plan, other: &Plan| -> Vec<String> {
        plan.changes
            .iter()
            .filter(|c| !other.changes.contains(c))
            .map(ToString::to_string)
            .collect()
    };
    let gone = lines(confirmed, now);
    let new = lines(now, confirmed);
    let mut out = String::from("The cluster changed since the plan was made.");
    if !gone.is_empty() {
        out.push_str(&format!(" No longer planned: {}.", gone.join("; ")));
    }
    if !new.is_empty() {
        out.push_str(&format!(" Planned now: {}.", new.join("; ")));
    }
    if now.changes.is_empty() {
        out.push_str(" Nothing is left to change.");
    }
    out.push_str(" Confirm the new plan to apply it.");
    out
}
