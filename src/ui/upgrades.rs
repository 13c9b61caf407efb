//! The upgrades view: AKS's scheduled upgrade events of the clusters in view (the
//! filter applies here too), failed first, then those under way, those scheduled (the
//! soonest first), then the rest (`update` orders them), with the cluster, the kind of
//! upgrade, its status and its times. Enter opens the cluster; Esc comes back here.
//!
//! Like the fleet table, only the rows in view become widgets. "in 2 d 4 h" and "3 d
//! ago" count from the instant the outlooks were worked out, as the table's NEXT
//! WINDOW does. Names and statuses come from Azure, so they are cleaned. A failed
//! upgrade is red and reads `Failed` without colour.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use time::{OffsetDateTime, UtcOffset};

use super::{Theme, centred_message, truncate, truncate_middle, width, window};
use crate::app::state::State;
use crate::model::window::weekday_name;
use crate::model::{EventKind, EventStatus, UpgradeEvent};
use crate::text::clean;

/// Columns between cells.
const SPACING: u16 = 1;

const STATUS: usize = 0;
const KIND: usize = 1;
const CLUSTER: usize = 2;
const WHEN: usize = 3;
const SCHEDULED: usize = 4;
const STARTED: usize = 5;
const UPDATED: usize = 6;
const SUBSCRIPTION: usize = 7;
const COLUMNS: usize = 8;

const TITLES: [&str; COLUMNS] = [
    "STATUS",
    "KIND",
    "CLUSTER",
    "WHEN",
    "SCHEDULED (UTC)",
    "STARTED (UTC)",
    "LAST UPDATE (UTC)",
    "SUBSCRIPTION",
];

/// Shown whatever the width (the cluster's name is cut in the middle to fit).
const ESSENTIAL: [usize; 4] = [STATUS, KIND, CLUSTER, WHEN];
/// Joined in this order, each whole or not at all, while the width allows (the
/// cluster's name at `CLUSTER_MIN` or more).
const OPTIONAL: [usize; 3] = [SCHEDULED, STARTED, UPDATED];
/// Joined last, only where the cluster's name is whole too.
const WIDE_ONLY: usize = SUBSCRIPTION;

/// The narrowest the cluster's name is cut to before optional columns go.
const CLUSTER_MIN: usize = 16;

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let title_area = Rect {
        height: area.height.min(1),
        ..area
    };
    let area = Rect {
        y: area.y + title_area.height,
        height: area.height.saturating_sub(1),
        ..area
    };
    frame.render_widget(Paragraph::new(title(state, theme)), title_area);
    let height = usize::from(area.height.saturating_sub(1));
    let rows = &state.upgrade_rows;
    if rows.is_empty() {
        centred_message(frame, area, vec![Line::from(empty_message(state))]);
        return;
    }
    let range = window(rows.len(), state.upgrade_offset, state.upgrade_selected, height);
    let shown: Vec<(usize, [String; COLUMNS], EventStatus)> = range
        .clone()
        .filter_map(|at| {
            let line = rows[at];
            let row = state.rows.get(line.row as usize)?;
            let item = state.fleet.get(row.index)?;
            let outlook = item.outlook.as_deref()?;
            let event = outlook.events.as_deref()?.get(line.event as usize)?;
            let c = &item.cluster;
            let cells = [
                clean(event.status.as_str()).into_owned(),
                kind_name(&event.kind),
                clean(&c.name).into_owned(),
                when(event, outlook.at),
                event.scheduled.map_or_else(|| "-".into(), stamp),
                event.started.map_or_else(|| "-".into(), stamp),
                event.updated.map_or_else(|| "-".into(), stamp),
                clean(c.subscription_label()).into_owned(),
            ];
            Some((at, cells, event.status.clone()))
        })
        .collect();
    let wanted: Vec<usize> = (0..COLUMNS)
        .map(|i| {
            shown
                .iter()
                .map(|(_, cells, _)| width(&cells[i]))
                .max()
                .unwrap_or(0)
                .max(width(TITLES[i]))
        })
        .collect();
    let columns = fit(&wanted, usize::from(area.width));
    let header = Row::new(
        std::iter::once(Cell::from(" ")).chain(
            columns
                .iter()
                .map(|&(i, w)| Cell::from(truncate(TITLES[i], w).into_owned())),
        ),
    )
    .style(theme.table_header());
    let lines: Vec<Row> = shown
        .iter()
        .map(|(at, cells, status)| {
            let selected = *at == state.upgrade_selected;
            let gutter = Cell::from(if selected { "▶" } else { " " });
            let row_cells = columns.iter().map(|&(i, w)| {
                let text = if i == CLUSTER || i == SUBSCRIPTION {
                    truncate_middle(&cells[i], w).into_owned()
                } else {
                    truncate(&cells[i], w).into_owned()
                };
                if i == STATUS {
                    Cell::from(text).style(status_style(status, theme))
                } else {
                    Cell::from(text)
                }
            });
            let row = Row::new(std::iter::once(gutter).chain(row_cells));
            if selected { row.style(theme.selected()) } else { row }
        })
        .collect();
    let constraints =
        std::iter::once(Constraint::Length(1)).chain(columns.iter().map(|&(_, w)| Constraint::Length(w as u16)));
    let table = Table::new(lines, constraints).header(header).column_spacing(SPACING);
    frame.render_widget(table, area);
}

/// The view's title: how many events of how many clusters, by what matters first, and
/// whether the events could be read at all.
fn title(state: &State, theme: Theme) -> Line<'static> {
    let rows = &state.upgrade_rows;
    let mut spans = vec![
        Span::styled("Upgrades", theme.label()),
        Span::raw(format!(
            " {} of {} in view",
            crate::text::count(rows.len(), "event"),
            crate::text::count(state.visible.len(), "cluster")
        )),
    ];
    let counts = state.upgrade_counts;
    for (n, word, style) in [
        (counts.failed, "failed", theme.error()),
        (counts.started, "under way", theme.warning()),
        (counts.scheduled, "scheduled", Default::default()),
    ] {
        if n > 0 {
            spans.push(Span::styled(" · ", theme.muted()));
            spans.push(Span::styled(format!("{n} {word}"), style));
        }
    }
    if state.errors.iter().any(crate::model::SourceError::is_events) {
        spans.push(Span::styled(" · ", theme.muted()));
        let kept = if state.events_read() {
            "the last read failed: events from an earlier read (press !)"
        } else {
            "the events could not be read (press !)"
        };
        spans.push(Span::styled(kept, theme.error()));
    }
    Line::from(spans)
}

fn empty_message(state: &State) -> String {
    if state.loading {
        "Loading the fleet…".to_string()
    } else if !state.events_read() {
        if state.live {
            "AKS's scheduled upgrade events have not been read yet (they are read with every refresh).".to_string()
        } else {
            "No scheduled upgrade events were read: give a Resource Graph export of containerserviceeventresources \
             with --input to see them."
                .to_string()
        }
    } else if state.visible.is_empty() {
        "No clusters in view".to_string()
    } else {
        "No scheduled upgrade events for the clusters in view: AKS schedules them only where an auto-upgrade \
         channel and its maintenance window are set."
            .to_string()
    }
}

/// Columns to show with their widths: the essential ones, then the optional ones
/// whole while they fit; the cluster's name takes what is left.
fn fit(wanted: &[usize], available: usize) -> Vec<(usize, usize)> {
    let gutter = 1 + usize::from(SPACING);
    let cost = |columns: &[usize], cluster: usize| -> usize {
        gutter
            + columns
                .iter()
                .map(|&i| if i == CLUSTER { cluster } else { wanted[i] } + usize::from(SPACING))
                .sum::<usize>()
    };
    let cluster_min = wanted[CLUSTER].min(CLUSTER_MIN);
    let mut columns: Vec<usize> = ESSENTIAL.to_vec();
    for i in OPTIONAL {
        let mut with = columns.clone();
        with.push(i);
        if cost(&with, cluster_min) <= available {
            columns = with;
        }
    }
    let mut with = columns.clone();
    with.push(WIDE_ONLY);
    if cost(&with, wanted[CLUSTER]) <= available {
        columns = with;
    }
    columns.sort_unstable();
    let room = available.saturating_sub(cost(&columns, 0));
    let cluster = wanted[CLUSTER].min(room).max(cluster_min.min(room.max(1)));
    columns
        .into_iter()
        .map(|i| (i, if i == CLUSTER { cluster } else { wanted[i] }))
        .collect()
}

pub(super) fn status_style(status: &EventStatus, theme: Theme) -> ratatui::style::Style {
    match status {
        EventStatus::Failed => theme.error(),
        EventStatus::Started => theme.warning(),
        EventStatus::Completed => theme.good(),
        _ => Default::default(),
    }
}

/// `Kubernetes`, `Node OS`, or the kind as AKS wrote it.
pub(super) fn kind_name(kind: &EventKind) -> String {
    match kind {
        EventKind::Kubernetes => "Kubernetes".to_string(),
        EventKind::NodeOs => "Node OS".to_string(),
        EventKind::Other(other) => clean(other).into_owned(),
    }
}

/// How far the event is from `at`: `in 2 d 4 h` ahead, `3 d 2 h ago` behind, by its
/// schedule while it is scheduled and by its latest time otherwise.
pub(super) fn when(event: &UpgradeEvent, at: OffsetDateTime) -> String {
    match event.due() {
        None => "-".to_string(),
        Some(t) if t > at => format!("in {}", crate::text::span((t - at).whole_seconds())),
        Some(t) => format!("{} ago", crate::text::span((at - t).whole_seconds())),
    }
}

/// `Sun 29 Nov 15:00`, in UTC.
pub(super) fn stamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{} {} {} {:02}:{:02}",
        &weekday_name(at.weekday())[..3],
        at.day(),
        &format!("{:?}", at.month())[..3],
        at.hour(),
        at.minute()
    )
}
