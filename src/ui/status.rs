//! The two bottom lines. The status line: the filter (or the line being typed, with
//! its cursor: a filter, a `:` command, a search), the sort, and the keys that matter
//! on this screen, taken from the key map so they are the keys that really work, and
//! when only non-compliant clusters show, that (with the key that shows them all
//! again). Above it, the message line: while a line is typed, why it does not parse
//! (naming the term, which is not applied) or what Tab can complete; otherwise the
//! last status message, until it expires.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, hints, truncate};
use crate::app::Command;
use crate::app::context;
use crate::app::keymap::Keymap;
use crate::app::state::{Level, Overlay, Prompt, PromptKind, Screen, State, View};
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
    if let Some(prompt) = &state.prompt {
        if let Some(error) = &prompt.error {
            let what = match prompt.kind {
                PromptKind::Filter => "not applied",
                PromptKind::Command => "command",
                PromptKind::Search => "search",
                PromptKind::Confirm => "not applied",
            };
            let text = format!("✗ {what}: {}", clean(error));
            return Line::from(Span::styled(truncate(&text, columns).into_owned(), theme.error()));
        }
        if !prompt.candidates.is_empty() {
            let text = format!("Tab: {}", clean(&prompt.candidates.join("  ")));
            return Line::from(Span::styled(truncate(&text, columns).into_owned(), theme.muted()));
        }
    }
    match &state.status {
        Some(status) => {
            let style = match status.level {
                Level::Info => Default::default(),
                Level::Error => theme.error(),
            };
            Line::from(Span::styled(
                truncate(&clean(&status.text), columns).into_owned(),
                style,
            ))
        }
        None => Line::default(),
    }
}

/// The line being typed, its cursor shown as a reversed character (a block at the end).
fn prompt_spans(prompt: &Prompt, theme: Theme) -> Vec<Span<'static>> {
    let sigil = match prompt.kind {
        PromptKind::Filter => "/",
        PromptKind::Command => ":",
        PromptKind::Search => "search /",
        PromptKind::Confirm => "apply? ",
    };
    let text = prompt.line.text();
    let (before, after) = text.split_at(prompt.line.cursor());
    // The end of a long line shows, where the cursor usually is.
    let before = clean(before);
    let count = before.chars().count();
    let shown_before = if count > 60 {
        format!("…{}", before.chars().skip(count - 60).collect::<String>())
    } else {
        before.into_owned()
    };
    let mut spans = vec![Span::styled(sigil, theme.key()), Span::raw(shown_before)];
    let mut rest = after.chars();
    match rest.next() {
        Some(c) => {
            spans.push(Span::styled(clean(&c.to_string()).into_owned(), theme.chosen()));
            spans.push(Span::raw(truncate(&clean(rest.as_str()), 40).into_owned()));
        }
        None => spans.push(Span::raw("█")),
    }
    if prompt.error.is_some() {
        spans.push(Span::styled(" ✗", theme.error()));
    }
    spans
}

/// The filter, or the line being typed, and the sort.
fn filter_and_sort(state: &State, keymap: &Keymap, theme: Theme) -> Vec<Span<'static>> {
    let mut left = Vec::new();
    if let Some(prompt) = &state.prompt {
        left.extend(prompt_spans(prompt, theme));
        if prompt.kind != PromptKind::Filter {
            return left;
        }
    } else if !state.filter.is_empty() {
        left.push(Span::styled("filter: ", theme.label()));
        left.push(Span::raw(truncate(&clean(state.filter.source()), 60).into_owned()));
        if let Some(key) = keymap.key_of(Command::ClearFilter) {
            left.push(Span::raw(" ("));
            left.push(Span::styled(key, theme.key()));
            left.push(Span::raw(" clears)"));
        }
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
        View::Subscriptions => {
            separate(&mut left);
            left.push(Span::raw("unread, then least compliant first"));
        }
        View::Upgrades => {
            separate(&mut left);
            left.push(Span::raw("failed first"));
        }
        View::Posture | View::Operations => {}
    }
    if state.only_failing {
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
    if let Some(prompt) = &state.prompt {
        // Typing mode does not go through the key map: these keys are fixed.
        let enter = match prompt.kind {
            PromptKind::Filter => " keep",
            PromptKind::Command => " run",
            PromptKind::Search => " keep",
            PromptKind::Confirm => " apply",
        };
        let mut spans = vec![Span::styled("Enter", theme.key()), Span::raw(enter)];
        if !matches!(prompt.kind, PromptKind::Search | PromptKind::Confirm) {
            spans.push(Span::styled(" · ", theme.muted()));
            spans.push(Span::styled("Tab", theme.key()));
            spans.push(Span::raw(" complete"));
        }
        spans.push(Span::styled(" · ", theme.muted()));
        spans.push(Span::styled("Esc", theme.key()));
        spans.push(Span::raw(if prompt.kind == PromptKind::Confirm {
            " back"
        } else {
            " undo"
        }));
        return spans;
    }
    let items: Vec<(Command, &str)> = match (&state.overlay, &state.screen, state.view) {
        (Some(Overlay::Quit { .. }), _, _) => vec![(Command::Quit, "quit"), (Command::Back, "stay")],
        (Some(_), _, _) => vec![
            (Command::Back, "close"),
            (Command::Down, "scroll"),
            (Command::Help, "help"),
        ],
        (None, Screen::Cluster { .. }, _) => vec![
            (Command::Fix, "fix"),
            (Command::Raw, "raw JSON"),
            (Command::Copy, "copy id"),
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
            (Command::CommandLine, "command"),
            (Command::Refresh, "refresh"),
            (Command::Errors, "errors"),
            (Command::Help, "help"),
            (Command::Quit, "quit"),
        ],
        (None, Screen::Fleet, View::Subscriptions) => vec![
            (Command::Open, "its clusters"),
            (Command::Filter, "filter"),
            (Command::ClustersView, "clusters"),
            (Command::Refresh, "refresh"),
            (Command::Errors, "errors"),
            (Command::Help, "help"),
            (Command::Quit, "quit"),
        ],
        (None, Screen::Fleet, View::Upgrades) => vec![
            (Command::Open, "open its cluster"),
            (Command::Filter, "filter"),
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
        (None, Screen::Fleet, View::Operations) => vec![
            (Command::Open, "open cluster"),
            (Command::CancelQueued, "cancel queued"),
            (Command::CancelAllQueued, "cancel all queued"),
            (Command::Apply, "plan again"),
            (Command::ClustersView, "clusters"),
            (Command::Help, "help"),
            (Command::Quit, "quit"),
        ],
    };
    // Exported files have nothing to refresh; Esc with nowhere to go, a cancel with
    // nothing queued and a plan with nothing applied say nothing.
    let mut items: Vec<(Command, &str)> = items
        .into_iter()
        .filter(|(c, _)| {
            let only_when_it_works = matches!(
                c,
                Command::Back | Command::CancelQueued | Command::CancelAllQueued | Command::Apply
            ) || (*c == Command::Open && state.view == View::Operations);
            (state.live || *c != Command::Refresh) && (!only_when_it_works || context::works(*c, state))
        })
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
