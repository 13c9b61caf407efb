//! What writes changed: the clusters that differ from their generated selves, and
//! the long-running operations the writes started.
//!
//! Only a changed cluster costs memory: its current ARM object as compact JSON, its
//! maintenance configurations once one was written, and while an operation runs,
//! the object it will have when the operation ends. Every view (a GET, a list, a
//! Resource Graph row, an upgrade profile, the agent pools) reads the cluster from
//! here first and replays it from the fleet only when it never changed.
//!
//! An operation's outcome is decided when it starts (`--fail-operations`), so how
//! it ends is a pure function of the clock: `settle(now)` swaps in the final object
//! of every operation that has ended, and `operation(id, now)` reports
//! `InProgress` until then. Nothing here reads the clock itself.
//!
//! Changes made behind the clients' backs (`admin`) land here too: at once, or held
//! as a `Trap` until enough GETs of their cluster have been answered.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{RwLock, RwLockReadGuard};
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;

/// A cluster's place in the fleet: (subscription index, cluster index).
pub type Key = (usize, usize);

/// Every change, behind one lock. Reads take it shared; writes and settling take it
/// exclusively, briefly.
#[derive(Default)]
pub struct SimState {
    inner: RwLock<Changes>,
    /// Operations still running: when none, `settle` takes no lock at all.
    running: AtomicUsize,
    /// Writes so far, for eTags and operation ids that are the same on every run.
    writes: AtomicU64,
    /// Traps set: when none, a GET takes no lock to count itself.
    traps: AtomicUsize,
}

/// The changed clusters and every operation started.
#[derive(Default)]
pub struct Changes {
    clusters: HashMap<Key, Changed>,
    /// By operation id, lower case.
    operations: HashMap<String, Operation>,
    /// Clusters with an operation not yet settled.
    pending: usize,
    /// Changes waiting for GETs of their cluster (`admin`).
    traps: Vec<Trap>,
}

/// A change to a cluster, waiting until `gets_left` more GETs of it are answered.
#[derive(Debug, Clone)]
pub struct Trap {
    pub key: Key,
    pub gets_left: u64,
    /// A JSON merge patch of the cluster's object.
    pub patch: Value,
}

/// One changed cluster.
#[derive(Default)]
pub struct Changed {
    /// The ARM object as it is now; `None` while only its maintenance changed.
    cluster: Option<Box<RawValue>>,
    /// The maintenance configurations, once one was written.
    maintenance: Option<Vec<Value>>,
    /// The operation running on the cluster or one of its pools.
    pending: Option<Pending>,
}

struct Pending {
    /// Its id, lower case.
    operation: String,
    ends: Instant,
    /// The object once the operation has ended (succeeded or failed).
    settled: Box<RawValue>,
}

/// A long-running operation: what `.../operationStatuses/{id}` reports.
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    pub subscription_id: String,
    pub location: String,
    pub started: OffsetDateTime,
    pub duration: std::time::Duration,
    pub ends: Instant,
    /// `Some` when it ends `Failed`: the ARM error code and message.
    pub error: Option<(String, String)>,
}

/// An operation status body.
#[derive(Debug, Serialize)]
pub struct OperationStatus {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    #[serde(rename = "startTime")]
    pub start_time: String,
    #[serde(rename = "endTime", skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

impl Operation {
    /// Its status at `now`.
    pub fn status(&self, now: Instant) -> OperationStatus {
        let done = now >= self.ends;
        let format = |t: OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        OperationStatus {
            id: format!(
                "/subscriptions/{}/providers/Microsoft.ContainerService/locations/{}/operationStatuses/{}",
                self.subscription_id, self.location, self.id
            ),
            name: self.id.clone(),
            status: match (done, &self.error) {
                (false, _) => "InProgress",
                (true, None) => "Succeeded",
                (true, Some(_)) => "Failed",
            },
            start_time: format(self.started),
            end_time: done.then(|| format(self.started + self.duration)),
            error: match (done, &self.error) {
                (true, Some((code, message))) => Some(serde_json::json!({ "code": code, "message": message })),
                _ => None,
            },
        }
    }
}

impl Changes {
    /// The cluster's object as it is now, if it ever changed.
    pub fn cluster(&self, key: Key) -> Option<&RawValue> {
        self.clusters.get(&key).and_then(|c| c.cluster.as_deref())
    }

    /// Its maintenance configurations, if one was ever written.
    pub fn maintenance(&self, key: Key) -> Option<&[Value]> {
        self.clusters.get(&key).and_then(|c| c.maintenance.as_deref())
    }

    /// The operation running on the cluster at `now`, if one does.
    pub fn running(&self, key: Key, now: Instant) -> Option<&Operation> {
        let pending = self.clusters.get(&key)?.pending.as_ref()?;
        (now < pending.ends)
            .then(|| self.operations.get(&pending.operation))
            .flatten()
    }

    /// An operation by id (ignoring case).
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.get(&id.to_ascii_lowercase())
    }

    /// How many clusters differ from their generated selves.
    pub fn changed_clusters(&self) -> usize {
        self.clusters.values().filter(|c| c.cluster.is_some()).count()
    }
}

impl Changes {
    /// Starts `operation` on the cluster: it is `running` until the operation ends,
    /// then `settled`. The caller has checked that none runs.
    pub fn begin(&mut self, key: Key, running: Box<RawValue>, settled: Box<RawValue>, operation: Operation) {
        let id = operation.id.to_ascii_lowercase();
        let ends = operation.ends;
        self.operations.insert(id.clone(), operation);
        let changed = self.clusters.entry(key).or_default();
        if changed.pending.is_none() {
            self.pending += 1;
        }
        changed.cluster = Some(running);
        changed.pending = Some(Pending {
            operation: id,
            ends,
            settled,
        });
    }

    /// Replaces the cluster's object as it is now (a change made behind the clients'
    /// backs); an operation running on it still ends with its own final object.
    pub fn replace(&mut self, key: Key, cluster: &Value) {
        if let Ok(raw) = serde_json::value::to_raw_value(cluster) {
            self.clusters.entry(key).or_default().cluster = Some(raw);
        }
    }

    /// Holds `trap` until its GETs have been answered.
    pub fn set_trap(&mut self, trap: Trap) {
        self.traps.push(trap);
    }

    /// Counts one answered GET of cluster `key`; the trap it releases, if any.
    pub fn count_get(&mut self, key: Key) -> Option<Trap> {
        let at = self.traps.iter().position(|t| t.key == key)?;
        self.traps[at].gets_left = self.traps[at].gets_left.saturating_sub(1);
        (self.traps[at].gets_left == 0).then(|| self.traps.remove(at))
    }

    /// Replaces the cluster's maintenance configurations.
    pub fn set_maintenance(&mut self, key: Key, configurations: Vec<Value>) {
        self.clusters.entry(key).or_default().maintenance = Some(configurations);
    }

    /// Ends every operation whose time is up: its cluster takes its final object.
    fn settle(&mut self, now: Instant) {
        for changed in self.clusters.values_mut() {
            if changed.pending.as_ref().is_some_and(|p| p.ends <= now)
                && let Some(pending) = changed.pending.take()
            {
                changed.cluster = Some(pending.settled);
                self.pending -= 1;
            }
        }
    }
}

impl SimState {
    pub fn new() -> SimState {
        SimState::default()
    }

    /// Shared access to every change.
    pub fn read(&self) -> RwLockReadGuard<'_, Changes> {
        // A poisoned lock only means a request panicked mid-write; the maps are still whole.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Exclusive access for one write: checking that no operation runs and starting
    /// one happen under the same lock, so two writes cannot both start.
    pub fn transact<T>(&self, write: impl FnOnce(&mut Changes) -> T) -> T {
        let mut changes = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let out = write(&mut changes);
        self.running.store(changes.pending, Ordering::Release);
        self.traps.store(changes.traps.len(), Ordering::Release);
        out
    }

    /// The number of the next write (0, 1, ...).
    pub fn next_write(&self) -> u64 {
        self.writes.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether any change waits for GETs (`admin`).
    pub fn has_traps(&self) -> bool {
        self.traps.load(Ordering::Acquire) > 0
    }

    /// Ends every operation whose time is up. Takes no lock while none runs.
    pub fn settle(&self, now: Instant) {
        if self.running.load(Ordering::Acquire) > 0 {
            self.transact(|changes| changes.settle(now));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_string()).expect("JSON")
    }

    fn operation(id: &str, at: Instant, seconds: u64, error: Option<(&str, &str)>) -> Operation {
        Operation {
            id: id.to_string(),
            subscription_id: "s".into(),
            location: "westeurope".into(),
            started: time::macros::datetime!(2026-11-26 12:00 UTC),
            duration: Duration::from_secs(seconds),
            ends: at + Duration::from_secs(seconds),
            error: error.map(|(c, m)| (c.to_string(), m.to_string())),
        }
    }

    #[test]
    fn an_operation_runs_until_its_time_is_up_then_the_cluster_takes_its_final_object() {
        let state = SimState::new();
        let t0 = Instant::now();
        let key = (0, 3);
        state.transact(|changes| {
            changes.begin(
                key,
                raw(r#"{"state":"Updating"}"#),
                raw(r#"{"state":"Succeeded"}"#),
                operation("Op-1", t0, 2, None),
            )
        });
        assert_eq!(state.read().running(key, t0).map(|o| o.id.as_str()), Some("Op-1"));
        assert_eq!(
            state.read().operation("op-1").map(|o| o.status(t0).status),
            Some("InProgress")
        );

        state.settle(t0 + Duration::from_secs(1));
        assert_eq!(
            state.read().cluster(key).map(RawValue::get),
            Some(r#"{"state":"Updating"}"#)
        );

        let t2 = t0 + Duration::from_secs(2);
        state.settle(t2);
        assert_eq!(
            state.read().cluster(key).map(RawValue::get),
            Some(r#"{"state":"Succeeded"}"#)
        );
        assert!(state.read().running(key, t2).is_none());
        let status = state.read().operation("OP-1").expect("kept").status(t2);
        assert_eq!(status.status, "Succeeded");
        assert_eq!(status.start_time, "2026-11-26T12:00:00Z");
        assert_eq!(status.end_time.as_deref(), Some("2026-11-26T12:00:02Z"));
        assert!(status.error.is_none());
        assert_eq!(state.running.load(Ordering::Acquire), 0, "nothing left to settle");
    }

    #[test]
    fn a_failed_operation_reports_its_error_once_it_has_ended() {
        let t0 = Instant::now();
        let op = operation("op-2", t0, 1, Some(("UpgradeFailed", "drain failed")));
        assert_eq!(op.status(t0).status, "InProgress");
        assert!(op.status(t0).error.is_none());
        let ended = op.status(t0 + Duration::from_secs(1));
        assert_eq!(ended.status, "Failed");
        assert_eq!(
            ended.error,
            Some(serde_json::json!({ "code": "UpgradeFailed", "message": "drain failed" }))
        );
    }

    #[test]
    fn only_changed_clusters_are_kept() {
        let state = SimState::new();
        assert_eq!(state.read().changed_clusters(), 0);
        state.transact(|changes| changes.set_maintenance((1, 1), vec![]));
        assert_eq!(
            state.read().changed_clusters(),
            0,
            "maintenance alone keeps no cluster object"
        );
        let t0 = Instant::now();
        state.transact(|changes| changes.begin((1, 1), raw("{}"), raw("{}"), operation("op", t0, 1, None)));
        assert_eq!(state.read().changed_clusters(), 1);
        assert!(state.read().cluster((1, 2)).is_none());
    }
}
