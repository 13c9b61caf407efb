//! The posture view: the clusters in view counted four ways, as horizontal bar charts:
//! by node OS upgrade channel, by Kubernetes minor version, by the age of their oldest
//! node image, and by the months of support their minor has left (LTS's on the LTS
//! plan). `update` counts (`State::posture`) when the view changes; a frame only turns
//! a few dozen numbers into bars.
//!
//! Every bar's label carries its name, its count and its share, so the charts read
//! without colour; with colour, good bars are green and bad ones yellow or red.
//!
//! Below them, the trend of the recorded live reads (the history, read by an effect
//! off the loop): the non-compliant share read to read as a sparkline with its first
//! and last value, and the node OS channel mix of the first read beside the last, so
//! "is the fleet getting better?" is one key away. The trend is the whole fleet's: the
//! history records every read, not the filter.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, Block, Padding, Paragraph};

use super::{Theme, centred_message, pad, truncate, width};
use crate::app::state::State;
use crate::model::Version;
use crate::text::clean;

/// From this width the four charts stand side by side; below it they stand two by two
/// when they fit the height, else stacked when they fit, and side by side anyway when
/// nothing else does.
const SIDE_BY_SIDE: u16 = 128;

/// How a bar's label reads as good or bad.
#[derive(Clone, Copy)]
enum Verdict {
    Good,
    Fair,
    Bad,
}

struct Chart<'a> {
    title: &'static str,
    bars: &'a [(String, u64)],
    verdict: &'a dyn Fn(&str) -> Verdict,
}

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    if area.height == 0 {
        return;
    }
    let in_view = state.summary.clusters;
    let title = Line::from(vec![
        Span::styled("Posture", theme.label()),
        Span::raw(format!(
            " of {in_view} cluster{} in view",
            if in_view == 1 { "" } else { "s" }
        )),
    ]);
    frame.render_widget(Paragraph::new(title), Rect { height: 1, ..area });
    let mut body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    // The trend takes the bottom lines when there is room for the charts above it.
    let trend = trend_lines(state, usize::from(area.width), theme);
    let trend_height = trend.len() as u16;
    if body.height >= trend_height + 6 {
        let rect = Rect {
            y: body.y + body.height - trend_height,
            height: trend_height,
            ..body
        };
        frame.render_widget(Paragraph::new(trend), rect);
        body.height -= trend_height + 1;
    }
    if in_view == 0 {
        let message = if state.loading {
            "Loading the fleet…"
        } else {
            "No clusters in view"
        };
        centred_message(frame, body, vec![Line::from(message)]);
        return;
    }

    let minimum = &state.config.rules.kubernetes_minimum_version;
    let by_minor = |label: &str| minor_verdict(label, minimum);
    let charts = [
        Chart {
            title: "Node OS channel",
            bars: &state.posture.by_channel,
            verdict: &channel_verdict,
        },
        Chart {
            title: "Kubernetes version",
            bars: &state.posture.by_minor,
            verdict: &by_minor,
        },
        Chart {
            title: "Oldest node image",
            bars: &state.posture.by_image_age,
            verdict: &age_verdict,
        },
        Chart {
            title: "Support left",
            bars: &state.posture.by_support_left,
            verdict: &support_verdict,
        },
    ];
    // A chart needs a row per bar inside its box.
    let heights = charts.each_ref().map(|c| c.bars.len() as u16 + 2);
    let tallest = heights.into_iter().max().unwrap_or(0);
    let stacked = heights.iter().sum::<u16>() + 3;
    let two_by_two = heights[0].max(heights[1]) + 1 + heights[2].max(heights[3]);
    let side_by_side = |body: Rect| -> [Rect; 4] {
        // As tall as the longest chart, so short charts do not float in empty boxes.
        Layout::horizontal([Constraint::Fill(1); 4]).spacing(1).areas(Rect {
            height: tallest.min(body.height),
            ..body
        })
    };
    let areas: [Rect; 4] = if body.width >= SIDE_BY_SIDE {
        side_by_side(body)
    } else if two_by_two <= body.height {
        let [top, bottom] = Layout::vertical([
            Constraint::Length(heights[0].max(heights[1])),
            Constraint::Length(heights[2].max(heights[3])),
        ])
        .spacing(1)
        .areas(body);
        let [a, b] = Layout::horizontal([Constraint::Fill(1); 2]).spacing(1).areas(top);
        let [c, d] = Layout::horizontal([Constraint::Fill(1); 2]).spacing(1).areas(bottom);
        [a, b, c, d]
    } else if stacked <= body.height {
        let mut constraints = heights.map(Constraint::Length).to_vec();
        constraints.push(Constraint::Fill(1));
        let rects = Layout::vertical(constraints).spacing(1).split(body);
        [rects[0], rects[1], rects[2], rects[3]]
    } else {
        side_by_side(body)
    };
    for (chart, rect) in charts.iter().zip(areas) {
        draw_chart(frame, rect, chart, theme);
    }
}

/// One chart in a box: a bar per row, labelled `name  count  share`.
fn draw_chart(frame: &mut Frame, area: Rect, chart: &Chart, theme: Theme) {
    let total: u64 = chart.bars.iter().map(|(_, n)| n).sum();
    let names: Vec<String> = chart.bars.iter().map(|(name, _)| clean(name).into_owned()).collect();
    let count_width = chart.bars.iter().map(|(_, n)| n.to_string().len()).max().unwrap_or(1);
    // The name gives way first, so the count and the share always show.
    let room = usize::from(area.width.saturating_sub(4)).saturating_sub(count_width + 7);
    let name_width = names.iter().map(|n| width(n)).max().unwrap_or(0).min(room);
    let bars: Vec<Bar> = chart
        .bars
        .iter()
        .zip(&names)
        .map(|((label, count), name)| {
            let share = (count * 100 + total / 2).checked_div(total).unwrap_or(0);
            let style = match (chart.verdict)(label) {
                Verdict::Good => theme.good(),
                Verdict::Fair => theme.warning(),
                Verdict::Bad => theme.error(),
            };
            let label = Line::from(vec![
                Span::raw(pad(name, name_width)),
                Span::styled(format!(" {count:>count_width$}"), theme.label()),
                Span::styled(format!(" {share:>3}%"), theme.muted()),
            ]);
            // The count is in the label: no value drawn over the bar.
            Bar::default()
                .value(*count)
                .label(label)
                .text_value(String::new())
                .style(style)
        })
        .collect();
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .border_style(theme.border())
        .title(
            Line::from(format!(
                " {} ",
                truncate(chart.title, usize::from(area.width.saturating_sub(4)))
            ))
            .style(theme.label()),
        );
    let widget = BarChart::horizontal(bars)
        .block(block)
        .bar_width(1)
        .bar_gap(0)
        .bar_style(Style::default());
    frame.render_widget(widget, area);
}

/// SecurityPatch and NodeImage patch nodes; the rest leave them unpatched.
fn channel_verdict(label: &str) -> Verdict {
    match label {
        "SecurityPatch" | "NodeImage" => Verdict::Good,
        "None" | "Unspecified" => Verdict::Bad,
        _ => Verdict::Fair,
    }
}

/// Below the minimum's minor fails; the minimum's own minor may be below its patch.
fn minor_verdict(label: &str, minimum: &Version) -> Verdict {
    let Some(version) = Version::parse(label) else {
        return Verdict::Fair;
    };
    match version.minor_key().cmp(&minimum.minor_key()) {
        std::cmp::Ordering::Less => Verdict::Bad,
        std::cmp::Ordering::Equal if minimum.patch > 0 => Verdict::Fair,
        _ => Verdict::Good,
    }
}

/// A month is fine, a quarter is late, older misses months of patches.
fn age_verdict(label: &str) -> Verdict {
    match label {
        "≤7d" | "8-30d" => Verdict::Good,
        "31-60d" | "61-90d" => Verdict::Fair,
        "91-180d" | ">180d" => Verdict::Bad,
        _ => Verdict::Fair,
    }
}

/// Out of support, or under a month left, is urgent; under three months is late.
fn support_verdict(label: &str) -> Verdict {
    match label {
        "out" | "<1 mo" => Verdict::Bad,
        "1-3 mo" | "unknown" => Verdict::Fair,
        _ => Verdict::Good,
    }
}

/// Sparkline characters, lowest first.
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The trend of the recorded reads, as lines: a title, the non-compliant share as a
/// sparkline (one character per read, the latest at the right), the channel mix then
/// and now.
fn trend_lines(state: &State, columns: usize, theme: Theme) -> Vec<Line<'static>> {
    let trend = &state.trend;
    let mut lines = vec![Line::from(Span::styled(
        "Trend of the recorded reads (whole fleet)",
        theme.label(),
    ))];
    if !state.live {
        lines.push(Line::from(Span::styled(
            "  exported files keep no history: the trend is kept for live reads",
            theme.muted(),
        )));
        return lines;
    }
    let points = &trend.points;
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        let text = if trend.loaded {
            "  no read recorded yet: each live read adds one"
        } else {
            "  reading the history…"
        };
        lines.push(Line::from(Span::styled(text, theme.muted())));
        return lines;
    };
    let label = "  non-compliant ";
    let ends = format!(
        " {}% → {}% over {}",
        first.non_compliant_percent(),
        last.non_compliant_percent(),
        crate::text::count(points.len(), "read")
    );
    let room = columns.saturating_sub(label.len() + ends.chars().count()).max(1);
    let shown = &points[points.len().saturating_sub(room)..];
    let spark: String = shown
        .iter()
        .map(|p| SPARKS[(p.non_compliant_percent() * (SPARKS.len() - 1) + 50) / 100])
        .collect();
    let better = last.non_compliant_percent() < first.non_compliant_percent();
    let worse = last.non_compliant_percent() > first.non_compliant_percent();
    let style = if better {
        theme.good()
    } else if worse {
        theme.error()
    } else {
        Style::default()
    };
    lines.push(Line::from(vec![
        Span::raw(label),
        Span::styled(spark, style),
        Span::styled(ends, style),
    ]));
    let mut mix = vec![Span::raw("  node OS ")];
    for (slot, name) in crate::model::NodeOsChannel::SUMMARY.iter().enumerate() {
        let (was, now) = (first.by_channel[slot], last.by_channel[slot]);
        if was == 0 && now == 0 {
            continue;
        }
        if mix.len() > 1 {
            mix.push(Span::styled(" · ", theme.muted()));
        }
        mix.push(Span::raw(format!("{name} {was}→{now}")));
    }
    lines.push(Line::from(mix));
    lines
}
