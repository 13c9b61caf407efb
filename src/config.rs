//! `config.toml`: the settings, their defaults, and errors that point at the line.
//!
//! Every table refuses unknown keys, and every value is validated while it is read,
//! so a mistake is reported with the file, line, column and dotted key, never later.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use time::Date;

use crate::app::{Command, Key};
use crate::azure::{AuthMode, Cloud, Source};
use crate::model::{NodeOsChannel, Rule, UpgradeChannel, Version};

pub const DEFAULT_MINIMUM_VERSION: &str = "1.33.7";
pub const DEFAULT_API_VERSION: &str = "2025-10-01";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// How to sign in to Azure.
    pub auth: AuthMode,
    pub cloud: Cloud,
    /// Another Resource Manager endpoint than the cloud's (a proxy, the simulator).
    #[serde(deserialize_with = "de_endpoint")]
    pub endpoint: Option<String>,
    /// The Entra tenant to request tokens from (default: the identity's home tenant).
    pub tenant: Option<String>,
    /// Another token service than the cloud's, for service principal and workload
    /// identity sign-ins (the simulator's `https://127.0.0.1:PORT`); https only.
    #[serde(deserialize_with = "de_authority_host")]
    pub authority_host: Option<String>,
    /// A PEM file of CA certificates to trust besides the system's (a proxy that
    /// inspects TLS, the simulator's CA).
    #[serde(deserialize_with = "de_path")]
    pub ca_file: Option<PathBuf>,
    /// Subscription ids to read; empty means every enabled subscription visible.
    pub subscriptions: Vec<String>,
    pub source: Source,
    /// Subscriptions read at once on the ARM path.
    #[serde(deserialize_with = "de_concurrency")]
    pub concurrency: usize,
    /// Per request, in seconds.
    #[serde(deserialize_with = "de_timeout")]
    pub request_timeout_seconds: u64,
    /// The dashboard reads the fleet again this often; `None` (0) means only on `r`.
    #[serde(deserialize_with = "de_interval")]
    pub refresh_interval: Option<std::time::Duration>,
    pub rules: RulesConfig,
    pub waivers: Vec<Waiver>,
    pub remediation: RemediationConfig,
    /// Dashboard keys, by command name.
    pub keys: KeyBindings,
    pub highlight: Highlight,
}

/// `[keys]`: command name = a key or a list of keys. A command listed here loses its
/// default keys; a key bound here leaves whatever command had it before.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyBindings(pub Vec<(Command, Vec<Key>)>);

impl<'de> Deserialize<'de> for KeyBindings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<CommandName, KeyList>::deserialize(d)?;
        Ok(KeyBindings(
            map.into_iter().map(|(name, keys)| (name.0, keys.0)).collect(),
        ))
    }
}

struct CommandName(Command);

impl<'de> Deserialize<'de> for CommandName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Command::by_name(&raw).map(CommandName).ok_or_else(|| {
            let known: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
            serde::de::Error::custom(format!("unknown action `{raw}`; actions: {}", known.join(", ")))
        })
    }
}

impl PartialEq for CommandName {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for CommandName {}
impl PartialOrd for CommandName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for CommandName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.name().cmp(other.0.name())
    }
}

struct KeyList(Vec<Key>);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        let names = match OneOrMany::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a key name or a list of key names, e.g. \"j\" or [\"j\", \"<Down>\"]")
        })? {
            OneOrMany::One(name) => vec![name],
            OneOrMany::Many(names) => names,
        };
        names
            .iter()
            .map(|name| {
                Key::parse(name).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown key name `{name}`; write a character (\"j\") or a name in angle brackets (\"<Enter>\", \"<C-d>\", \"<S-Tab>\", \"<PgDn>\", \"<Space>\", \"<F5>\")"
                    ))
                })
            })
            .collect::<Result<_, _>>()
            .map(KeyList)
    }
}

/// `[highlight]`: rows to mark so nobody mistakes production for a sandbox.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Highlight {
    /// `key=value` (value a glob), or `key` for any value; ignoring case.
    pub tags: Vec<String>,
    /// Globs on the subscription name or id.
    pub subscriptions: Vec<String>,
}

impl Highlight {
    /// Whether a cluster is one to highlight.
    pub fn matches(&self, cluster: &crate::model::Cluster) -> bool {
        let glob = crate::rules::glob_match;
        let by_tag = self.tags.iter().any(|rule| {
            let (key, value) = rule.split_once('=').unwrap_or((rule.as_str(), "*"));
            cluster
                .tags
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case(key.trim()) && glob(value.trim(), v))
        });
        let by_subscription = self.subscriptions.iter().any(|pattern| {
            glob(pattern, &cluster.subscription_id)
                || cluster.subscription_name.as_deref().is_some_and(|n| glob(pattern, n))
        });
        by_tag || by_subscription
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            auth: AuthMode::Auto,
            cloud: Cloud::Public,
            endpoint: None,
            tenant: None,
            authority_host: None,
            ca_file: None,
            subscriptions: Vec::new(),
            source: Source::Arm,
            concurrency: DEFAULT_CONCURRENCY,
            request_timeout_seconds: 30,
            refresh_interval: None,
            rules: RulesConfig::default(),
            waivers: Vec::new(),
            remediation: RemediationConfig::default(),
            keys: KeyBindings::default(),
            highlight: Highlight::default(),
        }
    }
}

pub const DEFAULT_CONCURRENCY: usize = 32;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesConfig {
    /// `Azure.AKS.Version` fails below this (PSRule's `AZURE_AKS_CLUSTER_MINIMUM_VERSION`).
    #[serde(deserialize_with = "de_version")]
    pub kubernetes_minimum_version: Version,
    /// Rules not evaluated at all (full name, short name or reference).
    #[serde(deserialize_with = "de_rules")]
    pub disabled: Vec<Rule>,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            kubernetes_minimum_version: Version::parse(DEFAULT_MINIMUM_VERSION).expect("valid default"),
            disabled: Vec::new(),
        }
    }
}

/// An accepted exception: failures of `rule` on matching clusters show as `Waived`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// A glob (`*`, `?`) matched ignoring case against the cluster name or resource id.
    pub cluster: String,
    #[serde(deserialize_with = "de_rule")]
    pub rule: Rule,
    pub reason: String,
    /// The last day the waiver applies; after it the finding fails again and says so.
    #[serde(default, deserialize_with = "de_date")]
    pub expires: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RemediationConfig {
    /// The node OS channel fixes recommend: `SecurityPatch` or `NodeImage`.
    #[serde(deserialize_with = "de_node_os_channel")]
    pub node_os_channel: NodeOsChannel,
    /// The cluster channel fixes recommend: `rapid`, `stable`, `patch` or `node-image`.
    #[serde(deserialize_with = "de_upgrade_channel")]
    pub upgrade_channel: UpgradeChannel,
    /// The `Microsoft.ContainerService` api-version used in Bicep and ARM output.
    #[serde(deserialize_with = "de_api_version")]
    pub api_version: String,
    pub maintenance_window: MaintenanceWindow,
}

impl Default for RemediationConfig {
    fn default() -> Self {
        RemediationConfig {
            node_os_channel: NodeOsChannel::SecurityPatch,
            upgrade_channel: UpgradeChannel::Patch,
            api_version: DEFAULT_API_VERSION.to_string(),
            maintenance_window: MaintenanceWindow::default(),
        }
    }
}

/// The planned maintenance window that fixes propose for both schedules.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MaintenanceWindow {
    pub frequency: Frequency,
    /// Days, weeks or months between windows, by frequency.
    pub interval: u8,
    /// For `Weekly` and `RelativeMonthly`.
    pub day_of_week: Weekday,
    /// For `AbsoluteMonthly`.
    pub day_of_month: u8,
    /// For `RelativeMonthly`.
    pub week_index: WeekIndex,
    pub duration_hours: u8,
    #[serde(deserialize_with = "de_start_time")]
    pub start_time: String,
    #[serde(deserialize_with = "de_utc_offset")]
    pub utc_offset: String,
}

impl Default for MaintenanceWindow {
    fn default() -> Self {
        MaintenanceWindow {
            frequency: Frequency::Weekly,
            interval: 1,
            day_of_week: Weekday::Sunday,
            day_of_month: 1,
            week_index: WeekIndex::First,
            duration_hours: 4,
            start_time: "00:00".to_string(),
            utc_offset: "+00:00".to_string(),
        }
    }
}

impl MaintenanceWindow {
    /// Checks the ranges AKS enforces, so a fix never proposes a window Azure refuses.
    fn validate(&self) -> Result<(), String> {
        let max_interval = match self.frequency {
            Frequency::Daily => 7,
            Frequency::Weekly => 4,
            Frequency::AbsoluteMonthly | Frequency::RelativeMonthly => 6,
        };
        if self.interval < 1 || self.interval > max_interval {
            return Err(format!(
                "interval must be 1 to {max_interval} for a {:?} window, not {}",
                self.frequency, self.interval
            ));
        }
        if !(4..=24).contains(&self.duration_hours) {
            return Err(format!("duration_hours must be 4 to 24, not {}", self.duration_hours));
        }
        if !(1..=31).contains(&self.day_of_month) {
            return Err(format!("day_of_month must be 1 to 31, not {}", self.day_of_month));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Frequency {
    Daily,
    Weekly,
    AbsoluteMonthly,
    RelativeMonthly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum WeekIndex {
    First,
    Second,
    Third,
    Fourth,
    Last,
}

macro_rules! debug_display {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self, f)
            }
        }
    )*};
}
debug_display!(Frequency, Weekday, WeekIndex);

/// A config file that could not be used, with where and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {key}{message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        key: String,
        message: String,
    },
}

impl Config {
    /// Reads a config file. `required` is false for the default location, where a
    /// missing file simply means the defaults.
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(err) if !required && err.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Parses config text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|err| {
            let offset = err.span().map_or(0, |span| span.start);
            let (line, column) = line_column(text, offset);
            let key = key_at(text, offset).map(|k| format!("key `{k}`: ")).unwrap_or_default();
            let message = err.message().trim().to_string();
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                key,
                message,
            }
        })?;
        if let Err(message) = config.remediation.maintenance_window.validate() {
            let offset = text.find("maintenance_window").unwrap_or(0);
            let (line, column) = line_column(text, offset);
            let key = "key `remediation.maintenance_window`: ".to_string();
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                key,
                message,
            });
        }
        Ok(config)
    }

    /// The rules to evaluate, in their fixed order.
    pub fn enabled_rules(&self) -> impl Iterator<Item = Rule> + '_ {
        Rule::ALL.into_iter().filter(|rule| !self.rules.disabled.contains(rule))
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The dotted key whose line holds `offset`: the nearest `[table]` header above plus
/// the key left of `=` on the line, or `None` when the line assigns nothing.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = text.floor_char_boundary(offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let table = text[..line_start].lines().rev().find_map(|l| {
        let l = l.trim();
        let inner = l.strip_prefix("[[").and_then(|l| l.strip_suffix("]]"));
        inner
            .or_else(|| l.strip_prefix('[').and_then(|l| l.strip_suffix(']')))
            .map(str::trim)
    });
    let trimmed = line.trim();
    if trimmed.starts_with('[') {
        return Some(trimmed.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    }
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    Some(match table {
        Some(table) => format!("{table}.{key}"),
        None => key.to_string(),
    })
}

fn de_endpoint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw = String::deserialize(d)?;
    if raw.is_empty() {
        return Ok(None);
    }
    match reqwest::Url::parse(&raw) {
        Ok(url) if crate::azure::cloud::token_may_go_to(&url) => Ok(Some(raw)),
        Ok(_) => Err(serde::de::Error::custom(format!(
            "`{raw}` would carry the bearer token over plain http; use https, or http only to a loopback address"
        ))),
        Err(e) => Err(serde::de::Error::custom(format!("`{raw}` is not a URL ({e})"))),
    }
}

fn de_authority_host<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw = String::deserialize(d)?;
    if raw.is_empty() {
        return Ok(None);
    }
    match reqwest::Url::parse(&raw) {
        Ok(url) if url.scheme() == "https" => Ok(Some(raw.trim_end_matches('/').to_string())),
        Ok(_) => Err(serde::de::Error::custom(format!(
            "`{raw}` is not https; a token service is only ever reached over https"
        ))),
        Err(e) => Err(serde::de::Error::custom(format!("`{raw}` is not a URL ({e})"))),
    }
}

fn de_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let raw = String::deserialize(d)?;
    Ok((!raw.is_empty()).then(|| PathBuf::from(raw)))
}

fn de_interval<'de, D: Deserializer<'de>>(d: D) -> Result<Option<std::time::Duration>, D::Error> {
    let raw = String::deserialize(d)?;
    let interval = crate::cli::parse_duration(&raw).map_err(serde::de::Error::custom)?;
    if interval.is_zero() {
        Ok(None)
    } else if interval < std::time::Duration::from_secs(30) {
        Err(serde::de::Error::custom(format!(
            "`{raw}` is too often; refresh at most every 30s, or \"0\" for never"
        )))
    } else {
        Ok(Some(interval))
    }
}

fn de_concurrency<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    match usize::deserialize(d)? {
        n @ 1..=256 => Ok(n),
        n => Err(serde::de::Error::custom(format!(
            "concurrency must be 1 to 256, not {n}"
        ))),
    }
}

fn de_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match u64::deserialize(d)? {
        n @ 1..=600 => Ok(n),
        n => Err(serde::de::Error::custom(format!(
            "request_timeout_seconds must be 1 to 600, not {n}"
        ))),
    }
}

fn de_version<'de, D: Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
    let raw = String::deserialize(d)?;
    Version::parse(&raw)
        .ok_or_else(|| serde::de::Error::custom(format!("`{raw}` is not a version; write it like \"1.33.7\"")))
}

fn parse_rule<E: serde::de::Error>(raw: &str) -> Result<Rule, E> {
    Rule::lookup(raw).ok_or_else(|| {
        let known: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        E::custom(format!("unknown rule `{raw}`; known rules: {}", known.join(", ")))
    })
}

fn de_rule<'de, D: Deserializer<'de>>(d: D) -> Result<Rule, D::Error> {
    parse_rule(&String::deserialize(d)?)
}

fn de_rules<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Rule>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|raw| parse_rule(raw))
        .collect()
}

fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let value = toml::value::Datetime::deserialize(d)?;
    match (value.date, value.time) {
        (Some(date), None) => {
            let month = time::Month::try_from(date.month).map_err(serde::de::Error::custom)?;
            Date::from_calendar_date(i32::from(date.year), month, date.day)
                .map(Some)
                .map_err(serde::de::Error::custom)
        }
        _ => Err(serde::de::Error::custom(format!(
            "`{value}` is not a plain date; write it like 2026-12-31 (no quotes, no time)"
        ))),
    }
}

fn de_node_os_channel<'de, D: Deserializer<'de>>(d: D) -> Result<NodeOsChannel, D::Error> {
    let raw = String::deserialize(d)?;
    let channel = NodeOsChannel::parse(Some(&raw));
    if channel.patches_automatically() {
        Ok(channel)
    } else {
        Err(serde::de::Error::custom(format!(
            "`{raw}` does not patch nodes; use \"SecurityPatch\" or \"NodeImage\""
        )))
    }
}

fn de_upgrade_channel<'de, D: Deserializer<'de>>(d: D) -> Result<UpgradeChannel, D::Error> {
    let raw = String::deserialize(d)?;
    match UpgradeChannel::parse(Some(&raw)) {
        channel @ (UpgradeChannel::Rapid
        | UpgradeChannel::Stable
        | UpgradeChannel::Patch
        | UpgradeChannel::NodeImage) => Ok(channel),
        _ => Err(serde::de::Error::custom(format!(
            "`{raw}` is not an upgrade channel to recommend; use \"rapid\", \"stable\", \"patch\" or \"node-image\""
        ))),
    }
}

fn de_api_version<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let raw = String::deserialize(d)?;
    let (date, suffix) = raw.split_at(raw.len().min(10));
    let date_ok = Date::parse(date, time::macros::format_description!("[year]-[month]-[day]")).is_ok();
    if date_ok && (suffix.is_empty() || suffix == "-preview") {
        Ok(raw)
    } else {
        Err(serde::de::Error::custom(format!(
            "`{raw}` is not an api-version; write it like \"2025-10-01\" or \"2025-10-02-preview\""
        )))
    }
}

fn de_start_time<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let raw = String::deserialize(d)?;
    let ok = matches!(raw.split_once(':'), Some((h, m))
        if h.len() == 2 && m.len() == 2
            && h.parse::<u8>().is_ok_and(|h| h < 24)
            && m.parse::<u8>().is_ok_and(|m| m < 60));
    if ok {
        Ok(raw)
    } else {
        Err(serde::de::Error::custom(format!(
            "`{raw}` is not a time of day; write it like \"01:30\""
        )))
    }
}

fn de_utc_offset<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let raw = String::deserialize(d)?;
    let ok = matches!(raw.split_at_checked(1), Some((sign, rest))
        if (sign == "+" || sign == "-")
            && matches!(rest.split_once(':'), Some((h, m))
                if h.len() == 2 && m.len() == 2
                    && h.parse::<u8>().is_ok_and(|h| h <= 14)
                    && m.parse::<u8>().is_ok_and(|m| m < 60)));
    if ok {
        Ok(raw)
    } else {
        Err(serde::de::Error::custom(format!(
            "`{raw}` is not a UTC offset; write it like \"+02:00\""
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("config.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn an_empty_file_gives_the_documented_defaults() {
        let config = parse("").unwrap();
        assert_eq!(
            config.rules.kubernetes_minimum_version,
            Version::parse("1.33.7").unwrap()
        );
        assert_eq!(config.remediation.node_os_channel, NodeOsChannel::SecurityPatch);
        assert_eq!(config.remediation.upgrade_channel, UpgradeChannel::Patch);
        assert_eq!(config.remediation.api_version, "2025-10-01");
        assert_eq!(config.remediation.maintenance_window.duration_hours, 4);
        assert_eq!(config.enabled_rules().count(), 5);
    }

    #[test]
    fn waivers_and_disabled_rules_are_read_by_any_rule_name() {
        let config = parse(
            "[rules]\ndisabled = [\"MaintenanceWindow\", \"AZR-000016\"]\n\n\
             [[waivers]]\ncluster = \"aks-legacy-*\"\nrule = \"Azure.AKS.NodeAutoUpgrade\"\n\
             reason = \"vendor appliance\"\nexpires = 2027-01-31\n",
        )
        .unwrap();
        assert_eq!(config.rules.disabled, vec![Rule::MaintenanceWindow, Rule::PoolVersion]);
        assert_eq!(config.waivers[0].rule, Rule::NodeAutoUpgrade);
        assert_eq!(config.waivers[0].expires, Some(time::macros::date!(2027 - 01 - 31)));
        assert_eq!(config.enabled_rules().count(), 3);
    }

    #[test]
    fn mistakes_name_the_file_line_and_key() {
        let cases = [
            (
                "[rules]\nminimum = \"1.2.3\"\n",
                "config.toml:2:1: ",
                "unknown field `minimum`",
            ),
            (
                "[rules]\nkubernetes_minimum_version = 133\n",
                "config.toml:2:",
                "rules.kubernetes_minimum_version",
            ),
            (
                "[rules]\nkubernetes_minimum_version = \"new\"\n",
                "config.toml:2:",
                "`new` is not a version",
            ),
            (
                "[rules]\ndisabled = [\"UseRBAC\"]\n",
                "config.toml:2:",
                "unknown rule `UseRBAC`",
            ),
            (
                "\n\n[remediation]\nnode_os_channel = \"Unmanaged\"\n",
                "config.toml:4:",
                "remediation.node_os_channel",
            ),
            (
                "[remediation]\napi_version = \"latest\"\n",
                "config.toml:2:",
                "not an api-version",
            ),
            (
                "[remediation.maintenance_window]\nstart_time = \"25:00\"\n",
                ":2:",
                "remediation.maintenance_window.start_time",
            ),
            (
                "[remediation.maintenance_window]\nduration_hours = 2\n",
                "config.toml:",
                "duration_hours must be 4 to 24",
            ),
            (
                "[remediation.maintenance_window]\nfrequency = \"Hourly\"\n",
                ":2:",
                "unknown variant `Hourly`",
            ),
            (
                "[[waivers]]\ncluster = \"x\"\nrule = \"Version\"\nreason = \"r\"\nexpires = \"soon\"\n",
                ":5:",
                "waivers.expires",
            ),
            (
                "[[waivers]]\ncluster = \"x\"\nrule = \"Version\"\n",
                "config.toml:",
                "missing field `reason`",
            ),
            ("auth = \"password\"\n", "config.toml:1:", "unknown variant `password`"),
            (
                "endpoint = \"http://management.azure.com\"\n",
                "config.toml:1:",
                "plain http",
            ),
            ("concurrency = 0\n", "config.toml:1:", "concurrency must be 1 to 256"),
            (
                "authority_host = \"http://127.0.0.1:8443\"\n",
                "config.toml:1:",
                "key `authority_host`: `http://127.0.0.1:8443` is not https",
            ),
            ("authority_host = \"login\"\n", "config.toml:1:", "is not a URL"),
            ("ca_file = 5\n", "config.toml:1:", "key `ca_file`"),
            ("subscriptions = \"abc\"\n", "config.toml:1:", "key `subscriptions`"),
            ("colour = true\n", "config.toml:1:1: ", "unknown field `colour`"),
            (
                "[keys]\ndown = \"n\"\njump = \"J\"\n",
                "config.toml:3:",
                "unknown action `jump`",
            ),
            (
                "[keys]\ndown = [\"n\", \"<Nope>\"]\n",
                "config.toml:2:",
                "unknown key name `<Nope>`",
            ),
            ("[keys]\ndown = 5\n", "config.toml:2:", "expected a key name or a list"),
            (
                "[highlight]\ntag = [\"env=prod\"]\n",
                "config.toml:2:",
                "unknown field `tag`",
            ),
            ("refresh_interval = \"5s\"\n", "config.toml:1:", "too often"),
            ("[rules\n", "config.toml:1:", ""),
        ];
        for (text, place, detail) in cases {
            let err = parse(text).expect_err(text);
            assert!(err.contains(place) && err.contains(detail), "{text:?} gave {err}");
        }
    }

    #[test]
    fn keys_highlights_and_the_refresh_interval_are_read() {
        let config = parse(
            "refresh_interval = \"5m\"\n[keys]\ndown = [\"n\", \"<Down>\"]\nrefresh = \"R\"\n\
             [highlight]\ntags = [\"env=prod*\"]\nsubscriptions = [\"*Production*\"]\n",
        )
        .unwrap();
        assert_eq!(config.refresh_interval, Some(std::time::Duration::from_secs(300)));
        assert_eq!(config.keys.0.len(), 2);
        assert!(config.keys.0.contains(&(Command::Refresh, vec![Key::char('R')])));
        let prod = crate::model::Cluster {
            tags: [("ENV".to_string(), "production".to_string())].into(),
            ..Default::default()
        };
        assert!(config.highlight.matches(&prod));
        let named = crate::model::Cluster {
            subscription_name: Some("Contoso Production".into()),
            ..Default::default()
        };
        assert!(config.highlight.matches(&named));
        assert!(!config.highlight.matches(&crate::model::Cluster::default()));
        assert_eq!(parse("refresh_interval = \"0\"\n").unwrap().refresh_interval, None);
    }

    #[test]
    fn a_missing_default_file_means_defaults_but_a_named_one_must_exist() {
        let missing = Path::new("/nonexistent/aksradar/config.toml");
        assert_eq!(Config::load(missing, false).unwrap(), Config::default());
        let err = Config::load(missing, true).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/aksradar/config.toml"), "{err}");
    }

    #[test]
    fn the_example_config_loads_and_documents_every_key() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let config = Config::parse(&text, &path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!config.waivers.is_empty(), "the example shows a waiver");
        for key in [
            "auth",
            "cloud",
            "endpoint",
            "tenant",
            "authority_host",
            "ca_file",
            "subscriptions",
            "source",
            "concurrency",
            "request_timeout_seconds",
            "kubernetes_minimum_version",
            "disabled",
            "[[waivers]]",
            "cluster",
            "rule",
            "reason",
            "expires",
            "node_os_channel",
            "upgrade_channel",
            "api_version",
            "[remediation.maintenance_window]",
            "frequency",
            "interval",
            "day_of_week",
            "day_of_month",
            "week_index",
            "duration_hours",
            "start_time",
            "utc_offset",
        ] {
            assert!(text.contains(key), "config.example.toml does not mention {key}");
        }
    }
}
