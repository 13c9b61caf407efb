//! The fix popup: the remediation text of one cluster (or of a batch: the marked
//! clusters, or every failing one in view) in one format, the formats in the title with
//! the current one marked, scrolled by the popup's `scroll`.
//!
//! The text is generated, but it quotes names, tags and reasons from outside, so each
//! line is cleaned before it reaches the terminal. Long lines wrap rather than hide
//! past the edge; copying takes the text itself, not the screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Popup, Theme, truncate, wrap_code};
use crate::app::Command;
use crate::app::keymap::Keymap;
use crate::app::state::{FixPopup, State};
use crate::remediate::Format;
use crate::text::clean;

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &State, fix: &FixPopup, keymap: &Keymap, theme: Theme) {
    let heading = match fix.ids.as_slice() {
        [id] if !fix.batch => {
            let name = state
                .find(id)
                .map_or_else(|| id.clone(), |i| state.fleet[i].cluster.name.clone());
            format!(" Fix: {} — ", truncate(&clean(&name), 30))
        }
        ids => format!(
            " Batch fix: {} cluster{} — ",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" }
        ),
    };
    let mut title = vec![Span::styled(heading, theme.label())];
    for (i, format) in Format::ALL.into_iter().enumerate() {
        if i > 0 {
            title.push(Span::styled(" · ", theme.muted()));
        }
        // Brackets mark the current format without colour; reversed video with it.
        if format == fix.format {
            title.push(Span::styled(format!("[{}]", format.label()), theme.chosen()));
        } else {
            title.push(Span::raw(format.label()));
        }
    }
    title.push(Span::raw(" "));

    let key = |command| keymap.key_of(command);
    let formats = match (key(Command::NextFormat), key(Command::PreviousFormat)) {
        (Some(next), Some(previous)) => Some(format!("{next}/{previous}")),
        (next, previous) => next.or(previous),
    };
    let items = [
        (formats, "format"),
        (key(Command::Copy), "copy"),
        (key(Command::Write), "write to file"),
        (key(Command::Back), "close"),
    ];
    let mut footer = vec![Span::raw(" ")];
    for (keys, label) in items {
        // An unbound command gets no hint: it would name a key that does nothing.
        let Some(keys) = keys else { continue };
        if footer.len() > 1 {
            footer.push(Span::styled(" · ", theme.muted()));
        }
        footer.push(Span::styled(keys, theme.key()));
        footer.push(Span::raw(format!(" {label}")));
    }
    footer.push(Span::raw(" "));

    let make = |columns: usize| -> Vec<Line<'static>> {
        fix.text
            .lines()
            .flat_map(|line| wrap_code(&clean(line), columns))
            .map(Line::from)
            .collect()
    };
    let popup = Popup {
        size: (90, 90),
        title: Line::from(title),
        footer: Line::from(footer),
    };
    popup.draw(frame, area, make, fix.scroll, theme);
}
