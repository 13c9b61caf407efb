//! The texts of a cluster's row, by column: what the dashboard's table shows and what
//! a plain word in a filter searches, so `/` and `--filter` agree with the screen.
//! SUPPORT and NEXT WINDOW read the cluster's upgrade outlook (`calendar::annotate`),
//! worked out once per data change: "in 2 d 4 h" counts from the outlook's instant,
//! in `scan` and the dashboard alike.

use std::ops::Index;

use crate::model::{Assessed, Atom, Interner, Outlook};
use crate::text;

/// The fleet table's columns, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    Subscription,
    ResourceGroup,
    Location,
    Version,
    /// The version the control plane runs, where it differs from the requested one.
    Running,
    /// The support of the cluster's minor: `until 2027-03-31`, `ends in 12 d`, `out of support`.
    Support,
    Upgrade,
    NodeOs,
    /// When the soonest maintenance window opens: `in 2 d 4 h`, `open now`, `none`.
    Window,
    /// The provisioning state (Succeeded, Failed, Updating...).
    Provisioning,
    Verdict,
}

impl Column {
    /// Every column, in the table's order (which is also the order of the variants).
    pub const ALL: [Column; 12] = [
        Column::Name,
        Column::Subscription,
        Column::ResourceGroup,
        Column::Location,
        Column::Version,
        Column::Running,
        Column::Support,
        Column::Upgrade,
        Column::NodeOs,
        Column::Window,
        Column::Provisioning,
        Column::Verdict,
    ];

    /// Its place in the table, counting from the left.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name the saved view state and `:sort` use.
    pub fn name(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Subscription => "subscription",
            Column::ResourceGroup => "resource-group",
            Column::Location => "location",
            Column::Version => "version",
            Column::Running => "running",
            Column::Support => "support",
            Column::Upgrade => "upgrade",
            Column::NodeOs => "node-os",
            Column::Window => "window",
            Column::Provisioning => "provisioning",
            Column::Verdict => "verdict",
        }
    }

    /// The column of a name, ignoring case; `region` is what earlier versions saved.
    pub fn by_name(name: &str) -> Option<Column> {
        if name.eq_ignore_ascii_case("region") {
            return Some(Column::Location);
        }
        Column::ALL.into_iter().find(|c| c.name().eq_ignore_ascii_case(name))
    }

    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "NAME",
            Column::Subscription => "SUBSCRIPTION",
            Column::ResourceGroup => "RESOURCE GROUP",
            Column::Location => "LOCATION",
            Column::Version => "K8S",
            Column::Running => "RUNNING",
            Column::Support => "SUPPORT",
            Column::Upgrade => "UPGRADE",
            Column::NodeOs => "NODE OS",
            Column::Window => "NEXT WINDOW",
            Column::Provisioning => "PROVISIONING",
            Column::Verdict => "VERDICT",
        }
    }

    pub fn next(self) -> Column {
        Column::ALL[(self.index() + 1) % Column::ALL.len()]
    }
}

/// A row's texts, cleaned of control characters, one per [`Column`]. Shared where
/// rows say the same (their region, version, channel, verdict).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cells([Atom; Column::ALL.len()]);

impl Cells {
    pub fn of(item: &Assessed) -> Cells {
        Cells::of_shared(item, &mut Interner::new())
    }

    /// `of`, each text taken from `texts` where an equal one was given before.
    pub fn of_shared(item: &Assessed, texts: &mut Interner) -> Cells {
        let c = &item.cluster;
        let text_of = |column: Column| match column {
            Column::Name => text::clean(&c.name).into_owned(),
            Column::Subscription => text::clean(c.subscription_label()).into_owned(),
            Column::ResourceGroup => text::clean(&c.resource_group).into_owned(),
            Column::Location => text::clean(&c.location).into_owned(),
            Column::Version => text::clean(c.kubernetes_version.as_deref().unwrap_or("-")).into_owned(),
            Column::Running => match (&c.current_kubernetes_version, &c.kubernetes_version) {
                (Some(running), Some(wanted)) if running.trim().eq_ignore_ascii_case(wanted.trim()) => String::new(),
                (Some(running), _) => text::clean(running).into_owned(),
                (None, _) => String::new(),
            },
            Column::Support => item.outlook.as_deref().map_or_else(String::new, |o| o.support.label()),
            Column::Upgrade => text::clean(c.upgrade_channel().as_str()).into_owned(),
            Column::NodeOs => text::clean(c.node_os_channel().as_str()).into_owned(),
            Column::Window => item.outlook.as_deref().map_or_else(String::new, next_window),
            Column::Provisioning => text::clean(c.provisioning_state.as_deref().unwrap_or("-")).into_owned(),
            Column::Verdict => item.verdict_label(),
        };
        // A cluster's own text that is clean already is shared as it is (a name, a
        // group: a text per cluster, not to be copied per row).
        let own = |column: Column| match column {
            Column::Name => Some(&c.name),
            Column::Subscription => Some(c.subscription_name.as_ref().unwrap_or(&c.subscription_id)),
            Column::ResourceGroup => Some(&c.resource_group),
            Column::Location => Some(&c.location),
            Column::Version => c.kubernetes_version.as_ref(),
            Column::Provisioning => c.provisioning_state.as_ref(),
            _ => None,
        };
        Cells(Column::ALL.map(|column| match own(column) {
            Some(atom) if matches!(text::clean(atom), std::borrow::Cow::Borrowed(_)) => atom.clone(),
            _ => texts.intern(&text_of(column)),
        }))
    }

    /// The texts from the left.
    pub fn iter(&self) -> impl Iterator<Item = &Atom> {
        self.0.iter()
    }
}

/// The soonest window as a span from the outlook's instant: `in 2 d 4 h`, `open now`
/// while one is under way, `none` when no window opens, `-` when they were not read.
pub fn next_window(outlook: &Outlook) -> String {
    if outlook.windows.is_none() {
        return "-".to_string();
    }
    match outlook.until_window() {
        None => "none".to_string(),
        Some(wait) if wait.is_zero() => "open now".to_string(),
        Some(wait) => format!("in {}", text::span(wait.whole_seconds())),
    }
}

impl Index<Column> for Cells {
    type Output = Atom;

    fn index(&self, column: Column) -> &Atom {
        &self.0[column.index()]
    }
}

/// The lower-cased text a plain word is searched in: what the table shows, plus the
/// id, the subscription id and the tags.
pub fn haystack(item: &Assessed, cells: &Cells) -> String {
    let c = &item.cluster;
    let mut text = cells.iter().map(Atom::as_str).collect::<Vec<_>>().join(" ");
    for extra in [c.id.as_str(), c.subscription_id.as_str()] {
        text.push(' ');
        text.push_str(extra);
    }
    for (key, value) in c.tags.iter() {
        text.push(' ');
        text.push_str(key);
        text.push('=');
        text.push_str(value);
    }
    // Nearly all of it is ASCII, which lower-cases in place without a Unicode pass.
    if text.is_ascii() {
        text.make_ascii_lowercase();
        text
    } else {
        text.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{cluster, failing};
    use crate::model::{Cluster, Rule};

    #[test]
    fn columns_are_numbered_in_table_order_and_names_round_trip() {
        for (i, column) in Column::ALL.into_iter().enumerate() {
            assert_eq!(column.index(), i);
            assert_eq!(Column::by_name(column.name()), Some(column));
        }
        assert_eq!(Column::Verdict.next(), Column::Name);
        assert_eq!(
            Column::by_name("region"),
            Some(Column::Location),
            "what earlier versions saved"
        );
    }

    #[test]
    fn each_cell_holds_its_column_s_text() {
        let item = failing(
            Cluster {
                kubernetes_version: Some("1.33.7".into()),
                current_kubernetes_version: Some("1.33.6".into()),
                provisioning_state: Some("Failed".into()),
                node_os_upgrade_channel: Some("nodeimage".into()),
                subscription_name: Some("Prod".into()),
                ..cluster("sub", "rg", "aks-\u{1b}[31m1")
            },
            &[Rule::Version, Rule::PoolVersion],
        );
        let cells = Cells::of(&item);
        let want = [
            (Column::Name, "aks-[31m1"),
            (Column::Subscription, "Prod"),
            (Column::ResourceGroup, "rg"),
            (Column::Location, "westeurope"),
            (Column::Version, "1.33.7"),
            (Column::Running, "1.33.6"),
            (Column::Support, ""),
            (Column::Upgrade, "Unspecified"),
            (Column::NodeOs, "NodeImage"),
            (Column::Window, ""),
            (Column::Provisioning, "Failed"),
            (Column::Verdict, "Fail (2)"),
        ];
        for (column, text) in want {
            assert_eq!(cells[column], text, "{column:?}");
        }
    }

    /// An outlook worked out at noon, with windows opening `hours` from then (`None`:
    /// the windows were not read).
    fn outlook(hours: Option<&[i64]>) -> Outlook {
        use crate::model::support::{Announced, Basis};
        use crate::model::window::Occurrence;
        use crate::model::{NextWindow, Support, SupportState};
        let at = time::macros::datetime!(2026-11-27 19:56 UTC);
        Outlook {
            at,
            support: Support {
                state: SupportState::Ending,
                ends: Announced::parse("2027-01-10"),
                days_left: Some(44),
                basis: Some(Basis::Calendar),
                forced_upgrade: false,
                reason: Default::default(),
            },
            windows: hours.map(|hours| {
                hours
                    .iter()
                    .map(|&h| NextWindow {
                        name: format!("window-{h}").into(),
                        next: Some(Occurrence {
                            start: at + time::Duration::minutes(h * 60 + 4),
                            end: at + time::Duration::hours(h + 4),
                            offset: time::UtcOffset::UTC,
                        }),
                        problem: None,
                        modified: None,
                    })
                    .collect()
            }),
            events: None,
            insights: Vec::new(),
        }
    }

    #[test]
    fn support_and_the_soonest_window_read_from_the_outlook() {
        let mut item = failing(cluster("sub", "rg", "aks-1"), &[]);
        let cases: [(Option<&[i64]>, &str); 5] = [
            (Some(&[76, 52]), "in 2 d 4 h"),
            (Some(&[3]), "in 3 h 4 m"),
            (Some(&[-2, 30]), "open now"),
            (Some(&[]), "none"),
            (None, "-"),
        ];
        for (hours, want) in cases {
            item.outlook = Some(Box::new(outlook(hours)));
            let cells = Cells::of(&item);
            assert_eq!(cells[Column::Window], want, "{hours:?}");
            assert_eq!(cells[Column::Support], "ends in 44 d");
            assert!(
                haystack(&item, &cells).contains(want),
                "a word finds what the row shows"
            );
        }
    }
}
