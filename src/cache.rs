//! The fleet snapshot on disk: instant start, last-known-good data, offline mode.
//!
//! One snapshot per Resource Manager endpoint and tenant, in the cache folder, with a
//! schema version. Writes are atomic (a temporary file in the same folder, flushed,
//! then renamed over the old one), so a process killed at any moment leaves the old
//! snapshot or the new one, and two processes at once cannot tear it. Files are
//! readable by the owner only. A snapshot holds fleet data only: no token, secret or
//! header is ever part of it. Reading one never follows a link, never waits on a FIFO
//! and never reads more than [`SNAPSHOT_LIMIT`] (see `disk`): anything else at the
//! snapshot's path is a damaged cache, moved aside, and the live read goes on.
//!
//! `merge` is pure: a subscription whose read failed keeps its clusters from the
//! previous snapshot, marked stale with their age and the error.
//!
//! On disk the clusters are kept by column with each repeated value once (`stored`):
//! a 100,000-cluster fleet takes tens of megabytes, not hundreds, and loads without a
//! copy per cluster of what clusters share. `aksradar info --dump-cache` prints a
//! snapshot the way it reads in memory, as plain JSON.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::disk::{self, OwnFileError};
use crate::model::{Cluster, Fleet, RegionOffer, SourceError, SubscriptionState, UpgradeEvent};

pub use crate::disk::private_dir;

/// Bumped whenever the snapshot's shape changes in a way older readers cannot skip;
/// other versions are a cache miss. (A new column needs no new schema: see `stored`.)
pub const SCHEMA_VERSION: u32 = 5;

/// The largest snapshot read back: 256 MiB, ten times a 200,000-cluster fleet's.
pub const SNAPSHOT_LIMIT: u64 = 256 << 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub schema: u32,
    /// What the snapshot is of: the endpoint and tenant it was read from.
    pub key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub saved_at: OffsetDateTime,
    pub subscriptions: Vec<SubscriptionState>,
    /// Shared: the dashboard shows the very clusters a refresh reads and saves.
    pub clusters: Vec<Arc<Cluster>>,
    #[serde(default)]
    pub skipped: usize,
    /// Failures beside the subscriptions' own: listing them, reading details.
    #[serde(default)]
    pub errors: Vec<SourceError>,
    /// What each region offers, by lower-case location (read with details).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub regions: BTreeMap<String, RegionOffer>,
    /// AKS's scheduled upgrade events, when they were read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<UpgradeEvent>>,
}

impl Snapshot {
    /// The snapshot as a fleet, with every subscription's last error. A cluster someone
    /// else still holds is copied; the others are moved.
    pub fn into_fleet(self) -> Fleet {
        let (fleet, clusters) = self.into_parts();
        Fleet {
            clusters: clusters
                .into_iter()
                .map(|c| Arc::try_unwrap(c).unwrap_or_else(|shared| (*shared).clone()))
                .collect(),
            ..fleet
        }
    }

    /// The snapshot as a fleet with no clusters, and its clusters as they are shared.
    pub fn into_parts(self) -> (Fleet, Vec<Arc<Cluster>>) {
        let mut errors = self.errors;
        errors.extend(self.subscriptions.iter().filter_map(|s| s.error.clone()));
        let fleet = Fleet {
            clusters: Vec::new(),
            skipped: self.skipped,
            errors,
            subscriptions: self.subscriptions,
            duplicates: 0,
            regions: self.regions,
            events: self.events,
        };
        (fleet, self.clusters)
    }
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Combines a fresh live read with the previous snapshot: subscriptions read now
/// replace their data; subscriptions that failed keep their previous clusters, marked
/// stale; subscriptions no longer in scope are dropped. When the read could not even
/// list subscriptions, everything previous is kept, stale. Regions read now replace
/// their previous offers; events read now replace the previous ones, which are kept
/// when none were read.
pub fn merge(previous: Option<Snapshot>, mut fresh: Fleet, key: &str, now: OffsetDateTime) -> Snapshot {
    let clusters = std::mem::take(&mut fresh.clusters).into_iter().map(Arc::new).collect();
    merge_shared(previous, fresh, clusters, key, now)
}

/// `merge` for a read whose clusters are apart from its fleet, ready to be shared
/// (`fresh.clusters` is not read).
pub fn merge_shared(
    previous: Option<Snapshot>,
    fresh: Fleet,
    fresh_clusters: Vec<Arc<Cluster>>,
    key: &str,
    now: OffsetDateTime,
) -> Snapshot {
    // Whole seconds: what the snapshot stores, so a row reads the same before and after.
    let now = now.replace_nanosecond(0).unwrap_or(now);
    // Errors that no subscription state carries: listing failures, detail reads.
    let general_errors: Vec<SourceError> = fresh
        .errors
        .iter()
        .filter(|e| !fresh.subscriptions.iter().any(|s| s.error.as_ref() == Some(*e)))
        .cloned()
        .collect();
    let mut previous = previous.filter(|p| p.key == key);
    let mut regions = previous
        .as_mut()
        .map(|p| std::mem::take(&mut p.regions))
        .unwrap_or_default();
    regions.extend(fresh.regions);
    let events = match fresh.events {
        Some(events) => Some(events),
        None => previous.as_mut().and_then(|p| p.events.take()),
    };
    if fresh.subscriptions.is_empty() && !general_errors.is_empty() {
        let mut kept = previous.unwrap_or_else(|| empty(key, now));
        kept.regions = regions;
        kept.events = events;
        for cluster in &mut kept.clusters {
            Arc::make_mut(cluster).stale = true;
        }
        kept.saved_at = now;
        kept.errors = general_errors;
        return kept;
    }
    let (old_subscriptions, old_clusters) = previous.map(|p| (p.subscriptions, p.clusters)).unwrap_or_default();
    let mut clusters = Vec::with_capacity(fresh_clusters.len());
    let mut subscriptions = Vec::with_capacity(fresh.subscriptions.len());
    let mut failed = HashSet::new();
    for state in fresh.subscriptions {
        let before = old_subscriptions.iter().find(|s| same(&s.id, &state.id));
        if state.error.is_some() {
            failed.insert(state.id.to_ascii_lowercase());
            subscriptions.push(SubscriptionState {
                fetched_at: before.and_then(|b| b.fetched_at),
                name: state.name.or_else(|| before.and_then(|b| b.name.clone())),
                ..state
            });
        } else {
            subscriptions.push(SubscriptionState {
                fetched_at: Some(now),
                ..state
            });
        }
    }
    for mut cluster in fresh_clusters {
        // A cluster held elsewhere too is a copy on screen that the list read as it is
        // shown (`azure::FleetRead::sharing`): copied and stamped when its details come.
        if let Some(fresh) = Arc::get_mut(&mut cluster) {
            fresh.as_of = Some(now);
            fresh.stale = false;
        }
        clusters.push(cluster);
    }
    for mut cluster in old_clusters {
        if failed.contains(&cluster.subscription_id.to_ascii_lowercase()) {
            Arc::make_mut(&mut cluster).stale = true;
            clusters.push(cluster);
        }
    }
    Snapshot {
        schema: SCHEMA_VERSION,
        key: key.to_string(),
        saved_at: now,
        subscriptions,
        clusters,
        skipped: fresh.skipped,
        errors: general_errors,
        regions,
        events,
    }
}

fn empty(key: &str, now: OffsetDateTime) -> Snapshot {
    Snapshot {
        schema: SCHEMA_VERSION,
        key: key.to_string(),
        saved_at: now,
        subscriptions: Vec::new(),
        clusters: Vec::new(),
        skipped: 0,
        errors: Vec::new(),
        regions: BTreeMap::new(),
        events: None,
    }
}

/// What a load found.
#[derive(Debug)]
pub enum Loaded {
    Hit(Box<Snapshot>),
    /// No snapshot yet.
    Miss,
    /// A snapshot that cannot be used: a one-line warning says why. A damaged file has
    /// been moved aside for inspection.
    Unusable(String),
}

/// The snapshot files of one cache folder.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// FNV-1a, to turn a key into a short, stable file name.
pub fn key_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for `key`.
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("snapshot-{:016x}.json", key_hash(key)))
    }

    pub fn load(&self, key: &str) -> Loaded {
        let path = self.path(key);
        let bytes = match disk::read_own(&path, SNAPSHOT_LIMIT) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Loaded::Miss,
            Err(err) if err.is_damage() => {
                let aside = set_aside(&path);
                return Loaded::Unusable(format!("the cache is damaged: {err}; {aside}; reading live instead"));
            }
            Err(err @ OwnFileError::Io { .. }) => return Loaded::Unusable(format!("cannot read the cache: {err}")),
            Err(err) => return Loaded::Unusable(format!("cannot use the cache: {err}")),
        };
        match read_snapshot(&bytes, key) {
            Ok(Some(snapshot)) => Loaded::Hit(Box::new(snapshot)),
            Ok(None) => Loaded::Miss,
            Err(Unreadable::Schema(schema)) => Loaded::Unusable(format!(
                "the cache {} has schema {schema} (this aksradar reads {SCHEMA_VERSION}); reading live instead",
                path.display()
            )),
            Err(Unreadable::Damaged(err)) => {
                let aside = set_aside(&path);
                Loaded::Unusable(format!("the cache {} is damaged ({err}); {aside}", path.display()))
            }
        }
    }

    /// Writes the snapshot atomically; returns its path.
    pub fn save(&self, snapshot: &Snapshot) -> io::Result<PathBuf> {
        let path = self.path(&snapshot.key);
        // Streamed to the file: no second copy of a large fleet in memory.
        write_atomic_with(&path, |out| write_snapshot(snapshot, out))?;
        remove_leftovers(&path);
        Ok(path)
    }
}

/// Why the bytes of a snapshot file are not a snapshot.
#[derive(Debug)]
pub enum Unreadable {
    /// A snapshot of another schema version: not damage, just not ours to read.
    Schema(u32),
    /// Not a snapshot at all: what does not read, and where.
    Damaged(String),
}

/// Writes `snapshot` as a snapshot file holds it (by column, see `stored`).
pub fn write_snapshot(snapshot: &Snapshot, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(out, &stored::Written(snapshot)).map_err(io::Error::other)
}

/// The bytes of a snapshot file for `snapshot`.
pub fn snapshot_bytes(snapshot: &Snapshot) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into memory fails only if serialising fails, and the model always serialises.
    let _ = write_snapshot(snapshot, &mut out);
    out
}

/// The snapshot in `bytes` when it is one of `key` (`None`: of another key). Pure: the
/// reader of `Store::load` and of the snapshot fuzz target.
pub fn read_snapshot(bytes: &[u8], key: &str) -> Result<Option<Snapshot>, Unreadable> {
    let read = parse(bytes)?;
    if read.key() != key {
        // Another fleet's: not worth building.
        return Ok(None);
    }
    stored::snapshot(read).map(Some).map_err(Unreadable::Damaged)
}

/// The snapshot in `bytes`, whatever its key (for `aksradar info --dump-cache`).
pub fn read_any_snapshot(bytes: &[u8]) -> Result<Snapshot, Unreadable> {
    stored::snapshot(parse(bytes)?).map_err(Unreadable::Damaged)
}

/// The file's fields, when it is a snapshot of this schema.
fn parse(bytes: &[u8]) -> Result<stored::Read, Unreadable> {
    // One parse in the common case; the schema is looked at on its own only when the
    // snapshot does not read, to tell another version from damage.
    match serde_json::from_slice::<stored::Read>(bytes) {
        Ok(read) if read.schema != SCHEMA_VERSION => Err(Unreadable::Schema(read.schema)),
        Ok(read) => Ok(read),
        Err(err) => {
            #[derive(Deserialize)]
            struct Header {
                schema: u32,
            }
            match serde_json::from_slice::<Header>(bytes) {
                Ok(header) if header.schema != SCHEMA_VERSION => Err(Unreadable::Schema(header.schema)),
                _ => Err(Unreadable::Damaged(err.to_string())),
            }
        }
    }
}

/// Moves a damaged snapshot aside for inspection; says where.
fn set_aside(path: &Path) -> String {
    disk::set_aside(path, OffsetDateTime::now_utc().unix_timestamp())
}

/// Replaces `path` with `bytes` so that a reader sees the old file or the new one,
/// never a part: write a temporary file beside it, flush it to disk, rename it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |out| out.write_all(bytes))
}

/// `write_atomic` for content produced by `write`, buffered on its way to the file.
///
/// The folder must be a real folder (not a link); the rename replaces whatever is at
/// `path`, a link included, and never writes through it.
pub fn write_atomic_with(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    private_dir(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    let temp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut out = io::BufWriter::with_capacity(1 << 16, options.open(&temp)?);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        // The rename is durable only once the folder itself is on disk.
        if let Ok(folder) = fs::File::open(dir) {
            let _ = folder.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Removes temporary files that a killed writer left beside `path` (older than a minute,
/// so a writer still at work is not disturbed).
fn remove_leftovers(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 60);
        if file_name.starts_with(&prefix) && file_name.ends_with(".tmp") && old {
            let _ = fs::remove_file(entry.path());
        }
    }
}

mod stored;

#[cfg(test)]
mod tests;
