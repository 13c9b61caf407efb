//! The fleet as aksradar understands it: clusters, pools, maintenance windows, findings.
//!
//! Plain data with no I/O, no clock and no terminal types. Strings that came from
//! outside (names, tags, channel values) are kept as they arrived; comparisons that
//! PSRule makes ignoring case are made ignoring case by the accessors here.

pub mod api;
mod channel;
mod cluster;
mod finding;
mod resource_id;
mod version;

pub use channel::{NodeOsChannel, UpgradeChannel};
pub use cluster::{
    AgentPool, Cluster, Fleet, MaintenanceConfig, Origin, SourceError, SubscriptionState, node_image_date,
};
pub use finding::{Assessed, Finding, Outcome, PolicyVerdict, Rule};
pub use resource_id::ResourceId;
pub use version::Version;
