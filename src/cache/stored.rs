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

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Snapshot;
use crate::model::{
    AgentPool, Atom, Cluster, DetailsRead, MaintenanceConfig, Origin, RegionOffer, SourceError, SourceLocation,
    SubscriptionState, Tags, UpgradeEvent,
};

/// What `Store::save` writes: the snapshot's own fields, then its clusters by column.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Written<'a> {
    schema: u32,
    key: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    saved_at: OffsetDateTime,
    subscriptions: &'a [SubscriptionState],
    skipped: usize,
    errors: &'a [SourceError],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    regions: &'a BTreeMap<String, RegionOffer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<&'a [UpgradeEvent]>,
    tables: Tables,
    clusters: Columns,
    pools: PoolColumns,
}

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
    events: Option<Vec<UpgradeEvent>>,
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
    tags: Vec<BTreeMap<String, String>>,
    /// Lists of versions (a cluster's or a pool's upgrades), as indices into `texts`.
    version_lists: Vec<Vec<u32>>,
    maintenance: Vec<MaintenanceConfig>,
    /// A cluster's maintenance configurations, as indices into `maintenance`.
    maintenance_lists: Vec<Vec<u32>>,
    details: Vec<DetailsRead>,
}

/// A cluster's id: the index of the pattern (in `texts`) its subscription, group and
/// name fill, or the id itself.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Id {
    Pattern(u32),
    Whole(String),
}

/// One entry per cluster in each (texts as indices into `tables.texts`).
#[derive(Debug, Default, Serialize, Deserialize)]
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
    version_supported_in_region: Vec<Option<bool>>,
    /// Into `tables.details`.
    details: Vec<Option<u32>>,
    /// Unix seconds.
    as_of: Vec<Option<i64>>,
    /// The clusters (their positions) that come from a template, not a deployment.
    templates: Vec<u32>,
    /// The clusters (their positions) kept from an earlier read.
    stale: Vec<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    source: Vec<Option<SourceLocation>>,
}

/// One entry per pool, the clusters' pools one after the other.
#[derive(Debug, Default, Serialize, Deserialize)]
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

/// The snapshot ready to be written.
pub(super) fn written(snapshot: &Snapshot) -> Written<'_> {
    let mut encoder = Encoder::default();
    let mut c = Columns {
        count: snapshot.clusters.len(),
        ..Columns::default()
    };
    let mut p = PoolColumns::default();
    let has_source = snapshot.clusters.iter().any(|cluster| cluster.source.is_some());
    for (at, cluster) in snapshot.clusters.iter().enumerate() {
        let e = &mut encoder;
        c.id.push(
            match id_pattern(
                &cluster.id,
                &cluster.subscription_id,
                &cluster.resource_group,
                &cluster.name,
            ) {
                Some(pattern) => Id::Pattern(e.text(&pattern)),
                None => Id::Whole(cluster.id.clone()),
            },
        );
        c.name.push(e.text(&cluster.name));
        c.subscription_id.push(e.text(&cluster.subscription_id));
        c.subscription_name.push(e.opt(&cluster.subscription_name));
        c.resource_group.push(e.text(&cluster.resource_group));
        c.location.push(e.text(&cluster.location));
        c.tags.push(e.tags(&cluster.tags));
        c.kubernetes_version.push(e.opt(&cluster.kubernetes_version));
        c.current_kubernetes_version
            .push(e.opt(&cluster.current_kubernetes_version));
        c.upgrade_channel.push(e.opt(&cluster.upgrade_channel));
        c.node_os_upgrade_channel.push(e.opt(&cluster.node_os_upgrade_channel));
        c.provisioning_state.push(e.opt(&cluster.provisioning_state));
        c.power_state.push(e.opt(&cluster.power_state));
        c.sku_name.push(e.opt(&cluster.sku_name));
        c.sku_tier.push(e.opt(&cluster.sku_tier));
        c.support_plan.push(e.opt(&cluster.support_plan));
        c.pools.push(cluster.pools.len() as u32);
        for pool in &cluster.pools {
            p.name.push(e.text(&pool.name));
            p.mode.push(e.opt(&pool.mode));
            p.os_type.push(e.opt(&pool.os_type));
            p.os_sku.push(e.opt(&pool.os_sku));
            p.orchestrator_version.push(e.opt(&pool.orchestrator_version));
            p.node_image_version.push(e.opt(&pool.node_image_version));
            p.count.push(pool.count);
            p.latest_node_image_version.push(e.opt(&pool.latest_node_image_version));
            p.upgrades.push(pool.upgrades.as_deref().map(|list| e.versions(list)));
        }
        c.maintenance
            .push(cluster.maintenance.as_deref().map(|configs| e.maintenance(configs)));
        c.upgrades
            .push(cluster.upgrades.as_deref().map(|list| e.versions(list)));
        c.version_supported_in_region.push(cluster.version_supported_in_region);
        c.details.push(cluster.details.as_deref().map(|read| e.details(read)));
        c.as_of.push(cluster.as_of.map(OffsetDateTime::unix_timestamp));
        if cluster.origin == Origin::Template {
            c.templates.push(at as u32);
        }
        if cluster.stale {
            c.stale.push(at as u32);
        }
        if has_source {
            c.source.push(cluster.source.as_deref().cloned());
        }
    }
    Written {
        schema: snapshot.schema,
        key: &snapshot.key,
        saved_at: snapshot.saved_at,
        subscriptions: &snapshot.subscriptions,
        skipped: snapshot.skipped,
        errors: &snapshot.errors,
        regions: &snapshot.regions,
        events: snapshot.events.as_deref(),
        tables: encoder.tables,
        clusters: c,
        pools: p,
    }
}

/// Hands out each distinct value's place in its table.
#[derive(Default)]
struct Encoder {
    tables: Tables,
    texts: HashMap<Atom, u32>,
    tags: HashMap<Tags, u32>,
    version_lists: HashMap<Vec<u32>, u32>,
    maintenance: HashMap<MaintenanceConfig, u32>,
    maintenance_lists: HashMap<Vec<u32>, u32>,
    details: HashMap<DetailsRead, u32>,
}

/// The place of `value` in `table`, added at its end the first time.
fn place<K: std::hash::Hash + Eq, T>(
    index: &mut HashMap<K, u32>,
    table: &mut Vec<T>,
    key: K,
    value: impl FnOnce() -> T,
) -> u32 {
    *index.entry(key).or_insert_with(|| {
        table.push(value());
        (table.len() - 1) as u32
    })
}

impl Encoder {
    fn text(&mut self, text: &str) -> u32 {
        if let Some(&at) = self.texts.get(text) {
            return at;
        }
        let atom = Atom::from(text);
        self.tables.texts.push(atom.clone());
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
        Some(place(&mut self.tags, &mut self.tables.tags, tags.clone(), || {
            (**tags).clone()
        }))
    }

    fn versions(&mut self, list: &[Atom]) -> u32 {
        let texts: Vec<u32> = list.iter().map(|v| self.text(v)).collect();
        place(
            &mut self.version_lists,
            &mut self.tables.version_lists,
            texts.clone(),
            || texts,
        )
    }

    fn maintenance(&mut self, configs: &[MaintenanceConfig]) -> u32 {
        let places: Vec<u32> = configs
            .iter()
            .map(|config| {
                place(
                    &mut self.maintenance,
                    &mut self.tables.maintenance,
                    config.clone(),
                    || config.clone(),
                )
            })
            .collect();
        place(
            &mut self.maintenance_lists,
            &mut self.tables.maintenance_lists,
            places.clone(),
            || places,
        )
    }

    fn details(&mut self, read: &DetailsRead) -> u32 {
        place(&mut self.details, &mut self.tables.details, read.clone(), || {
            read.clone()
        })
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
        ("asOf", c.as_of.len()),
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

    let mut clusters = Vec::with_capacity(count);
    let mut next_pool = 0usize;
    for at in 0..count {
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
        next_pool += pool_total;
        clusters.push(Cluster {
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
            version_supported_in_region: c.version_supported_in_region.get(at).copied().flatten(),
            details: match c.details.get(at).copied().flatten() {
                Some(i) => Some(Box::new(t.details(i)?)),
                None => None,
            },
            as_of: match c.as_of.get(at).copied().flatten() {
                Some(seconds) => Some(
                    OffsetDateTime::from_unix_timestamp(seconds)
                        .map_err(|e| format!("`clusters.asOf` of cluster {at}: {e}"))?,
                ),
                None => None,
            },
            stale: stale[at],
            source: c.source.get(at).cloned().flatten().map(Box::new),
        });
    }
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
    version_lists: Vec<Vec<u32>>,
    maintenance: Vec<MaintenanceConfig>,
    maintenance_lists: Vec<Vec<u32>>,
    details: Vec<DetailsRead>,
}

impl Decoder {
    fn new(tables: Tables) -> Result<Decoder, String> {
        let mut decoder = Decoder {
            texts: tables.texts,
            tags: tables.tags.into_iter().map(Arc::new).collect(),
            no_tags: Tags::default(),
            version_lists: tables.version_lists,
            maintenance: tables.maintenance,
            maintenance_lists: tables.maintenance_lists,
            details: tables.details,
        };
        // The configurations' texts are shared like every other text.
        let mut texts = crate::model::Interner::new();
        for atom in &mut decoder.texts {
            texts.share(atom);
        }
        for config in &mut decoder.maintenance {
            config.share(&mut texts);
        }
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

    fn versions(&self, at: u32, column: &str) -> Result<Vec<Atom>, String> {
        let list = self
            .version_lists
            .get(at as usize)
            .ok_or_else(|| past(column, at, "versionLists", self.version_lists.len()))?;
        list.iter().map(|&i| self.text(i, "versionLists")).collect()
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

    fn details(&self, at: u32) -> Result<DetailsRead, String> {
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
