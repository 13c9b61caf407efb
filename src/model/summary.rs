//! The fleet-wide counts, worked out in one place for the dashboard's header and views
//! and for every scan format, so they can never disagree.
//!
//! What each cluster adds is a [`Tally`], made once per cluster; a [`Summary`] adds
//! tallies up. The dashboard keeps a tally per row, so a filter keystroke only adds.

use super::{Assessed, NodeOsChannel, Outcome};

/// What one cluster adds to a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Its failing findings; non-compliant when there is any.
    pub failing: usize,
    /// Nothing fails but a rule's data was not read: neither compliant nor not.
    pub unknown: bool,
    /// Its node OS channel's place in [`NodeOsChannel::SUMMARY`].
    pub channel: usize,
    /// Below the minimum Kubernetes version, as [`Assessed::below_minimum`] decides.
    pub below_minimum: bool,
    /// From an earlier read, because the latest one failed.
    pub stale: bool,
}

impl Tally {
    pub fn of(item: &Assessed) -> Tally {
        Tally {
            failing: item.failing().count(),
            unknown: item.verdict() == Outcome::Unknown,
            channel: item.cluster.node_os_channel().summary_slot(),
            below_minimum: item.below_minimum(),
            stale: item.cluster.stale,
        }
    }
}

/// Counts over a set of clusters (the fleet a scan read, the clusters in view).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub clusters: usize,
    /// Clusters with at least one failing finding.
    pub non_compliant: usize,
    /// Clusters with no failing finding and at least one Unknown: counted on their own,
    /// never as compliant.
    pub unknown: usize,
    /// Clusters per node OS channel state, in [`NodeOsChannel::SUMMARY`] order: the
    /// five named states, then values this version of aksradar does not know.
    pub by_channel: [usize; 6],
    /// See [`Tally::below_minimum`].
    pub below_minimum: usize,
    pub failing_findings: usize,
    pub stale: usize,
}

impl Summary {
    pub fn of<'a>(items: impl IntoIterator<Item = &'a Assessed>) -> Summary {
        let mut summary = Summary::default();
        for item in items {
            summary.add(Tally::of(item));
        }
        summary
    }

    pub fn add(&mut self, tally: Tally) {
        self.clusters += 1;
        self.non_compliant += usize::from(tally.failing > 0);
        self.unknown += usize::from(tally.unknown);
        self.by_channel[tally.channel] += 1;
        self.below_minimum += usize::from(tally.below_minimum);
        self.failing_findings += tally.failing;
        self.stale += usize::from(tally.stale);
    }

    /// The five named channel states with their counts, in summary order.
    pub fn channels(&self) -> impl Iterator<Item = (&'static str, usize)> {
        NodeOsChannel::SUMMARY.into_iter().zip(self.by_channel).take(5)
    }

    /// Clusters whose channel value this version of aksradar does not know.
    pub fn other_channel(&self) -> usize {
        self.by_channel[5]
    }

    /// The non-compliant share in whole percent, rounded half up; `None` for no clusters.
    pub fn non_compliant_percent(&self) -> Option<usize> {
        (self.clusters > 0).then(|| (self.non_compliant * 200 + self.clusters) / (2 * self.clusters))
    }

    /// Clusters known to comply: neither failing nor unknown.
    pub fn compliant(&self) -> usize {
        self.clusters - self.non_compliant - self.unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{assessed, cluster, finding};
    use crate::model::{Outcome, Rule};

    #[test]
    fn below_minimum_follows_the_version_finding_as_psrule_judges_it() {
        let with_version = |outcome| assessed(cluster("s", "rg", "a"), vec![finding(Rule::Version, outcome, "")]);
        let cases = [
            (with_version(Outcome::Fail), true),
            (with_version(Outcome::Waived), false),
            (with_version(Outcome::Pass), false),
            (assessed(cluster("s", "rg", "a"), vec![]), false),
        ];
        for (item, want) in cases {
            assert_eq!(Tally::of(&item).below_minimum, want, "{:?}", item.findings);
        }
    }

    #[test]
    fn unknown_is_counted_on_its_own_never_as_compliant_or_failing() {
        let items = [
            assessed(
                cluster("s", "rg", "fails-and-unknown"),
                vec![
                    finding(Rule::NodeAutoUpgrade, Outcome::Fail, ""),
                    finding(Rule::MaintenanceWindow, Outcome::Unknown, ""),
                ],
            ),
            assessed(
                cluster("s", "rg", "unknown"),
                vec![
                    finding(Rule::NodeAutoUpgrade, Outcome::Pass, ""),
                    finding(Rule::MaintenanceWindow, Outcome::Unknown, ""),
                ],
            ),
            assessed(
                cluster("s", "rg", "waived"),
                vec![finding(Rule::NodeAutoUpgrade, Outcome::Waived, "")],
            ),
            assessed(cluster("s", "rg", "passes"), vec![]),
        ];
        let summary = Summary::of(&items);
        assert_eq!(
            (summary.non_compliant, summary.unknown, summary.compliant()),
            (1, 1, 2),
            "a failing cluster is non-compliant whatever else is unknown"
        );
    }

    #[test]
    fn a_summary_adds_every_cluster_s_tally() {
        let mut unknown_channel = cluster("s", "rg", "b");
        unknown_channel.node_os_upgrade_channel = Some("Weekly".into());
        unknown_channel.stale = true;
        let items = [
            assessed(
                cluster("s", "rg", "a"),
                vec![
                    finding(Rule::NodeAutoUpgrade, Outcome::Fail, ""),
                    finding(Rule::Version, Outcome::Fail, ""),
                ],
            ),
            assessed(unknown_channel, vec![finding(Rule::Version, Outcome::Pass, "")]),
            assessed(cluster("s", "rg", "c"), vec![]),
        ];
        let summary = Summary::of(&items);
        assert_eq!(summary.clusters, 3);
        assert_eq!(summary.non_compliant, 1);
        assert_eq!(summary.failing_findings, 2);
        assert_eq!(summary.below_minimum, 1);
        assert_eq!(summary.stale, 1);
        assert_eq!(summary.by_channel, [0, 0, 0, 0, 2, 1]);
        assert_eq!(summary.other_channel(), 1);
        assert_eq!(summary.non_compliant_percent(), Some(33));
        assert_eq!(Summary::of(&[]).non_compliant_percent(), None);
        let names: Vec<&str> = summary.channels().map(|(name, _)| name).collect();
        let known: Vec<&str> = NodeOsChannel::KNOWN.iter().map(NodeOsChannel::as_str).collect();
        assert_eq!(names, known);
    }
}
