//! The read errors: what could not be read (a subscription, a page, a file), with the
//! code, the message and the URL, so the reader can tell a permission problem from an
//! outage. Messages come from Azure, so they are cleaned.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Popup, Theme, centred_message, wrap, wrap_path};
use crate::app::state::State;
use crate::model::SourceError;
use crate::text::clean;

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &State, scroll: u16, theme: Theme) {
    let title = Line::from(format!(" Read errors ({}) ", state.errors.len())).style(theme.label());
    // One entry per error: the list scrolls error by error.
    let make = |columns: usize| -> Vec<Vec<Line<'static>>> {
        state
            .errors
            .iter()
            .map(|e| error_lines(state, e, columns, theme))
            .collect()
    };
    let (inner, empty) = Popup {
        size: (80, 80),
        title,
        footer: Line::default(),
        header: Vec::new(),
    }
    .draw(frame, area, make, scroll, None, theme);
    if empty {
        centred_message(frame, inner, vec![Line::from("No errors")]);
    }
}

fn error_lines(state: &State, error: &SourceError, columns: usize, theme: Theme) -> Vec<Line<'static>> {
    let subscription = match &error.subscription_id {
        Some(id) => {
            let name = state
                .subscriptions
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(id))
                .and_then(|s| s.name.as_ref());
            match name {
                Some(name) => format!("subscription {} ({})", clean(name), clean(id)),
                None => format!("subscription {}", clean(id)),
            }
        }
        None => "not tied to a subscription".to_string(),
    };
    let mut head = vec![Span::styled(subscription, theme.label())];
    if let Some(code) = &error.code {
        head.push(Span::raw("  "));
        head.push(Span::styled(clean(code).into_owned(), theme.error()));
    }
    let mut lines = vec![Line::from(head)];
    for part in wrap(&clean(&error.message), columns.saturating_sub(2)) {
        lines.push(Line::from(format!("  {part}")));
    }
    if let Some(url) = &error.url {
        for part in wrap_path(&clean(url), columns.saturating_sub(2)) {
            lines.push(Line::from(Span::styled(format!("  {part}"), theme.muted())));
        }
    }
    lines.push(Line::default());
    lines
}
