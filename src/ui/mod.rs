//! The view: draws one frame from the `State`, and nothing else.
//!
//! `draw` is a pure function of the state, the key map and the theme: it never changes
//! the state and never does I/O, so every screen is a snapshot test. The layout is
//! fixed by the terminal size alone (header, body, message line, status line), which is
//! what lets `table_rows` tell `update` the page size before anything is drawn.
//! Overlays are drawn last, over the screen, on a cleared area. Costly work (filtering,
//! sorting, row texts) was done by `update`; the table turns only the rows it shows
//! into widgets, so a fleet of 10,000 clusters draws as fast as one of ten.

mod cluster;
mod errors;
mod fix;
mod header;
mod help;
mod operations;
mod plan;
mod posture;
mod raw;
mod status;
mod subscriptions;
mod table;
mod theme;
mod upgrades;

#[cfg(test)]
mod calendar_tests;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::{Constraint, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::Command;
use crate::app::keymap::Keymap;
use crate::app::state::{Overlay, Screen, State, View};
use crate::text::clean;

pub use theme::Theme;

/// Below this the screens cannot show a useful table; the frame says so instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

/// Lines of the header above the body.
const HEADER_HEIGHT: u16 = 4;
/// The message line and the status line below the body.
const FOOTER_HEIGHT: u16 = 2;

/// The fixed regions of a frame.
struct Areas {
    header: Rect,
    body: Rect,
    message: Rect,
    status: Rect,
}

impl Areas {
    fn of(area: Rect) -> Areas {
        let line = |y: u16| Rect::new(area.x, y, area.width, 1);
        let body_height = area.height.saturating_sub(HEADER_HEIGHT + FOOTER_HEIGHT);
        let bottom = area.y + area.height;
        Areas {
            header: Rect::new(area.x, area.y, area.width, HEADER_HEIGHT.min(area.height)),
            body: Rect::new(area.x, area.y + HEADER_HEIGHT, area.width, body_height),
            message: line(bottom.saturating_sub(2)),
            status: line(bottom.saturating_sub(1)),
        }
    }
}

/// Lines of a view's body above its rows: the title (counts, sort, hidden columns)
/// and the column titles.
const TABLE_CHROME: u16 = 2;

/// How many table rows the fleet screen shows in a terminal of this size: the body
/// less the table's title and header row. The loop sends it as `Action::Resize`; never
/// zero, so page moves always move.
pub fn table_rows(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(HEADER_HEIGHT + FOOTER_HEIGHT + TABLE_CHROME)).max(1)
}

/// Draws the whole frame: header, the screen, the status lines, then the overlay.
pub fn draw(frame: &mut Frame, state: &State, keymap: &Keymap, theme: Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let areas = Areas::of(area);
    header::draw(frame, areas.header, state, keymap, theme);
    match &state.screen {
        Screen::Fleet => match state.view {
            View::Clusters => table::draw(frame, areas.body, state, theme),
            View::Subscriptions => subscriptions::draw(frame, areas.body, state, theme),
            View::Posture => posture::draw(frame, areas.body, state, theme),
            View::Upgrades => upgrades::draw(frame, areas.body, state, theme),
            View::Operations => operations::draw(frame, areas.body, state, keymap, theme),
        },
        Screen::Cluster { id, scroll } => cluster::draw(frame, areas.body, state, id, *scroll, theme),
    }
    status::draw(frame, areas.message, areas.status, state, keymap, theme);
    // One overlay at a time; it always covers the screen, never the other way round.
    match &state.overlay {
        None => {}
        Some(Overlay::Fix(popup)) => fix::draw(frame, area, state, popup, keymap, theme),
        Some(Overlay::Raw {
            id,
            text,
            scroll,
            search,
        }) => raw::draw(
            frame,
            area,
            state,
            keymap,
            id,
            text.as_deref(),
            *scroll,
            search.as_deref(),
            theme,
        ),
        Some(Overlay::Errors { scroll }) => errors::draw(frame, area, state, *scroll, theme),
        Some(Overlay::Plan(popup)) => plan::draw(frame, area, popup, theme),
        Some(Overlay::Quit { running, queued }) => {
            operations::draw_quit(frame, area, *running, *queued, keymap, theme);
        }
        Some(Overlay::Help { scroll, context, .. }) => help::draw(frame, area, keymap, *context, *scroll, theme),
    }
}

fn too_small(frame: &mut Frame, area: Rect) {
    let message = format!(
        "Terminal too small: {}x{}, need at least {MIN_WIDTH}x{MIN_HEIGHT}",
        area.width, area.height
    );
    let lines = wrap(&message, usize::from(area.width));
    let height = (lines.len() as u16).min(area.height);
    let rect = area.centered_vertically(Constraint::Length(height));
    let text: Vec<Line> = lines.into_iter().map(Line::from).collect();
    frame.render_widget(Paragraph::new(text).centered(), rect);
}

/// Display width of text in terminal columns.
fn width(text: &str) -> usize {
    Span::raw(text).width()
}

/// The text cut to `max` columns, ending in `…` when it was cut.
fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if width(text) <= max {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let w = width(c.encode_utf8(&mut buf));
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    if max > 0 {
        out.push('…');
    }
    Cow::Owned(out)
}

/// The text cut to `max` columns in the middle, keeping its start and its end
/// (`Contoso Chec…NonProd`): names that share a start stay told apart.
fn truncate_middle(text: &str, max: usize) -> Cow<'_, str> {
    if width(text) <= max {
        return Cow::Borrowed(text);
    }
    if max < 5 {
        return truncate(text, max);
    }
    let tail_room = (max - 1) / 2;
    let head_room = max - 1 - tail_room;
    let mut buf = [0u8; 4];
    let mut head = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = width(c.encode_utf8(&mut buf));
        if used + w > head_room {
            break;
        }
        head.push(c);
        used += w;
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = width(c.encode_utf8(&mut buf));
        if used + w > tail_room {
            break;
        }
        tail.push(c);
        used += w;
    }
    let tail: String = tail.into_iter().rev().collect();
    Cow::Owned(format!("{head}…{tail}"))
}

/// A path (a resource id, a URL) broken into lines of at most `columns` columns after a
/// `/` where it can be, so no name is cut in two; a part longer than a line is cut.
fn wrap_path(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    // The pieces end just after each `/`.
    for piece in text.split_inclusive('/') {
        if width(&line) + width(piece) > columns && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if width(piece) > columns {
            let mut cut = wrap_code(piece, columns);
            let last = cut.pop().unwrap_or_default();
            lines.extend(cut);
            line = last;
        } else {
            line.push_str(piece);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The text cut or padded with spaces to exactly `columns` columns.
fn pad(text: &str, columns: usize) -> String {
    let cut = truncate(text, columns);
    let fill = columns.saturating_sub(width(&cut));
    format!("{cut}{}", " ".repeat(fill))
}

/// Prose broken into lines of at most `columns` columns, at spaces where it can be;
/// a word longer than a line is cut. Always at least one line.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut buf = [0u8; 4];
    for word in text.split_whitespace() {
        let needed = if line.is_empty() {
            width(word)
        } else {
            width(&line) + 1 + width(word)
        };
        if needed > columns && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        for c in word.chars() {
            let w = width(c.encode_utf8(&mut buf));
            if width(&line) + w > columns && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The lines of a scrolled text of `total` lines shown `height` at a time: the scroll
/// is clamped so the last page stays full, whatever `update` left in the state.
fn visible_range(total: usize, height: usize, scroll: u16) -> Range<usize> {
    let start = usize::from(scroll).min(total.saturating_sub(height));
    start..(start + height).min(total)
}

/// Which rows of a table of `total` rows are on screen, `height` at a time: from
/// `offset`, moved just enough that `selected` is in view even before `update` heard
/// of a new terminal size.
fn window(total: usize, offset: usize, selected: usize, height: usize) -> Range<usize> {
    let mut offset = offset.min(total);
    if height == 0 {
        return offset..offset;
    }
    if selected < offset {
        offset = selected;
    } else if selected >= offset + height {
        offset = selected + 1 - height;
    }
    offset = offset.min(total.saturating_sub(height));
    offset..(offset + height).min(total)
}

/// Untrusted text on one line: line breaks and tabs become spaces (rather than
/// joining words), then control characters go.
fn one_line(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c })
        .collect();
    clean(&spaced).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "12–40 of 120" when the text does not fit, for a popup's bottom border.
fn position(range: &Range<usize>, total: usize) -> Option<String> {
    (range.len() < total).then(|| format!(" {}–{} of {total} ", range.start + 1, range.end))
}

/// "key label · key label" for the commands that are bound; unbound ones are left out,
/// so a hint never names a key that does nothing.
fn hints(keymap: &Keymap, items: &[(Command, &str)], theme: Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (command, label) in items {
        let Some(key) = keymap.key_of(*command) else { continue };
        if !spans.is_empty() {
            spans.push(Span::styled(" · ", theme.muted()));
        }
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {label}")));
    }
    spans
}

/// A centred box `width_percent` of the area wide, as high as its `content` lines
/// need (plus borders) up to `height_percent` of the area.
fn popup_rect(area: Rect, width_percent: u16, height_percent: u16, content: usize) -> Rect {
    let most = u32::from(area.height) * u32::from(height_percent) / 100;
    let height = (content as u32 + 2).min(most) as u16;
    area.centered(Constraint::Percentage(width_percent), Constraint::Length(height))
}

/// The inside of a popup box drawn at `rect`.
fn popup_inner(rect: Rect) -> Rect {
    rect.inner(Margin::new(1, 1))
}

/// Clears `rect` and draws a bordered box with a title and a bottom line on it.
fn popup(frame: &mut Frame, rect: Rect, title: Line<'_>, footer: Line<'_>, position: Option<String>, theme: Theme) {
    frame.render_widget(Clear, rect);
    let mut block = Block::bordered()
        .border_style(theme.border())
        .title(title)
        .title_bottom(footer);
    if let Some(position) = position {
        block = block.title_bottom(Line::from(position).right_aligned());
    }
    frame.render_widget(block, rect);
}

/// A popup's frame: its size in percent of the terminal (the height is the most it may
/// take), its title and its bottom line.
struct Popup<'a> {
    size: (u16, u16),
    title: Line<'a>,
    footer: Line<'a>,
    /// Lines above the text that stay when it scrolls (the fix popup's rules).
    header: Vec<Line<'a>>,
}

/// A popup's text: one entry per text line, each the screen lines it wraps into.
type Wrapped<'t> = Vec<Vec<Line<'t>>>;

impl Popup<'_> {
    /// Draws the popup with its text lines from `scroll` on: `make` gets the inside
    /// width and returns each text line wrapped, and the box grows to fit them. The
    /// position in the bottom border counts text lines (a file written from it has as
    /// many). With a `cursor` (a text line), the view moves to keep it in sight.
    /// Returns the inside of the box and whether it is empty, so the caller can say why.
    fn draw<'t>(
        self,
        frame: &mut Frame,
        area: Rect,
        make: impl FnOnce(usize) -> Wrapped<'t>,
        scroll: u16,
        cursor: Option<usize>,
        theme: Theme,
    ) -> (Rect, bool) {
        let (width, height) = self.size;
        let columns = popup_inner(popup_rect(area, width, height, 0)).width;
        let lines = make(usize::from(columns));
        let screen_lines: usize = lines.iter().map(Vec::len).sum();
        let header_rows = self.header.len();
        // An empty text still gets a few lines, for the message the caller puts there.
        let rect = popup_rect(area, width, height, screen_lines.max(3) + header_rows);
        let whole = popup_inner(rect);
        let header_height = u16::try_from(header_rows).unwrap_or(u16::MAX).min(whole.height);
        let header_area = Rect {
            height: header_height,
            ..whole
        };
        let inner = Rect {
            y: whole.y + header_height,
            height: whole.height - header_height,
            ..whole
        };
        let rows = usize::from(inner.height);
        let (start, end) = text_window(&lines, usize::from(scroll), cursor, rows);
        let position = (start > 0 || end < lines.len())
            .then(|| format!(" {}–{} of {} ", start + 1, end.max(start + 1), lines.len()));
        // The footer's hints give way to the position, so the two never overlap.
        let room = usize::from(rect.width.saturating_sub(2))
            .saturating_sub(position.as_deref().map_or(0, |p| Span::raw(p).width() + 1));
        let footer = fit_line(self.footer, room);
        popup(frame, rect, self.title, footer, position, theme);
        if header_height > 0 {
            frame.render_widget(Paragraph::new(self.header), header_area);
        }
        let empty = lines.is_empty();
        let shown: Vec<Line> = lines.into_iter().skip(start).flatten().take(rows).collect();
        frame.render_widget(Paragraph::new(shown), inner);
        (inner, empty)
    }
}

/// The text lines a popup of `rows` screen lines shows, from `scroll`, moved so the
/// `cursor` line is whole on screen and the last page is full: `start..end`.
fn text_window(lines: &[Vec<Line>], scroll: usize, cursor: Option<usize>, rows: usize) -> (usize, usize) {
    let total = lines.len();
    let fits = |from: usize, to: usize| lines[from..=to].iter().map(Vec::len).sum::<usize>() <= rows;
    // The furthest start that still fills the box.
    let mut last_start = total;
    let mut used = 0;
    while last_start > 0 && used + lines[last_start - 1].len() <= rows {
        last_start -= 1;
        used += lines[last_start].len();
    }
    let mut start = scroll.min(last_start).min(total.saturating_sub(1));
    if let Some(cursor) = cursor.filter(|c| *c < total) {
        if cursor < start {
            start = cursor;
        }
        while start < cursor && !fits(start, cursor) {
            start += 1;
        }
    }
    let mut end = start;
    let mut used = 0;
    while end < total && used + lines[end].len() <= rows {
        used += lines[end].len();
        end += 1;
    }
    // A line longer than the box still shows its beginning.
    if end == start && start < total {
        end = start + 1;
    }
    (start, end)
}

/// A line cut to `columns`, its spans kept (a footer of hints).
fn fit_line(line: Line<'_>, columns: usize) -> Line<'_> {
    if line.width() <= columns {
        return line;
    }
    let mut spans = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let w = span.width();
        if used + w > columns {
            break;
        }
        used += w;
        spans.push(span);
    }
    // Whole hints only: a key without its label (labels start with a space), or a
    // separator left at the end, goes too.
    while let Some(last) = spans.last() {
        if last.content == " · " || !last.content.starts_with(' ') {
            spans.pop();
        } else {
            break;
        }
    }
    Line::from(spans)
}

/// A code or JSON line cut into pieces of `columns` columns, keeping every character
/// (indentation included), so nothing is hidden past the right edge.
fn wrap_code(line: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut pieces = vec![String::new()];
    let mut used = 0;
    let mut buf = [0u8; 4];
    for c in line.chars() {
        let w = width(c.encode_utf8(&mut buf));
        if used + w > columns && used > 0 {
            pieces.push(String::new());
            used = 0;
        }
        if let Some(last) = pieces.last_mut() {
            last.push(c);
        }
        used += w;
    }
    pieces
}

/// A message in the middle of an area (empty table, loading).
fn centred_message(frame: &mut Frame, area: Rect, lines: Vec<Line<'_>>) {
    let height = (lines.len() as u16).min(area.height);
    let rect = area.centered_vertically(Constraint::Length(height));
    frame.render_widget(Paragraph::new(lines).centered().wrap(Wrap { trim: true }), rect);
}
