//! Everything that can happen to the dashboard, as one enum.
//!
//! Key presses become `Action`s through the key map; background tasks send theirs
//! through a channel. `update` is the only consumer.

use time::OffsetDateTime;

use super::Command;
use super::aggregates::Trend;
use super::line::Edit;
use crate::cache::Snapshot;
use crate::model::Progress;
use crate::remediate::outcome::Event;

/// A key on a line being typed (filter, command, search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKey {
    Edit(Edit),
    /// Up and Down: the history.
    Older,
    Newer,
    /// Tab: complete the word before the cursor.
    Complete,
    /// Enter.
    Accept,
    /// Esc: put back what was there before.
    Cancel,
}

#[derive(Debug, Clone)]
pub enum Action {
    Command(Command),
    /// A key whose command does nothing where the dashboard is (the key as the user
    /// pressed it): the message line says so.
    Inert {
        key: String,
        command: Command,
    },
    Prompt(PromptKey),
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
    /// A refresh read the list: this snapshot, whose clusters' details are still being
    /// read (the refresh goes on).
    Listed {
        generation: u64,
        snapshot: Box<Snapshot>,
    },
    /// A refresh read the details of these clusters of its list (by their place in
    /// it): each replaces its listed copy on screen (the refresh goes on).
    Detailed {
        generation: u64,
        clusters: Vec<(usize, std::sync::Arc<crate::model::Cluster>)>,
    },
    /// A refresh finished with this snapshot, details and all.
    Refreshed {
        generation: u64,
        snapshot: Box<Snapshot>,
    },
    /// A refresh could not start (no credentials, a bad endpoint).
    RefreshFailed {
        generation: u64,
        message: String,
    },
    /// The raw JSON of a cluster arrived (or why not).
    Raw {
        id: String,
        text: Result<String, String>,
    },
    /// The fix text was copied, or written to a file.
    Done(Result<String, String>),
    /// The history was read: the trend of the recorded reads.
    Trend(Trend),
    /// Something in the background went wrong that the user should know of, but that
    /// nothing waits for (the history could not be written, say).
    Warning(String),
    /// What the apply numbered `run` reports as it goes.
    Applying {
        run: u64,
        event: Box<Event>,
    },
    /// The apply numbered `run` ended; `failure` says why it could not start (then
    /// nothing was written).
    ApplyEnded {
        run: u64,
        failure: Option<String>,
    },
}
