//! The operations view (`5`): every change applied from the dashboard, one row each,
//! in the order they were applied: its cluster, the change (`property: from → to`),
//! where it stands (queued, running with the time since it was sent, verifying,
//! succeeded, failed with Azure's code and message, not verified, skipped, changed
//! since read, cancelled) and why. Under the rows, the selected row in full. Also the
//! header's pulse while changes run, and the question before quitting then.
//!
//! The time is the dashboard's clock (`State::now`, moved by the tick), so a frame is
//! a function of the state. Names, changes and messages come from Azure or from
//! config: they are cleaned and put on one line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::header::format_age;
use super::{Popup, Theme, centred_message, one_line, truncate, truncate_middle, width, window, wrap};
use crate::app::Command;
use crate::app::apply::{OpRow, OpState};
use crate::app::keymap::Keymap;
use crate::app::state::State;

const TITLES: [&str; 5] = ["CLUSTER", "CHANGE", "STATE", "TIME", "DETAIL"];
/// STATE fits `not verified`; TIME fits `2h 5m`.
const STATE_WIDTH: usize = 12;
const TIME_WIDTH: usize = 6;

/// Body lines under the rows that show the selected row in full, when there is room.
const FULL: u16 = 4;

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &State, keymap: &Keymap, theme: Theme) {
    let operations = &state.operations;
    let title_area = Rect {
        height: area.height.min(1),
        ..area
    };
    frame.render_widget(Paragraph::new(title(state, theme)), title_area);
    let below = Rect {
        y: area.y + title_area.height,
        height: area.height.saturating_sub(title_area.height),
        ..area
    };
    if operations.rows.is_empty() {
        let key = |command| keymap.key_of(command).unwrap_or_else(|| command.name().to_string());
        let lines = vec![
            Line::from("No change has been applied from here yet."),
            Line::from(format!(
                "In a fix popup ({}) or the batch fix ({}), {} shows the plan to apply.",
                key(Command::Fix),
                key(Command::BatchFix),
                key(Command::Apply)
            )),
        ];
        centred_message(frame, below, lines);
        return;
    }
    // The selected row in full below the table, when the body has room for both.
    let full = if below.height >= 10 { FULL } else { 0 };
    let table_area = Rect {
        height: below.height - full,
        ..below
    };
    let height = usize::from(table_area.height.saturating_sub(1));
    let range = window(operations.rows.len(), operations.offset, operations.selected, height);
    let slice = &operations.rows[range.clone()];
    let texts: Vec<[String; 5]> = slice.iter().map(|row| cells(row, state)).collect();

    let available = usize::from(area.width).saturating_sub(1 + 5);
    let name = texts
        .iter()
        .map(|t| width(&t[0]))
        .max()
        .unwrap_or(0)
        .clamp(width(TITLES[0]), 28);
    let rest = available.saturating_sub(name + STATE_WIDTH + TIME_WIDTH);
    // The change gets most of what is left; the detail the rest, and any surplus.
    let change_wanted = texts.iter().map(|t| width(&t[1])).max().unwrap_or(0);
    let change = change_wanted.min(rest * 3 / 5).max(rest.min(20));
    let detail = rest.saturating_sub(change);
    let widths = [name, change, STATE_WIDTH, TIME_WIDTH, detail];

    let header = Row::new(
        std::iter::once(Cell::from(" ")).chain(
            TITLES
                .iter()
                .zip(widths)
                .map(|(title, w)| Cell::from(truncate(title, w).into_owned())),
        ),
    )
    .style(theme.table_header());
    let rows: Vec<Row> = slice
        .iter()
        .zip(&texts)
        .enumerate()
        .map(|(at, (row, text))| {
            let selected = range.start + at == operations.selected;
            let gutter = Cell::from(if selected { "▶" } else { " " });
            let cells = text.iter().zip(widths).enumerate().map(|(i, (t, w))| {
                let cut = if i == 0 { truncate_middle(t, w) } else { truncate(t, w) };
                let style = if i == 2 {
                    state_style(&row.state, theme)
                } else {
                    Style::default()
                };
                Cell::from(cut.into_owned()).style(style)
            });
            let style = if selected { theme.selected() } else { Style::default() };
            Row::new(std::iter::once(gutter).chain(cells)).style(style)
        })
        .collect();
    let constraints = std::iter::once(Constraint::Length(1)).chain(widths.map(|w| Constraint::Length(w as u16)));
    frame.render_widget(
        Table::new(rows, constraints).header(header).column_spacing(1),
        table_area,
    );

    if full > 0
        && let Some(row) = operations.rows.get(operations.selected)
    {
        let full_area = Rect {
            y: table_area.y + table_area.height,
            height: full,
            ..below
        };
        frame.render_widget(Paragraph::new(in_full(row, usize::from(area.width), theme)), full_area);
    }
}

/// `Operations  2 running · 5 queued · 3 succeeded`, the counts in the states' colours.
fn title(state: &State, theme: Theme) -> Line<'static> {
    let mut spans = vec![Span::styled("Operations", theme.label())];
    let tally = state.operations.tally();
    for (i, (label, n)) in tally.into_iter().enumerate() {
        spans.push(Span::styled(if i == 0 { "  " } else { " · " }, theme.muted()));
        spans.push(Span::styled(format!("{n} {label}"), label_style(label, theme)));
    }
    Line::from(spans)
}

/// The texts of one row, in `TITLES` order.
fn cells(row: &OpRow, state: &State) -> [String; 5] {
    let time = match &row.state {
        OpState::Running { since, .. } => format_age(state.now - *since),
        _ => String::new(),
    };
    [
        one_line(&row.name),
        one_line(short(&row.change)),
        row.state.label().to_string(),
        time,
        one_line(&detail(row)),
    ]
}

/// A change as the table shows it: the channels without their common
/// `autoUpgradeProfile.` (the row in full below keeps it).
fn short(change: &str) -> &str {
    change.strip_prefix("autoUpgradeProfile.").unwrap_or(change)
}

/// What a person reads beside a row's state.
fn detail(row: &OpRow) -> String {
    let operation = |op: &Option<String>| op.as_ref().map(|op| format!("operation {op}"));
    let said = match &row.state {
        OpState::Queued if row.started => Some("reading the cluster".to_string()),
        OpState::Queued => Some(format!("waiting for its turn ({})", row.rule.short_name())),
        OpState::Running { operation: op, .. } => operation(op).or_else(|| Some("sending".to_string())),
        OpState::Verifying { .. } => Some("done in Azure; reading it back".to_string()),
        OpState::Succeeded { operation: op } => Some(match operation(op) {
            Some(op) => format!("verified: Azure shows it ({op})"),
            None => "verified: Azure shows it".to_string(),
        }),
        OpState::NotVerified { found } => Some(format!("Azure says {found}")),
        OpState::Failed { code, message, .. } => Some(format!("{code}: {message}")),
        OpState::Skipped { why } | OpState::Changed { why } => Some(why.clone()),
        OpState::Cancelled => Some("cancelled before it started; nothing was sent".to_string()),
    };
    match (&row.note, said) {
        (Some(note), _) => note.clone(),
        (None, said) => said.unwrap_or_default(),
    }
}

/// The selected row in full under a rule: the cluster, the change, its state and
/// why, wrapped (the last line cut, saying so, when it is longer still).
fn in_full(row: &OpRow, columns: usize, theme: Theme) -> Vec<Line<'static>> {
    let columns = columns.saturating_sub(1).max(1);
    let mut lines = vec![Line::from(Span::styled("─".repeat(columns), theme.muted()))];
    let text = format!(
        "{} · {} · {}: {}",
        one_line(&row.name),
        one_line(&row.change),
        row.state.label(),
        one_line(&detail(row))
    );
    let room = usize::from(FULL) - 1;
    let mut wrapped = wrap(&text, columns);
    if wrapped.len() > room {
        wrapped.truncate(room);
        if let Some(last) = wrapped.last_mut() {
            *last = truncate(&format!("{last} …"), columns).into_owned();
        }
    }
    lines.extend(wrapped.into_iter().map(Line::from));
    lines
}

fn state_style(state: &OpState, theme: Theme) -> Style {
    label_style(state.label(), theme)
}

fn label_style(label: &str, theme: Theme) -> Style {
    match label {
        "succeeded" => theme.good(),
        "failed" | "not verified" => theme.error(),
        "running" | "verifying" | "changed" => theme.warning(),
        "queued" => Style::default(),
        _ => theme.muted(),
    }
}

/// The header's pulse while changes run or wait: `● applying: 2 running, 5 queued`,
/// the dot beating with the clock's seconds (and the words carrying it without).
pub(super) fn pulse(state: &State, theme: Theme) -> Vec<Span<'static>> {
    let (running, queued) = (state.operations.running(), state.operations.queued());
    if running + queued == 0 {
        return Vec::new();
    }
    let beat = if state.now.second().is_multiple_of(2) {
        "●"
    } else {
        "○"
    };
    let mut text = format!("{beat} applying {running} running");
    if queued > 0 {
        text.push_str(&format!(", {queued} queued"));
    }
    vec![Span::styled(text, theme.warning())]
}

/// The question before quitting while changes run: they go on in Azure, queued ones
/// do not start.
pub(super) fn draw_quit(frame: &mut Frame, area: Rect, running: usize, queued: usize, keymap: &Keymap, theme: Theme) {
    let mut paragraphs = Vec::new();
    if running > 0 {
        let (what, go) = if running == 1 {
            ("1 change is".to_string(), "It goes")
        } else {
            (format!("{running} changes are"), "They go")
        };
        paragraphs.push(format!(
            "{what} running in Azure. {go} on there after aksradar quits, but aksradar will not see the end: read \
             the fleet again later to see how it went."
        ));
    }
    if queued > 0 {
        paragraphs.push(format!(
            "{} will not start.",
            crate::text::count(queued, "queued change")
        ));
    }
    let quit = keymap.key_of(Command::Quit).unwrap_or_else(|| "quit".into());
    let back = keymap.key_of(Command::Back).unwrap_or_else(|| "back".into());
    paragraphs.push(format!("{quit} again quits; {back} stays."));
    let make = |columns: usize| {
        let mut out: Vec<Vec<Line<'static>>> = Vec::new();
        for (i, text) in paragraphs.iter().enumerate() {
            if i > 0 {
                out.push(vec![Line::default()]);
            }
            out.push(wrap(text, columns).into_iter().map(Line::from).collect());
        }
        out
    };
    Popup {
        size: (60, 60),
        title: Line::from(Span::styled(" Quit while changes run? ", theme.label())),
        footer: Line::default(),
        header: Vec::new(),
    }
    .draw(frame, area, make, 0, None, theme);
}
