//! AKS's scheduled upgrade events, as Resource Graph's `containerserviceeventresources`
//! table holds them (type `microsoft.containerservice/managedclusters/scheduledevents`):
//! what kind of upgrade, its status, and when it was scheduled, started and last
//! updated.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Atom;
use time::OffsetDateTime;

/// What an event upgrades (`properties.eventDetails`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// `K8sVersionUpgrade`: the cluster's Kubernetes version (upgrade channel).
    Kubernetes,
    /// `NodeOSUpgrade`: the nodes' OS image (node OS channel).
    NodeOs,
    /// Anything else, as read.
    Other(String),
}

impl EventKind {
    /// The name AKS uses.
    pub fn as_str(&self) -> &str {
        match self {
            EventKind::Kubernetes => "K8sVersionUpgrade",
            EventKind::NodeOs => "NodeOSUpgrade",
            EventKind::Other(other) => other,
        }
    }

    /// The kind named in a text: AKS's own queries look for the names anywhere in
    /// the event's properties, and so does this.
    /// The kind a text names, as read back from JSON: one of AKS's, else the text.
    pub fn read(raw: &str) -> EventKind {
        EventKind::named_in(raw).unwrap_or_else(|| EventKind::Other(raw.to_string()))
    }

    pub fn named_in(text: &str) -> Option<EventKind> {
        let lower = text.to_ascii_lowercase();
        if lower.contains("k8sversionupgrade") {
            Some(EventKind::Kubernetes)
        } else if lower.contains("nodeosupgrade") {
            Some(EventKind::NodeOs)
        } else {
            None
        }
    }
}

/// `properties.eventStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventStatus {
    Scheduled,
    Started,
    Completed,
    Canceled,
    Failed,
    Other(String),
}

impl EventStatus {
    pub fn parse(text: &str) -> EventStatus {
        match text.trim().to_ascii_lowercase().as_str() {
            "scheduled" => EventStatus::Scheduled,
            "started" => EventStatus::Started,
            "completed" => EventStatus::Completed,
            "canceled" | "cancelled" => EventStatus::Canceled,
            "failed" => EventStatus::Failed,
            _ => EventStatus::Other(text.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            EventStatus::Scheduled => "Scheduled",
            EventStatus::Started => "Started",
            EventStatus::Completed => "Completed",
            EventStatus::Canceled => "Canceled",
            EventStatus::Failed => "Failed",
            EventStatus::Other(other) => other,
        }
    }
}

macro_rules! as_string {
    ($($t:ty => $parse:expr),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Ok($parse(&raw))
            }
        }
    )*};
}
as_string!(
    EventKind => EventKind::read,
    EventStatus => EventStatus::parse
);

/// An event's resource id, as far as it says more than the event does. Nearly every
/// id is its cluster's id, `/scheduledevents/` and the event's own id: such an id is
/// not kept but made again when asked for (`UpgradeEvent::id`), which spares the
/// 30 MB the 135,000 events of a 100,000-cluster fleet would hold, twice over while a
/// refresh reads new ones beside those on screen.
#[derive(Debug, Clone, Default)]
pub struct EventId(Option<Atom>);

/// How AKS names the part of an event's id between its cluster and itself.
const SEGMENT: &str = "/scheduledevents/";

impl EventId {
    /// Whether it is made from the cluster's id and the event's (not kept).
    pub fn is_made(&self) -> bool {
        self.0.is_none()
    }
}

impl From<Atom> for EventId {
    fn from(id: Atom) -> EventId {
        EventId(Some(id))
    }
}

impl From<String> for EventId {
    fn from(id: String) -> EventId {
        EventId(Some(id.into()))
    }
}

impl From<&str> for EventId {
    fn from(id: &str) -> EventId {
        EventId(Some(id.into()))
    }
}

impl Serialize for EventId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<Atom>::deserialize(d).map(EventId)
    }
}

/// One scheduled event of one cluster. Its texts are shared: a scan holds an event in
/// the read, and again in its cluster's outlook.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeEvent {
    /// The event's resource id: read it with `id()`.
    #[serde(default, skip_serializing_if = "EventId::is_made")]
    pub id: EventId,
    /// The cluster's resource id (the event's id up to `/scheduledevents/`).
    pub cluster_id: Atom,
    /// `properties.eventId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<Atom>,
    pub kind: EventKind,
    pub status: EventStatus,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled: Option<OffsetDateTime>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub started: Option<OffsetDateTime>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated: Option<OffsetDateTime>,
    /// `properties.eventDetails` (or `description`) as read, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Atom>,
}

impl UpgradeEvent {
    /// The event's resource id.
    pub fn id(&self) -> std::borrow::Cow<'_, str> {
        match (&self.id.0, &self.event_id) {
            (Some(id), _) => std::borrow::Cow::Borrowed(id),
            (None, Some(own)) => std::borrow::Cow::Owned(event_resource_id(&self.cluster_id, own)),
            (None, None) => std::borrow::Cow::Borrowed(&self.cluster_id),
        }
    }

    /// The event, its id let go of when `id()` makes it again exactly.
    pub fn compact(mut self) -> UpgradeEvent {
        if let (Some(id), Some(own)) = (&self.id.0, &self.event_id) {
            let cluster = self.cluster_id.as_str();
            let made = id.len() == cluster.len() + SEGMENT.len() + own.len()
                && id.starts_with(cluster)
                && id[cluster.len()..].starts_with(SEGMENT)
                && id.ends_with(own.as_str());
            if made {
                self.id = EventId(None);
            }
        }
        self
    }

    /// When it last moved: its last update, else its start, else its schedule.
    pub fn when(&self) -> Option<OffsetDateTime> {
        self.updated.or(self.started).or(self.scheduled)
    }

    /// When the event is due: its schedule while it is scheduled (its latest time when
    /// it has none), its latest time otherwise.
    pub fn due(&self) -> Option<OffsetDateTime> {
        match self.status {
            EventStatus::Scheduled => self.scheduled.or(self.when()),
            _ => self.when(),
        }
    }

    /// Whether it belongs to the cluster with this resource id (ignoring case, as ARM does).
    pub fn of_cluster(&self, cluster_id: &str) -> bool {
        self.cluster_id.eq_ignore_ascii_case(cluster_id)
    }
}

/// Two events are equal when they say the same, their ids kept or made.
impl PartialEq for UpgradeEvent {
    fn eq(&self, other: &UpgradeEvent) -> bool {
        self.id() == other.id()
            && self.cluster_id == other.cluster_id
            && self.event_id == other.event_id
            && self.kind == other.kind
            && self.status == other.status
            && self.scheduled == other.scheduled
            && self.started == other.started
            && self.updated == other.updated
            && self.details == other.details
    }
}

impl Eq for UpgradeEvent {}

/// The resource id AKS gives the event `event_id` of the cluster `cluster_id`.
pub fn event_resource_id(cluster_id: &str, event_id: &str) -> String {
    format!("{cluster_id}{SEGMENT}{event_id}")
}

/// The cluster an event belongs to: its id up to `/scheduledevents/` (any case).
pub fn cluster_of_event(event_id: &str) -> Option<&str> {
    let lower = event_id.to_ascii_lowercase();
    let at = lower.find("/scheduledevents/")?;
    Some(&event_id[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_read_as_aks_writes_them() {
        assert_eq!(EventKind::named_in("K8sVersionUpgrade"), Some(EventKind::Kubernetes));
        assert_eq!(
            EventKind::named_in(r#"{"upgradeType":"NodeOSUpgrade"}"#),
            Some(EventKind::NodeOs)
        );
        assert_eq!(EventKind::named_in("EOLNotification"), None);
        assert_eq!(EventStatus::parse("failed"), EventStatus::Failed);
        assert_eq!(EventStatus::parse("Cancelled"), EventStatus::Canceled);
        assert_eq!(EventStatus::parse("Paused"), EventStatus::Other("Paused".into()));
        let json = serde_json::to_string(&EventKind::NodeOs).unwrap();
        assert_eq!(json, "\"NodeOSUpgrade\"");
        assert_eq!(serde_json::from_str::<EventKind>(&json).unwrap(), EventKind::NodeOs);
    }

    #[test]
    fn an_id_made_of_the_cluster_s_and_the_event_s_is_not_kept_yet_reads_the_same() {
        use crate::model::fixtures;
        let cluster = "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c";
        let id = format!("{cluster}/scheduledevents/7c1e");
        let made = fixtures::event(&id, cluster, Some("7c1e")).compact();
        assert!(made.id.is_made());
        assert_eq!(made.id(), id);
        assert_eq!(
            made,
            fixtures::event(&id, cluster, Some("7c1e")),
            "equal to the same event with its id kept"
        );

        // Anything else is kept as read: another spelling, another cluster, no event id.
        for (id, own) in [
            (format!("{cluster}/scheduledEvents/7c1e"), Some("7c1e")),
            (format!("{cluster}x/scheduledevents/7c1e"), Some("7c1e")),
            (format!("{cluster}/scheduledevents/7c1e"), Some("7c1f")),
            (format!("{cluster}/scheduledevents/7c1e"), None),
        ] {
            let kept = fixtures::event(&id, cluster, own).compact();
            assert!(!kept.id.is_made(), "{id}");
            assert_eq!(kept.id(), id);
        }
    }

    #[test]
    fn an_event_s_cluster_is_its_id_before_scheduledevents() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/scheduledEvents/e-1";
        assert_eq!(
            cluster_of_event(id),
            Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c")
        );
        assert_eq!(cluster_of_event("/subscriptions/s/resourceGroups/rg"), None);
    }
}
