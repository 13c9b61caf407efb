//! A managed cluster and its node pools, as read from any source.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::{
    Atom, DetailsRead, Interner, MaintenanceConfig, NodeOsChannel, RegionOffer, UpgradeChannel, UpgradeEvent, Version,
};

/// A cluster's tags, shared by every cluster that has the same ones.
pub type Tags = Arc<BTreeMap<String, String>>;

/// A list of Kubernetes versions (what a cluster or a pool can upgrade to), shared by
/// every cluster and pool offered the same ones.
pub type Versions = Arc<[Atom]>;

/// Where a cluster's data came from, which changes how PSRule judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Origin {
    /// A deployed cluster, as it runs: read from Azure, from `az`, from an ARM or
    /// Resource Graph response, or a PSRule export. (Snapshots spell it `live`.)
    #[default]
    #[serde(rename = "live")]
    Deployed,
    /// A resource from a template (it carries `apiVersion` and no subscription): what
    /// will be deployed, not what runs.
    Template,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    pub id: String,
    pub name: Atom,
    pub subscription_id: Atom,
    /// The subscription's display name, when the source knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_name: Option<Atom>,
    pub resource_group: Atom,
    pub location: Atom,
    #[serde(default)]
    pub tags: Tags,
    pub kubernetes_version: Option<Atom>,
    pub current_kubernetes_version: Option<Atom>,
    /// `autoUpgradeProfile.upgradeChannel` as it arrived.
    pub upgrade_channel: Option<Atom>,
    /// `autoUpgradeProfile.nodeOSUpgradeChannel` as it arrived.
    pub node_os_upgrade_channel: Option<Atom>,
    pub provisioning_state: Option<Atom>,
    pub power_state: Option<Atom>,
    pub sku_name: Option<Atom>,
    pub sku_tier: Option<Atom>,
    pub support_plan: Option<Atom>,
    #[serde(default)]
    pub pools: Vec<AgentPool>,
    /// Maintenance configurations; `None` when they were not read (live data before
    /// its details are), which makes the MaintenanceWindow rule `Unknown`.
    pub maintenance: Option<Vec<MaintenanceConfig>>,
    /// The generally available versions the control plane can move to, from the
    /// upgrade profile (live data, after details); `None` when it was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrades: Option<Versions>,
    #[serde(default)]
    pub origin: Origin,
    /// Whether the region still offers this minor version (live data, after details).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_supported_in_region: Option<bool>,
    /// When the details were read and what could not be (live data). Shared: absent for
    /// files, and small when there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Arc<DetailsRead>>,
    /// When this cluster's data was read from Azure (live data only). Stored as Unix
    /// seconds: ten thousand of them read back much faster than dates in text.
    #[serde(
        default,
        with = "time::serde::timestamp::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub as_of: Option<OffsetDateTime>,
    /// True when the data comes from an earlier read because the latest one failed.
    #[serde(default)]
    pub stale: bool,
    /// Where the cluster is declared, when it was read from a file (never for live data).
    /// Boxed: it is rarely there, and a large fleet's clusters stay as small as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Box<SourceLocation>>,
}

/// A place in an input file: the file as the user named it, and the line and column of
/// the character that opens the resource (`{`, or `[` for a Resource Graph table row).
///
/// Lines end at LF (so CRLF too), lines and columns count from 1, and a column counts
/// UTF-16 code units (SARIF's default), in the text after any byte-order mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceLocation {
    /// Shared by every cluster of the file.
    pub file: Arc<str>,
    pub line: usize,
    pub column: usize,
}

impl Cluster {
    pub fn node_os_channel(&self) -> NodeOsChannel {
        NodeOsChannel::parse(self.node_os_upgrade_channel.as_deref())
    }

    pub fn upgrade_channel(&self) -> UpgradeChannel {
        UpgradeChannel::parse(self.upgrade_channel.as_deref())
    }

    pub fn version(&self) -> Option<Version> {
        self.kubernetes_version.as_deref().and_then(Version::parse)
    }

    pub fn has_windows_pool(&self) -> bool {
        self.pools.iter().any(AgentPool::is_windows)
    }

    /// The label people use for a subscription: its display name, else its id.
    pub fn subscription_label(&self) -> &str {
        self.subscription_name.as_deref().unwrap_or(&self.subscription_id)
    }

    /// Points every text the cluster shares with others (names, versions, channels,
    /// images, tags, schedules) at `interner`'s copy, letting its own go.
    pub fn share(&mut self, interner: &mut Interner) {
        interner.share(&mut self.name);
        interner.share(&mut self.subscription_id);
        interner.share_opt(&mut self.subscription_name);
        interner.share(&mut self.resource_group);
        interner.share(&mut self.location);
        interner.share_tags(&mut self.tags);
        for text in [
            &mut self.kubernetes_version,
            &mut self.current_kubernetes_version,
            &mut self.upgrade_channel,
            &mut self.node_os_upgrade_channel,
            &mut self.provisioning_state,
            &mut self.power_state,
            &mut self.sku_name,
            &mut self.sku_tier,
            &mut self.support_plan,
        ] {
            interner.share_opt(text);
        }
        for pool in &mut self.pools {
            pool.share(interner);
        }
        for config in self.maintenance.iter_mut().flatten() {
            config.share(interner);
        }
        if let Some(upgrades) = &mut self.upgrades {
            interner.share_versions(upgrades);
        }
        if let Some(details) = &mut self.details {
            interner.share_details(details);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPool {
    pub name: Atom,
    pub mode: Option<Atom>,
    pub os_type: Option<Atom>,
    pub os_sku: Option<Atom>,
    pub orchestrator_version: Option<Atom>,
    pub node_image_version: Option<Atom>,
    pub count: Option<u32>,
    /// The newest node image AKS offers this pool (live data, after details).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_node_image_version: Option<Atom>,
    /// The generally available versions this pool can move to (live data, after details).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrades: Option<Versions>,
}

impl AgentPool {
    pub fn is_windows(&self) -> bool {
        let windows = |s: &Option<Atom>| {
            s.as_deref()
                .is_some_and(|v| v.to_ascii_lowercase().starts_with("windows"))
        };
        windows(&self.os_type) || windows(&self.os_sku)
    }

    /// `Cluster::share` for the pool.
    pub fn share(&mut self, interner: &mut Interner) {
        interner.share(&mut self.name);
        for text in [
            &mut self.mode,
            &mut self.os_type,
            &mut self.os_sku,
            &mut self.orchestrator_version,
            &mut self.node_image_version,
            &mut self.latest_node_image_version,
        ] {
            interner.share_opt(text);
        }
        if let Some(upgrades) = &mut self.upgrades {
            interner.share_versions(upgrades);
        }
    }

    /// The release date encoded in the node image version, when it has one.
    pub fn node_image_date(&self) -> Option<Date> {
        self.node_image_version.as_deref().and_then(node_image_date)
    }
}

/// The image line of a node image version: the name without its release, e.g.
/// `AKSUbuntu-2204gen2containerd` of `AKSUbuntu-2204gen2containerd-202410.15.0` (and of
/// its SecurityPatch label `...-202410.27.0-2024.12.01`). Pools on one line in one
/// region get the same latest image. A version without a release it can read is its
/// own line.
pub fn node_image_line(version: &str) -> &str {
    let Some((rest, last)) = version.rsplit_once('-') else {
        return version;
    };
    if linux_current(last).is_some() || windows(last).is_some() {
        return rest;
    }
    if legacy(last).is_some() {
        // A security-patch date after the base image's release: drop both.
        return match rest.rsplit_once('-') {
            Some((line, base)) if linux_current(base).is_some() => line,
            _ => rest,
        };
    }
    version
}

/// Reads the date out of an AKS node image version.
///
/// Forms: `...-YYYYMM.DD.N` (current Linux), `...-YYYY.MM.DD` (legacy Linux),
/// `...-<build>.<rev>.YYMMDD` (Windows) and `...-YYYYMM.DD.N-YYYY.MM.DD` (a SecurityPatch
/// node label, where the base image date counts). Anything else has no date.
pub fn node_image_date(version: &str) -> Option<Date> {
    let mut tokens = version.rsplit('-');
    let last = tokens.next()?;
    if let Some(date) = linux_current(last) {
        return Some(date);
    }
    if let Some(date) = legacy(last) {
        // A trailing security-patch date follows the base image's own token.
        return Some(tokens.next().and_then(linux_current).unwrap_or(date));
    }
    windows(last)
}

/// The image family of a node image version: the version without its date tokens
/// (`AKSUbuntu-2204gen2containerd-202611.10.0` -> `AKSUbuntu-2204gen2containerd`), which
/// names the OS, its version, the VM generation and architecture. `None` when the
/// version carries no date.
pub fn image_family(version: &str) -> Option<&str> {
    node_image_date(version)?;
    let mut family = version;
    while let Some((head, last)) = family.rsplit_once('-') {
        if linux_current(last).is_some() || legacy(last).is_some() || windows(last).is_some() {
            family = head;
        } else {
            break;
        }
    }
    (family != version && !family.is_empty()).then_some(family)
}

/// A token of exactly three dot-separated runs of digits (no allocation: a fleet's
/// images are read many times over when its calendar is worked out).
fn three(token: &str) -> Option<[&str; 3]> {
    let mut parts = token.split('.');
    let out = [parts.next()?, parts.next()?, parts.next()?];
    let digits = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    (parts.next().is_none() && out.iter().all(digits)).then_some(out)
}

fn ymd(year: i32, m: &str, d: &str) -> Option<Date> {
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year, month, d.parse().ok()?).ok()
}

fn linux_current(token: &str) -> Option<Date> {
    match three(token)? {
        [yyyymm, dd, _n] if yyyymm.len() == 6 && dd.len() == 2 => ymd(yyyymm[..4].parse().ok()?, &yyyymm[4..], dd),
        _ => None,
    }
}

fn legacy(token: &str) -> Option<Date> {
    match three(token)? {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => ymd(y.parse().ok()?, m, d),
        _ => None,
    }
}

fn windows(token: &str) -> Option<Date> {
    match three(token)? {
        [_build, _rev, yymmdd] if yymmdd.len() == 6 => {
            let year: i32 = yymmdd[..2].parse().ok()?;
            ymd(2000 + year, &yymmdd[2..4], &yymmdd[4..])
        }
        _ => None,
    }
}

/// Everything read in one pass: clusters, plus what was skipped or failed on the way.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fleet {
    pub clusters: Vec<Cluster>,
    /// Objects that were read but are not managed clusters (pools, subnets, ...).
    pub skipped: usize,
    /// Clusters read again with an id read before (ignoring case): the later copy is
    /// kept, in the place of the first, and each repeat is counted here.
    #[serde(default)]
    pub duplicates: usize,
    pub errors: Vec<SourceError>,
    /// The subscriptions a live read covered, with how each went. Empty for files.
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionState>,
    /// What each region offers (its `kubernetesVersions`), by lower-case location, as
    /// far as the read looked (live data with details).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub regions: BTreeMap<String, RegionOffer>,
    /// AKS's scheduled upgrade events; `None` when none were read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<UpgradeEvent>>,
}

/// One subscription of a live read: when its data was last read, and the last error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionState {
    pub id: String,
    pub name: Option<String>,
    /// When its clusters were last read successfully.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub fetched_at: Option<OffsetDateTime>,
    /// Why the latest read of it failed, if it did.
    pub error: Option<SourceError>,
}

/// A part of the fleet that could not be read (a subscription, usually).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceError {
    pub subscription_id: Option<String>,
    pub url: Option<String>,
    pub code: Option<String>,
    pub message: String,
}

impl SourceError {
    /// The code of a cluster left out because its id does not read, in a file or in
    /// a page the service listed.
    pub const LEFT_OUT: &'static str = "InvalidResourceId";
    /// The code of a listed or configured subscription id that is no GUID (not read).
    pub const BAD_SUBSCRIPTION_ID: &'static str = "InvalidSubscriptionId";

    fn code_is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// A cluster left out because its id does not read.
    pub fn is_left_out(&self) -> bool {
        self.code_is(Self::LEFT_OUT)
    }

    /// The subscription list itself could not be read (or not whole): an error of no
    /// one subscription that is not about one id skipped or one cluster left out.
    pub fn is_listing(&self) -> bool {
        self.subscription_id.is_none()
            && !self.is_left_out()
            && !self.code_is(Self::BAD_SUBSCRIPTION_ID)
            && !self.is_events()
    }

    /// The code of an error of the scheduled-events read (whose own code is in the
    /// message): of no one subscription, yet no failure to list them either.
    pub const EVENTS_UNREADABLE: &'static str = "ScheduledEventsUnreadable";

    /// Whether this is the scheduled-events read's error.
    pub fn is_events(&self) -> bool {
        self.code.as_deref() == Some(Self::EVENTS_UNREADABLE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn node_image_dates_are_read_from_every_known_format() {
        let cases = [
            ("AKSUbuntu-2204gen2containerd-202410.15.0", Some(date!(2024 - 10 - 15))),
            ("AKSAzureLinux-V3gen2-202609.15.0", Some(date!(2026 - 09 - 15))),
            ("AKSUbuntu-1804gen2containerd-2022.04.27", Some(date!(2022 - 04 - 27))),
            (
                "AKSWindows-2022-containerd-20348.2340.240401",
                Some(date!(2024 - 04 - 01)),
            ),
            (
                "AKSUbuntu-2204gen2containerd-202410.27.0-2024.12.01",
                Some(date!(2024 - 10 - 27)),
            ),
            ("AKSUbuntu:1604:2020.03.11", None),
            ("AKSUbuntu-2204gen2containerd-202413.40.0", None),
            ("", None),
            ("latest", None),
        ];
        for (version, want) in cases {
            assert_eq!(node_image_date(version), want, "{version}");
        }
    }

    #[test]
    fn the_image_line_is_the_version_without_its_release() {
        let cases = [
            (
                "AKSUbuntu-2204gen2containerd-202410.15.0",
                "AKSUbuntu-2204gen2containerd",
            ),
            (
                "AKSUbuntu-2204gen2arm64containerd-202410.15.0",
                "AKSUbuntu-2204gen2arm64containerd",
            ),
            (
                "AKSUbuntu-1804gen2containerd-2022.04.27",
                "AKSUbuntu-1804gen2containerd",
            ),
            (
                "AKSWindows-2022-containerd-20348.2340.240401",
                "AKSWindows-2022-containerd",
            ),
            (
                "AKSUbuntu-2204gen2containerd-202410.27.0-2024.12.01",
                "AKSUbuntu-2204gen2containerd",
            ),
            ("AKSUbuntu:1604:2020.03.11", "AKSUbuntu:1604:2020.03.11"),
            ("latest", "latest"),
            ("", ""),
        ];
        for (version, want) in cases {
            assert_eq!(node_image_line(version), want, "{version}");
        }
    }

    #[test]
    fn an_image_s_family_is_its_version_without_the_date() {
        let cases = [
            (
                "AKSUbuntu-2204gen2containerd-202611.10.0",
                Some("AKSUbuntu-2204gen2containerd"),
            ),
            (
                "AKSUbuntu-2204gen2containerd-202410.27.0-2024.12.01",
                Some("AKSUbuntu-2204gen2containerd"),
            ),
            (
                "AKSWindows-2022-containerd-20348.2340.240401",
                Some("AKSWindows-2022-containerd"),
            ),
            (
                "AKSUbuntu-1804gen2containerd-2022.04.27",
                Some("AKSUbuntu-1804gen2containerd"),
            ),
            ("AKSUbuntu:1604:2020.03.11", None),
            ("latest", None),
        ];
        for (version, want) in cases {
            assert_eq!(image_family(version), want, "{version}");
        }
    }

    #[test]
    fn snapshots_keep_spelling_a_deployed_cluster_live() {
        assert_eq!(serde_json::to_string(&Origin::Deployed).unwrap(), "\"live\"");
        assert_eq!(serde_json::to_string(&Origin::Template).unwrap(), "\"template\"");
        assert_eq!(serde_json::from_str::<Origin>("\"live\"").unwrap(), Origin::Deployed);
    }

    #[test]
    fn a_pool_is_windows_by_os_type_or_sku() {
        let by_type = AgentPool {
            os_type: Some("Windows".into()),
            ..Default::default()
        };
        let by_sku = AgentPool {
            os_sku: Some("windows2022".into()),
            ..Default::default()
        };
        let linux = AgentPool {
            os_type: Some("Linux".into()),
            ..Default::default()
        };
        assert!(by_type.is_windows());
        assert!(by_sku.is_windows());
        assert!(!linux.is_windows());
    }
}
