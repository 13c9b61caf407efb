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

/// One scheduled event of one cluster. Its texts are shared: a scan holds an event in
/// the read, and again in its cluster's outlook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeEvent {
    /// The event's resource id.
    pub id: Atom,
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
    fn an_event_s_cluster_is_its_id_before_scheduledevents() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/scheduledEvents/e-1";
        assert_eq!(
            cluster_of_event(id),
            Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c")
        );
        assert_eq!(cluster_of_event("/subscriptions/s/resourceGroups/rg"), None);
    }
}
