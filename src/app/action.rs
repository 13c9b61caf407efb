//! Everything that can happen to the dashboard, as one enum.
//!
//! Key presses become `Action`s through the key map; background tasks send theirs
//! through a channel. `update` is the only consumer.

use time::OffsetDateTime;

use super::Command;
use crate::cache::Snapshot;
use crate::model::{ClusterDetails, Progress};

#[derive(Debug, Clone)]
pub enum Action {
    Command(Command),
    /// A character typed into the filter line.
    FilterChar(char),
    FilterBackspace,
    /// Enter on the filter line.
    FilterAccept,
    /// Esc on the filter line.
    FilterCancel,
    /// The terminal's size changed; the table shows `rows` rows.
    Resize {
        rows: usize,
    },
    /// The clock moved (a slow tick for the data age).
    Tick(OffsetDateTime),
    /// A refresh reports progress.
    Progress {
        generation: u64,
        progress: Progress,
    },
    /// A refresh finished with this snapshot.
    Refreshed {
        generation: u64,
        snapshot: Box<Snapshot>,
    },
    /// A refresh could not start (no credentials, a bad endpoint).
    RefreshFailed {
        generation: u64,
        message: String,
    },
    /// The details of a cluster arrived.
    Details {
        id: String,
        details: Box<ClusterDetails>,
    },
    /// The raw JSON of a cluster arrived (or why not).
    Raw {
        id: String,
        text: Result<String, String>,
    },
    /// The fix text was copied, or written to a file.
    Done(Result<String, String>),
}
