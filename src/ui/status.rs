//! The two bottom lines. The status line: the filter (or the filter being typed, with
//! a cursor), the sort, and the keys that matter on this screen, taken from the key map
//! so they are the keys that really work, and when only non-compliant clusters show,
//! that (with the key that shows them all again). Above it, the message line: while the
//! filter is typed and does not parse, why (naming the term); otherwise the last status
//! message.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, hints, truncate};
use crate::app::Command;
use crate::app::keymap::Keymap;
use crate::app::state::{Level, Screen, State, View};
use crate::text::clean;

pub(super) fn draw(frame: &mut Frame, message: Rect, status: Rect, state: &State, keymap: &Keymap, theme: Theme) {
    frame.render_widget(
        Paragraph::new(message_line(state, usize::from(message.width), theme)),
        message,
    );
    let left = filter_and_sort(state, keymap, theme);
    let left_width: usize = left.iter().map(Span::width).sum();
    // The keys give way to the filter: a long filter is what the reader is looking at.
    let room = usize::from(status.width).saturating_sub(left_width + 2);
    let right = key_hints(state, keymap, room, theme);
    frame.render_widget(Paragraph::new(Line::from(left)), status);
    frame.render_widget(Paragraph::new(Line::from(right).right_aligned()), status);
}

fn message_line(state: &State, columns: usize, theme: Theme) -> Line<'static> {
    let input = &state.filter_input;
    if input.editing
        && let Some(error) = &input.error
    {
        let text = format!("✗ filter: {}", clean(error));
        return Line::from(Span::styled(truncate(&text, columns).into_owned(), theme.error()));
    }
    match &state.status {
        Some((text, level)) => {
            let style = match level {
                Level::Error => theme.error(),
                Level::Info => Default::default(),
            };
            Line::from(Span::styled(truncate(&clean(text), columns).into_owned(), style))
        }
        None => Line::default(),
    }
}

/// The filter, or the filter being typed, and the sort.
fn filter_and_sort(state: &State, keymap: &Keymap, theme: Theme) -> Vec<Span<'static>> {
    let input = &state.filter_input;
    let mut left = Vec::new();
    if input.editing {
        left.push(Span::styled("/", theme.key()));
        left.push(Span::raw(truncate(&clean(&input.text), 60).into_owned()));
        left.push(Span::raw("█"));
        if input.error.is_some() {
            left.push(Span::styled(" ✗", theme.error()));
        }
    } else if !state.filter.is_empty() {
        left.push(Span::styled("filter: ", theme.label()));
        left.push(Span::raw(truncate(&clean(state.filter.source()), 60).into_owned()));
    }
    let separate = |left: &mut Vec<Span<'static>>| {
        if !left.is_empty() {
            left.push(Span::styled(" │ ", theme.muted()));
        }
    };
    if state.screen != Screen::Fleet {
        return left;
    }
    match state.view {
        View::Clusters => {
            separate(&mut left);
            let (column, descending) = state.sort;
            let arrow = if descending { "▼" } else { "▲" };
            left.push(Span::raw(format!("sort: {} {arrow}", column.title())));
        }
        // The subscriptions are all of them, whatever the filter: say how they are ordered.
        View::Subscriptions => {
            separate(&mut left);
            left.push(Span::raw("least compliant first"));
        }
        View::Posture => {}
    }
    if state.only_failing && state.view != View::Subscriptions {
        separate(&mut left);
        left.push(Span::styled("non-compliant only", theme.warning()));
        if let Some(key) = keymap.key_of(Command::OnlyFailing) {
            left.push(Span::raw(" ("));
            left.push(Span::styled(key, theme.key()));
            left.push(Span::raw(" shows all)"));
        }
    }
    left
}

/// The keys that matter on this screen, as many as fit in `room` columns. Help and quit
/// are the last to go: with them a reader can find everything else.
fn key_hints(state: &State, keymap: &Keymap, room: usize, theme: Theme) -> Vec<Span<'static>> {
    if state.filter_input.editing {
        // Typing mode does not go through the key map: these two keys are fixed.
        return vec![
            Span::styled("Enter", theme.key()),
            Span::raw(" keep"),
            Span::styled(" · ", theme.muted()),
            Span::styled("Esc", theme.key()),
            Span::raw(" clear"),
        ];
    }
    let items: Vec<(Command, &str)> = match (&state.overlay, &state.screen, state.view) {
        (Some(_), _, _) => vec![
            (Command::Back, "close"),
            (Command::Down, "scroll"),
            (Command::Help, "help"),
        ],
        (None, Screen::Cluster { .. }, _) => vec![
            (Command::Fix, "fix"),
            (Command::Raw, "raw JSON"),
            (Command::Back, "back"),
            (Command::Down, "scroll"),
            (Command::Help, "help"),
            (Command::Quit, "quit"),
        ],
        (None, Screen::Fleet, View::Clusters) => vec![
            (Command::Open, "open"),
            (Command::Filter, "filter"),
            (Command::Fix, "fix"),
            (Command::Mark, "mark"),
            (Command::BatchFix, "batch fix"),
            (Command::SortNext, "sort"),
            (Command::Refresh, "refresh"),
            (Command::Errors, "errors"),
            (Command::Help, "help"),
            (Command::Quit, "quit"),
        ],
        (None, Screen::Fleet, View::Subscriptions) => vec![
            (Command::Open, "open its clusters"),
            (Command::ClustersView, "clusters"),
            (Command::Refresh, "refresh"),
            (Command::Errors, "errors"),
            (Command::Help, "help"),
            (Command::Quit, "quit"),
        ],
        (None, Screen::Fleet, View::Posture) => vec![
            (Command::Filter, "filter"),
            (
                Command::OnlyFailing,
                if state.only_failing {
                    "show all"
                } else {
                    "non-compliant only"
                },
            ),
            (Command::ClustersView, "clusters"),
            (Command::Refresh, "refresh"),
            (Command::Help, "help"),
            (Command::Quit, "quit"),
        ],
    };
    // Exported files have nothing to refresh.
    let mut items: Vec<(Command, &str)> = items
        .into_iter()
        .filter(|(c, _)| state.live || *c != Command::Refresh)
        .collect();
    loop {
        let spans = hints(keymap, &items, theme);
        if spans.iter().map(Span::width).sum::<usize>() <= room || items.is_empty() {
            return spans;
        }
        let last = items
            .iter()
            .rposition(|(c, _)| !matches!(c, Command::Help | Command::Quit));
        items.remove(last.unwrap_or(items.len() - 1));
    }
}
