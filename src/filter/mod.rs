//! The filter language, one parser for the dashboard's `/` and `--filter`.
//!
//! A filter is terms separated by spaces; a cluster must match all of them:
//!
//! | term | matches |
//! |---|---|
//! | `word` | the word anywhere in the row (name, subscription, group, region, versions, channels, verdict, id, tags), ignoring case |
//! | `channel:nodeimage,unmanaged` | the node OS channel: `securitypatch`, `nodeimage`, `unmanaged`, `none`, `unspecified` (a comma means any) |
//! | `upgrade:patch` | the cluster upgrade channel: `rapid`, `stable`, `patch`, `node-image`, `none`, `unspecified` |
//! | `sub:prod` | the subscription name or id contains it |
//! | `rg:team`, `loc:westeurope` | the resource group / region contains it |
//! | `k8s:<1.33` | the Kubernetes version compared with `<`, `<=`, `>`, `>=` or `=` |
//! | `tag:env=prod`, `tag:owner` | a tag with that value (ignoring case), or the tag at all |
//! | `fail:NodeAutoUpgrade`, `pass:AZR-000015` | the rule (name, short name or reference) fails / passes |
//! | `stale:yes`, `stale:no` | the row comes from an earlier read |
//! | `support:out`, `support:ending,lts` | the support state: `supported` (or `ok`), `lts`, `ending`, `out` (or `out-of-support`), `unknown`, `forced` (AKS may upgrade it by force) |
//! | `support:<60d` | support (LTS's on the LTS plan) ends within that long and has not ended |
//! | `window:<24h` | the soonest maintenance window opens within that long (or is under way) |
//! | `window:none`, `window:unknown` | no window opens (none configured, or all blocked) / the windows were not read |
//! | `insight:stale-image`, `insight:any` | the cluster has that insight (`stale-image`, `eol-soon`, `out-of-support`, `forced-upgrade`, `failed-upgrade`, `window-changed`) or any |
//!
//! The `support:`, `window:` and `insight:` terms read the cluster's upgrade outlook
//! (`calendar::annotate`); a row without one matches none of them. `!` before a term
//! negates it. Parsing is pure; a malformed term is an error that names it, and the
//! caller keeps the last filter that parsed.

use std::fmt;

use crate::model::{Assessed, InsightKind, NodeOsChannel, Outcome, Rule, SupportState, UpgradeChannel, Version};
use crate::text;

mod cells;

pub use cells::{Cells, Column, haystack};

/// A parsed filter. The default matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    terms: Vec<(bool, Term)>,
    source: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Word(String),
    Channel(Vec<NodeOsChannel>),
    Upgrade(Vec<UpgradeChannel>),
    Subscription(String),
    Group(String),
    Location(String),
    Version(Comparison, Version),
    Tag(String, Option<String>),
    Fails(Rule),
    Passes(Rule),
    Stale(bool),
    Support(Vec<SupportWanted>),
    /// Support ends within this many seconds, and has not ended.
    SupportWithin(u64),
    /// The soonest window opens within this many seconds.
    WindowWithin(u64),
    WindowNone,
    WindowUnknown,
    /// Any of these kinds; empty means any insight at all.
    Insight(Vec<InsightKind>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SupportWanted {
    State(SupportState),
    Forced,
}

fn support_wanted(value: &str) -> Option<SupportWanted> {
    Some(match value.to_ascii_lowercase().as_str() {
        "supported" | "ok" => SupportWanted::State(SupportState::Supported),
        "lts" => SupportWanted::State(SupportState::Lts),
        "ending" => SupportWanted::State(SupportState::Ending),
        "out" | "out-of-support" => SupportWanted::State(SupportState::OutOfSupport),
        "unknown" => SupportWanted::State(SupportState::Unknown),
        "forced" => SupportWanted::Forced,
        _ => return None,
    })
}

/// `<60d`, `<24h`: the length after `<`, in seconds.
fn within(term: &str, value: &str, example: &str) -> Result<Option<u64>, FilterError> {
    let Some(length) = value.strip_prefix('<') else {
        return Ok(None);
    };
    text::parse_duration(length)
        .map(|d| Some(d.as_secs()))
        .map_err(|e| error(term, format!("{e}; write e.g. {example}")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
}

/// A term that does not parse: which one, and what would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub term: String,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", text::clean(&self.term), self.message)
    }
}

impl std::error::Error for FilterError {}

fn error(term: &str, message: impl Into<String>) -> FilterError {
    FilterError {
        term: term.to_string(),
        message: message.into(),
    }
}

fn parse_list<T>(
    term: &str,
    value: &str,
    parse: impl Fn(&str) -> Option<T>,
    known: &str,
) -> Result<Vec<T>, FilterError> {
    value
        .split(',')
        .map(|v| parse(v.trim()).ok_or_else(|| error(term, format!("`{v}` is not one of {known}"))))
        .collect()
}

fn node_channel(value: &str) -> Option<NodeOsChannel> {
    match NodeOsChannel::parse(Some(value)) {
        NodeOsChannel::Other(other) if other.eq_ignore_ascii_case("unspecified") => Some(NodeOsChannel::Unspecified),
        NodeOsChannel::Other(_) => None,
        NodeOsChannel::Unspecified => None,
        known => Some(known),
    }
}

fn upgrade_channel(value: &str) -> Option<UpgradeChannel> {
    match UpgradeChannel::parse(Some(value)) {
        UpgradeChannel::Other(other) if other.eq_ignore_ascii_case("unspecified") => Some(UpgradeChannel::Unspecified),
        UpgradeChannel::Other(_) | UpgradeChannel::Unspecified => None,
        known => Some(known),
    }
}

impl Filter {
    /// Parses a filter; the empty text is the filter that matches everything.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let mut terms = Vec::new();
        for raw in text.split_whitespace() {
            let (negated, body) = match raw.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, raw),
            };
            if body.is_empty() {
                return Err(error(raw, "`!` needs a term after it"));
            }
            terms.push((negated, Term::parse(raw, body)?));
        }
        Ok(Filter {
            terms,
            source: text.trim().to_string(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The text it was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether a cluster matches; `haystack` is its `haystack()`, computed once.
    pub fn matches(&self, item: &Assessed, haystack: &str) -> bool {
        self.terms
            .iter()
            .all(|(negated, term)| term.matches(item, haystack) != *negated)
    }
}

impl Term {
    fn parse(raw: &str, body: &str) -> Result<Term, FilterError> {
        let Some((key, value)) = body.split_once(':') else {
            return Ok(Term::Word(body.to_lowercase()));
        };
        let need_value = || {
            if value.is_empty() {
                Err(error(raw, format!("`{key}:` needs a value after the colon")))
            } else {
                Ok(())
            }
        };
        match key.to_ascii_lowercase().as_str() {
            "channel" => {
                need_value()?;
                let known = "securitypatch, nodeimage, unmanaged, none, unspecified";
                Ok(Term::Channel(parse_list(raw, value, node_channel, known)?))
            }
            "upgrade" => {
                need_value()?;
                let known = "rapid, stable, patch, node-image, none, unspecified";
                Ok(Term::Upgrade(parse_list(raw, value, upgrade_channel, known)?))
            }
            "sub" => need_value().map(|()| Term::Subscription(value.to_lowercase())),
            "rg" => need_value().map(|()| Term::Group(value.to_lowercase())),
            "loc" => need_value().map(|()| Term::Location(value.to_lowercase())),
            "k8s" => {
                let (comparison, version) = if let Some(v) = value.strip_prefix("<=") {
                    (Comparison::LessOrEqual, v)
                } else if let Some(v) = value.strip_prefix(">=") {
                    (Comparison::GreaterOrEqual, v)
                } else if let Some(v) = value.strip_prefix('<') {
                    (Comparison::Less, v)
                } else if let Some(v) = value.strip_prefix('>') {
                    (Comparison::Greater, v)
                } else if let Some(v) = value.strip_prefix('=') {
                    (Comparison::Equal, v)
                } else {
                    (Comparison::Equal, value)
                };
                let version = Version::parse(version).ok_or_else(|| {
                    error(
                        raw,
                        format!("`{version}` is not a version; write e.g. k8s:<1.33 or k8s:>=1.34.2"),
                    )
                })?;
                Ok(Term::Version(comparison, version))
            }
            "tag" => {
                need_value()?;
                Ok(match value.split_once('=') {
                    Some((k, v)) => Term::Tag(k.to_lowercase(), Some(v.to_lowercase())),
                    None => Term::Tag(value.to_lowercase(), None),
                })
            }
            "fail" | "pass" => {
                need_value()?;
                let rule = Rule::lookup(value).ok_or_else(|| {
                    error(
                        raw,
                        format!("`{value}` is not a rule; use e.g. NodeAutoUpgrade, Version or AZR-000435"),
                    )
                })?;
                Ok(if key.eq_ignore_ascii_case("fail") {
                    Term::Fails(rule)
                } else {
                    Term::Passes(rule)
                })
            }
            "stale" => match value.to_ascii_lowercase().as_str() {
                "yes" | "true" => Ok(Term::Stale(true)),
                "no" | "false" => Ok(Term::Stale(false)),
                _ => Err(error(raw, "use stale:yes or stale:no")),
            },
            "support" => {
                need_value()?;
                if let Some(seconds) = within(raw, value, "support:<60d")? {
                    return Ok(Term::SupportWithin(seconds));
                }
                let known = "supported, lts, ending, out, unknown, forced (or <60d)";
                Ok(Term::Support(parse_list(raw, value, support_wanted, known)?))
            }
            "window" => {
                need_value()?;
                if let Some(seconds) = within(raw, value, "window:<24h")? {
                    return Ok(Term::WindowWithin(seconds));
                }
                match value.to_ascii_lowercase().as_str() {
                    "none" => Ok(Term::WindowNone),
                    "unknown" => Ok(Term::WindowUnknown),
                    _ => Err(error(
                        raw,
                        "use window:<24h (any length), window:none or window:unknown",
                    )),
                }
            }
            "insight" => {
                need_value()?;
                if value.eq_ignore_ascii_case("any") {
                    return Ok(Term::Insight(Vec::new()));
                }
                let known =
                    "stale-image, eol-soon, out-of-support, forced-upgrade, failed-upgrade, window-changed, any";
                Ok(Term::Insight(parse_list(raw, value, InsightKind::parse, known)?))
            }
            _ => Err(error(
                raw,
                format!(
                    "unknown field `{key}:`; use channel:, upgrade:, sub:, rg:, loc:, k8s:, tag:, fail:, pass:, stale:, \
                     support:, window: or insight:"
                ),
            )),
        }
    }

    fn matches(&self, item: &Assessed, haystack: &str) -> bool {
        let c = &item.cluster;
        let contains = |text: &str, needle: &str| text.to_lowercase().contains(needle);
        match self {
            Term::Word(word) => haystack.contains(word.as_str()),
            Term::Channel(channels) => channels.contains(&c.node_os_channel()),
            Term::Upgrade(channels) => channels.contains(&c.upgrade_channel()),
            Term::Subscription(needle) => {
                contains(&c.subscription_id, needle)
                    || c.subscription_name.as_deref().is_some_and(|n| contains(n, needle))
            }
            Term::Group(needle) => contains(&c.resource_group, needle),
            Term::Location(needle) => contains(&c.location, needle),
            Term::Version(comparison, wanted) => c.version().is_some_and(|v| match comparison {
                Comparison::Less => v < *wanted,
                Comparison::LessOrEqual => v <= *wanted,
                Comparison::Greater => v > *wanted,
                Comparison::GreaterOrEqual => v >= *wanted,
                Comparison::Equal => v == *wanted,
            }),
            Term::Tag(key, value) => c
                .tags
                .iter()
                .any(|(k, v)| k.to_lowercase() == *key && value.as_ref().is_none_or(|want| v.to_lowercase() == *want)),
            Term::Fails(rule) => item.outcome_of(*rule) == Some(Outcome::Fail),
            Term::Passes(rule) => item.outcome_of(*rule) == Some(Outcome::Pass),
            Term::Stale(stale) => c.stale == *stale,
            Term::Support(wanted) => item.outlook.as_deref().is_some_and(|o| {
                wanted.iter().any(|w| match w {
                    SupportWanted::State(state) => o.support.state == *state,
                    SupportWanted::Forced => o.support.forced_upgrade,
                })
            }),
            Term::SupportWithin(seconds) => item.outlook.as_deref().is_some_and(|o| {
                o.support
                    .days_left
                    .is_some_and(|days| days >= 0 && days.unsigned_abs() * 86_400 < *seconds)
            }),
            Term::WindowWithin(seconds) => item.outlook.as_deref().is_some_and(|o| {
                o.until_window()
                    .is_some_and(|until| until.whole_seconds().unsigned_abs() < *seconds)
            }),
            Term::WindowNone => item
                .outlook
                .as_deref()
                .is_some_and(|o| o.windows.is_some() && o.soonest().is_none()),
            Term::WindowUnknown => item.outlook.as_deref().is_some_and(|o| o.windows.is_none()),
            Term::Insight(kinds) => item.outlook.as_deref().is_some_and(|o| {
                if kinds.is_empty() {
                    !o.insights.is_empty()
                } else {
                    kinds.iter().any(|k| o.has(*k))
                }
            }),
        }
    }
}

impl Filter {
    /// Whether a cluster matches, computing its search text (for one-off use: the
    /// dashboard keeps the text per row).
    pub fn matches_item(&self, item: &Assessed) -> bool {
        self.is_empty() || self.matches(item, &haystack(item, &Cells::of(item)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cluster;
    use crate::model::fixtures::{assessed, cluster, finding};

    fn item(name: &str, node: Option<&str>, upgrade: Option<&str>, version: &str, failing: &[Rule]) -> Assessed {
        let cluster = Cluster {
            subscription_name: Some("Contoso Prod".into()),
            tags: [
                ("env".to_string(), "Prod".to_string()),
                ("team".to_string(), "payments".to_string()),
            ]
            .into(),
            kubernetes_version: Some(version.into()),
            node_os_upgrade_channel: node.map(String::from),
            upgrade_channel: upgrade.map(String::from),
            ..cluster("sub-1", &format!("rg-{name}"), name)
        };
        let outcome = |rule| {
            if failing.contains(&rule) {
                Outcome::Fail
            } else {
                Outcome::Pass
            }
        };
        assessed(
            cluster,
            Rule::ALL.iter().map(|&rule| finding(rule, outcome(rule), "")).collect(),
        )
    }

    fn matches(filter: &str, item: &Assessed) -> bool {
        Filter::parse(filter)
            .unwrap_or_else(|e| panic!("{filter}: {e}"))
            .matches_item(item)
    }

    #[test]
    fn each_term_matches_what_it_names() {
        let a = item(
            "aks-pay",
            Some("Unmanaged"),
            Some("patch"),
            "1.32.9",
            &[Rule::NodeAutoUpgrade],
        );
        let cases = [
            ("", true),
            ("aks", true),
            ("AKS PAY", true),
            ("aks nothere", false),
            ("env=prod", true),
            ("channel:unmanaged", true),
            ("channel:nodeimage,unmanaged", true),
            ("channel:securitypatch", false),
            ("channel:UNMANAGED", true),
            ("upgrade:patch", true),
            ("upgrade:stable,rapid", false),
            ("sub:contoso", true),
            ("sub:sub-1", true),
            ("sub:fabrikam", false),
            ("rg:RG-AKS", true),
            ("loc:westeu", true),
            ("loc:eastus", false),
            ("k8s:<1.33", true),
            ("k8s:<=1.32.9", true),
            ("k8s:>1.32.9", false),
            ("k8s:>=1.32", true),
            ("k8s:=1.32.9", true),
            ("k8s:1.32.9", true),
            ("tag:env=prod", true),
            ("tag:env=dev", false),
            ("tag:team", true),
            ("tag:owner", false),
            ("fail:NodeAutoUpgrade", true),
            ("fail:azr-000435", true),
            ("fail:Version", false),
            ("pass:Version", true),
            ("pass:Azure.AKS.NodeAutoUpgrade", false),
            ("stale:no", true),
            ("stale:yes", false),
            ("!channel:unmanaged", false),
            ("!fail:Version aks", true),
            ("channel:unmanaged !k8s:<1.33", false),
        ];
        for (filter, want) in cases {
            assert_eq!(matches(filter, &a), want, "{filter:?}");
        }
    }

    /// A cluster with an upgrade outlook worked out at noon on 2026-11-29.
    fn with_outlook(
        support: SupportState,
        days_left: Option<i64>,
        forced: bool,
        window_in_hours: Option<i64>,
        windows_read: bool,
        insights: &[InsightKind],
    ) -> Assessed {
        use crate::model::support::Basis;
        use crate::model::window::Occurrence;
        use crate::model::{Insight, NextWindow, Outlook, Support};
        let at = time::macros::datetime!(2026-11-29 12:00 UTC);
        let mut a = item("aks-cal", Some("NodeImage"), Some("patch"), "1.34.5", &[]);
        let windows = windows_read.then(|| {
            window_in_hours
                .map(|h| NextWindow {
                    name: "aksManagedNodeOSUpgradeSchedule".into(),
                    next: Some(Occurrence {
                        start: at + time::Duration::hours(h),
                        end: at + time::Duration::hours(h + 4),
                        offset: time::UtcOffset::UTC,
                    }),
                    problem: None,
                    modified: None,
                })
                .into_iter()
                .collect()
        });
        a.outlook = Some(Box::new(Outlook {
            at,
            support: Support {
                state: support,
                ends: None,
                days_left,
                basis: Some(Basis::Calendar),
                forced_upgrade: forced,
                reason: String::new(),
            },
            windows,
            events: None,
            insights: insights
                .iter()
                .map(|&kind| Insight {
                    kind,
                    cluster: a.cluster.id.clone(),
                    name: a.cluster.name.clone(),
                    message: String::new(),
                    subject: None,
                })
                .collect(),
        }));
        a
    }

    #[test]
    fn calendar_terms_read_the_upgrade_outlook() {
        use InsightKind::{EolSoon, ForcedUpgrade, StaleImage};
        let ending = with_outlook(SupportState::Ending, Some(20), false, Some(3), true, &[EolSoon]);
        let out = with_outlook(
            SupportState::OutOfSupport,
            Some(-200),
            true,
            None,
            true,
            &[InsightKind::OutOfSupport, ForcedUpgrade],
        );
        let fine = with_outlook(SupportState::Supported, Some(300), false, Some(-1), true, &[StaleImage]);
        let unread = with_outlook(SupportState::Lts, Some(59), false, None, false, &[]);
        let bare = item("aks-bare", None, None, "1.34.5", &[]);
        // (filter, ending, out, fine, unread, bare)
        let cases = [
            ("support:ending", [true, false, false, false, false]),
            ("support:out", [false, true, false, false, false]),
            ("support:OUT-OF-SUPPORT", [false, true, false, false, false]),
            ("support:ok,lts", [false, false, true, true, false]),
            ("support:forced", [false, true, false, false, false]),
            ("support:<60d", [true, false, false, true, false]),
            ("support:<59d", [true, false, false, false, false]),
            ("!support:out", [true, false, true, true, true]),
            ("window:<24h", [true, false, true, false, false]),
            ("window:<2h", [false, false, true, false, false]),
            ("window:none", [false, true, false, false, false]),
            ("window:unknown", [false, false, false, true, false]),
            ("insight:stale-image", [false, false, true, false, false]),
            ("insight:eol-soon,forced-upgrade", [true, true, false, false, false]),
            ("insight:any", [true, true, true, false, false]),
            ("!insight:any", [false, false, false, true, true]),
        ];
        for (filter, want) in cases {
            let got = [&ending, &out, &fine, &unread, &bare].map(|a| matches(filter, a));
            assert_eq!(got, want, "{filter}");
        }
    }

    #[test]
    fn a_missing_channel_is_unspecified() {
        let none = item("x", None, None, "1.34.0", &[]);
        assert!(matches("channel:unspecified", &none));
        assert!(matches("upgrade:unspecified", &none));
        assert!(!matches("channel:none", &none));
    }

    #[test]
    fn malformed_terms_are_errors_that_name_the_term() {
        let cases = [
            ("channel:weekly", "channel:weekly", "`weekly` is not one of"),
            ("aks k8s:<one", "k8s:<one", "is not a version"),
            ("fail:UseRBAC", "fail:UseRBAC", "is not a rule"),
            ("colour:red", "colour:red", "unknown field `colour:`"),
            ("tag:", "tag:", "needs a value"),
            ("!", "!", "needs a term"),
            ("stale:maybe", "stale:maybe", "stale:yes or stale:no"),
            ("support:gone", "support:gone", "`gone` is not one of supported, lts"),
            ("support:<soon", "support:<soon", "write e.g. support:<60d"),
            ("window:<1y", "window:<1y", "unknown unit `y`"),
            ("window:sunday", "window:sunday", "use window:<24h"),
            ("insight:stale", "insight:stale", "`stale` is not one of stale-image"),
            ("insight:", "insight:", "needs a value"),
        ];
        for (filter, term, message) in cases {
            let err = Filter::parse(filter).expect_err(filter);
            assert_eq!(err.term, term, "{filter}");
            assert!(err.to_string().contains(message), "{filter}: {err}");
        }
    }
}
