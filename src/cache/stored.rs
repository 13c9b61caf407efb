//! The snapshot as it is written: by column, with every repeated value kept once.
//!
//! A fleet's clusters repeat most of what they hold (subscriptions, regions, versions,
//! channels, images, tags, schedules), so the file keeps each distinct text once
//! (`tables.texts`), each distinct tag set, version list, maintenance configuration and
//! details stamp once, and one array per field (a column) of indices into those: one
//! entry per cluster, or per pool for the pools' columns. A cluster's id is kept as the
//! pattern it follows (`/subscriptions/{}/resourcegroups/{}/providers/...{}`, filled
//! with its subscription, group and name) when it is made of them, else whole. Reading
//! builds the clusters from the columns with the texts shared as `Atom`s, so a load
//! allocates no copy per cluster of what clusters have in common.
//!
//! A column may be missing (every cluster then has its default there), and a column a
//! reader does not know is skipped: a field can be added without a new schema. Anything
//! else that does not fit (a column of another length, an index past its table, a pool
//! count that does not add up) is damage, said with the column's name; nothing in a
//! file makes the reader panic.

use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::sync::Arc;

use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};
use time::OffsetDateTime;

use super::Snapshot;
use crate::model::window::Timing;
use crate::model::{
    AgentPool, Atom, Cluster, DetailsRead, EventKind, EventStatus, MaintenanceConfig, MaintenanceSchedule, Origin,
    RegionOffer, ResourceId, SourceError, SourceLocation, SubscriptionState, Tags, UpgradeEvent, Versions,
    event_resource_id,
};

/// What a reader takes from the file, before the clusters are built.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Read {
    pub(super) schema: u32,
    key: String,
    #[serde(with = "time::serde::rfc3339")]
    saved_at: OffsetDateTime,
    #[serde(default)]
    subscriptions: Vec<SubscriptionState>,
    #[serde(default)]
    skipped: usize,
    #[serde(default)]
    errors: Vec<SourceError>,
    #[serde(default)]
    regions: BTreeMap<String, RegionOffer>,
    #[serde(default)]
    events: Option<EventColumns>,
    #[serde(default)]
    tables: Tables,
    #[serde(default)]
    clusters: Columns,
    #[serde(default)]
    pools: PoolColumns,
}

impl Read {
    pub(super) fn key(&self) -> &str {
        &self.key
    }
}

/// Each distinct value once; the columns point into these.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Tables {
    texts: Vec<Atom>,
    tags: Vec<Tags>,
    /// Lists of versions (a cluster's or a pool's upgrades), as indices into `texts`.
    version_lists: Vec<Vec<u32>>,
    maintenance: Vec<StoredConfig>,
    /// A cluster's maintenance configurations, as indices into `maintenance`.
    maintenance_lists: Vec<Vec<u32>>,
    details: Vec<DetailsRead>,
}

/// A maintenance configuration as stored: its name in `texts`, its summary only when it
/// is not the one its timing (or problem) gives, its change time in Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredConfig {
    name: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    schedule: Option<StoredSchedule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredSchedule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timing: Option<Timing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    modified: Option<i64>,
}

/// The summary a schedule's timing (or problem) gives, as `MaintenanceSchedule` makes it.
fn usual_summary(timing: Option<&Timing>, problem: Option<&str>) -> String {
    match (timing, problem) {
        (Some(timing), None) => timing.describe(),
        (None, Some(problem)) => format!("unreadable: {problem}"),
        _ => String::new(),
    }
}

/// A cluster's id: the index of the pattern (in `texts`) its subscription, group and
/// name fill, or the id itself.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Id {
    Pattern(u32),
    Whole(String),
}

/// One entry per cluster in each (texts as indices into `tables.texts`), as read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Columns {
    count: usize,
    id: Vec<Id>,
    name: Vec<u32>,
    subscription_id: Vec<u32>,
    subscription_name: Vec<Option<u32>>,
    resource_group: Vec<u32>,
    location: Vec<u32>,
    /// Into `tables.tags`; `null` for none.
    tags: Vec<Option<u32>>,
    kubernetes_version: Vec<Option<u32>>,
    current_kubernetes_version: Vec<Option<u32>>,
    upgrade_channel: Vec<Option<u32>>,
    node_os_upgrade_channel: Vec<Option<u32>>,
    provisioning_state: Vec<Option<u32>>,
    power_state: Vec<Option<u32>>,
    sku_name: Vec<Option<u32>>,
    sku_tier: Vec<Option<u32>>,
    support_plan: Vec<Option<u32>>,
    /// How many of the pools' rows, in order, are the cluster's.
    pools: Vec<u32>,
    /// Into `tables.maintenanceLists`; `null` when they were not read.
    maintenance: Vec<Option<u32>>,
    /// Into `tables.versionLists`.
    upgrades: Vec<Option<u32>>,
    /// 1 or 0.
    version_supported_in_region: Vec<Option<u8>>,
    /// Into `tables.details`.
    details: Vec<Option<u32>>,
    /// Seconds before `savedAt` (0 for what the read that saved it read).
    as_of_ago: Vec<Option<i64>>,
    /// The clusters (their positions) that come from a template, not a deployment.
    templates: Vec<u32>,
    /// The clusters (their positions) kept from an earlier read.
    stale: Vec<u32>,
    source: Vec<Option<SourceLocation>>,
}

/// One entry per pool, the clusters' pools one after the other, as read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct PoolColumns {
    name: Vec<u32>,
    mode: Vec<Option<u32>>,
    os_type: Vec<Option<u32>>,
    os_sku: Vec<Option<u32>>,
    orchestrator_version: Vec<Option<u32>>,
    node_image_version: Vec<Option<u32>>,
    count: Vec<Option<u32>>,
    latest_node_image_version: Vec<Option<u32>>,
    /// Into `tables.versionLists`.
    upgrades: Vec<Option<u32>>,
}

/// What `Store::save` writes: the snapshot's own fields, then its clusters by column,
/// then the tables the columns point into. Each column is worked out as it is written
/// (no column is held whole), the tables growing as it goes.
pub(super) struct Written<'a>(pub(super) &'a Snapshot);

impl Serialize for Written<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let snapshot = self.0;
        // A first pass counts how often each text is pointed at, so that the commonest
        // get the shortest indices (a region's index in one digit, not five).
        let counting = RefCell::new(Encoder::default());
        let mut sink = serde_json::Serializer::new(std::io::sink());
        AllColumns(snapshot, &counting)
            .serialize(&mut sink)
            .map_err(serde::ser::Error::custom)?;
        let encoder = RefCell::new(Encoder::with_texts(counting.into_inner().by_frequency()));
        let mut out = serializer.serialize_struct("Snapshot", 12)?;
        out.serialize_field("schema", &snapshot.schema)?;
        out.serialize_field("key", &snapshot.key)?;
        out.serialize_field("savedAt", &Rfc3339(snapshot.saved_at))?;
        out.serialize_field("subscriptions", &snapshot.subscriptions)?;
        out.serialize_field("skipped", &snapshot.skipped)?;
        out.serialize_field("errors", &snapshot.errors)?;
        if !snapshot.regions.is_empty() {
            out.serialize_field("regions", &snapshot.regions)?;
        }
        let columns = AllColumns(snapshot, &encoder);
        if let Some(events) = columns.events() {
            out.serialize_field("events", &events)?;
        }
        out.serialize_field("clusters", &columns.clusters())?;
        out.serialize_field("pools", &columns.pools())?;
        out.serialize_field("tables", &encoder.borrow().tables)?;
        out.end()
    }
}

/// Every column of a snapshot, worked out through one encoder.
struct AllColumns<'a>(&'a Snapshot, &'a RefCell<Encoder>);

impl<'a> AllColumns<'a> {
    fn events(&self) -> Option<EventColumnsOut<'a>> {
        self.0.events.as_deref().map(|events| EventColumnsOut {
            events,
            encoder: self.1,
        })
    }

    fn clusters(&self) -> ClusterColumns<'a> {
        ClusterColumns {
            clusters: &self.0.clusters,
            saved_at: self.0.saved_at.unix_timestamp(),
            encoder: self.1,
        }
    }

    fn pools(&self) -> PoolColumnsOut<'a> {
        PoolColumnsOut {
            clusters: &self.0.clusters,
            encoder: self.1,
        }
    }
}

impl Serialize for AllColumns<'_> {
    /// The columns alone (the counting pass).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Columns", 3)?;
        if let Some(events) = self.events() {
            out.serialize_field("events", &events)?;
        }
        out.serialize_field("clusters", &self.clusters())?;
        out.serialize_field("pools", &self.pools())?;
        out.end()
    }
}

/// A time as RFC 3339, as the snapshot's `savedAt` is read.
struct Rfc3339(OffsetDateTime);

impl Serialize for Rfc3339 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::serialize(&self.0, serializer)
    }
}

/// One column: one value per item, worked out as it is written.
struct Column<'a, I, F> {
    items: &'a [I],
    value: F,
}

impl<I, F, T> Serialize for Column<'_, I, F>
where
    F: Fn(&I) -> T,
    T: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.items.len()))?;
        for item in self.items {
            seq.serialize_element(&(self.value)(item))?;
        }
        seq.end()
    }
}

/// The clusters' columns (see `Columns` for what each holds).
struct ClusterColumns<'a> {
    clusters: &'a [Arc<Cluster>],
    /// The snapshot's `savedAt`, in Unix seconds.
    saved_at: i64,
    encoder: &'a RefCell<Encoder>,
}

impl Serialize for ClusterColumns<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let clusters = self.clusters;
        let saved_at = self.saved_at;
        let e = self.encoder;
        let mut out = serializer.serialize_struct("Columns", 26)?;
        macro_rules! column {
            ($name:literal, $value:expr) => {
                out.serialize_field(
                    $name,
                    &Column {
                        items: clusters,
                        value: $value,
                    },
                )?
            };
        }
        macro_rules! text {
            ($name:literal, $field:ident) => {
                column!($name, |c: &Arc<Cluster>| e.borrow_mut().text(&c.$field))
            };
        }
        macro_rules! optional {
            ($name:literal, $field:ident) => {
                column!($name, |c: &Arc<Cluster>| e.borrow_mut().opt(&c.$field))
            };
        }
        out.serialize_field("count", &clusters.len())?;
        column!("id", |c: &Arc<Cluster>| {
            match id_pattern(&c.id, &c.subscription_id, &c.resource_group, &c.name) {
                Some(pattern) => Id::Pattern(e.borrow_mut().text(&pattern)),
                None => Id::Whole(c.id.clone()),
            }
        });
        text!("name", name);
        text!("subscriptionId", subscription_id);
        optional!("subscriptionName", subscription_name);
        text!("resourceGroup", resource_group);
        text!("location", location);
        column!("tags", |c: &Arc<Cluster>| e.borrow_mut().tags(&c.tags));
        optional!("kubernetesVersion", kubernetes_version);
        optional!("currentKubernetesVersion", current_kubernetes_version);
        optional!("upgradeChannel", upgrade_channel);
        optional!("nodeOsUpgradeChannel", node_os_upgrade_channel);
        optional!("provisioningState", provisioning_state);
        optional!("powerState", power_state);
        optional!("skuName", sku_name);
        optional!("skuTier", sku_tier);
        optional!("supportPlan", support_plan);
        column!("pools", |c: &Arc<Cluster>| c.pools.len() as u32);
        column!("maintenance", |c: &Arc<Cluster>| {
            c.maintenance
                .as_deref()
                .map(|configs| e.borrow_mut().maintenance(configs))
        });
        column!("upgrades", |c: &Arc<Cluster>| {
            c.upgrades.as_deref().map(|list| e.borrow_mut().versions(list))
        });
        column!("versionSupportedInRegion", |c: &Arc<Cluster>| c
            .version_supported_in_region
            .map(u8::from));
        column!("details", |c: &Arc<Cluster>| {
            c.details.as_deref().map(|read| e.borrow_mut().details(read))
        });
        column!("asOfAgo", |c: &Arc<Cluster>| c
            .as_of
            .map(|t| saved_at - t.unix_timestamp()));
        let flagged = |keep: fn(&Cluster) -> bool| -> Vec<u32> {
            clusters
                .iter()
                .enumerate()
                .filter(|(_, c)| keep(c))
                .map(|(at, _)| at as u32)
                .collect()
        };
        out.serialize_field("templates", &flagged(|c| c.origin == Origin::Template))?;
        out.serialize_field("stale", &flagged(|c| c.stale))?;
        if clusters.iter().any(|c| c.source.is_some()) {
            column!("source", |c: &Arc<Cluster>| c.source.as_deref().cloned());
        }
        out.end()
    }
}

/// The events' columns: a cluster id made of its parts as their pattern, an event id
/// made of its cluster's and its own as nothing, times in Unix seconds.
struct EventColumnsOut<'a> {
    events: &'a [UpgradeEvent],
    encoder: &'a RefCell<Encoder>,
}

impl Serialize for EventColumnsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let events = self.events;
        let e = self.encoder;
        let mut out = serializer.serialize_struct("EventColumns", 10)?;
        macro_rules! column {
            ($name:literal, $value:expr) => {
                out.serialize_field(
                    $name,
                    &Column {
                        items: events,
                        value: $value,
                    },
                )?
            };
        }
        let seconds = |t: Option<OffsetDateTime>| t.map(OffsetDateTime::unix_timestamp);
        out.serialize_field("count", &events.len())?;
        column!("clusterId", |v: &UpgradeEvent| {
            let parts = ResourceId::parse(&v.cluster_id).ok();
            let parts = parts
                .as_ref()
                .and_then(|p| Some((p.subscription_id?, p.resource_group?, p.name?)));
            match parts.and_then(|(s, g, n)| Some((id_pattern(&v.cluster_id, s, g, n)?, s, g, n))) {
                Some((pattern, s, g, n)) => {
                    let mut e = e.borrow_mut();
                    EventCluster::Parts([e.text(&pattern), e.text(s), e.text(g), e.text(n)])
                }
                None => EventCluster::Whole(v.cluster_id.to_string()),
            }
        });
        column!("id", |v: &UpgradeEvent| {
            let id = v.id();
            let made = v
                .event_id
                .as_ref()
                .is_some_and(|own| id == event_resource_id(&v.cluster_id, own));
            (!made).then(|| id.into_owned())
        });
        column!("eventId", |v: &UpgradeEvent| v.event_id.as_ref().map(Atom::to_string));
        column!("kind", |v: &UpgradeEvent| e.borrow_mut().text(v.kind.as_str()));
        column!("status", |v: &UpgradeEvent| e.borrow_mut().text(v.status.as_str()));
        column!("scheduled", |v: &UpgradeEvent| seconds(v.scheduled));
        column!("started", |v: &UpgradeEvent| seconds(v.started));
        column!("updated", |v: &UpgradeEvent| seconds(v.updated));
        column!("details", |v: &UpgradeEvent| e.borrow_mut().opt(&v.details));
        out.end()
    }
}

/// An event's id as AKS makes it from its cluster's and its own.
/// An event's cluster: the pattern its id follows and its subscription, group and name
/// (each in `texts`), or the id itself.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum EventCluster {
    Parts([u32; 4]),
    Whole(String),
}

/// One entry per event in each, as read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct EventColumns {
    count: usize,
    cluster_id: Vec<EventCluster>,
    id: Vec<Option<String>>,
    event_id: Vec<Option<String>>,
    kind: Vec<u32>,
    status: Vec<u32>,
    scheduled: Vec<Option<i64>>,
    started: Vec<Option<i64>>,
    updated: Vec<Option<i64>>,
    details: Vec<Option<u32>>,
}

/// The events the columns hold.
fn events(c: EventColumns, t: &Decoder) -> Result<Vec<UpgradeEvent>, String> {
    let count = c.count;
    let check = ColumnCheck { count };
    for (name, len) in [
        ("events.clusterId", c.cluster_id.len()),
        ("events.id", c.id.len()),
        ("events.eventId", c.event_id.len()),
        ("events.kind", c.kind.len()),
        ("events.status", c.status.len()),
        ("events.scheduled", c.scheduled.len()),
        ("events.started", c.started.len()),
        ("events.updated", c.updated.len()),
        ("events.details", c.details.len()),
    ] {
        check.check(name, len)?;
    }
    if count > 0 && (c.cluster_id.is_empty() || c.kind.is_empty() || c.status.is_empty()) {
        return Err("the events have no `clusterId`, `kind` or `status` column".into());
    }
    let time = |column: &[Option<i64>], at: usize, name: &str| -> Result<Option<OffsetDateTime>, String> {
        match column.get(at).copied().flatten() {
            Some(seconds) => OffsetDateTime::from_unix_timestamp(seconds)
                .map(Some)
                .map_err(|e| format!("`{name}` of event {at}: {e}")),
            None => Ok(None),
        }
    };
    let text = |column: &[Option<u32>], at: usize, name: &str| -> Result<Option<Atom>, String> {
        match column.get(at).copied().flatten() {
            Some(i) => t.text(i, name).map(Some),
            None => Ok(None),
        }
    };
    // A cluster's events sit one after another: each takes the id the one before made
    // when they have the same cluster.
    let build = |last: &mut Option<(usize, Atom)>, at: usize| -> Result<UpgradeEvent, String> {
        let before = last
            .as_ref()
            .filter(|(prev, _)| c.cluster_id[*prev] == c.cluster_id[at])
            .map(|(_, id)| id.clone());
        let cluster_id: Atom = match (before, &c.cluster_id[at]) {
            (Some(id), _) => id,
            (None, EventCluster::Whole(id)) => id.as_str().into(),
            (None, EventCluster::Parts([pattern, s, g, n])) => {
                let pattern = t.text(*pattern, "events.clusterId")?;
                let [s, g, n] = [*s, *g, *n].map(|i| t.text(i, "events.clusterId"));
                fill(&pattern, &s?, &g?, &n?)
                    .ok_or_else(|| format!("the id pattern {pattern:?} of event {at} has not three places"))?
                    .into()
            }
        };
        *last = Some((at, cluster_id.clone()));
        let event_id: Option<Atom> = c.event_id.get(at).cloned().flatten().map(Atom::from);
        // An id the snapshot left out is made from the cluster's and the event's.
        let id = match (c.id.get(at).cloned().flatten(), &event_id) {
            (Some(id), _) => id.into(),
            (None, Some(_)) => crate::model::EventId::default(),
            (None, None) => return Err(format!("event {at} has neither an id nor an event id to make one of")),
        };
        Ok(UpgradeEvent {
            id,
            cluster_id,
            event_id,
            kind: EventKind::read(&t.text(c.kind[at], "events.kind")?),
            status: EventStatus::parse(&t.text(c.status[at], "events.status")?),
            scheduled: time(&c.scheduled, at, "events.scheduled")?,
            started: time(&c.started, at, "events.started")?,
            updated: time(&c.updated, at, "events.updated")?,
            details: text(&c.details, at, "events.details")?,
        })
    };
    crate::par::map((0..count).collect(), || None, build)
        .into_iter()
        .collect()
}

/// The pools' columns, the clusters' pools one after the other.
struct PoolColumnsOut<'a> {
    clusters: &'a [Arc<Cluster>],
    encoder: &'a RefCell<Encoder>,
}

impl Serialize for PoolColumnsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let pools: Vec<&AgentPool> = self.clusters.iter().flat_map(|c| c.pools.iter()).collect();
        let e = self.encoder;
        let mut out = serializer.serialize_struct("PoolColumns", 9)?;
        macro_rules! column {
            ($name:literal, $value:expr) => {
                out.serialize_field(
                    $name,
                    &Column {
                        items: &pools,
                        value: $value,
                    },
                )?
            };
        }
        column!("name", |p: &&AgentPool| e.borrow_mut().text(&p.name));
        column!("mode", |p: &&AgentPool| e.borrow_mut().opt(&p.mode));
        column!("osType", |p: &&AgentPool| e.borrow_mut().opt(&p.os_type));
        column!("osSku", |p: &&AgentPool| e.borrow_mut().opt(&p.os_sku));
        column!("orchestratorVersion", |p: &&AgentPool| {
            e.borrow_mut().opt(&p.orchestrator_version)
        });
        column!("nodeImageVersion", |p: &&AgentPool| e
            .borrow_mut()
            .opt(&p.node_image_version));
        column!("count", |p: &&AgentPool| p.count);
        column!("latestNodeImageVersion", |p: &&AgentPool| {
            e.borrow_mut().opt(&p.latest_node_image_version)
        });
        column!("upgrades", |p: &&AgentPool| {
            p.upgrades.as_deref().map(|list| e.borrow_mut().versions(list))
        });
        out.end()
    }
}

/// Hands out each distinct value's place in its table.
#[derive(Default)]
struct Encoder {
    tables: Tables,
    texts: HashMap<Atom, u32>,
    /// How often each text (by place) was asked for.
    counts: Vec<u32>,
    tags: Places,
    version_lists: Places,
    maintenance: Places,
    maintenance_lists: Places,
    details: Places,
}

/// Where each distinct value of a table is, found by its hash: the table keeps each
/// value once (a map keyed by the values would keep each twice, and a fleet's
/// maintenance configurations are tens of megabytes).
#[derive(Default)]
struct Places<S = std::hash::RandomState> {
    by_hash: HashMap<u64, u32>,
    /// Places of values whose hash another value had first: found by a scan (rare).
    collided: Vec<u32>,
    hasher: S,
}

impl<S: BuildHasher> Places<S> {
    /// The place of `value` in `table`, added at its end the first time.
    fn of<T: std::hash::Hash + Eq>(&mut self, table: &mut Vec<T>, value: T) -> u32 {
        let hash = self.hasher.hash_one(&value);
        match self.by_hash.get(&hash) {
            Some(&at) if table[at as usize] == value => return at,
            Some(_) => {
                if let Some(&at) = self.collided.iter().find(|&&at| table[at as usize] == value) {
                    return at;
                }
            }
            None => {}
        }
        let at = table.len() as u32;
        table.push(value);
        match self.by_hash.entry(hash) {
            Entry::Vacant(place) => {
                place.insert(at);
            }
            Entry::Occupied(_) => self.collided.push(at),
        }
        at
    }
}

impl Encoder {
    /// An encoder whose texts table starts with `texts`, in that order.
    fn with_texts(texts: Vec<Atom>) -> Encoder {
        let mut encoder = Encoder::default();
        for text in texts {
            encoder.text(&text);
        }
        encoder
    }

    /// The texts asked for, the most asked first (then in the order first asked).
    fn by_frequency(self) -> Vec<Atom> {
        let mut texts: Vec<(u32, usize, Atom)> = self
            .tables
            .texts
            .into_iter()
            .enumerate()
            .map(|(at, text)| (self.counts[at], at, text))
            .collect();
        texts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        texts.into_iter().map(|(_, _, text)| text).collect()
    }

    fn text(&mut self, text: &str) -> u32 {
        if let Some(&at) = self.texts.get(text) {
            self.counts[at as usize] += 1;
            return at;
        }
        let atom = Atom::from(text);
        self.tables.texts.push(atom.clone());
        self.counts.push(1);
        let at = (self.tables.texts.len() - 1) as u32;
        self.texts.insert(atom, at);
        at
    }

    fn opt(&mut self, text: &Option<Atom>) -> Option<u32> {
        text.as_deref().map(|t| self.text(t))
    }

    fn tags(&mut self, tags: &Tags) -> Option<u32> {
        if tags.is_empty() {
            return None;
        }
        Some(self.tags.of(&mut self.tables.tags, tags.clone()))
    }

    fn versions(&mut self, list: &[Atom]) -> u32 {
        let texts: Vec<u32> = list.iter().map(|v| self.text(v)).collect();
        self.version_lists.of(&mut self.tables.version_lists, texts)
    }

    fn maintenance(&mut self, configs: &[MaintenanceConfig]) -> u32 {
        let places: Vec<u32> = configs
            .iter()
            .map(|config| {
                let stored = StoredConfig {
                    name: self.text(&config.name),
                    schedule: config.schedule.as_deref().map(|s| StoredSchedule {
                        summary: (*s.summary != usual_summary(s.timing.as_ref(), s.problem.as_deref()))
                            .then(|| s.summary.to_string()),
                        timing: s.timing.clone(),
                        problem: s.problem.clone(),
                        modified: s.modified.map(OffsetDateTime::unix_timestamp),
                    }),
                };
                self.maintenance.of(&mut self.tables.maintenance, stored)
            })
            .collect();
        self.maintenance_lists.of(&mut self.tables.maintenance_lists, places)
    }

    fn details(&mut self, read: &DetailsRead) -> u32 {
        self.details.of(&mut self.tables.details, read.clone())
    }
}

/// The pattern `id` follows when it is its subscription, group and name put into one
/// (`/subscriptions/{}/resourcegroups/{}/providers/.../managedClusters/{}`), so that
/// filling the pattern gives the id back exactly.
fn id_pattern(id: &str, subscription: &str, group: &str, name: &str) -> Option<String> {
    if subscription.is_empty() || group.is_empty() || name.is_empty() {
        return None;
    }
    let (before, rest) = id.split_once(subscription)?;
    let (between, rest) = rest.split_once(group)?;
    let after_group = rest.strip_suffix(name)?;
    let pattern = format!("{before}{{}}{between}{{}}{after_group}{{}}");
    (fill(&pattern, subscription, group, name).as_deref() == Some(id)).then_some(pattern)
}

/// The id a pattern gives for a subscription, group and name; `None` when the pattern
/// does not have exactly three places.
fn fill(pattern: &str, subscription: &str, group: &str, name: &str) -> Option<String> {
    let mut parts = pattern.split("{}");
    let mut id = String::with_capacity(pattern.len() + subscription.len() + group.len() + name.len());
    id.push_str(parts.next()?);
    for part in [subscription, group, name] {
        id.push_str(part);
        id.push_str(parts.next()?);
    }
    parts.next().is_none().then_some(id)
}

/// The snapshot the file holds, or what in it does not fit.
pub(super) fn snapshot(read: Read) -> Result<Snapshot, String> {
    let Read {
        schema,
        key,
        saved_at,
        subscriptions,
        skipped,
        errors,
        regions,
        events,
        tables,
        clusters: c,
        pools: p,
    } = read;
    let count = c.count;
    let t = Decoder::new(tables)?;
    let events = match events {
        Some(columns) => Some(self::events(columns, &t)?),
        None => None,
    };
    let cols = ColumnCheck { count };
    cols.check("id", c.id.len())?;
    for (name, len) in [
        ("name", c.name.len()),
        ("subscriptionId", c.subscription_id.len()),
        ("subscriptionName", c.subscription_name.len()),
        ("resourceGroup", c.resource_group.len()),
        ("location", c.location.len()),
        ("tags", c.tags.len()),
        ("kubernetesVersion", c.kubernetes_version.len()),
        ("currentKubernetesVersion", c.current_kubernetes_version.len()),
        ("upgradeChannel", c.upgrade_channel.len()),
        ("nodeOsUpgradeChannel", c.node_os_upgrade_channel.len()),
        ("provisioningState", c.provisioning_state.len()),
        ("powerState", c.power_state.len()),
        ("skuName", c.sku_name.len()),
        ("skuTier", c.sku_tier.len()),
        ("supportPlan", c.support_plan.len()),
        ("pools", c.pools.len()),
        ("maintenance", c.maintenance.len()),
        ("upgrades", c.upgrades.len()),
        ("versionSupportedInRegion", c.version_supported_in_region.len()),
        ("details", c.details.len()),
        ("asOfAgo", c.as_of_ago.len()),
        ("source", c.source.len()),
    ] {
        cols.check(name, len)?;
    }
    let pool_rows: u64 = c.pools.iter().map(|&n| u64::from(n)).sum();
    let pool_count = usize::try_from(pool_rows).unwrap_or(usize::MAX);
    let pool_cols = ColumnCheck { count: pool_count };
    pool_cols.check("pools.name", p.name.len())?;
    for (name, len) in [
        ("pools.mode", p.mode.len()),
        ("pools.osType", p.os_type.len()),
        ("pools.osSku", p.os_sku.len()),
        ("pools.orchestratorVersion", p.orchestrator_version.len()),
        ("pools.nodeImageVersion", p.node_image_version.len()),
        ("pools.count", p.count.len()),
        ("pools.latestNodeImageVersion", p.latest_node_image_version.len()),
        ("pools.upgrades", p.upgrades.len()),
    ] {
        pool_cols.check(name, len)?;
    }
    if count > 0 && (c.id.is_empty() || c.name.is_empty()) {
        return Err("the clusters have no `id` or `name` column".into());
    }
    if pool_count > 0 && p.name.is_empty() {
        return Err("the pools have no `name` column".into());
    }
    let flagged = |list: &[u32], column: &str| -> Result<Vec<bool>, String> {
        let mut flags = vec![false; count];
        for &at in list {
            *flags
                .get_mut(at as usize)
                .ok_or_else(|| format!("`clusters.{column}` names cluster {at} of {count}"))? = true;
        }
        Ok(flags)
    };
    let templates = flagged(&c.templates, "templates")?;
    let stale = flagged(&c.stale, "stale")?;

    // Where each cluster's pools start: the clusters are then built over the cores.
    let mut starts = Vec::with_capacity(count);
    let mut next_pool = 0usize;
    for at in 0..count {
        starts.push(next_pool);
        next_pool += c.pools.get(at).copied().unwrap_or(0) as usize;
    }
    let build = |at: usize| -> Result<Arc<Cluster>, String> {
        let next_pool = starts[at];
        let text = |column: &[u32], name: &str| -> Result<Atom, String> {
            match column.get(at) {
                Some(&i) => t.text(i, name),
                None => Ok(Atom::default()),
            }
        };
        let opt = |column: &[Option<u32>], name: &str| -> Result<Option<Atom>, String> {
            match column.get(at).copied().flatten() {
                Some(i) => t.text(i, name).map(Some),
                None => Ok(None),
            }
        };
        let name = text(&c.name, "name")?;
        let subscription_id = text(&c.subscription_id, "subscriptionId")?;
        let resource_group = text(&c.resource_group, "resourceGroup")?;
        let id = match &c.id[at] {
            Id::Whole(id) => id.clone(),
            Id::Pattern(i) => {
                let pattern = t.text(*i, "id")?;
                fill(&pattern, &subscription_id, &resource_group, &name)
                    .ok_or_else(|| format!("the id pattern {pattern:?} of cluster {at} has not three places"))?
            }
        };
        let pool_total = c.pools.get(at).copied().unwrap_or(0) as usize;
        let mut pools = Vec::with_capacity(pool_total);
        for row in next_pool..next_pool + pool_total {
            let pool_text = |column: &[Option<u32>], name: &str| -> Result<Option<Atom>, String> {
                match column.get(row).copied().flatten() {
                    Some(i) => t.text(i, name).map(Some),
                    None => Ok(None),
                }
            };
            pools.push(AgentPool {
                name: t.text(p.name[row], "pools.name")?,
                mode: pool_text(&p.mode, "pools.mode")?,
                os_type: pool_text(&p.os_type, "pools.osType")?,
                os_sku: pool_text(&p.os_sku, "pools.osSku")?,
                orchestrator_version: pool_text(&p.orchestrator_version, "pools.orchestratorVersion")?,
                node_image_version: pool_text(&p.node_image_version, "pools.nodeImageVersion")?,
                count: p.count.get(row).copied().flatten(),
                latest_node_image_version: pool_text(&p.latest_node_image_version, "pools.latestNodeImageVersion")?,
                upgrades: match p.upgrades.get(row).copied().flatten() {
                    Some(i) => Some(t.versions(i, "pools.upgrades")?),
                    None => None,
                },
            });
        }
        Ok(Arc::new(Cluster {
            id,
            name,
            subscription_id,
            subscription_name: opt(&c.subscription_name, "subscriptionName")?,
            resource_group,
            location: text(&c.location, "location")?,
            tags: match c.tags.get(at).copied().flatten() {
                Some(i) => t.tags(i)?,
                None => t.no_tags.clone(),
            },
            kubernetes_version: opt(&c.kubernetes_version, "kubernetesVersion")?,
            current_kubernetes_version: opt(&c.current_kubernetes_version, "currentKubernetesVersion")?,
            upgrade_channel: opt(&c.upgrade_channel, "upgradeChannel")?,
            node_os_upgrade_channel: opt(&c.node_os_upgrade_channel, "nodeOsUpgradeChannel")?,
            provisioning_state: opt(&c.provisioning_state, "provisioningState")?,
            power_state: opt(&c.power_state, "powerState")?,
            sku_name: opt(&c.sku_name, "skuName")?,
            sku_tier: opt(&c.sku_tier, "skuTier")?,
            support_plan: opt(&c.support_plan, "supportPlan")?,
            pools,
            maintenance: match c.maintenance.get(at).copied().flatten() {
                Some(i) => Some(t.maintenance(i)?),
                None => None,
            },
            upgrades: match c.upgrades.get(at).copied().flatten() {
                Some(i) => Some(t.versions(i, "upgrades")?),
                None => None,
            },
            origin: if templates[at] {
                Origin::Template
            } else {
                Origin::Deployed
            },
            version_supported_in_region: c.version_supported_in_region.get(at).copied().flatten().map(|v| v != 0),
            details: match c.details.get(at).copied().flatten() {
                Some(i) => Some(t.details(i)?),
                None => None,
            },
            as_of: match c.as_of_ago.get(at).copied().flatten() {
                Some(ago) => Some(
                    saved_at
                        .unix_timestamp()
                        .checked_sub(ago)
                        .ok_or_else(|| format!("`clusters.asOfAgo` of cluster {at} is out of range"))
                        .and_then(|seconds| {
                            OffsetDateTime::from_unix_timestamp(seconds)
                                .map_err(|e| format!("`clusters.asOfAgo` of cluster {at}: {e}"))
                        })?,
                ),
                None => None,
            },
            stale: stale[at],
            source: c.source.get(at).cloned().flatten().map(Box::new),
        }))
    };
    let clusters = crate::par::map((0..count).collect(), || (), |(), at| build(at))
        .into_iter()
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Snapshot {
        schema,
        key,
        saved_at,
        subscriptions,
        clusters,
        skipped,
        errors,
        regions,
        events,
    })
}

/// A column holds one entry per row, or none at all (every row has the default).
struct ColumnCheck {
    count: usize,
}

impl ColumnCheck {
    fn check(&self, column: &str, len: usize) -> Result<(), String> {
        if len == 0 || len == self.count {
            Ok(())
        } else {
            Err(format!("column `{column}` has {len} entries for {} rows", self.count))
        }
    }
}

/// The tables, ready to hand out shared values.
struct Decoder {
    texts: Vec<Atom>,
    tags: Vec<Tags>,
    no_tags: Tags,
    /// Each list once, its versions `None` when one points past `texts`.
    version_lists: Vec<Option<Versions>>,
    maintenance: Vec<MaintenanceConfig>,
    maintenance_lists: Vec<Vec<u32>>,
    details: Vec<Arc<DetailsRead>>,
}

impl Decoder {
    fn new(tables: Tables) -> Result<Decoder, String> {
        let mut texts = crate::model::Interner::new();
        let mut decoder = Decoder {
            texts: tables.texts,
            tags: tables.tags,
            no_tags: Tags::default(),
            version_lists: Vec::new(),
            maintenance: Vec::with_capacity(tables.maintenance.len()),
            maintenance_lists: tables.maintenance_lists,
            details: tables.details.into_iter().map(Arc::new).collect(),
        };
        // The table holds each text once already; the configurations' texts are
        // shared among themselves.
        for (at, stored) in tables.maintenance.into_iter().enumerate() {
            let schedule = match stored.schedule {
                Some(s) => {
                    let modified = match s.modified {
                        Some(seconds) => Some(
                            OffsetDateTime::from_unix_timestamp(seconds)
                                .map_err(|e| format!("`tables.maintenance` entry {at}: {e}"))?,
                        ),
                        None => None,
                    };
                    let summary = s
                        .summary
                        .unwrap_or_else(|| usual_summary(s.timing.as_ref(), s.problem.as_deref()));
                    Some(Arc::new(MaintenanceSchedule {
                        summary: summary.into(),
                        timing: s.timing,
                        problem: s.problem,
                        modified,
                    }))
                }
                None => None,
            };
            let mut config = MaintenanceConfig {
                name: decoder.text(stored.name, "tables.maintenance")?,
                schedule,
            };
            config.share(&mut texts);
            decoder.maintenance.push(config);
        }
        decoder.version_lists = tables
            .version_lists
            .iter()
            .map(|list| {
                list.iter()
                    .map(|&i| decoder.texts.get(i as usize).cloned())
                    .collect::<Option<Vec<Atom>>>()
                    .map(Versions::from)
            })
            .collect();
        Ok(decoder)
    }

    fn text(&self, at: u32, column: &str) -> Result<Atom, String> {
        self.texts
            .get(at as usize)
            .cloned()
            .ok_or_else(|| past(column, at, "texts", self.texts.len()))
    }

    fn tags(&self, at: u32) -> Result<Tags, String> {
        self.tags
            .get(at as usize)
            .cloned()
            .ok_or_else(|| past("tags", at, "tags", self.tags.len()))
    }

    fn versions(&self, at: u32, column: &str) -> Result<Versions, String> {
        self.version_lists
            .get(at as usize)
            .ok_or_else(|| past(column, at, "versionLists", self.version_lists.len()))?
            .clone()
            .ok_or_else(|| {
                format!(
                    "`tables.versionLists` entry {at} points past the {} texts",
                    self.texts.len()
                )
            })
    }

    fn maintenance(&self, at: u32) -> Result<Vec<MaintenanceConfig>, String> {
        let list = self
            .maintenance_lists
            .get(at as usize)
            .ok_or_else(|| past("maintenance", at, "maintenanceLists", self.maintenance_lists.len()))?;
        list.iter()
            .map(|&i| {
                self.maintenance
                    .get(i as usize)
                    .cloned()
                    .ok_or_else(|| past("maintenanceLists", i, "maintenance", self.maintenance.len()))
            })
            .collect()
    }

    fn details(&self, at: u32) -> Result<Arc<DetailsRead>, String> {
        self.details
            .get(at as usize)
            .cloned()
            .ok_or_else(|| past("details", at, "details", self.details.len()))
    }
}

fn past(column: &str, at: u32, table: &str, len: usize) -> String {
    format!("column `{column}` points at {at}, past the {len} entries of `tables.{table}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes everything alike: every value collides with the first.
    #[derive(Default)]
    struct OneHash;

    impl BuildHasher for OneHash {
        type Hasher = OneHasher;
        fn build_hasher(&self) -> OneHasher {
            OneHasher
        }
    }

    struct OneHasher;

    impl std::hash::Hasher for OneHasher {
        fn finish(&self) -> u64 {
            7
        }
        fn write(&mut self, _: &[u8]) {}
    }

    #[test]
    fn each_distinct_value_gets_one_place_even_when_hashes_collide() {
        let mut places = Places::<OneHash>::default();
        let mut table = Vec::new();
        let values = ["a", "b", "a", "c", "b", "c", "d"];
        let at: Vec<u32> = values.iter().map(|v| places.of(&mut table, v.to_string())).collect();
        assert_eq!(at, [0, 1, 0, 2, 1, 2, 3]);
        assert_eq!(table, ["a", "b", "c", "d"], "each value kept once");

        let mut places = Places::<std::hash::RandomState>::default();
        let mut table = Vec::new();
        let at: Vec<u32> = [vec![1, 2], vec![], vec![1, 2]]
            .into_iter()
            .map(|v| places.of(&mut table, v))
            .collect();
        assert_eq!(at, [0, 1, 0]);
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn an_id_made_of_its_parts_is_kept_as_their_pattern_and_comes_back_exactly() {
        let cases = [
            (
                "/subscriptions/s-1/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks",
                Some("/subscriptions/{}/resourcegroups/{}/providers/Microsoft.ContainerService/managedClusters/{}"),
            ),
            // The name is no suffix of the id: kept whole.
            ("/subscriptions/s-1/resourceGroups/rg/providers/x/aks/extra", None),
            // A part that is a prefix of another still fills back exactly.
            (
                "/subscriptions/a/resourceGroups/a/providers/Microsoft.ContainerService/managedClusters/a",
                Some("/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerService/managedClusters/{}"),
            ),
            // Braces in the id itself cannot be told from the places: kept whole.
            ("/subscriptions/s-1/{}/resourceGroups/rg/aks", None),
            ("", None),
        ];
        for (id, want) in cases {
            let (sub, group, name) = match id {
                "" => ("", "", ""),
                _ if id.contains("/a/") => ("a", "a", "a"),
                _ => ("s-1", "rg", "aks"),
            };
            let pattern = id_pattern(id, sub, group, name);
            assert_eq!(pattern.as_deref(), want, "{id}");
            if let Some(pattern) = pattern {
                assert_eq!(fill(&pattern, sub, group, name).as_deref(), Some(id));
            }
        }
        assert_eq!(fill("{}{}", "a", "b", "c"), None, "two places are not three");
        assert_eq!(fill("{}{}{}{}", "a", "b", "c"), None, "four are not three");
    }
}
