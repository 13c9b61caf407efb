//! The dashboard's commands, declared once: the table below makes the `Command` enum,
//! the names config's `[keys]` binds, the descriptions the help overlay shows, and the
//! default keys. The README's key table is generated from the same table (a test
//! checks it), so a new command cannot be left out of any of them.

/// Declares the commands. Each row: variant = config name, [default keys], description.
/// The rows' order is the order of the help overlay and the README's key table.
macro_rules! commands {
    ($($variant:ident = $name:literal, [$($key:literal),*], $description:literal;)*) => {
        /// A command a key can be bound to. The names are what `[keys]` in config uses.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Command {
            $($variant,)*
        }

        impl Command {
            /// Every command, in the order of the table (and of the help).
            pub const ALL: [Command; [$(Command::$variant),*].len()] = [$(Command::$variant),*];

            /// The name config uses for it, e.g. `page-down`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Command::$variant => $name,)*
                }
            }

            /// What it does, for the help overlay and the README.
            pub fn description(self) -> &'static str {
                match self {
                    $(Command::$variant => $description,)*
                }
            }

            /// Its keys when config does not rebind it, as `Key::parse` reads them.
            pub fn default_keys(self) -> &'static [&'static str] {
                match self {
                    $(Command::$variant => &[$($key),*],)*
                }
            }
        }
    };
}

commands! {
    Up = "up", ["k", "<Up>"], "move up";
    Down = "down", ["j", "<Down>"], "move down";
    PageUp = "page-up", ["<PgUp>", "<C-u>"], "page up";
    PageDown = "page-down", ["<PgDn>", "<C-d>"], "page down";
    Top = "top", ["g", "<Home>"], "first row";
    Bottom = "bottom", ["G", "<End>"], "last row";
    Open = "open", ["<Enter>"], "open the selected cluster, or the selected subscription's clusters";
    Back = "back", ["<Esc>"], "back to where you came from; closes a popup";
    Filter = "filter", ["/"], "filter as you type (Enter keeps it, Esc restores the one before; Up/Down: history, Tab: complete); in the raw JSON, search";
    ClearFilter = "clear-filter", ["C"], "clear the filter";
    CommandLine = "command-line", [":"], "run a command by name: :sort version, :view subscriptions, :fix, :export csv (Tab completes)";
    SortNext = "sort-next", ["s"], "sort by the next column";
    SortReverse = "sort-reverse", ["S"], "reverse the sort";
    SortName = "sort-name", ["N"], "sort by NAME (again: reverse)";
    SortSubscription = "sort-subscription", ["B"], "sort by SUBSCRIPTION (again: reverse)";
    SortResourceGroup = "sort-resource-group", ["R"], "sort by RESOURCE GROUP (again: reverse)";
    SortLocation = "sort-location", ["L"], "sort by LOCATION (again: reverse)";
    SortVersion = "sort-version", ["V"], "sort by K8S version (again: reverse)";
    SortUpgrade = "sort-upgrade", ["U"], "sort by UPGRADE channel (again: reverse)";
    SortNodeOs = "sort-node-os", ["O"], "sort by NODE OS channel (again: reverse)";
    SortSupport = "sort-support", ["T"], "sort by SUPPORT, the least time left first (again: reverse)";
    SortWindow = "sort-window", ["M"], "sort by NEXT WINDOW, the soonest maintenance window first (again: reverse)";
    SortProvisioning = "sort-provisioning", ["P"], "sort by PROVISIONING state (again: reverse)";
    SortVerdict = "sort-verdict", ["W"], "sort by VERDICT, worst first (again: reverse)";
    Refresh = "refresh", ["r"], "read the fleet again now";
    Fix = "fix", ["f"], "the fix for the cluster (CLI, Bicep, ARM, Policy, Terraform)";
    NextFormat = "next-format", ["<Tab>"], "fix popup: next format";
    PreviousFormat = "previous-format", ["<S-Tab>"], "fix popup: previous format";
    PreviousRule = "previous-rule", ["<Left>"], "fix popup: the rule before (its fixes go in or out with toggle-rule)";
    NextRule = "next-rule", ["<Right>"], "fix popup: the next rule";
    ToggleRule = "toggle-rule", ["t"], "fix popup: put the rule's fixes in or leave them out (Kubernetes upgrades are out until asked for)";
    Apply = "apply", ["A"], "fix or batch popup, or an operations row: the plan to apply over ARM; type the number of clusters to go ahead";
    Copy = "copy", ["y"], "copy with OSC 52 (works over SSH and in tmux): the fix command under the cursor, the raw JSON, or the cluster's resource id";
    CopyAll = "copy-all", ["Y"], "copy the whole fix text or raw JSON";
    Write = "write", ["w"], "write the fix text or the raw JSON to a file here (when the terminal ignores OSC 52)";
    SearchNext = "search-next", ["n"], "raw JSON: the next match of the search";
    Raw = "raw", ["v"], "the raw JSON of the cluster";
    Errors = "errors", ["!"], "the list of read errors";
    Mark = "mark", ["<Space>"], "mark or unmark the selected cluster";
    MarkAll = "mark-all", ["a"], "mark every cluster in view";
    ClearMarks = "clear-marks", ["c"], "clear the marks";
    BatchFix = "batch-fix", ["F"], "the batch fix: marked clusters, or every failing one in view";
    OnlyFailing = "only-failing", ["x"], "show non-compliant clusters only (toggle)";
    ClustersView = "clusters-view", ["1"], "view: clusters";
    SubscriptionsView = "subscriptions-view", ["2"], "view: subscriptions of the clusters in view (Enter narrows the filter to one)";
    PostureView = "posture-view", ["3"], "view: posture charts and the trend of recorded reads";
    UpgradesView = "upgrades-view", ["4"], "view: scheduled upgrades of the clusters in view, failed first (Enter opens the cluster)";
    OperationsView = "operations-view", ["5"], "view: operations, the changes applied from here as they run (Enter opens the cluster)";
    CancelQueued = "cancel", ["d"], "operations view: cancel the selected cluster's queued changes";
    CancelAllQueued = "cancel-all", ["D"], "operations view: cancel every queued change";
    ExportJson = "export-json", ["e"], "export the clusters in view (filtered, sorted) as JSON, as scan writes it";
    ExportCsv = "export-csv", ["E"], "export the clusters in view (filtered, sorted) as CSV";
    PortalLink = "portal-link", ["u"], "copy the cluster's Azure portal link";
    Help = "help", ["?"], "this help (again: close it)";
    Quit = "quit", ["q", "<C-c>"], "quit";
}

impl Command {
    /// The command with this config name, ignoring case.
    pub fn by_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// The column a direct sort key sorts by.
    pub fn sort_column(self) -> Option<crate::filter::Column> {
        use crate::filter::Column;
        Some(match self {
            Command::SortName => Column::Name,
            Command::SortSubscription => Column::Subscription,
            Command::SortResourceGroup => Column::ResourceGroup,
            Command::SortLocation => Column::Location,
            Command::SortVersion => Column::Version,
            Command::SortUpgrade => Column::Upgrade,
            Command::SortNodeOs => Column::NodeOs,
            Command::SortSupport => Column::Support,
            Command::SortWindow => Column::Window,
            Command::SortProvisioning => Column::Provisioning,
            Command::SortVerdict => Column::Verdict,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_distinct_name_and_a_description() {
        let mut names = std::collections::HashSet::new();
        for command in Command::ALL {
            let name = command.name();
            assert!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{command:?} has the config name {name:?}"
            );
            assert!(names.insert(name), "{name} names two commands");
            assert!(!command.description().is_empty(), "{command:?} has no description");
            assert_eq!(Command::by_name(&name.to_ascii_uppercase()), Some(command));
        }
        assert_eq!(Command::by_name("jump"), None);
    }
}
