//! What changed in the fleet between two live reads: pure data that `history` works
//! out from its records and `scan --changes` reports.

use serde::Serialize;
use time::OffsetDateTime;

/// A cluster whose value of something changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub id: String,
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A named cluster, for the lists of `Changes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    pub id: String,
    pub name: String,
    /// The failing rules now (for clusters that became non-compliant or appeared).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failing: Vec<String>,
}

/// What changed between two reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub until: OffsetDateTime,
    pub became_non_compliant: Vec<Named>,
    pub became_compliant: Vec<Named>,
    pub appeared: Vec<Named>,
    pub disappeared: Vec<Named>,
    pub node_os_channel_changed: Vec<Change>,
    pub upgrade_channel_changed: Vec<Change>,
    pub version_changed: Vec<Change>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.became_non_compliant.is_empty()
            && self.became_compliant.is_empty()
            && self.appeared.is_empty()
            && self.disappeared.is_empty()
            && self.node_os_channel_changed.is_empty()
            && self.upgrade_channel_changed.is_empty()
            && self.version_changed.is_empty()
    }
}
