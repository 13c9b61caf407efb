//! History: a compact record of every live read's verdicts, and what changed since
//! the previous one.
//!
//! One JSON line per read in the state folder, oldest first. The file is kept under a
//! size bound by dropping the oldest records. `diff` and `parse_records` are pure.
//!
//! The file is read without following a link, without waiting on a FIFO and up to
//! [`READ_LIMIT`] (see `disk`); anything else at its path is moved aside and a new
//! history starts, so a planted link can neither be copied in nor written through.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::cache::write_atomic;
use crate::disk::{self, OwnFileError};
use crate::model::{Assessed, Atom, Change, Changes, Named, NodeOsChannel, Outcome};

/// The file is trimmed to `KEEP` bytes of the newest records once it passes `LIMIT`.
const LIMIT: u64 = 4 << 20;
const KEEP: usize = 3 << 20;

/// The largest history file read back: far above `LIMIT` plus one read of a very large
/// fleet; anything larger is not a history aksradar wrote.
pub const READ_LIMIT: u64 = 64 << 20;

/// Every record in the text of a history file, oldest first; lines that do not read
/// (damaged, or from another version) are skipped. Never fails.
pub fn parse_records(bytes: &[u8]) -> Vec<Record> {
    bytes
        .split(|&b| b == b'\n')
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect()
}

/// What the posture view's trend shows of one record: its counts, read without
/// keeping its clusters (a record of a large fleet is tens of megabytes once read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub at: OffsetDateTime,
    pub clusters: usize,
    pub non_compliant: usize,
    /// Clusters by node OS channel, by `NodeOsChannel::summary_slot`.
    pub by_channel: [usize; 6],
}

/// Every record's tally in the text of a history file, oldest first; lines that do not
/// read are skipped, as `parse_records` does.
pub fn parse_tallies(bytes: &[u8]) -> Vec<Tally> {
    bytes
        .split(|&b| b == b'\n')
        .filter_map(|line| serde_json::from_slice::<Counted>(line).ok())
        .map(|counted| Tally {
            at: counted.at,
            ..counted.clusters.0
        })
        .collect()
}

/// A record read as its tally.
#[derive(Deserialize)]
struct Counted {
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    clusters: Counts,
}

/// A record's clusters, counted as they are read (the time is the record's).
struct Counts(Tally);

impl<'de> Deserialize<'de> for Counts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Counts, D::Error> {
        deserializer.deserialize_seq(Counts(Tally {
            at: OffsetDateTime::UNIX_EPOCH,
            clusters: 0,
            non_compliant: 0,
            by_channel: [0; 6],
        }))
    }
}

impl<'de> serde::de::Visitor<'de> for Counts {
    type Value = Counts;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of clusters")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<Counts, A::Error> {
        while let Some(glance) = seq.next_element::<Glance<'de>>()? {
            let tally = &mut self.0;
            tally.clusters += 1;
            tally.non_compliant += usize::from(glance.failing.0 > 0);
            tally.by_channel[NodeOsChannel::parse(glance.node_os.as_deref()).summary_slot()] += 1;
        }
        Ok(self)
    }
}

/// What a tally reads of one cluster; the rest of it is skipped unread.
#[derive(Deserialize)]
struct Glance<'a> {
    #[serde(rename = "os", borrow, default)]
    node_os: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "fail", default)]
    failing: Len,
}

/// How many items a list has, each skipped.
#[derive(Default)]
struct Len(usize);

impl<'de> Deserialize<'de> for Len {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Len, D::Error> {
        struct Counter;
        impl<'de> serde::de::Visitor<'de> for Counter {
            type Value = Len;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Len, A::Error> {
                let mut n = 0;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Len(n))
            }
        }
        deserializer.deserialize_seq(Counter)
    }
}

/// One live read, as much as a later diff needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub clusters: Vec<Mark>,
}

/// One cluster in a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub id: String,
    /// Texts shared with the cluster read (a record of a large fleet is made whole).
    pub name: Atom,
    /// The node OS channel as read, `None` when missing.
    #[serde(rename = "os")]
    pub node_os: Option<Atom>,
    #[serde(rename = "up")]
    pub upgrade: Option<Atom>,
    #[serde(rename = "k8s")]
    pub version: Option<Atom>,
    /// Short names of the rules that failed.
    #[serde(rename = "fail", default, skip_serializing_if = "Vec::is_empty")]
    pub failing: Vec<String>,
}

impl Mark {
    pub fn compliant(&self) -> bool {
        self.failing.is_empty()
    }
}

impl Record {
    /// The record of a read. Stale rows are left out: they were not read this time.
    pub fn of(assessed: &[Assessed], at: OffsetDateTime) -> Record {
        let clusters = assessed
            .iter()
            .filter(|a| !a.cluster.stale)
            .map(|a| Mark {
                id: a.cluster.id.to_ascii_lowercase(),
                name: a.cluster.name.clone(),
                node_os: a.cluster.node_os_upgrade_channel.clone(),
                upgrade: a.cluster.upgrade_channel.clone(),
                version: a.cluster.kubernetes_version.clone(),
                failing: a
                    .findings
                    .iter()
                    .filter(|f| f.outcome == Outcome::Fail)
                    .map(|f| f.rule.short_name().to_string())
                    .collect(),
            })
            .collect();
        Record { at, clusters }
    }
}

fn named(mark: &Mark) -> Named {
    Named {
        id: mark.id.clone(),
        name: mark.name.to_string(),
        failing: mark.failing.clone(),
    }
}

/// What changed from `before` to `after`. Clusters keep `after`'s order.
pub fn diff(before: &Record, after: &Record) -> Changes {
    let old: HashMap<&str, &Mark> = before.clusters.iter().map(|m| (m.id.as_str(), m)).collect();
    let new: HashMap<&str, &Mark> = after.clusters.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut changes = Changes {
        since: before.at,
        until: after.at,
        became_non_compliant: vec![],
        became_compliant: vec![],
        appeared: vec![],
        disappeared: vec![],
        node_os_channel_changed: vec![],
        upgrade_channel_changed: vec![],
        version_changed: vec![],
    };
    for mark in &after.clusters {
        let Some(was) = old.get(mark.id.as_str()) else {
            changes.appeared.push(named(mark));
            continue;
        };
        if was.compliant() && !mark.compliant() {
            changes.became_non_compliant.push(named(mark));
        } else if !was.compliant() && mark.compliant() {
            changes.became_compliant.push(named(mark));
        }
        let change = |from: &Option<Atom>, to: &Option<Atom>| Change {
            id: mark.id.clone(),
            name: mark.name.to_string(),
            from: from.as_deref().map(String::from),
            to: to.as_deref().map(String::from),
        };
        if was.node_os != mark.node_os {
            changes
                .node_os_channel_changed
                .push(change(&was.node_os, &mark.node_os));
        }
        if was.upgrade != mark.upgrade {
            changes
                .upgrade_channel_changed
                .push(change(&was.upgrade, &mark.upgrade));
        }
        if was.version != mark.version {
            changes.version_changed.push(change(&was.version, &mark.version));
        }
    }
    changes.disappeared = before
        .clusters
        .iter()
        .filter(|m| !new.contains_key(m.id.as_str()))
        .map(named)
        .collect();
    changes
}

/// The history file of one cache key.
#[derive(Debug, Clone)]
pub struct History {
    path: PathBuf,
}

impl History {
    pub fn new(state_dir: &Path, key: &str) -> History {
        let name = format!("history-{:016x}.jsonl", crate::cache::key_hash(key));
        History {
            path: state_dir.join(name),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every readable record, oldest first; damaged lines are skipped. A file that is
    /// a link, a FIFO, a device or far too large is moved aside and the error says so.
    pub fn records(&self) -> io::Result<Vec<Record>> {
        Ok(self.read()?.map(|bytes| parse_records(&bytes)).unwrap_or_default())
    }

    /// The file's bytes, `None` when there is none; one that is not a history aksradar
    /// wrote is moved aside.
    fn read(&self) -> io::Result<Option<Vec<u8>>> {
        match disk::read_own(&self.path, READ_LIMIT) {
            Ok(bytes) => Ok(bytes),
            Err(err) if err.is_damage() => {
                let aside = disk::set_aside(&self.path, OffsetDateTime::now_utc().unix_timestamp());
                Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the history is damaged: {err}; {aside}; a new one starts with the next read"),
                ))
            }
            Err(err @ OwnFileError::Io { .. }) => Err(err.into()),
            Err(err) => Err(io::Error::other(err)),
        }
    }

    /// Every readable record's tally, oldest first (see `records`).
    pub fn tallies(&self) -> io::Result<Vec<Tally>> {
        Ok(self.read()?.map(|bytes| parse_tallies(&bytes)).unwrap_or_default())
    }

    /// The newest record, if any.
    pub fn last(&self) -> io::Result<Option<Record>> {
        Ok(self.records()?.pop())
    }

    /// Appends a record, dropping the oldest ones when the file grows past its bound.
    /// The whole file is rewritten atomically, so a crash never leaves half a line.
    /// When the file there was not a history (a link, a FIFO, far too large), it is
    /// moved aside, a new history starts with this record, and the `Ok` says so.
    /// The newest record is always kept, whole: when it alone is more than the bound
    /// (a very large fleet), it is the whole history, and the older ones are not read.
    pub fn append(&self, record: &Record) -> io::Result<Option<String>> {
        self.append_within(record, READ_LIMIT)
    }

    /// `append`, for a history read back up to `limit` bytes: a record larger than
    /// that is not written (the history could not be read back, and would be set
    /// aside at every read); the history stays as it was and the `Ok` says so.
    fn append_within(&self, record: &Record, limit: u64) -> io::Result<Option<String>> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        if line.len() as u64 > limit {
            return Ok(Some(format!(
                "This read is not in the history: its record of {} clusters is {} MB, more than the {} MB a history may hold.",
                record.clusters.len(),
                line.len() >> 20,
                limit >> 20
            )));
        }
        if line.len() > KEEP {
            return write_atomic(&self.path, &line).map(|()| None);
        }
        let (mut text, warning) = match self.read() {
            Ok(bytes) => (bytes.unwrap_or_default(), None),
            Err(err) if err.kind() == io::ErrorKind::InvalidData => (Vec::new(), Some(err.to_string())),
            Err(err) => return Err(err),
        };
        if !text.is_empty() && !text.ends_with(b"\n") {
            text.push(b'\n');
        }
        text.extend_from_slice(&line);
        drop(line);
        if text.len() as u64 > LIMIT {
            // The cut goes at a line's start, so at most up to the newest record.
            let cut = text.len() - KEEP.min(text.len());
            let start = match cut {
                0 => 0,
                _ if text[cut - 1] == b'\n' => cut,
                _ => (text[cut..].iter().position(|&b| b == b'\n')).map_or(text.len(), |i| cut + i + 1),
            };
            text.drain(..start);
        }
        write_atomic(&self.path, &text).map(|()| warning)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn mark(id: &str, os: Option<&str>, version: &str, failing: &[&str]) -> Mark {
        Mark {
            id: id.into(),
            name: id.into(),
            node_os: os.map(Atom::from),
            upgrade: Some("patch".into()),
            version: Some(version.into()),
            failing: failing.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// `n` compliant clusters on `os`, as a large fleet's record holds them.
    fn many(n: usize, os: Option<&str>) -> Vec<Mark> {
        (0..n)
            .map(|i| mark(&format!("/subscriptions/s/cluster-{i:05}"), os, "1.34.1", &[]))
            .collect()
    }

    #[test]
    fn the_diff_names_every_kind_of_change() {
        let before = Record {
            at: datetime!(2026-11-25 03:00 UTC),
            clusters: vec![
                mark("a", Some("NodeImage"), "1.33.7", &[]),
                mark("b", Some("Unmanaged"), "1.33.7", &["NodeAutoUpgrade"]),
                mark("c", None, "1.32.1", &["NodeAutoUpgrade", "Version"]),
                mark("gone", Some("NodeImage"), "1.34.1", &[]),
            ],
        };
        let after = Record {
            at: datetime!(2026-11-26 03:00 UTC),
            clusters: vec![
                mark("a", Some("None"), "1.33.7", &["NodeAutoUpgrade"]),
                mark("b", Some("SecurityPatch"), "1.33.7", &[]),
                mark("c", None, "1.33.7", &["NodeAutoUpgrade"]),
                mark("new", Some("NodeImage"), "1.35.0", &[]),
            ],
        };
        let changes = diff(&before, &after);
        let names = |list: &[Named]| list.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&changes.became_non_compliant), ["a"]);
        assert_eq!(names(&changes.became_compliant), ["b"]);
        assert_eq!(names(&changes.appeared), ["new"]);
        assert_eq!(names(&changes.disappeared), ["gone"]);
        let os: Vec<_> = changes
            .node_os_channel_changed
            .iter()
            .map(|c| (c.name.as_str(), c.from.as_deref(), c.to.as_deref()))
            .collect();
        assert_eq!(
            os,
            [
                ("a", Some("NodeImage"), Some("None")),
                ("b", Some("Unmanaged"), Some("SecurityPatch"))
            ]
        );
        assert_eq!(changes.version_changed[0].to.as_deref(), Some("1.33.7"));
        assert!(changes.upgrade_channel_changed.is_empty());
        assert!(!changes.is_empty());
        assert!(diff(&after, &after).is_empty());
    }

    /// The trend's tallies count what the records hold, without keeping them.
    #[test]
    fn a_record_s_tally_counts_its_clusters_by_channel_and_compliance() {
        let record = Record {
            at: datetime!(2026-11-25 03:00 UTC),
            clusters: vec![
                mark("a", Some("NodeImage"), "1.33.7", &[]),
                mark("b", Some("Node\u{1b}Image"), "1.33.7", &["NodeAutoUpgrade"]),
                mark("c", None, "1.32.1", &["NodeAutoUpgrade", "Version"]),
                mark("d", Some("SecurityPatch"), "1.34.1", &[]),
            ],
        };
        let mut bytes = serde_json::to_vec(&record).unwrap();
        bytes.extend_from_slice(
            b"\n{\"at\": 5}\n{\"at\":\"2026-11-26T03:00:00Z\",\"clusters\":[{\"os\":\"None\",\"fail\":[]}]}\n",
        );
        let mut want = [0usize; 6];
        for m in &record.clusters {
            want[NodeOsChannel::parse(m.node_os.as_deref()).summary_slot()] += 1;
        }
        let mut none = [0usize; 6];
        none[NodeOsChannel::parse(Some("None")).summary_slot()] = 1;
        assert_eq!(
            parse_tallies(&bytes),
            [
                Tally {
                    at: record.at,
                    clusters: 4,
                    non_compliant: 2,
                    by_channel: want
                },
                Tally {
                    at: datetime!(2026-11-26 03:00 UTC),
                    clusters: 1,
                    non_compliant: 0,
                    by_channel: none
                },
            ],
            "an empty list of failures is compliant; a damaged line is skipped"
        );
    }

    #[test]
    fn damaged_lines_are_skipped_and_bytes_that_are_not_utf8_are_no_error() {
        let record = Record {
            at: datetime!(2026-11-25 03:00 UTC),
            clusters: vec![mark("a", Some("NodeImage"), "1.33.7", &[])],
        };
        let line = serde_json::to_vec(&record).unwrap();
        let mut bytes = b"\xff\xfe garbage\n{\"at\": 5}\n".to_vec();
        bytes.extend_from_slice(&line);
        bytes.extend_from_slice(b"\n");
        bytes.extend_from_slice(&line[..line.len() / 2]);
        assert_eq!(parse_records(&bytes), [record]);
        assert!(parse_records(b"").is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_history_is_neither_copied_in_nor_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let record = |day: i64| Record {
            at: datetime!(2026-10-01 00:00 UTC) + time::Duration::days(day),
            clusters: vec![mark("a", Some("NodeImage"), "1.33.7", &[])],
        };
        let theirs = History::new(outside.path(), "key");
        theirs.append(&record(1)).unwrap();
        let before = std::fs::read(theirs.path()).unwrap();
        let ours = History::new(dir.path(), "key");
        std::os::unix::fs::symlink(theirs.path(), ours.path()).unwrap();
        let err = ours.records().unwrap_err().to_string();
        assert!(err.contains("symbolic link") && err.contains("kept aside"), "{err}");

        std::os::unix::fs::symlink(theirs.path(), ours.path()).unwrap();
        let warning = ours.append(&record(2)).unwrap().expect("a warning");
        assert!(warning.contains("symbolic link"), "{warning}");
        assert_eq!(ours.records().unwrap(), [record(2)], "a new history, nothing copied in");
        assert_eq!(std::fs::read(theirs.path()).unwrap(), before, "the target is untouched");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_history_is_set_aside_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(dir.path(), "key");
        let status = std::process::Command::new("mkfifo")
            .arg(history.path())
            .status()
            .unwrap();
        assert!(status.success());
        let err = history.records().unwrap_err().to_string();
        assert!(err.contains("a FIFO"), "{err}");
        assert_eq!(history.records().unwrap(), [], "moved aside: no history now");
    }

    /// A very large fleet's one record is more than the bound: it is kept whole, as
    /// the whole history, and a later small record still drops it only past the bound.
    #[test]
    fn a_record_larger_than_the_bound_is_kept_whole_and_alone() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(dir.path(), "key");
        let day = |n: i64| datetime!(2026-10-01 00:00 UTC) + time::Duration::days(n);
        let small = |n| Record {
            at: day(n),
            clusters: vec![mark("a", Some("NodeImage"), "1.33.7", &[])],
        };
        let huge = Record {
            at: day(1),
            clusters: many(60_000, None),
        };
        assert!(serde_json::to_vec(&huge).unwrap().len() as u64 > LIMIT);
        history.append(&small(0)).unwrap();
        history.append(&huge).unwrap();
        assert_eq!(
            history.records().unwrap(),
            std::slice::from_ref(&huge),
            "the newest, whole"
        );
        history.append(&small(2)).unwrap();
        assert_eq!(
            history.records().unwrap(),
            [small(2)],
            "past the bound, the newest still"
        );
    }

    /// A record too large to be read back is not written: the history stays readable,
    /// as it was, and the append says why.
    #[test]
    fn a_record_too_large_to_read_back_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(dir.path(), "key");
        let small = Record {
            at: datetime!(2026-10-01 00:00 UTC),
            clusters: vec![mark("a", Some("NodeImage"), "1.33.7", &[])],
        };
        history.append(&small).unwrap();
        let huge = Record {
            at: datetime!(2026-10-02 00:00 UTC),
            clusters: many(20_000, None),
        };
        let warning = history.append_within(&huge, 1 << 20).unwrap().expect("a warning");
        assert!(warning.contains("20000 clusters"), "{warning}");
        assert_eq!(history.records().unwrap(), [small]);
    }

    #[test]
    fn records_append_and_the_oldest_are_dropped_past_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(dir.path(), "key");
        assert_eq!(history.last().unwrap(), None);
        let big = many(2000, Some("NodeImage"));
        for day in 0..40i64 {
            let record = Record {
                at: datetime!(2026-10-01 00:00 UTC) + time::Duration::days(day),
                clusters: big.clone(),
            };
            assert_eq!(history.append(&record).unwrap(), None, "no warning");
        }
        let size = std::fs::metadata(history.path()).unwrap().len();
        assert!(size <= LIMIT, "{size} bytes");
        let records = history.records().unwrap();
        assert!(records.len() < 40, "old records were dropped");
        assert_eq!(
            records.last().unwrap().at,
            datetime!(2026-10-01 00:00 UTC) + time::Duration::days(39)
        );
        assert!(
            records.windows(2).all(|w| w[0].at < w[1].at),
            "oldest first, no torn line"
        );
    }
}
