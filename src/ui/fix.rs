//! The fix popup: the remediation text of one cluster (or of a batch: the marked
//! clusters, or every failing one in view) in one format, the formats in the title with
//! the current one marked, scrolled by the popup's `scroll`. Above the text, the rules:
//! each with how many of the clusters fail it, the ones the text fixes checked, the one
//! the rule keys act on marked; it stays when the text scrolls.
//!
//! The text is generated, but it quotes names, tags and reasons from outside, so each
//! line is cleaned before it reaches the terminal. Long lines wrap rather than hide
//! past the edge; copying takes the text itself, not the screen. A cursor line (moved
//! by the moves) picks the command `copy` takes; the position counts text lines, as
//! many as a file written from it has. The formats always fit in the title, and the
//! hints in the bottom line give way to the position.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Popup, Theme, popup_rect, truncate_middle, wrap_code};
use crate::app::Command;
use crate::app::keymap::Keymap;
use crate::app::state::{FixPopup, RuleChoice, State};
use crate::remediate::Format;
use crate::text::clean;

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &State, fix: &FixPopup, keymap: &Keymap, theme: Theme) {
    // The formats come first: every one stays in the title, the cluster's name gets
    // what is left.
    let mut tabs = Vec::new();
    for (i, format) in Format::ALL.into_iter().enumerate() {
        if i > 0 {
            tabs.push(Span::styled(" · ", theme.muted()));
        }
        // Brackets mark the current format without colour; reversed video with it.
        if format == fix.format {
            tabs.push(Span::styled(format!("[{}]", format.label()), theme.chosen()));
        } else {
            tabs.push(Span::raw(format.label()));
        }
    }
    tabs.push(Span::raw(" "));
    let tabs_width: usize = tabs.iter().map(Span::width).sum();
    let title_room = usize::from(popup_rect(area, 90, 90, 0).width.saturating_sub(2));
    let heading = match fix.ids.as_slice() {
        [id] if !fix.batch => {
            let name = state
                .find(id)
                .map_or_else(|| id.clone(), |i| state.fleet[i].cluster.name.to_string());
            let room = title_room.saturating_sub(tabs_width + " Fix:  — ".len());
            if room >= 12 {
                format!(" Fix: {} — ", truncate_middle(&clean(&name), room))
            } else {
                " Fix — ".to_string()
            }
        }
        ids => format!(
            " Batch fix: {} cluster{} — ",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" }
        ),
    };
    let mut title = vec![Span::styled(heading, theme.label())];
    title.extend(tabs);

    let key = |command| keymap.key_of(command);
    let formats = match (key(Command::NextFormat), key(Command::PreviousFormat)) {
        (Some(next), Some(previous)) => Some(format!("{next}/{previous}")),
        (next, previous) => next.or(previous),
    };
    let items = [
        (formats, "format"),
        (key(Command::Copy), "copy command"),
        (key(Command::CopyAll), "copy all"),
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

    let make = |columns: usize| -> Vec<Vec<Line<'static>>> {
        fix.text
            .lines()
            .enumerate()
            .map(|(at, line)| {
                let style = if at == fix.cursor {
                    theme.selected()
                } else {
                    Default::default()
                };
                wrap_code(&clean(line), columns)
                    .into_iter()
                    .map(|piece| Line::from(piece).style(style))
                    .collect()
            })
            .collect()
    };
    let popup = Popup {
        size: (90, 90),
        title: Line::from(title),
        footer: Line::from(footer),
        header: rules(fix, keymap, title_room, theme),
    };
    popup.draw(frame, area, make, fix.scroll, Some(fix.cursor), theme);
}

/// The rule bar: `[x] NodeAutoUpgrade 3 · [ ] Version 2 ...`, the rule under the rule
/// cursor in reversed video (and between `>` `<` without colour), wrapped to `width`,
/// then a rule line. The keys that move and toggle are named once.
fn rules(fix: &FixPopup, keymap: &Keymap, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut pieces: Vec<Vec<Span<'static>>> = Vec::new();
    let keys = [
        keymap.key_of(Command::PreviousRule),
        keymap.key_of(Command::NextRule),
        keymap.key_of(Command::ToggleRule),
    ];
    let mut label = vec![Span::styled("Rules", theme.label())];
    if let [Some(previous), Some(next), Some(toggle)] = keys {
        label.push(Span::styled(
            format!(" ({previous}/{next}, {toggle} toggles)"),
            theme.muted(),
        ));
    }
    label.push(Span::raw(":"));
    pieces.push(label);
    for (at, choice) in fix.rules.iter().enumerate() {
        let RuleChoice {
            rule,
            included,
            failing,
        } = *choice;
        let mark = if included { "[x]" } else { "[ ]" };
        let text = format!("{mark} {} {failing}", rule.short_name());
        let span = if at == fix.rule_at {
            Span::styled(format!(">{text}<"), theme.chosen())
        } else if included {
            Span::raw(format!(" {text} "))
        } else {
            Span::styled(format!(" {text} "), theme.muted())
        };
        pieces.push(vec![span]);
    }
    // Pieces fill a line, then the next; none is split.
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for piece in pieces {
        let piece_width: usize = piece.iter().map(Span::width).sum::<usize>() + 1;
        if used > 0 && used + piece_width > width {
            lines.push(Line::from(std::mem::take(&mut line)));
            used = 0;
        }
        line.push(Span::raw(" "));
        line.extend(piece);
        used += piece_width;
    }
    if !line.is_empty() {
        lines.push(Line::from(line));
    }
    lines.push(Line::from(Span::styled("─".repeat(width), theme.muted())));
    lines
}
