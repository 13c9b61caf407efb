//! The help overlay, made from the key map, so it lists the keys that really work,
//! with what copy does where a terminal ignores OSC 52, and the filter language.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Popup, Theme, pad, width, wrap};
use crate::app::Command;
use crate::app::keymap::Keymap;

/// The filter language in full, a line per kind of term (as `filter.rs` reads it).
const FILTER: [&str; 4] = [
    "words match anywhere (name, subscription, group, region, versions, tags) · !term negates",
    "channel:securitypatch|nodeimage|unmanaged|none|unspecified (a comma means any)",
    "upgrade:rapid|stable|patch|node-image|none|unspecified · sub:NAME · rg:GROUP · loc:REGION",
    "k8s:<1.33 (< <= > >= =) · tag:key=value or tag:key · fail:RULE / pass:RULE · stale:yes|no",
];

pub(super) fn draw(frame: &mut Frame, area: Rect, keymap: &Keymap, scroll: u16, theme: Theme) {
    let title = Line::from(" Keys ").style(theme.label());
    let make = |columns: usize| lines(keymap, columns, theme);
    Popup {
        size: (80, 90),
        title,
        footer: Line::default(),
    }
    .draw(frame, area, make, scroll, theme);
}

fn lines(keymap: &Keymap, columns: usize, theme: Theme) -> Vec<Line<'static>> {
    let help = keymap.help();
    let key_width = help.iter().map(|(keys, _)| width(keys)).max().unwrap_or(0).min(24) + 2;
    let mut out = Vec::new();
    for (keys, command) in help {
        let parts = wrap(command.description(), columns.saturating_sub(key_width + 1));
        for (i, part) in parts.into_iter().enumerate() {
            let keys = if i == 0 {
                pad(&format!(" {keys}"), key_width)
            } else {
                " ".repeat(key_width)
            };
            out.push(Line::from(vec![
                Span::styled(keys, theme.key()),
                Span::raw(format!(" {part}")),
            ]));
        }
    }
    let copy = keymap.key_of(Command::Copy).unwrap_or_else(|| "copy".into());
    let write = keymap.key_of(Command::Write).unwrap_or_else(|| "write".into());
    let notes: [(&str, Vec<String>); 2] = [
        (
            "Copy",
            vec![format!(
                "{copy} puts the fix on the clipboard with OSC 52, which works over SSH and in tmux; \
                 where a terminal ignores OSC 52, {write} writes it to a file in the current folder instead."
            )],
        ),
        (
            "Filter: terms separated by spaces, all must match",
            FILTER.iter().map(|line| line.to_string()).collect(),
        ),
    ];
    for (label, paragraphs) in notes {
        out.push(Line::default());
        out.push(Line::from(Span::styled(format!(" {label}"), theme.label())));
        for text in paragraphs {
            for part in wrap(&text, columns.saturating_sub(2)) {
                out.push(Line::from(format!(" {part}")));
            }
        }
    }
    out
}
