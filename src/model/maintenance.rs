//! A cluster's maintenance configurations: their names, and when each lets AKS work.
//!
//! A configuration's [`MaintenanceSchedule`] keeps a one-line summary for people and,
//! when the configuration could be read, its [`Timing`], which says when it next
//! opens. Wherever text is wanted it reads as the summary (it dereferences to `str`),
//! and a summary alone (`"Weekly on Sunday".into()`) makes a schedule whose timing is
//! unknown, as a configuration from an older snapshot or a test fixture has.

use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::window::Timing;
use super::{Atom, Interner};

/// A maintenance configuration of a cluster (`managedClusters/maintenanceConfigurations`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceConfig {
    pub name: Atom,
    /// When it lets AKS work; `None` when the configuration carries no schedule. Shared
    /// by the configurations with the same schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Arc<MaintenanceSchedule>>,
}

/// When a maintenance configuration lets AKS work.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceSchedule {
    /// One line for people, e.g. `Weekly on Sunday 00:00–04:00 +01:00`.
    pub summary: Atom,
    /// The window or legacy slots, when they could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    /// Why the timing could not be read, naming the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// `systemData.lastModifiedAt`: when the configuration last changed, when ARM says.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub modified: Option<OffsetDateTime>,
}

impl MaintenanceConfig {
    /// Points its name and summary at `interner`'s copies (see `Cluster::share`).
    pub fn share(&mut self, interner: &mut Interner) {
        interner.share(&mut self.name);
        if let Some(schedule) = &mut self.schedule {
            interner.share_schedule(schedule);
        }
    }
}

impl MaintenanceSchedule {
    /// A schedule read from its timing: the summary says what the timing does.
    pub fn of(timing: Timing, modified: Option<OffsetDateTime>) -> MaintenanceSchedule {
        MaintenanceSchedule {
            summary: timing.describe().into(),
            timing: Some(timing),
            problem: None,
            modified,
        }
    }

    /// A schedule that could not be read, and why.
    pub fn unreadable(problem: String, modified: Option<OffsetDateTime>) -> MaintenanceSchedule {
        MaintenanceSchedule {
            summary: format!("unreadable: {problem}").into(),
            timing: None,
            problem: Some(problem),
            modified,
        }
    }
}

impl Deref for MaintenanceSchedule {
    type Target = str;

    fn deref(&self) -> &str {
        &self.summary
    }
}

impl From<&str> for MaintenanceSchedule {
    fn from(summary: &str) -> MaintenanceSchedule {
        MaintenanceSchedule {
            summary: summary.into(),
            ..MaintenanceSchedule::default()
        }
    }
}

impl From<String> for MaintenanceSchedule {
    fn from(summary: String) -> MaintenanceSchedule {
        MaintenanceSchedule {
            summary: summary.into(),
            ..MaintenanceSchedule::default()
        }
    }
}
