//! The filter language, one parser for the dashboard's `/` and `--filter`.
//!
//! A filter is terms separated by spaces; a cluster must match all of them:
//!
//! | term | matches |
//! |---|---|
//! | `word` | the word anywhere in the row (name, subscription, group, location, versions, channels, state, verdict, id, tags), ignoring case |
//! | `channel:nodeimage,unmanaged` (or `nodeos:`) | the node OS channel: `securitypatch`, `nodeimage`, `unmanaged`, `none`, `unspecified` (a comma means any) |
//! | `upgrade:patch` | the cluster upgrade channel: `rapid`, `stable`, `patch`, `node-image`, `none`, `unspecified` |
//! | `sub:prod` | the subscription name or id contains it |
//! | `rg:team`, `loc:westeurope` | the resource group / location contains it |
//! | `k8s:1.33`, `k8s:=1.33`, `k8s:<1.33` | a version prefix (every 1.33.x), the exact version string, or a comparison (`<`, `<=`, `>`, `>=`) |
//! | `state:failed` | the provisioning state (`succeeded`, `failed`, `updating`...; a comma means any) |
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
//! (`calendar::annotate`, which `scan` and the dashboard both run on every new fleet);
//! a row without one matches none of them. `!` before a term
//! negates it (once: `!!x` is an error, not `x`); double quotes keep spaces in a term
//! (`sub:"Contoso Prod"`); a term may start with `-` (`-x` is a word like any other).
//! Parsing is pure; a malformed term is an error that names it (a long one clipped to
//! its start and length). `parse_valid` keeps the terms that parse and reports the
//! first that does not, so a term still being typed is never applied half-written.

use std::fmt;

use crate::model::{Assessed, InsightKind, NodeOsChannel, Outcome, Rule, SupportState, UpgradeChannel, Version};
use crate::text;

mod cells;
mod complete;

pub use cells::{Cells, Column, haystack};
pub use complete::{Completion, Vocabulary, complete};

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
    /// `k8s:1.33`: the version's first parts are these.
    VersionPrefix(Vec<u64>),
    /// `k8s:=1.33`: the version string is exactly this (ignoring case).
    VersionExact(String),
    /// `state:failed`: the provisioning state is one of these (lower-cased).
    State(Vec<String>),
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
}

/// A term that does not parse: which one, and what would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub term: String,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let term = text::clean(&self.term);
        write!(f, "`{}`: {}", text::clip(&term, text::ECHO), text::clean(&self.message))
    }
}

impl std::error::Error for FilterError {}

/// A piece of the input as a message quotes it: clipped, so a 100 KB term is not
/// printed whole.
fn echo(text: &str) -> std::borrow::Cow<'_, str> {
    text::clip(text, text::ECHO)
}

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
        .map(|v| parse(v.trim()).ok_or_else(|| error(term, format!("`{}` is not one of {known}", echo(v)))))
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

/// The filter's terms: split at spaces, except inside double quotes. An unclosed
/// quote runs to the end.
pub fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
        }
        match (start, c.is_whitespace() && !quoted) {
            (None, false) => start = Some(i),
            (Some(from), true) => {
                out.push(&text[from..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        out.push(&text[from..]);
    }
    out
}

/// A value without the double quotes that kept its spaces together.
fn unquote(value: &str) -> String {
    value.replace('"', "")
}

/// A value as a term writes it: quoted when it holds a space.
pub fn quote(value: &str) -> String {
    if value.contains(char::is_whitespace) {
        format!("\"{}\"", value.replace('"', ""))
    } else {
        value.to_string()
    }
}

/// The field names of the language, with the colon, in the order help lists them.
pub const FIELDS: [&str; 15] = [
    "channel:", "nodeos:", "upgrade:", "sub:", "rg:", "loc:", "k8s:", "state:", "tag:", "fail:", "pass:", "stale:",
    "support:", "window:", "insight:",
];

/// The values a field takes from a fixed set, for completion.
pub fn field_values(field: &str) -> &'static [&'static str] {
    match field {
        "channel" | "nodeos" => &["securitypatch", "nodeimage", "unmanaged", "none", "unspecified"],
        "upgrade" => &["rapid", "stable", "patch", "node-image", "none", "unspecified"],
        "stale" => &["yes", "no"],
        "support" => &["supported", "lts", "ending", "out", "unknown", "forced"],
        "window" => &["none", "unknown"],
        "insight" => &[
            "stale-image",
            "eol-soon",
            "out-of-support",
            "forced-upgrade",
            "failed-upgrade",
            "window-changed",
            "any",
        ],
        "state" => &[
            "succeeded",
            "failed",
            "updating",
            "creating",
            "deleting",
            "upgrading",
            "starting",
            "stopping",
            "canceled",
        ],
        "fail" | "pass" => &[
            "NodeAutoUpgrade",
            "AutoUpgrade",
            "Version",
            "PoolVersion",
            "MaintenanceWindow",
        ],
        _ => &[],
    }
}

impl Filter {
    /// Parses a filter; the empty text is the filter that matches everything.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let mut terms = Vec::new();
        for raw in tokens(text) {
            terms.push(parse_term(raw)?);
        }
        Ok(Filter {
            terms,
            source: text.trim().to_string(),
        })
    }

    /// The terms that parse, as a filter whose source is those terms, and the first
    /// term that does not parse: what a filter being typed applies, leaving out the
    /// term that is not finished (or wrong).
    pub fn parse_valid(text: &str) -> (Filter, Option<FilterError>) {
        let mut terms = Vec::new();
        let mut kept = Vec::new();
        let mut first_error = None;
        for raw in tokens(text) {
            match parse_term(raw) {
                Ok(term) => {
                    terms.push(term);
                    kept.push(raw);
                }
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        let filter = Filter {
            terms,
            source: kept.join(" "),
        };
        (filter, first_error)
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The text it was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The rules the filter asks about, in rule order: a `fail:` or `pass:` term names
    /// its rule, `channel:` (the node OS channel) is NodeAutoUpgrade's question,
    /// `upgrade:` AutoUpgrade's and `k8s:` Version's. Negated terms ask too. Empty when
    /// it asks about no rule (a name, a subscription, a tag...).
    pub fn rules_asked(&self) -> Vec<Rule> {
        let asked: Vec<Rule> = self
            .terms
            .iter()
            .filter_map(|(_, term)| match term {
                Term::Fails(rule) | Term::Passes(rule) => Some(*rule),
                Term::Channel(_) => Some(Rule::NodeAutoUpgrade),
                Term::Upgrade(_) => Some(Rule::AutoUpgrade),
                Term::Version(..) | Term::VersionPrefix(_) | Term::VersionExact(_) => Some(Rule::Version),
                Term::Word(_)
                | Term::Subscription(_)
                | Term::Group(_)
                | Term::Location(_)
                | Term::State(_)
                | Term::Tag(..)
                | Term::Stale(_)
                | Term::Support(_)
                | Term::SupportWithin(_)
                | Term::WindowWithin(_)
                | Term::WindowNone
                | Term::WindowUnknown
                | Term::Insight(_) => None,
            })
            .collect();
        Rule::ALL.into_iter().filter(|r| asked.contains(r)).collect()
    }

    /// Whether a cluster matches; `haystack` is its `haystack()`, computed once.
    pub fn matches(&self, item: &Assessed, haystack: &str) -> bool {
        self.matches_parsed(item, haystack, item.cluster.version().as_ref())
    }

    /// `matches`, with the cluster's version parsed once already (`Cluster::version`).
    pub fn matches_parsed(&self, item: &Assessed, haystack: &str, version: Option<&Version>) -> bool {
        self.terms
            .iter()
            .all(|(negated, term)| term.matches(item, haystack, version) != *negated)
    }

    /// The words (not negated) a cluster's search text must contain, lower-cased: a
    /// caller holding every row's text in one place can find them all in one pass.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().filter_map(|(negated, term)| match term {
            Term::Word(word) if !negated => Some(word.as_str()),
            _ => None,
        })
    }

    /// Whether every term is a word (not negated): then a cluster whose search text
    /// holds `words()` matches, and nothing else needs looking at.
    pub fn is_words_only(&self) -> bool {
        self.terms
            .iter()
            .all(|(negated, term)| !negated && matches!(term, Term::Word(_)))
    }

    /// `matches_parsed`, `known` answering the terms it can by their place (a caller
    /// that asked each subscription once, say), and the words taken as found when
    /// `words_found`.
    ///
    /// The search text and the version are asked for only when a term needs them.
    pub fn matches_knowing<'a>(
        &self,
        item: &Assessed,
        haystack: impl Fn() -> &'a str,
        version: impl Fn() -> Option<&'a Version>,
        words_found: bool,
        known: impl Fn(usize) -> Option<bool>,
    ) -> bool {
        self.terms.iter().enumerate().all(|(at, (negated, term))| {
            if words_found && !negated && matches!(term, Term::Word(_)) {
                return true;
            }
            known(at).unwrap_or_else(|| match term {
                Term::Word(_) => term.matches(item, haystack(), None),
                Term::Version(..) => term.matches(item, "", version()),
                _ => term.matches(item, "", None),
            }) != *negated
        })
    }

    /// The term at `at` (negation aside) answered from what a table row knows of its
    /// cluster (`RowFacts`), when that tells: the terms that would otherwise read the
    /// cluster and its outlook, one cluster after another all over memory.
    pub fn row_answer(&self, at: usize, facts: &RowFacts) -> Option<bool> {
        let outlook = facts.outlook.as_ref();
        let (_, term) = self.terms.get(at)?;
        Some(match term {
            // A channel AKS does not name is told by its value.
            Term::Channel(channels) if facts.channel_slot < NodeOsChannel::SUMMARY.len() - 1 => {
                channels.iter().any(|c| c.summary_slot() == facts.channel_slot)
            }
            Term::Support(wanted) => outlook.is_some_and(|o| {
                wanted.iter().any(|w| match w {
                    SupportWanted::State(state) => o.support == *state,
                    SupportWanted::Forced => o.forced_upgrade,
                })
            }),
            Term::SupportWithin(seconds) => outlook.is_some_and(|o| {
                o.days_left
                    .is_some_and(|days| days >= 0 && days.unsigned_abs() * 86_400 < *seconds)
            }),
            Term::WindowNone => outlook.is_some_and(|o| o.windows_read && !o.window_ahead),
            Term::WindowUnknown => outlook.is_some_and(|o| !o.windows_read),
            Term::Insight(kinds) => outlook.is_some_and(|o| {
                if kinds.is_empty() {
                    o.insights != 0
                } else {
                    kinds.iter().any(|k| o.insights & insight_bit(*k) != 0)
                }
            }),
            _ => return None,
        })
    }

    /// The places of the terms (`sub:`) that look at nothing but the cluster's
    /// subscription id and name.
    pub fn subscription_terms(&self) -> Vec<usize> {
        let subscription = |(_, term): &(bool, Term)| matches!(term, Term::Subscription(_));
        (0..self.terms.len())
            .filter(|&at| subscription(&self.terms[at]))
            .collect()
    }

    /// Whether the term at `at` (one of `subscription_terms`, negation aside) matches a
    /// cluster of this subscription.
    pub fn subscription_matches(&self, at: usize, id: &str, name: Option<&str>) -> bool {
        match self.terms.get(at) {
            Some((_, Term::Subscription(needle))) => {
                contains_lowercase(id, needle) || name.is_some_and(|n| contains_lowercase(n, needle))
            }
            _ => false,
        }
    }

    /// `matches_parsed` for a cluster whose search text is known to contain `words()`.
    pub fn matches_besides_words(&self, item: &Assessed, haystack: &str, version: Option<&Version>) -> bool {
        self.terms.iter().all(|(negated, term)| {
            matches!((negated, term), (false, Term::Word(_))) || term.matches(item, haystack, version) != *negated
        })
    }
}

fn parse_term(raw: &str) -> Result<(bool, Term), FilterError> {
    let (negated, body) = match raw.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    if body.is_empty() {
        return Err(error(raw, "`!` needs a term after it"));
    }
    if body.starts_with('!') {
        return Err(error(
            raw,
            "negate a term once: `!x` leaves out what matches x; `!!` does not cancel out",
        ));
    }
    Ok((negated, Term::parse(raw, body)?))
}

/// The parts of a version string (`v1.33.7-preview` gives 1, 33, 7), when it is one.
fn version_parts(text: &str) -> Option<Vec<u64>> {
    let text = text.trim();
    let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
    let core = text.split(['-', '+']).next()?;
    core.split('.').map(|p| p.parse().ok()).collect()
}

impl Term {
    fn parse(raw: &str, body: &str) -> Result<Term, FilterError> {
        let Some((key, value)) = body.split_once(':') else {
            return Ok(Term::Word(unquote(body).to_lowercase()));
        };
        let value = &unquote(value)[..];
        let need_value = || {
            if value.is_empty() {
                Err(error(raw, format!("`{}:` needs a value after the colon", echo(key))))
            } else {
                Ok(())
            }
        };
        match key.to_ascii_lowercase().as_str() {
            "channel" | "nodeos" => {
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
                } else if let Some(exact) = value.strip_prefix('=') {
                    if Version::parse(exact).is_none() {
                        return Err(error(
                            raw,
                            format!("`{}` is not a version; write e.g. k8s:=1.33.7", echo(exact)),
                        ));
                    }
                    return Ok(Term::VersionExact(exact.trim().to_ascii_lowercase()));
                } else {
                    return version_parts(value).map(Term::VersionPrefix).ok_or_else(|| {
                        error(
                            raw,
                            format!(
                                "`{}` is not a version; write e.g. k8s:1.33 (every 1.33.x), k8s:=1.33.7 or k8s:<1.34",
                                echo(value)
                            ),
                        )
                    });
                };
                let version = Version::parse(version).ok_or_else(|| {
                    error(
                        raw,
                        format!(
                            "`{}` is not a version; write e.g. k8s:<1.33 or k8s:>=1.34.2",
                            echo(version)
                        ),
                    )
                })?;
                Ok(Term::Version(comparison, version))
            }
            "state" => {
                need_value()?;
                Ok(Term::State(
                    value.split(',').map(|v| v.trim().to_ascii_lowercase()).collect(),
                ))
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
                        format!(
                            "`{}` is not a rule; use e.g. NodeAutoUpgrade, Version or AZR-000435",
                            echo(value)
                        ),
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
                    "unknown field `{}:`; use channel: (or nodeos:), upgrade:, sub:, rg:, loc:, k8s:, state:, tag:, \
                     fail:, pass:, stale:, support:, window: or insight:",
                    echo(key)
                ),
            )),
        }
    }

    fn matches(&self, item: &Assessed, haystack: &str, version: Option<&Version>) -> bool {
        let c = &item.cluster;
        let contains = contains_lowercase;
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
            Term::Version(comparison, wanted) => version.is_some_and(|v| match comparison {
                Comparison::Less => v < wanted,
                Comparison::LessOrEqual => v <= wanted,
                Comparison::Greater => v > wanted,
                Comparison::GreaterOrEqual => v >= wanted,
            }),
            Term::VersionPrefix(parts) => c
                .kubernetes_version
                .as_deref()
                .and_then(version_parts)
                .is_some_and(|have| have.len() >= parts.len() && have[..parts.len()] == parts[..]),
            Term::VersionExact(exact) => c
                .kubernetes_version
                .as_deref()
                .is_some_and(|v| v.trim().eq_ignore_ascii_case(exact)),
            Term::State(states) => c
                .provisioning_state
                .as_deref()
                .is_some_and(|s| states.iter().any(|want| s.eq_ignore_ascii_case(want))),
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

/// What a table row knows of its cluster, enough for `Filter::row_answer`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowFacts {
    /// The node OS channel's place in `NodeOsChannel::SUMMARY`.
    pub channel_slot: usize,
    /// `None` without an upgrade outlook.
    pub outlook: Option<OutlookFacts>,
}

/// What the row knows of the cluster's upgrade outlook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutlookFacts {
    pub support: SupportState,
    pub forced_upgrade: bool,
    pub days_left: Option<i64>,
    /// The maintenance configurations were read.
    pub windows_read: bool,
    /// One of them has an occurrence ahead.
    pub window_ahead: bool,
    /// Its insights' kinds, one bit each (`insight_bit`).
    pub insights: u8,
}

/// The bit of `kind` in `OutlookFacts::insights`: its place in `InsightKind::ALL`.
pub fn insight_bit(kind: InsightKind) -> u8 {
    InsightKind::ALL.iter().position(|k| *k == kind).map_or(0, |at| 1 << at)
}

/// Whether `text` lower-cased contains `needle` (lower-case already). ASCII text, nearly
/// all of it, is compared in place: a keystroke matches 10,000 rows without making
/// 10,000 lower-case copies.
fn contains_lowercase(text: &str, needle: &str) -> bool {
    if !text.is_ascii() || !needle.is_ascii() {
        return text.to_lowercase().contains(needle);
    }
    let (text, needle) = (text.as_bytes(), needle.as_bytes());
    needle.is_empty() || text.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

impl Term {
    /// The text a text term looks for (word, `sub:`, `rg:`, `loc:`), with its kind.
    fn text(&self) -> Option<(u8, &str)> {
        match self {
            Term::Word(text) => Some((0, text)),
            Term::Subscription(text) => Some((1, text)),
            Term::Group(text) => Some((2, text)),
            Term::Location(text) => Some((3, text)),
            _ => None,
        }
    }
}

impl Filter {
    /// Whether every cluster this filter matches is matched by `broader` too, as far as
    /// the terms alone tell (so a filter being typed is matched only against what the
    /// one before it matched): `broader`'s terms come first, in order, then any more,
    /// and the last of them may be a text term whose text this one's contains (`prod`
    /// after `pro`), not negated.
    pub fn narrows(&self, broader: &Filter) -> bool {
        let n = broader.terms.len();
        if n > self.terms.len() {
            return false;
        }
        broader
            .terms
            .iter()
            .zip(&self.terms)
            .enumerate()
            .all(|(i, (was, now))| {
                was == now
                    || (i + 1 == n
                        && !was.0
                        && !now.0
                        && match (was.1.text(), now.1.text()) {
                            (Some((kind, less)), Some((same, more))) => kind == same && more.contains(less),
                            _ => false,
                        })
            })
    }

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

    #[test]
    fn each_term_that_asks_about_a_rule_names_it_once_in_rule_order() {
        let cases: [(&str, &[Rule]); 9] = [
            ("", &[]),
            ("prod sub:x rg:y loc:z tag:env=prod state:failed stale:no", &[]),
            ("channel:unmanaged,none,unspecified", &[Rule::NodeAutoUpgrade]),
            ("nodeos:none", &[Rule::NodeAutoUpgrade]),
            ("upgrade:none", &[Rule::AutoUpgrade]),
            ("k8s:<1.34", &[Rule::Version]),
            ("k8s:1.33 k8s:=1.33.7", &[Rule::Version]),
            (
                "fail:MaintenanceWindow !pass:AZR-000016 channel:none",
                &[Rule::NodeAutoUpgrade, Rule::PoolVersion, Rule::MaintenanceWindow],
            ),
            ("!upgrade:patch fail:AutoUpgrade", &[Rule::AutoUpgrade]),
        ];
        for (text, want) in cases {
            assert_eq!(Filter::parse(text).unwrap().rules_asked(), want, "{text}");
        }
    }

    fn item(name: &str, node: Option<&str>, upgrade: Option<&str>, version: &str, failing: &[Rule]) -> Assessed {
        let cluster = Cluster {
            subscription_name: Some("Contoso Prod".into()),
            tags: std::collections::BTreeMap::from([
                ("env".to_string(), "Prod".to_string()),
                ("team".to_string(), "payments".to_string()),
            ])
            .into(),
            kubernetes_version: Some(version.into()),
            node_os_upgrade_channel: node.map(Into::into),
            upgrade_channel: upgrade.map(Into::into),
            provisioning_state: Some("Failed".into()),
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
    fn a_filter_narrows_another_only_when_its_terms_can_only_match_less() {
        let cases = [
            ("pro", "prod", true),
            ("prod", "pro", false),
            ("sub:con", "sub:cont", true),
            ("rg:team", "rg:team-a", true),
            ("loc:west", "loc:westeurope", true),
            ("sub:con", "rg:cont", false),
            ("pro", "sub:prod", false),
            ("k8s:<1.3", "k8s:<1.34", false),
            ("!pro", "!prod", false),
            ("", "anything", true),
            ("a b", "a b c", true),
            ("a b", "a bc", true),
            ("a b", "ax b", false),
            ("prod", "prod channel:none", true),
            ("prod channel:none", "prod", false),
        ];
        for (broader, narrower, want) in cases {
            let (broader_filter, narrower_filter) = (Filter::parse(broader).unwrap(), Filter::parse(narrower).unwrap());
            assert_eq!(
                narrower_filter.narrows(&broader_filter),
                want,
                "{broader:?} -> {narrower:?}"
            );
        }
    }

    #[test]
    fn text_terms_ignore_case_without_lower_casing_ascii_names() {
        let cases = [
            ("Contoso-PROD-eus", "prod", true),
            ("Contoso-PROD-eus", "prode", false),
            ("Ünïcode Prod", "ünï", true),
            ("Ünïcode Prod", "prod", true),
            ("ASCII only", "ü", false),
            ("ab", "abc", false),
            ("anything", "", true),
        ];
        for (text, needle, want) in cases {
            assert_eq!(contains_lowercase(text, needle), want, "{text:?} {needle:?}");
            assert_eq!(text.to_lowercase().contains(needle), want, "as lower-casing says");
        }
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
            ("k8s:=1.32", false),
            ("k8s:1.32.9", true),
            ("k8s:1.32", true),
            ("k8s:1", true),
            ("k8s:1.3", false),
            ("k8s:1.33", false),
            ("nodeos:unmanaged", true),
            ("nodeos:securitypatch", false),
            ("state:failed", true),
            ("state:succeeded,updating", false),
            ("!state:failed", false),
            ("\"aks pay\"", false),
            ("sub:\"Contoso Prod\"", true),
            ("sub:\"Contoso Dev\"", false),
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
                reason: Default::default(),
            },
            windows,
            events: None,
            insights: insights
                .iter()
                .map(|&kind| Insight {
                    kind,
                    message: Default::default(),
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
    fn field_terms_contain_their_value_ignoring_case_without_copying_ascii() {
        let cases = [
            ("Contoso Prod", "prod", true),
            ("RG-DATA-PROD-CUS", "data-prod", true),
            ("westeurope", "", true),
            ("eu", "europe", false),
            ("Équipe Paris", "équipe", true),
            ("Équipe Paris", "equipe", false),
        ];
        for (text, needle, want) in cases {
            assert_eq!(contains_lowercase(text, needle), want, "{text} / {needle}");
        }
    }

    #[test]
    fn a_term_may_start_with_a_hyphen() {
        let a = item("aks-x1", Some("NodeImage"), Some("patch"), "1.34.1", &[]);
        assert!(matches("-x1", &a));
        assert!(!matches("-y", &a));
        assert!(!matches("!-x1", &a));
    }

    #[test]
    fn a_huge_term_is_echoed_clipped_with_its_length() {
        let huge = "y".repeat(100_000);
        for filter in [
            format!("k8s:<{huge}"),
            format!("k8s:={huge}"),
            format!("k8s:{huge}"),
            format!("fail:{huge}"),
            format!("{huge}:x"),
            format!("channel:none,{huge}"),
            format!("{huge}:"),
        ] {
            let err = Filter::parse(&filter).expect_err("malformed").to_string();
            assert!(err.len() < 600, "{} bytes: {}", err.len(), &err[..300]);
            assert!(err.contains("yyyy"), "the start is shown: {err}");
            assert!(err.contains("characters)"), "and the length: {err}");
        }
    }

    #[test]
    fn a_version_prefix_is_every_patch_and_equals_is_the_exact_string() {
        let short = item("short", None, None, "1.33", &[]);
        let patch = item("patch", None, None, "1.33.7", &[]);
        let other = item("other", None, None, "1.330.1", &[]);
        for (filter, want) in [
            ("k8s:1.33", [true, true, false]),
            ("k8s:=1.33", [true, false, false]),
            ("k8s:=1.33.7", [false, true, false]),
            ("k8s:1.33.7", [false, true, false]),
            ("k8s:>=1.33", [true, true, true]),
        ] {
            let got = [&short, &patch, &other].map(|c| matches(filter, c));
            assert_eq!(got, want, "{filter}");
        }
    }

    #[test]
    fn a_filter_being_typed_applies_the_terms_that_parse() {
        let (filter, error) = Filter::parse_valid("prod fail:node");
        assert_eq!(filter.source(), "prod");
        let error = error.expect("fail:node is not a rule");
        assert_eq!(error.term, "fail:node");
        let (filter, error) = Filter::parse_valid("channel:unmanged sub:x");
        assert_eq!(filter.source(), "sub:x");
        assert!(error.expect("a typo").to_string().contains("unmanged"));
        let (filter, error) = Filter::parse_valid("k8s:1.33 tag:env=prod");
        assert_eq!(filter, Filter::parse("k8s:1.33 tag:env=prod").unwrap());
        assert!(error.is_none());
    }

    #[test]
    fn quotes_keep_spaces_inside_one_term() {
        assert_eq!(tokens("a sub:\"b c\" !d"), ["a", "sub:\"b c\"", "!d"]);
        assert_eq!(tokens("  x  "), ["x"]);
        assert_eq!(tokens("sub:\"open end"), ["sub:\"open end"]);
        assert_eq!(quote("Contoso Prod"), "\"Contoso Prod\"");
        assert_eq!(quote("prod"), "prod");
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
            ("k8s:1.x", "k8s:1.x", "every 1.33.x"),
            ("k8s:=one", "k8s:=one", "is not a version"),
            ("state:", "state:", "needs a value"),
            ("tag:", "tag:", "needs a value"),
            ("!", "!", "needs a term"),
            ("stale:maybe", "stale:maybe", "stale:yes or stale:no"),
            ("!!aks", "!!aks", "negate a term once"),
            ("aks !!channel:none", "!!channel:none", "`!!` does not cancel out"),
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
