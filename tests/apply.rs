//! Applying plans against the simulator over real HTTP on 127.0.0.1: every kind of
//! change succeeds and reads back, a concurrent change (412) stops the cluster with a
//! rebuilt plan and nothing overwritten, a running operation (409) is waited out,
//! failed operations are reported with Azure's code, queued clusters can be cancelled,
//! and the audit log records it all without a token.
//!
//! The simulator runs on a manual clock that the client's manual clock takes along:
//! an operation ends exactly when the client has waited for it, and nobody sleeps.

mod jwt;

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aksradar::apply::{self, Audit, Control, Fresh, Options, Planner};
use aksradar::azure::{ArmClient, Clock, Credentials, FleetRequest, Identity, RetryPolicy};
use aksradar::config::{Config, Source};
use aksradar::fetch;
use aksradar::model::{Outcome, Rule};
use aksradar::remediate::Scope;
use aksradar::remediate::outcome::{ChangeState, ClusterResult, Ending, Event};
use aksradar::remediate::plan::{Plan, What};
use aksradar::sim::{SimClock, SimOptions, Simulator};
use serde_json::{Value, json};
use tokio::sync::mpsc;

const SCOPE: &str = "https://management.azure.com/.default";

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(Duration::from_secs(120), test)
        .await
        .expect("the test finishes within 120 s");
}

struct World {
    sim: Simulator,
    client: Arc<ArmClient>,
    planner: Arc<Planner>,
    token: String,
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        timeout: Duration::from_secs(20),
    }
}

/// A small fleet on a manual clock that follows the client's waits; operations take
/// `options.operation_seconds` (2 s unless a test says otherwise).
async fn world(options: SimOptions, token: &str, rules: &[Rule]) -> World {
    let clock = SimClock::manual(time::macros::datetime!(2026-11-26 12:00 UTC));
    let sim = Simulator::start(
        "127.0.0.1:0".parse().expect("address"),
        SimOptions {
            subscriptions: 2,
            clusters_per_subscription: 12,
            seed: 3,
            admin: true,
            token: token.to_string(),
            clock: clock.clone(),
            ..options
        },
    )
    .await
    .expect("the simulator starts");
    let follower = clock.clone();
    let client = ArmClient::new(&sim.url(), SCOPE, Arc::new(Credentials::fixed(token)), quick_retry())
        .expect("client")
        .with_clock(Clock::manual_with(move |by| follower.advance(by)));
    let planner = Planner {
        config: Arc::new(Config::default()),
        scope: Scope::asked(rules),
        clock: || time::macros::datetime!(2026-11-26 12:00 UTC),
    };
    World {
        sim,
        client: Arc::new(client),
        planner: Arc::new(planner),
        token: token.to_string(),
    }
}

impl World {
    /// Every cluster read fresh (the list, then the details phase, as `aksradar apply`
    /// reads them), assessed and planned.
    async fn survey(&self) -> Vec<Fresh> {
        let request = FleetRequest {
            subscriptions: vec![],
            source: Source::Arm,
            concurrency: 4,
        };
        let nothing_earlier = || std::future::ready(None);
        let now = (self.planner.clock)();
        let mut snapshot = fetch::list(self.client.clone(), &request, None, &nothing_earlier, "test", now).await;
        fetch::details(self.client.clone(), &mut snapshot, 8, None, &nothing_earlier, now).await;
        assert!(snapshot.errors.is_empty(), "{:?}", snapshot.errors);
        snapshot
            .clusters
            .into_iter()
            .map(|cluster| {
                let assessed = self.planner.assess(std::sync::Arc::unwrap_or_clone(cluster));
                let plan = self.planner.plan(&assessed);
                Fresh {
                    value: Value::Null,
                    assessed,
                    plan,
                }
            })
            .collect()
    }

    /// The first plan (with changes) that `wanted` accepts.
    async fn plan_where(&self, wanted: impl Fn(&Plan) -> bool) -> Plan {
        self.survey()
            .await
            .into_iter()
            .map(|f| f.plan)
            .find(|p| !p.changes.is_empty() && wanted(p))
            .expect("a plan like that in the fleet")
    }

    async fn run(
        &self,
        plans: Vec<Plan>,
        options: Options,
        audit: Option<Arc<Audit>>,
    ) -> (Vec<ClusterResult>, Vec<Event>) {
        let (events, mut received) = mpsc::unbounded_channel();
        let (_control, listen) = mpsc::unbounded_channel();
        let results = apply::apply(
            self.client.clone(),
            self.planner.clone(),
            plans,
            options,
            audit,
            events,
            listen,
        )
        .await;
        let mut seen = Vec::new();
        while let Ok(event) = received.try_recv() {
            seen.push(event);
        }
        (results, seen)
    }

    /// The cluster's object as the simulator holds it now.
    async fn get(&self, id: &str) -> Value {
        let url = reqwest::Url::parse(&format!("{}{id}?api-version=2025-10-01", self.sim.url())).expect("url");
        self.client
            .get(&url, self.client.deadline())
            .await
            .expect("the cluster")
    }

    /// Changes a cluster behind the client's back, after `after_gets` more GETs of it.
    async fn mutate(&self, id: &str, patch: Value, after_gets: u64) {
        let response = reqwest::Client::new()
            .post(format!("{}/admin/mutate", self.sim.url()))
            .bearer_auth(&self.token)
            .json(&json!({"cluster": id, "patch": patch, "afterGets": after_gets}))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 202, "{}", response.text().await.unwrap_or_default());
    }

    /// The writes the simulator answered for a cluster: (method, status).
    fn writes_to(&self, id: &str) -> Vec<(String, u16)> {
        let path = id.to_ascii_lowercase();
        self.sim
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET" && r.path_and_query.to_ascii_lowercase().starts_with(&path))
            .map(|r| (r.method, r.status))
            .collect()
    }
}

fn options(max_parallel: usize) -> Options {
    Options {
        max_parallel,
        conflict_deadline: Duration::from_secs(1800),
        operation_deadline: Duration::from_secs(3600),
    }
}

/// A kind of change.
type Kind = fn(&What) -> bool;

fn has(plan: &Plan, kind: Kind) -> bool {
    plan.changes.iter().any(|c| kind(&c.what))
}

/// Whether a plan finishes its rules in one pass (no "apply again" step).
fn one_pass(plan: &Plan) -> bool {
    !plan.warnings.iter().any(|w| w.contains("apply again"))
}

const ALL: &[Rule] = &Rule::ALL;

#[tokio::test]
async fn every_kind_of_change_is_applied_verified_and_a_fresh_read_finds_nothing_left_to_do() {
    bounded(async {
        let world = world(SimOptions::default(), "simulator", ALL).await;
        let kinds: [(&str, Kind); 5] = [
            ("cluster channel", |w| matches!(w, What::UpgradeChannel { .. })),
            ("node OS channel", |w| matches!(w, What::NodeOsChannel { .. })),
            ("maintenance window", |w| matches!(w, What::Window { .. })),
            ("Kubernetes version", |w| matches!(w, What::KubernetesVersion { .. })),
            ("pool version", |w| matches!(w, What::PoolVersion { .. })),
        ];
        let surveyed = world.survey().await;
        let mut chosen: Vec<Plan> = Vec::new();
        for (name, kind) in kinds {
            let plan = surveyed
                .iter()
                .map(|f| &f.plan)
                .find(|p| has(p, kind) && one_pass(p) && p.left_out.iter().all(|l| l.rule.is_some()))
                .unwrap_or_else(|| panic!("the fleet has a cluster that needs a {name} change"));
            if !chosen.iter().any(|c| c.cluster == plan.cluster) {
                chosen.push(plan.clone());
            }
        }
        let (results, events) = world.run(chosen.clone(), options(4), None).await;
        assert_eq!(results.len(), chosen.len());
        for result in &results {
            assert_eq!(
                result.ending,
                Ending::Verified,
                "{}: {:?}",
                result.plan.cluster.name,
                result.states
            );
            assert!(
                result.states.iter().all(|s| matches!(s, ChangeState::Verified { .. })),
                "{:?}",
                result.states
            );
            let now = result.now.as_ref().expect("read back");
            for rule in result.plan.fixes() {
                assert_eq!(
                    now.outcome_of(rule),
                    Some(Outcome::Pass),
                    "{}: {rule} after the apply",
                    result.plan.cluster.name
                );
            }
        }
        let operations: BTreeSet<&str> = results
            .iter()
            .flat_map(|r| r.states.iter().filter_map(ChangeState::operation))
            .collect();
        assert!(!operations.is_empty(), "cluster and pool writes run as operations");
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::Waiting { why, .. } if why == "the operation is running")),
            "the engine follows the operations"
        );
        // A fresh read of each cluster: nothing left to change.
        let again = world.survey().await;
        for plan in &chosen {
            let now = again
                .iter()
                .find(|f| f.plan.cluster == plan.cluster)
                .expect("still there");
            assert!(
                now.plan.changes.is_empty(),
                "{}: {:?}",
                plan.cluster.name,
                now.plan.changes
            );
        }
        world.sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_change_between_the_read_and_the_write_gets_412_and_the_plan_is_rebuilt_not_overwritten() {
    bounded(async {
        let world = world(SimOptions::default(), "simulator", &[Rule::NodeAutoUpgrade]).await;
        let plan = world
            .plan_where(|p| {
                p.changes
                    .iter()
                    .any(|c| c.to_string() == "autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch")
            })
            .await;
        let id = plan.cluster.id.clone();
        // The engine's own read sees Unmanaged; right after it, someone sets None.
        world
            .mutate(
                &id,
                json!({"properties": {"autoUpgradeProfile": {"nodeOSUpgradeChannel": "None"}}}),
                1,
            )
            .await;
        let (results, _) = world.run(vec![plan.clone()], options(1), None).await;
        let result = &results[0];
        let Ending::Changed { plan: rebuilt, why } = &result.ending else {
            panic!("expected a changed cluster, got {:?}", result.ending);
        };
        assert!(why.contains("412"), "{why}");
        let rebuilt: Vec<String> = rebuilt.changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            rebuilt,
            ["autoUpgradeProfile.nodeOSUpgradeChannel: None → SecurityPatch"],
            "the plan as it is now, to confirm again"
        );
        assert!(
            matches!(result.states[0], ChangeState::Skipped { .. }),
            "{:?}",
            result.states
        );
        assert_eq!(world.writes_to(&id), [("PUT".to_string(), 412)], "one write, refused");
        let now = world.get(&id).await;
        assert_eq!(
            now["properties"]["autoUpgradeProfile"]["nodeOSUpgradeChannel"], "None",
            "the other change stands"
        );
        world.sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_cluster_changed_before_its_turn_is_not_written_at_all() {
    bounded(async {
        let world = world(SimOptions::default(), "simulator", &[Rule::NodeAutoUpgrade]).await;
        let plan = world
            .plan_where(|p| has(p, |w| matches!(w, What::NodeOsChannel { .. })))
            .await;
        let id = plan.cluster.id.clone();
        world
            .mutate(
                &id,
                json!({"properties": {"autoUpgradeProfile": {"nodeOSUpgradeChannel": "NodeImage"}}}),
                0,
            )
            .await;
        let (results, _) = world.run(vec![plan], options(1), None).await;
        let Ending::Changed { plan: rebuilt, why } = &results[0].ending else {
            panic!("{:?}", results[0].ending);
        };
        assert!(rebuilt.changes.is_empty(), "someone fixed it meanwhile");
        assert!(why.contains("Nothing is left to change"), "{why}");
        assert!(world.writes_to(&id).is_empty(), "nothing was sent");
        world.sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_running_operation_is_waited_out_with_409s_then_the_write_goes_through() {
    bounded(async {
        let world = world(SimOptions::default(), "simulator", &[Rule::NodeAutoUpgrade]).await;
        let plan = world
            .plan_where(|p| has(p, |w| matches!(w, What::NodeOsChannel { .. })))
            .await;
        let id = plan.cluster.id.clone();
        // Someone else's write starts an operation that runs for 2 s of simulator time.
        let before = world.get(&id).await;
        let mut other = before.clone();
        other["tags"] = json!({"owner": "someone-else"});
        let url = reqwest::Url::parse(&format!("{}{id}?api-version=2025-10-01", world.sim.url())).expect("url");
        world
            .client
            .put(&url, &other, None, world.client.deadline())
            .await
            .expect("the other write starts");
        let (results, events) = world.run(vec![plan], options(1), None).await;
        assert_eq!(results[0].ending, Ending::Verified, "{:?}", results[0].states);
        let writes = world.writes_to(&id);
        assert_eq!(
            writes,
            [
                ("PUT".to_string(), 200),
                ("PUT".to_string(), 409),
                ("PUT".to_string(), 200)
            ],
            "the other write, ours refused while it ran, ours again"
        );
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::Waiting { why, .. } if why.contains("409 OperationNotAllowed"))),
            "the wait is reported"
        );
        assert_eq!(
            world.get(&id).await["tags"]["owner"],
            "someone-else",
            "the other write's tags are kept: our body came from a read after it"
        );
        world.sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_cluster_busy_past_the_conflict_deadline_fails_clearly() {
    bounded(async {
        let world = world(
            SimOptions {
                operation_seconds: 3600,
                ..SimOptions::default()
            },
            "simulator",
            &[Rule::NodeAutoUpgrade],
        )
        .await;
        let plan = world
            .plan_where(|p| has(p, |w| matches!(w, What::NodeOsChannel { .. })))
            .await;
        let id = plan.cluster.id.clone();
        let mut other = world.get(&id).await;
        other["tags"] = json!({"owner": "someone-else"});
        let url = reqwest::Url::parse(&format!("{}{id}?api-version=2025-10-01", world.sim.url())).expect("url");
        world
            .client
            .put(&url, &other, None, world.client.deadline())
            .await
            .expect("a long operation starts");
        let options = Options {
            conflict_deadline: Duration::from_secs(40),
            ..options(1)
        };
        let (results, _) = world.run(vec![plan], options, None).await;
        assert_eq!(results[0].ending, Ending::Failed);
        let ChangeState::Failed { code, message, .. } = &results[0].states[0] else {
            panic!("{:?}", results[0].states);
        };
        assert_eq!(code, "OperationNotAllowed");
        assert!(
            message.contains("still running after 40 s: apply.conflict_deadline_seconds"),
            "{message}"
        );
        let refused = world.writes_to(&id).iter().filter(|w| w.1 == 409).count();
        assert_eq!(refused, 3, "tried at 0, 15 and 30 s; 45 s is past the deadline");
        world.sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn failed_operations_are_reported_with_azure_s_code_and_message() {
    bounded(async {
        let world = world(
            SimOptions {
                fail_operations: 1.0,
                ..SimOptions::default()
            },
            "simulator",
            &[Rule::NodeAutoUpgrade],
        )
        .await;
        let plan = world
            .plan_where(|p| has(p, |w| matches!(w, What::NodeOsChannel { .. })))
            .await;
        let (results, _) = world.run(vec![plan], options(1), None).await;
        assert_eq!(results[0].ending, Ending::Failed);
        let ChangeState::Failed {
            code,
            message,
            operation,
        } = &results[0].states[0]
        else {
            panic!("{:?}", results[0].states);
        };
        assert_eq!(code, "ReconcileVMSSAgentPoolFailed");
        assert!(message.contains("Simulated failure (--fail-operations)"), "{message}");
        assert!(operation.is_some(), "the failed operation is named");
        world.sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn queued_clusters_can_be_cancelled_and_are_never_written() {
    bounded(async {
        let world = world(SimOptions::default(), "simulator", &[Rule::NodeAutoUpgrade]).await;
        let plans: Vec<Plan> = world
            .survey()
            .await
            .into_iter()
            .map(|f| f.plan)
            .filter(|p| has(p, |w| matches!(w, What::NodeOsChannel { .. })))
            .take(3)
            .collect();
        assert_eq!(plans.len(), 3, "three clusters to change");
        let last = plans[2].cluster.id.clone();
        let (events, mut received) = mpsc::unbounded_channel();
        let (control, listen) = mpsc::unbounded_channel();
        let running = tokio::spawn(apply::apply(
            world.client.clone(),
            world.planner.clone(),
            plans.clone(),
            options(1),
            None,
            events,
            listen,
        ));
        // As soon as the first cluster starts, the last one is cancelled.
        while let Some(event) = received.recv().await {
            if let Event::Started { cluster } = event {
                assert_eq!(cluster, plans[0].cluster.id, "one at a time, in order");
                control.send(Control::Cancel(last.clone())).expect("the engine listens");
                break;
            }
        }
        let results = running.await.expect("the apply ends");
        assert_eq!(results[0].ending, Ending::Verified);
        assert_eq!(results[1].ending, Ending::Verified);
        assert_eq!(results[2].ending, Ending::Cancelled);
        assert!(
            matches!(&results[2].states[0], ChangeState::Skipped { why } if why.contains("cancelled")),
            "{:?}",
            results[2].states
        );
        assert!(world.writes_to(&last).is_empty(), "the cancelled cluster saw no write");
        world.sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_records_each_write_and_result_with_who_and_never_the_token() {
    bounded(async {
        let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        let object = "0b5ec0de-0000-4000-8000-000000000001";
        let token = jwt::token(tenant, object);
        let world = world(SimOptions::default(), &token, &[Rule::NodeAutoUpgrade]).await;
        let plans: Vec<Plan> = world
            .survey()
            .await
            .into_iter()
            .map(|f| f.plan)
            .filter(|p| has(p, |w| matches!(w, What::NodeOsChannel { .. })))
            .take(2)
            .collect();
        let (applied, moved) = (plans[0].clone(), plans[1].clone());
        world
            .mutate(
                &moved.cluster.id,
                json!({"properties": {"autoUpgradeProfile": {"nodeOSUpgradeChannel": "None"}}}),
                1,
            )
            .await;
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("state").join("apply-audit.jsonl");
        let who = world.client.identity().await;
        assert_eq!(
            who,
            Identity {
                tenant: Some(tenant.into()),
                object: Some(object.into())
            }
        );
        let audit = Arc::new(Audit::open(path.clone(), who, time::OffsetDateTime::now_utc).expect("the log opens"));
        let (results, _) = world
            .run(vec![applied.clone(), moved.clone()], options(1), Some(audit))
            .await;
        assert_eq!(results[0].ending, Ending::Verified);
        assert!(matches!(results[1].ending, Ending::Changed { .. }));

        let text = std::fs::read_to_string(&path).expect("the log");
        assert!(!text.contains(&token), "the token is not in the log");
        assert!(
            !text.contains(token.split('.').nth(1).expect("payload")),
            "nor any part of it"
        );
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
            .collect();
        let of = |id: &str| -> Vec<(String, String)> {
            lines
                .iter()
                .filter(|l| l["cluster"] == id)
                .map(|l| {
                    (
                        l["request"]
                            .as_str()
                            .unwrap_or_default()
                            .split(' ')
                            .next()
                            .unwrap_or_default()
                            .to_string(),
                        l["result"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        };
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
        };
        assert_eq!(
            of(&applied.cluster.id),
            pairs(&[("PUT", "accepted"), ("operation", "succeeded"), ("read", "verified")]),
            "{text}"
        );
        assert_eq!(
            of(&moved.cluster.id),
            pairs(&[("PUT", "refused"), ("read", "changed since planned")]),
            "{text}"
        );
        for line in &lines {
            assert_eq!(line["tenant"], tenant);
            assert_eq!(line["objectId"], object);
            assert!(line["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{line}");
        }
        let accepted = lines
            .iter()
            .find(|l| l["result"] == "accepted")
            .expect("an accepted write");
        assert_eq!(
            accepted["change"],
            "autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch"
        );
        assert!(
            accepted["operation"].as_str().is_some_and(|o| !o.is_empty()),
            "{accepted}"
        );
        let refused = lines
            .iter()
            .find(|l| l["result"] == "refused")
            .expect("a refused write");
        assert_eq!(refused["code"], "PreconditionFailed");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("the log").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "readable by its owner only");
        }
        world.sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn the_admin_endpoint_needs_admin_and_the_token_and_gives_the_cluster_a_new_tag() {
    bounded(async {
        let world = world(SimOptions::default(), "simulator", &[]).await;
        let cluster = world.sim.fleet().subscriptions[0]
            .cluster_values()
            .next()
            .expect("a cluster");
        let id = cluster["id"].as_str().expect("id").to_string();
        let post = |token: &str, admin_url: String| {
            reqwest::Client::new()
                .post(admin_url)
                .bearer_auth(token)
                .json(&json!({"cluster": id, "patch": {"tags": {"changed": "yes"}}}))
                .send()
        };
        let url = format!("{}/admin/mutate", world.sim.url());
        let refused = post("wrong", url.clone()).await.expect("sent");
        assert_eq!(refused.status(), 401, "no token, no change");
        assert_eq!(world.get(&id).await, cluster);
        world.mutate(&id, json!({"tags": {"changed": "yes"}}), 0).await;
        let now = world.get(&id).await;
        assert_eq!(now["tags"]["changed"], "yes");
        assert_ne!(now["eTag"], cluster["eTag"], "a new entity tag, as after any write");

        let plain = Simulator::start("127.0.0.1:0".parse().expect("address"), SimOptions::default())
            .await
            .expect("starts");
        let hidden = post("simulator", format!("{}/admin/mutate", plain.url()))
            .await
            .expect("sent");
        assert_eq!(hidden.status(), 404, "served only with --admin");
        plain.stop().await;
        world.sim.stop().await;
    })
    .await;
}
