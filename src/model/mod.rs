//! The fleet as aksradar understands it: clusters, pools, maintenance windows (and when
//! they next open), findings, support calendars, upgrade events and insights, what a
//! read reports and finds beyond the list, the summary counts, and what changed.
//!
//! Plain data with no I/O, no clock and no terminal types. Strings that came from
//! outside (names, tags, channel values) are kept as they arrived; comparisons that
//! PSRule makes ignoring case are made ignoring case by the accessors here.

pub mod api;
mod atom;
mod changes;
mod channel;
mod cluster;
mod details;
mod event;
mod finding;
mod insight;
mod maintenance;
mod progress;
mod resource_id;
mod summary;
pub mod support;
mod version;
pub mod window;

#[cfg(test)]
pub mod fixtures;

pub use atom::{Atom, Interner};
pub use changes::{Change, Changes, Named};
pub use channel::{NodeOsChannel, UpgradeChannel};
pub use cluster::{
    AgentPool, Cluster, Fleet, Origin, SourceError, SourceLocation, SubscriptionState, Tags, Versions, image_family,
    node_image_date, node_image_line,
};
pub use details::{ClusterDetails, DetailFailure, DetailPart, DetailsRead, UpgradeProfile, carry_details, lists_as};
pub use event::{EventId, EventKind, EventStatus, UpgradeEvent, cluster_of_event, event_resource_id};
pub use finding::{Assessed, Finding, Outcome, PolicyVerdict, Rule};
pub use insight::{Insight, InsightKind, NextWindow, Outlook};
pub use maintenance::{MaintenanceConfig, MaintenanceSchedule};
pub use progress::Progress;
pub use resource_id::{IdError, ResourceId};
pub use summary::{Summary, Tally};
pub use support::{Minor, RegionOffer, Support, SupportCalendar, SupportState};
pub use version::Version;
