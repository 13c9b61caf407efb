//! aksradar's own insights into a cluster's upgrades, and its upgrade outlook.
//!
//! Insights are not PSRule findings: they have their own kinds, their own section in
//! every output and their own filter terms, and never change a verdict, a summary
//! count of findings or a conformance run. An [`Outlook`] gathers what lies ahead for
//! one cluster: its support, its next maintenance windows, its events and insights.

use std::fmt;

use time::OffsetDateTime;

use super::UpgradeEvent;
use super::support::Support;
use super::window::Occurrence;

/// What an insight is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InsightKind {
    /// A node OS channel is set, yet a pool's node image is well behind the latest
    /// after a maintenance window has passed: configured but not applied.
    StaleImage,
    /// Support (standard, or LTS on the LTS plan) ends within the warning period.
    EolSoon,
    OutOfSupport,
    /// Out of support and below the oldest minor its region offers: AKS may upgrade it by force.
    ForcedUpgrade,
    /// The latest scheduled upgrade of a kind failed.
    FailedUpgrade,
    /// A maintenance window changed less than 24 hours before it opens: AKS may not
    /// apply the change to that occurrence.
    WindowChanged,
}

impl InsightKind {
    pub const ALL: [InsightKind; 6] = [
        InsightKind::StaleImage,
        InsightKind::EolSoon,
        InsightKind::OutOfSupport,
        InsightKind::ForcedUpgrade,
        InsightKind::FailedUpgrade,
        InsightKind::WindowChanged,
    ];

    /// The name in JSON and in the filter (`insight:stale-image`).
    pub fn as_str(self) -> &'static str {
        match self {
            InsightKind::StaleImage => "stale-image",
            InsightKind::EolSoon => "eol-soon",
            InsightKind::OutOfSupport => "out-of-support",
            InsightKind::ForcedUpgrade => "forced-upgrade",
            InsightKind::FailedUpgrade => "failed-upgrade",
            InsightKind::WindowChanged => "window-changed",
        }
    }

    pub fn parse(text: &str) -> Option<InsightKind> {
        InsightKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for InsightKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One insight into one cluster (the cluster whose outlook holds it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insight {
    pub kind: InsightKind,
    /// What is the matter and what to do, in words a person can act on.
    pub message: super::Atom,
    /// The pool, maintenance configuration or event it is about, when it is about one.
    pub subject: Option<super::Atom>,
}

/// One maintenance configuration's next occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextWindow {
    /// The configuration's name (`aksManagedAutoUpgradeSchedule`, ...).
    pub name: super::Atom,
    /// The occurrence under way or the next to open; `None` when none opens (or the
    /// timing is unknown).
    pub next: Option<Occurrence>,
    /// Why the timing could not be read.
    pub problem: Option<String>,
    /// When the configuration last changed, when ARM says.
    pub modified: Option<OffsetDateTime>,
}

/// What lies ahead for one cluster's upgrades.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outlook {
    /// The instant it was worked out from: "in 24 hours" counts from here.
    pub at: OffsetDateTime,
    pub support: Support,
    /// Each maintenance configuration's next occurrence, in the cluster's order;
    /// `None` when the configurations were not read.
    pub windows: Option<Vec<NextWindow>>,
    /// Its scheduled upgrade events, newest first; `None` when events were not read.
    pub events: Option<Vec<UpgradeEvent>>,
    pub insights: Vec<Insight>,
}

impl Outlook {
    /// The soonest next occurrence over all its windows.
    pub fn soonest(&self) -> Option<&Occurrence> {
        self.windows
            .iter()
            .flatten()
            .filter_map(|w| w.next.as_ref())
            .min_by_key(|o| o.start)
    }

    pub fn has(&self, kind: InsightKind) -> bool {
        self.insights.iter().any(|i| i.kind == kind)
    }

    /// How long until the soonest window opens (zero while one is under way).
    pub fn until_window(&self) -> Option<time::Duration> {
        self.soonest().map(|o| (o.start - self.at).max(time::Duration::ZERO))
    }
}
