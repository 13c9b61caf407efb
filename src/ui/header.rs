//! The header: what an on-call engineer reads in two seconds. Where the data comes
//! from, how much of the fleet is in view (and the filter that hides the rest, also
//! one remembered from an earlier run), how much of it fails, how much is unknown (a
//! rule's data not read: counted on its own), what could not be read (subscriptions
//! unread count as unknown, not as zero), the node OS channels, clusters below the
//! minimum version, the upgrade calendar (out of support, support ending, upgrades
//! that failed, and whether the events could be read), how old the data is, and while
//! a refresh runs, how far it got (the list, then every cluster's details) and what is
//! failing. The views, with their keys, at the right of the second line: the current
//! one in brackets.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use time::Duration;

use super::{Theme, one_line, truncate};
use crate::app::Command;
use crate::app::keymap::Keymap;
use crate::app::state::{DataSource, State, View};
use crate::text::clean;

/// Names of `Summary::by_channel`'s slots, in its order, in full and short.
const CHANNELS: [&str; 6] = crate::model::NodeOsChannel::SUMMARY;
const SHORT_CHANNELS: [&str; 6] = ["SecPatch", "NodeImg", "Unmgd", "None", "Unspec", "Other"];

/// Data older than this is shown as a warning: the fleet may have moved on.
pub(super) const OLD_DATA: Duration = Duration::hours(1);

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &State, keymap: &Keymap, theme: Theme) {
    let width = usize::from(area.width);
    let line = |y: u16| Rect::new(area.x, area.y + y, area.width, 1).intersection(area);
    frame.render_widget(Paragraph::new(overview(state, theme)), line(0));

    // The channels give way to the views: short names first, then the other views by
    // their keys only, then only the current view. On the narrowest terminals the views
    // go (each view's body says which it is) rather than the count below the minimum
    // version.
    let fits = |channels: &Line, tabs: &Line| channels.width() + 2 + tabs.width() <= width;
    let mut tab_line = tabs(state, keymap, theme, Tabs::Named);
    let mut channel_line = channels(state, theme, false);
    if !fits(&channel_line, &tab_line) {
        channel_line = channels(state, theme, true);
    }
    if !fits(&channel_line, &tab_line) {
        tab_line = tabs(state, keymap, theme, Tabs::Keys);
    }
    if !fits(&channel_line, &tab_line) {
        tab_line = tabs(state, keymap, theme, Tabs::Current);
    }
    if !fits(&channel_line, &tab_line) {
        tab_line = Line::default();
    }
    frame.render_widget(Paragraph::new(channel_line), line(1));
    frame.render_widget(Paragraph::new(tab_line.right_aligned()), line(1));

    frame.render_widget(Paragraph::new(calendar(state, keymap, theme)), line(2));
    frame.render_widget(Paragraph::new(activity(state, keymap, width, theme)), line(3));
}

/// Line 3: the upgrade calendar of the clusters in view, `3 out of support · 12 end
/// within 60 days · 2 upgrades failed in 7 days`, only the parts that are not zero;
/// `support unknown` when nothing in view has calendar data, and the events read's
/// failure, which leaves the failed upgrades uncounted.
fn calendar(state: &State, keymap: &Keymap, theme: Theme) -> Line<'static> {
    let summary = &state.calendar_summary;
    let mut spans = vec![Span::styled("calendar ", theme.label())];
    let part = |spans: &mut Vec<Span<'static>>, text: String, style| {
        if spans.len() > 1 {
            spans.push(Span::styled(" · ", theme.muted()));
        }
        spans.push(Span::styled(text, style));
    };
    if summary.out_of_support > 0 {
        part(
            &mut spans,
            format!("{} out of support", summary.out_of_support),
            theme.error(),
        );
    }
    if summary.ending_soon > 0 {
        let days = state.config.insights.support_warning_days;
        part(
            &mut spans,
            format!("{} end within {days} days", summary.ending_soon),
            theme.warning(),
        );
    }
    if summary.failed_upgrades > 0 {
        let days = crate::app::rows::FAILED_WITHIN.whole_days();
        let upgrades = crate::text::count(summary.failed_upgrades, "upgrade");
        part(&mut spans, format!("{upgrades} failed in {days} days"), theme.error());
    }
    if summary.clusters > 0 && summary.unknown_support == summary.clusters {
        part(
            &mut spans,
            "support unknown".to_string(),
            theme.outcome(crate::model::Outcome::Unknown),
        );
    }
    if state.errors.iter().any(crate::model::SourceError::is_events) {
        let press = keymap
            .key_of(Command::Errors)
            .map_or_else(String::new, |key| format!(" (press {key})"));
        part(&mut spans, format!("upgrade events unread{press}"), theme.error());
    }
    if spans.len() == 1 && summary.clusters > 0 {
        let events = if state.events_read() {
            ", ending or failed"
        } else {
            " or ending"
        };
        spans.push(Span::styled(format!("nothing out of support{events}"), theme.muted()));
    }
    Line::from(spans)
}

/// How much of the views the tabs show.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tabs {
    /// Every view, with its key and name.
    Named,
    /// The current view named, the others by their keys (`[1 clusters] 2 3 4 5`).
    Keys,
    /// The current view only.
    Current,
}

/// The views as tabs, `[1 clusters] 2 subscriptions 3 posture 4 upgrades 5 operations`,
/// with the keys that switch to them (so a remapped key shows), as much as `shown` says.
fn tabs(state: &State, keymap: &Keymap, theme: Theme, shown: Tabs) -> Line<'static> {
    let views = [
        (View::Clusters, Command::ClustersView),
        (View::Subscriptions, Command::SubscriptionsView),
        (View::Posture, Command::PostureView),
        (View::Upgrades, Command::UpgradesView),
        (View::Operations, Command::OperationsView),
    ];
    let mut spans = Vec::new();
    for (view, command) in views {
        if shown == Tabs::Current && view != state.view {
            continue;
        }
        let key = keymap.key_of(command);
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        if view == state.view {
            let text = match key {
                Some(key) => format!("[{key} {}]", view.name()),
                None => format!("[{}]", view.name()),
            };
            spans.push(Span::styled(text, theme.tab()));
        } else {
            // Without a key the view is still named: the help says how to get there.
            match (key, shown) {
                (Some(key), Tabs::Keys) => spans.push(Span::styled(key, theme.key())),
                (Some(key), _) => {
                    spans.push(Span::styled(key, theme.key()));
                    spans.push(Span::raw(" "));
                    spans.push(Span::raw(view.name()));
                }
                (None, _) => spans.push(Span::raw(view.name())),
            }
        }
    }
    Line::from(spans)
}

fn separator(theme: Theme) -> Span<'static> {
    Span::styled(" │ ", theme.muted())
}

/// Line 1: the kind of data, clusters in view, non-compliant share, data age, stale
/// rows, then where the data comes from. The counts come first: a narrow terminal cuts
/// the end of the line, and the endpoint is the part a reader needs least.
fn overview(state: &State, theme: Theme) -> Line<'static> {
    let summary = &state.summary;
    let (kind, source) = data_source(&state.data_source);
    let mut spans = vec![Span::styled(kind, theme.label())];
    let pulse = super::operations::pulse(state, theme);
    if !pulse.is_empty() {
        spans.push(separator(theme));
        spans.extend(pulse);
    }
    spans.push(separator(theme));
    spans.push(Span::raw(format!(
        "{} of {} clusters",
        summary.clusters,
        state.fleet.len()
    )));
    // What hides the rest, so a filter remembered from an earlier run is never silent.
    if !state.filter.is_empty() {
        spans.push(Span::styled(" · filter ", theme.muted()));
        spans.push(Span::styled(
            truncate(&clean(state.filter.source()), 40).into_owned(),
            theme.warning(),
        ));
    }
    if state.only_failing {
        spans.push(Span::styled(" · non-compliant only", theme.warning()));
    }
    let (unread, subscriptions) = state.unread_subscriptions();
    if unread > 0 {
        spans.push(separator(theme));
        spans.push(Span::styled(
            format!("{unread} of {subscriptions} subscriptions unread"),
            theme.error(),
        ));
    }
    spans.push(separator(theme));
    let share = summary
        .non_compliant_percent()
        .map(|percent| format!(" ({percent}%)"))
        .unwrap_or_default();
    let style = if summary.non_compliant > 0 {
        theme.error()
    } else {
        theme.good()
    };
    spans.push(Span::styled(
        format!("{} non-compliant{share}", summary.non_compliant),
        style,
    ));
    if summary.unknown > 0 {
        spans.push(Span::styled(" · ", theme.muted()));
        spans.push(Span::styled(
            format!("{} unknown", summary.unknown),
            theme.outcome(crate::model::Outcome::Unknown),
        ));
    }
    if state.marked_count() > 0 {
        spans.push(separator(theme));
        spans.push(Span::styled(format!("{} marked", state.marked_count()), theme.marked()));
    }
    spans.push(separator(theme));
    let old = state.data_time.is_some_and(|t| state.now - t > OLD_DATA);
    spans.push(Span::styled(
        data_age(state),
        if old { theme.warning() } else { Default::default() },
    ));
    if summary.stale > 0 {
        spans.push(separator(theme));
        spans.push(Span::styled(format!("{} stale", summary.stale), theme.warning()));
    }
    if !source.is_empty() {
        spans.push(separator(theme));
        spans.push(Span::styled(source, theme.muted()));
    }
    Line::from(spans)
}

/// The kind of data (`LIVE`, `DEMO`, `FILES`) and where it comes from.
fn data_source(source: &DataSource) -> (&'static str, String) {
    match source {
        DataSource::Arm { endpoint } => ("LIVE", truncate(&clean(endpoint), 50).into_owned()),
        DataSource::Demo => ("DEMO", "simulated fleet".to_string()),
        DataSource::Files(paths) => {
            let names: Vec<_> = paths.iter().map(|p| clean(p).into_owned()).collect();
            ("FILES", truncate(&names.join(", "), 50).into_owned())
        }
    }
}

/// "data 4m old"; exported files carry no read time.
pub(super) fn data_age(state: &State) -> String {
    match (state.data_time, &state.data_source) {
        (Some(time), _) => format!("data {} old", format_age(state.now - time)),
        (None, DataSource::Files(_)) => "data from files".to_string(),
        (None, _) => "no data yet".to_string(),
    }
}

/// A duration the way people say it: `45s`, `4m`, `2h 5m`, `3d 2h`. A negative age
/// (a clock that moved back) reads as zero.
pub(super) fn format_age(age: Duration) -> String {
    let seconds = age.whole_seconds().max(0);
    let (minutes, hours, days) = (seconds / 60, seconds / 3600, seconds / 86_400);
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{minutes}m"),
        3600..86_400 => format!("{hours}h {}m", minutes % 60),
        _ => format!("{days}d {}h", hours % 24),
    }
}

/// Line 2: clusters per node OS channel, and below the minimum Kubernetes version.
fn channels(state: &State, theme: Theme, short: bool) -> Line<'static> {
    let summary = &state.summary;
    let (title, names, below) = if short {
        ("OS ", SHORT_CHANNELS, "<")
    } else {
        ("node OS ", CHANNELS, "below k8s ")
    };
    let mut spans = vec![Span::styled(title, theme.label())];
    for (slot, (name, count)) in names.iter().zip(summary.by_channel).enumerate() {
        // "Other" only exists when a value this version does not know turns up.
        if slot == 5 && count == 0 {
            continue;
        }
        if slot > 0 {
            spans.push(Span::styled(if short { " " } else { " · " }, theme.muted()));
        }
        // Every channel but the first two leaves nodes unpatched.
        let style = if slot >= 2 && count > 0 {
            theme.warning()
        } else {
            Default::default()
        };
        spans.push(Span::styled(format!("{name} {count}"), style));
    }
    spans.push(if short {
        Span::styled(" · ", theme.muted())
    } else {
        separator(theme)
    });
    let minimum = &state.config.rules.kubernetes_minimum_version;
    let style = if summary.below_minimum > 0 {
        theme.warning()
    } else {
        Default::default()
    };
    spans.push(Span::styled(
        format!("{} {below}{minimum}", summary.below_minimum),
        style,
    ));
    Line::from(spans)
}

/// Line 4: the refresh in progress, else what failed in the last one.
fn activity(state: &State, keymap: &Keymap, width: usize, theme: Theme) -> Line<'static> {
    let errors_key = keymap.key_of(Command::Errors);
    let press = |spans: &mut Vec<Span<'static>>| {
        if let Some(key) = &errors_key {
            spans.push(Span::raw(" (press "));
            spans.push(Span::styled(key.clone(), theme.key()));
            spans.push(Span::raw(")"));
        }
    };
    let refresh = &state.refresh;
    let mut spans = Vec::new();
    if let (true, Some(details)) = (refresh.running, refresh.details) {
        // The list is in; every cluster's details are being read.
        spans.push(Span::styled("reading details ", theme.label()));
        spans.push(Span::styled(gauge(details.done, details.total, 12), theme.good()));
        spans.push(Span::raw(format!(
            " {}/{} requests of {} clusters",
            details.done,
            details.total,
            state.fleet.len()
        )));
        if details.failed > 0 {
            spans.push(Span::styled(format!(" · {} failing", details.failed), theme.error()));
            press(&mut spans);
        }
        if let Some(waiting) = &refresh.waiting {
            spans.push(Span::styled(format!(" · {}", clean(waiting)), theme.warning()));
        }
    } else if refresh.running {
        spans.push(Span::styled("refreshing ", theme.label()));
        if refresh.total == 0 {
            spans.push(Span::raw("listing subscriptions…"));
        } else {
            let finished = refresh.done + refresh.failed;
            spans.push(Span::styled(gauge(finished, refresh.total, 12), theme.good()));
            spans.push(Span::raw(format!(" {finished}/{} subscriptions", refresh.total)));
        }
        // Failures before the details: they are what the reader has to act on.
        if refresh.failed > 0 {
            spans.push(Span::styled(format!(" · {} failing", refresh.failed), theme.error()));
            press(&mut spans);
        }
        spans.push(Span::raw(format!(" · {} clusters so far", refresh.clusters)));
        if let Some(waiting) = &refresh.waiting {
            spans.push(Span::styled(format!(" · {}", clean(waiting)), theme.warning()));
        }
    } else {
        let (failing, total) = state.unread_subscriptions();
        if let Some(general) = state.errors.iter().find(|e| e.is_listing()) {
            let code = general.code.as_deref().unwrap_or("error");
            let text = format!(
                "the fleet could not be read: {}: {}",
                clean(code),
                clean(&general.message)
            );
            spans.push(Span::styled(one_line(&text), theme.error()));
            press(&mut spans);
        } else if failing > 0 {
            // Whether earlier rows stand in for them: only say so when some do.
            let failed: std::collections::HashSet<String> = state
                .subscriptions
                .iter()
                .filter(|s| s.error.is_some())
                .map(|s| s.id.to_ascii_lowercase())
                .collect();
            let stale = state
                .rows
                .iter()
                .filter(|r| r.brief.stale() && failed.contains(r.subscription.as_str()))
                .count();
            let kept = match stale {
                0 => "no earlier rows of theirs to show".to_string(),
                n => format!(
                    "{} from an earlier read shown, marked stale",
                    crate::text::count(n, "cluster")
                ),
            };
            let text = format!("{failing} of {total} subscriptions could not be read; {kept}");
            spans.push(Span::styled(text, theme.error()));
            press(&mut spans);
        } else if !state.errors.is_empty() {
            spans.push(Span::styled(
                crate::text::count(state.errors.len(), "read error"),
                theme.warning(),
            ));
            press(&mut spans);
        } else {
            // Nothing to report: a rule keeps the header's shape steady.
            spans.push(Span::styled("─".repeat(width), theme.muted()));
        }
    }
    Line::from(spans)
}

/// A text progress bar that reads without colour: `▕██████░░░░▏`.
fn gauge(done: usize, total: usize, cells: usize) -> String {
    let filled = (done.min(total) * cells).checked_div(total).unwrap_or(0);
    format!("▕{}{}▏", "█".repeat(filled), "░".repeat(cells - filled))
}
