//! Where the dashboard is (a view, the cluster view, a popup) and which commands do
//! something there. One definition serves `update` (a key that does nothing says so),
//! the help (the keys that work here come first) and the status line's hints.

use super::Command;
use super::state::{Overlay, Screen, State, View};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Clusters,
    Subscriptions,
    Posture,
    Upgrades,
    Operations,
    /// The cluster view.
    Cluster,
    Fix,
    /// The plan of an apply.
    Plan,
    /// The question before quitting while changes run.
    Quit,
    Raw,
    Errors,
    Help,
}

impl Context {
    /// Where the state is: the popup on top, else the screen and view.
    pub fn of(state: &State) -> Context {
        match (&state.overlay, &state.screen, state.view) {
            (Some(Overlay::Help { .. }), _, _) => Context::Help,
            (Some(Overlay::Fix(_)), _, _) => Context::Fix,
            (Some(Overlay::Plan(_)), _, _) => Context::Plan,
            (Some(Overlay::Quit { .. }), _, _) => Context::Quit,
            (Some(Overlay::Raw { .. }), _, _) => Context::Raw,
            (Some(Overlay::Errors { .. }), _, _) => Context::Errors,
            (None, Screen::Cluster { .. }, _) => Context::Cluster,
            (None, Screen::Fleet, View::Clusters) => Context::Clusters,
            (None, Screen::Fleet, View::Subscriptions) => Context::Subscriptions,
            (None, Screen::Fleet, View::Posture) => Context::Posture,
            (None, Screen::Fleet, View::Upgrades) => Context::Upgrades,
            (None, Screen::Fleet, View::Operations) => Context::Operations,
        }
    }

    /// How a message names it: "in the subscriptions view".
    pub fn name(self) -> &'static str {
        match self {
            Context::Clusters => "the clusters view",
            Context::Subscriptions => "the subscriptions view",
            Context::Posture => "the posture view",
            Context::Upgrades => "the upgrades view",
            Context::Operations => "the operations view",
            Context::Plan => "the plan",
            Context::Quit => "the question before quitting",
            Context::Cluster => "the cluster view",
            Context::Fix => "the fix popup",
            Context::Raw => "the raw JSON",
            Context::Errors => "the error list",
            Context::Help => "the help",
        }
    }
}

/// Whether `command` does something in `context`, whatever the data.
pub fn applies(command: Command, context: Context) -> bool {
    use Command as C;
    use Context as X;
    let moves = matches!(command, C::Up | C::Down | C::PageUp | C::PageDown | C::Top | C::Bottom);
    let everywhere = matches!(command, C::Back | C::Help | C::Quit);
    let fleet = matches!(
        command,
        C::Filter
            | C::ClearFilter
            | C::CommandLine
            | C::Refresh
            | C::Errors
            | C::OnlyFailing
            | C::ClustersView
            | C::SubscriptionsView
            | C::PostureView
            | C::UpgradesView
            | C::OperationsView
            | C::ExportJson
            | C::ExportCsv
    );
    let on_a_cluster = matches!(command, C::Fix | C::Raw | C::PortalLink | C::Copy);
    if everywhere {
        return true;
    }
    match context {
        X::Clusters => {
            moves
                || fleet
                || on_a_cluster
                || command.sort_column().is_some()
                || matches!(
                    command,
                    C::Open | C::SortNext | C::SortReverse | C::Mark | C::MarkAll | C::ClearMarks | C::BatchFix
                )
        }
        X::Subscriptions => moves || fleet || command == C::Open,
        X::Posture => fleet,
        X::Upgrades => moves || fleet || command == C::Open,
        X::Operations => {
            moves
                || matches!(
                    command,
                    C::Open
                        | C::Apply
                        | C::CancelQueued
                        | C::CancelAllQueued
                        | C::Refresh
                        | C::Errors
                        | C::CommandLine
                        | C::ClustersView
                        | C::SubscriptionsView
                        | C::PostureView
                        | C::OperationsView
                )
        }
        X::Plan => moves,
        X::Quit => false,
        X::Cluster => {
            moves
                || on_a_cluster
                || matches!(
                    command,
                    C::Refresh
                        | C::Errors
                        | C::CommandLine
                        | C::ClustersView
                        | C::SubscriptionsView
                        | C::PostureView
                        | C::UpgradesView
                        | C::OperationsView
                )
        }
        X::Fix => {
            moves
                || matches!(
                    command,
                    C::NextFormat
                        | C::PreviousFormat
                        | C::PreviousRule
                        | C::NextRule
                        | C::ToggleRule
                        | C::Apply
                        | C::Copy
                        | C::CopyAll
                        | C::Write
                )
        }
        X::Raw => {
            moves
                || matches!(
                    command,
                    C::Copy | C::CopyAll | C::Write | C::Filter | C::SearchNext | C::Raw
                )
        }
        X::Errors => moves || command == C::Errors,
        X::Help => moves,
    }
}

/// Whether `command` does something now: where the dashboard is, and with its data
/// (nothing to refresh in files, no filter to clear, nowhere to go back to).
pub fn works(command: Command, state: &State) -> bool {
    let context = Context::of(state);
    if !applies(command, context) {
        return false;
    }
    match command {
        Command::Refresh => state.live,
        Command::ClearFilter => !state.filter.is_empty(),
        Command::Back => state.overlay.is_some() || !state.back.is_empty(),
        Command::ClearMarks => state.marked_count() > 0,
        Command::SearchNext => matches!(&state.overlay, Some(Overlay::Raw { search: Some(_), .. })),
        Command::Apply | Command::Open if context == Context::Operations => !state.operations.rows.is_empty(),
        Command::CancelQueued | Command::CancelAllQueued => state.operations.queued() > 0,
        _ => true,
    }
}

/// Why a command does nothing now, for the message line.
pub fn why_not(command: Command, state: &State) -> String {
    let context = Context::of(state);
    if applies(command, context) {
        let reason = match command {
            Command::Refresh => "exported files have nothing to refresh",
            Command::ClearFilter => "there is no filter to clear",
            Command::Back => "there is nothing to go back to",
            Command::ClearMarks => "no cluster is marked",
            Command::SearchNext => "search first (/)",
            Command::Apply | Command::Open if context == Context::Operations => {
                "no change has been applied yet: apply from a fix popup"
            }
            Command::CancelQueued | Command::CancelAllQueued => "no change is queued",
            _ => "it does nothing now",
        };
        return reason.to_string();
    }
    let home = match command {
        Command::NextFormat
        | Command::PreviousFormat
        | Command::PreviousRule
        | Command::NextRule
        | Command::ToggleRule
        | Command::CopyAll => "it works in the fix popup",
        Command::Write => "it works in the fix popup and the raw JSON",
        Command::SearchNext => "it works in the raw JSON",
        Command::Apply => "it works in a fix popup (f, or F for the batch) and the operations view",
        Command::CancelQueued | Command::CancelAllQueued => "it works in the operations view",
        Command::Mark
        | Command::MarkAll
        | Command::ClearMarks
        | Command::BatchFix
        | Command::SortNext
        | Command::SortReverse => "it works in the clusters view",
        c if c.sort_column().is_some() => "it works in the clusters view",
        Command::Open => "it works in the clusters, subscriptions and upgrades views",
        Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
            "there is nothing to move through here"
        }
        Command::Fix | Command::Raw | Command::PortalLink | Command::Copy => {
            "it works on a cluster: the clusters view or the cluster view"
        }
        Command::Filter | Command::ClearFilter | Command::CommandLine | Command::OnlyFailing => {
            "close this first (Esc)"
        }
        _ => "it works in the views (close this first with Esc)",
    };
    format!("not in {}: {home}", context.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_universal_keys_work_everywhere_and_moves_nearly_so() {
        for context in [
            Context::Clusters,
            Context::Subscriptions,
            Context::Posture,
            Context::Upgrades,
            Context::Operations,
            Context::Cluster,
            Context::Fix,
            Context::Plan,
            Context::Quit,
            Context::Raw,
            Context::Errors,
            Context::Help,
        ] {
            for command in [Command::Back, Command::Help, Command::Quit] {
                assert!(applies(command, context), "{command:?} in {context:?}");
            }
            assert_eq!(
                applies(Command::Down, context),
                !matches!(context, Context::Posture | Context::Quit)
            );
        }
        assert!(!applies(Command::SortNext, Context::Subscriptions));
        assert!(!applies(Command::Mark, Context::Posture));
        assert!(applies(Command::Write, Context::Raw));
        assert!(!applies(Command::Write, Context::Clusters));
    }
}
