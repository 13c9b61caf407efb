//! `config.toml`: the settings, their defaults, and errors that point at the line.
//!
//! Every table refuses unknown keys, and every value is validated while it is read,
//! so a mistake is reported with the file, line, column and dotted key, never later.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use time::Date;

use crate::model::{NodeOsChannel, Rule, UpgradeChannel, Version};
use crate::text::{ECHO, clip, glob_match, parse_duration};

mod access;
mod apply;
mod keys;
mod limits;
pub mod support;

pub use access::{AuthMode, Cloud, Source, endpoint_problem, token_may_go_to, without_userinfo};
pub use apply::{Apply, apply_disabled};
pub use keys::{Binding, KeyBindings, Place, Written};
pub use limits::Limits;
pub use support::{SupportOverrides, built_in as built_in_support_calendar};

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
    /// Requests made at once: one pool for the lists and the details.
    #[serde(deserialize_with = "de_concurrency")]
    pub concurrency: usize,
    /// Per request, in seconds.
    #[serde(deserialize_with = "de_timeout")]
    pub request_timeout_seconds: u64,
    /// The dashboard reads the fleet again this often; `None` (0) means only on `r`.
    #[serde(deserialize_with = "de_interval")]
    pub refresh_interval: Option<std::time::Duration>,
    /// How far a live read may go: waits, deadline, pages, items, body size.
    pub limits: Limits,
    pub rules: RulesConfig,
    pub waivers: Vec<Waiver>,
    pub remediation: RemediationConfig,
    /// Dashboard keys, by command name.
    pub keys: KeyBindings,
    pub highlight: Highlight,
    /// Whether and how aksradar may change clusters.
    pub apply: Apply,
    /// `[support."1.x"]` as written; checked into `support` when the file is parsed.
    #[serde(rename = "support")]
    pub support_written: support::RawOverrides,
    /// Support dates over the built-in calendar, by minor (see `support_calendar`).
    #[serde(skip)]
    pub support: SupportOverrides,
    pub insights: InsightsConfig,
}

/// `[insights]`: when aksradar's own insights speak up.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InsightsConfig {
    /// A pool on an automatic node OS channel whose image is more than this many days
    /// behind the latest is flagged "configured but not applied".
    #[serde(deserialize_with = "de_image_age")]
    pub node_image_max_age_days: u32,
    /// Support that ends within this many days is "ending" (and flagged eol-soon).
    #[serde(deserialize_with = "de_warning_days")]
    pub support_warning_days: u32,
}

impl Default for InsightsConfig {
    fn default() -> Self {
        InsightsConfig {
            node_image_max_age_days: 30,
            support_warning_days: 60,
        }
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
        let glob = glob_match;
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
            limits: Limits::default(),
            rules: RulesConfig::default(),
            waivers: Vec::new(),
            remediation: RemediationConfig::default(),
            keys: KeyBindings::default(),
            highlight: Highlight::default(),
            apply: Apply::default(),
            support_written: support::RawOverrides::default(),
            support: SupportOverrides::default(),
            insights: InsightsConfig::default(),
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

/// The largest config file read: a config is a few hundred lines, but a generous cap
/// keeps a value pasted by mistake readable (and its error clipped).
const CONFIG_LIMIT: u64 = 64 << 20;

/// A config file that could not be used, with where and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // The cause is part of the message and not a `#[source]`: a chain printer
    // (anyhow's `{:#}`) would print it a second time.
    #[error("cannot read config file {path}: {cause}")]
    Read { path: PathBuf, cause: std::io::Error },
    #[error("config file {path} is {what}; a config file is a TOML text file of at most 64 MiB")]
    NotAFile { path: PathBuf, what: String },
    #[error("{path}:{line}:{column}: the file is not UTF-8 text (byte 0x{byte:02X} there); save it as UTF-8")]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
        byte: u8,
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
        // Looked at before it is opened: opening a FIFO would wait for a writer, and
        // reading a device or a huge file would not end well.
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() => {
                let what = if meta.is_dir() {
                    "a folder"
                } else {
                    "not a regular file (a FIFO, socket or device)"
                };
                return Err(ConfigError::NotAFile {
                    path: path.to_path_buf(),
                    what: what.into(),
                });
            }
            Ok(meta) if meta.len() > CONFIG_LIMIT => {
                return Err(ConfigError::NotAFile {
                    path: path.to_path_buf(),
                    what: format!("{} bytes long", meta.len()),
                });
            }
            _ => {}
        }
        match std::fs::read(path) {
            Ok(bytes) => Config::parse(Config::text(&bytes, path)?, path),
            Err(err) if !required && err.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(cause) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                cause,
            }),
        }
    }

    /// The file's bytes as text, or an error at the line and column of the first byte
    /// that is not UTF-8.
    pub fn text<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str, ConfigError> {
        std::str::from_utf8(bytes).map_err(|err| {
            let good = err.valid_up_to();
            // Everything before the bad byte is valid UTF-8 by definition.
            let before = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
            let (line, column) = line_column(before, good);
            ConfigError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column,
                byte: bytes[good],
            }
        })
    }

    /// Parses config text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let place = |offset: usize| Place::in_file(offset, text, path);
        let mut config: Config = toml::from_str(text)
            .map_err(|err| place(err.span().map_or(0, |span| span.start)).error(err.message().trim()))?;
        if let Err(message) = config.remediation.maintenance_window.validate() {
            let place = Place {
                key: "remediation.maintenance_window".into(),
                ..place(text.find("maintenance_window").unwrap_or(0))
            };
            return Err(place.error(message));
        }
        config.keys.locate(text, path);
        config.support = SupportOverrides::read(&config.support_written, text, path)?;
        Ok(config)
    }

    /// The support calendar: the built-in one with config's `[support]` entries over it.
    pub fn support_calendar(&self) -> crate::model::SupportCalendar {
        self.support.apply(support::built_in())
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
    match endpoint_problem(&raw) {
        None => Ok(Some(raw)),
        Some(problem) => Err(serde::de::Error::custom(problem)),
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
            "`{}` is not https; a token service is only ever reached over https",
            clip(&raw, ECHO)
        ))),
        Err(e) => Err(serde::de::Error::custom(format!(
            "`{}` is not a URL ({e})",
            clip(&raw, ECHO)
        ))),
    }
}

fn de_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let raw = String::deserialize(d)?;
    Ok((!raw.is_empty()).then(|| PathBuf::from(raw)))
}

fn de_interval<'de, D: Deserializer<'de>>(d: D) -> Result<Option<std::time::Duration>, D::Error> {
    let raw = String::deserialize(d)?;
    let interval = parse_duration(&raw).map_err(serde::de::Error::custom)?;
    if interval.is_zero() {
        Ok(None)
    } else if interval < std::time::Duration::from_secs(30) {
        Err(serde::de::Error::custom(format!(
            "`{}` is too often; refresh at most every 30s, or \"0\" for never",
            clip(&raw, ECHO)
        )))
    } else {
        Ok(Some(interval))
    }
}

/// A whole number from the file, checked against `range` as it is read: the error
/// names the key, the range and the value.
pub(super) fn in_range<'de, D: Deserializer<'de>>(
    d: D,
    key: &str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, D::Error> {
    let n = u64::deserialize(d)?;
    if range.contains(&n) {
        Ok(n)
    } else {
        Err(serde::de::Error::custom(format!(
            "{key} must be {} to {}, not {n}",
            range.start(),
            range.end()
        )))
    }
}

fn de_concurrency<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    in_range(d, "concurrency", 1..=256).map(|n| n as usize)
}

fn de_image_age<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    in_range(d, "node_image_max_age_days", 1..=365).map(|n| n as u32)
}

fn de_warning_days<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    in_range(d, "support_warning_days", 0..=730).map(|n| n as u32)
}

fn de_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    in_range(d, "request_timeout_seconds", 1..=600)
}

fn de_version<'de, D: Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
    let raw = String::deserialize(d)?;
    Version::parse(&raw).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "`{}` is not a version; write it like \"1.33.7\"",
            clip(&raw, ECHO)
        ))
    })
}

fn parse_rule<E: serde::de::Error>(raw: &str) -> Result<Rule, E> {
    Rule::lookup(raw).ok_or_else(|| {
        let known: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        E::custom(format!(
            "unknown rule `{}`; known rules: {}",
            clip(raw, ECHO),
            known.join(", ")
        ))
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
            "`{}` does not patch nodes; use \"SecurityPatch\" or \"NodeImage\"",
            clip(&raw, ECHO)
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
            "`{}` is not an upgrade channel to recommend; use \"rapid\", \"stable\", \"patch\" or \"node-image\"",
            clip(&raw, ECHO)
        ))),
    }
}

/// A string that `valid` accepts; otherwise an error that quotes it, then says `hint`.
fn de_checked<'de, D: Deserializer<'de>>(d: D, valid: fn(&str) -> bool, hint: &str) -> Result<String, D::Error> {
    let raw = String::deserialize(d)?;
    if valid(&raw) {
        Ok(raw)
    } else {
        Err(serde::de::Error::custom(format!("`{}` {hint}", clip(&raw, ECHO))))
    }
}

fn de_api_version<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let valid = |raw: &str| {
        let (date, suffix) = raw.split_at(raw.len().min(10));
        let date_ok = Date::parse(date, time::macros::format_description!("[year]-[month]-[day]")).is_ok();
        date_ok && (suffix.is_empty() || suffix == "-preview")
    };
    de_checked(
        d,
        valid,
        "is not an api-version; write it like \"2025-10-01\" or \"2025-10-02-preview\"",
    )
}

/// `HH:MM`, hours below `max_hours` + 1.
fn hours_and_minutes(text: &str, max_hours: u8) -> bool {
    matches!(text.split_once(':'), Some((h, m))
        if h.len() == 2 && m.len() == 2
            && h.parse::<u8>().is_ok_and(|h| h <= max_hours)
            && m.parse::<u8>().is_ok_and(|m| m < 60))
}

fn de_start_time<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    de_checked(
        d,
        |raw| hours_and_minutes(raw, 23),
        "is not a time of day; write it like \"01:30\"",
    )
}

fn de_utc_offset<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let valid = |raw: &str| {
        matches!(raw.split_at_checked(1), Some((sign, rest))
            if (sign == "+" || sign == "-") && hours_and_minutes(rest, 14))
    };
    de_checked(d, valid, "is not a UTC offset; write it like \"+02:00\"")
}

#[cfg(test)]
mod tests;
