//! Everything that can happen to the dashboard, as one enum.
//!
//! Key presses become `Action`s through the key map; background tasks send theirs
//! through a channel. `update` is the only consumer.

use time::OffsetDateTime;

use crate::azure::{ClusterDetails, Progress};
use crate::cache::Snapshot;

/// A command a key can be bound to. The names are what `[keys]` in config uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Filter,
    SortNext,
    SortReverse,
    Refresh,
    Fix,
    NextFormat,
    PreviousFormat,
    Copy,
    Write,
    Raw,
    Errors,
    Help,
    Quit,
    Mark,
    MarkAll,
    ClearMarks,
    BatchFix,
    OnlyFailing,
    ClustersView,
    SubscriptionsView,
    PostureView,
    ExportJson,
    ExportCsv,
    PortalLink,
}

impl Command {
    pub const ALL: [Command; 32] = [
        Command::Up,
        Command::Down,
        Command::PageUp,
        Command::PageDown,
        Command::Top,
        Command::Bottom,
        Command::Open,
        Command::Back,
        Command::Filter,
        Command::SortNext,
        Command::SortReverse,
        Command::Refresh,
        Command::Fix,
        Command::NextFormat,
        Command::PreviousFormat,
        Command::Copy,
        Command::Write,
        Command::Raw,
        Command::Errors,
        Command::Mark,
        Command::MarkAll,
        Command::ClearMarks,
        Command::BatchFix,
        Command::OnlyFailing,
        Command::ClustersView,
        Command::SubscriptionsView,
        Command::PostureView,
        Command::ExportJson,
        Command::ExportCsv,
        Command::PortalLink,
        Command::Help,
        Command::Quit,
    ];

    /// The name config uses for it, e.g. `page-down`.
    pub fn name(self) -> &'static str {
        match self {
            Command::Up => "up",
            Command::Down => "down",
            Command::PageUp => "page-up",
            Command::PageDown => "page-down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::Open => "open",
            Command::Back => "back",
            Command::Filter => "filter",
            Command::SortNext => "sort-next",
            Command::SortReverse => "sort-reverse",
            Command::Refresh => "refresh",
            Command::Fix => "fix",
            Command::NextFormat => "next-format",
            Command::PreviousFormat => "previous-format",
            Command::Copy => "copy",
            Command::Write => "write",
            Command::Raw => "raw",
            Command::Errors => "errors",
            Command::Help => "help",
            Command::Quit => "quit",
            Command::Mark => "mark",
            Command::MarkAll => "mark-all",
            Command::ClearMarks => "clear-marks",
            Command::BatchFix => "batch-fix",
            Command::OnlyFailing => "only-failing",
            Command::ClustersView => "clusters-view",
            Command::SubscriptionsView => "subscriptions-view",
            Command::PostureView => "posture-view",
            Command::ExportJson => "export-json",
            Command::ExportCsv => "export-csv",
            Command::PortalLink => "portal-link",
        }
    }

    /// What it does, for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Command::Up => "move up",
            Command::Down => "move down",
            Command::PageUp => "page up",
            Command::PageDown => "page down",
            Command::Top => "first row",
            Command::Bottom => "last row",
            Command::Open => "open the selected cluster",
            Command::Back => "back, close",
            Command::Filter => "filter as you type (Enter keeps it, Esc clears)",
            Command::SortNext => "sort by the next column",
            Command::SortReverse => "reverse the sort",
            Command::Refresh => "read the fleet again now",
            Command::Fix => "the fix for the cluster (CLI, Bicep, ARM, Policy, Terraform)",
            Command::NextFormat => "fix popup: next format",
            Command::PreviousFormat => "fix popup: previous format",
            Command::Copy => "fix popup: copy the text (OSC 52: works over SSH and in tmux)",
            Command::Write => "fix popup: write the text to a file here (when the terminal ignores OSC 52)",
            Command::Raw => "cluster view: the raw JSON",
            Command::Errors => "the list of read errors",
            Command::Help => "this help",
            Command::Quit => "quit",
            Command::Mark => "mark or unmark the selected cluster",
            Command::MarkAll => "mark every cluster in view",
            Command::ClearMarks => "clear the marks",
            Command::BatchFix => "the batch fix: marked clusters, or every failing one in view",
            Command::OnlyFailing => "show non-compliant clusters only (toggle)",
            Command::ClustersView => "view: clusters",
            Command::SubscriptionsView => "view: subscriptions (Enter opens a subscription's clusters)",
            Command::PostureView => "view: posture charts",
            Command::ExportJson => "export the view (filtered, sorted) as JSON, as scan writes it",
            Command::ExportCsv => "export the view (filtered, sorted) as CSV",
            Command::PortalLink => "copy the cluster's Azure portal link",
        }
    }

    pub fn by_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name().eq_ignore_ascii_case(name))
    }
}

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
