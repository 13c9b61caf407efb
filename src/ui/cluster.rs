//! The cluster view: everything aksradar knows about one cluster, as lines scrolled by
//! the screen's `scroll`. Identity, versions, the upgrades its profile offers and
//! channels, node pools with their node image age, every finding with its reason, Azure
//! Policy beside PSRule, maintenance windows, and what the latest details read could not
//! get. It only shows what the cluster holds: opening it reads nothing, so a verdict
//! never moves because a cluster was looked at.
//!
//! Every string from the model goes through `text::clean` here: unlike the table's
//! cells, nothing in the cluster was cleaned before.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::header::format_age;
use super::{Theme, centred_message, pad, position, truncate, visible_range, width, wrap, wrap_path};
use crate::app::state::State;
use crate::filter::Column;
use crate::model::{Assessed, Atom, DetailPart, Outcome, Rule};
use crate::text::clean;

/// Width of the label column of `field` lines, indent included.
const LABEL: usize = 20;

pub(super) fn draw(frame: &mut Frame, area: Rect, state: &State, id: &str, scroll: u16, theme: Theme) {
    let Some(index) = state.find(id) else {
        centred_message(frame, area, vec![Line::from("This cluster is no longer in the fleet.")]);
        return;
    };
    let item = &state.fleet[index];
    let body = lines(state, item, usize::from(area.width), theme);
    let title_area = Rect {
        height: area.height.min(1),
        ..area
    };
    let body_area = Rect {
        y: area.y + title_area.height,
        height: area.height.saturating_sub(1),
        ..area
    };
    let range = visible_range(body.len(), usize::from(body_area.height), scroll);

    let verdict = state.rows.get(index).map_or_else(
        || item.verdict().to_string(),
        |row| row.cells[Column::Verdict].to_string(),
    );
    let mut title = vec![
        Span::styled(truncate(&clean(&item.cluster.name), 60).into_owned(), theme.label()),
        Span::raw("  "),
        Span::styled(verdict, theme.outcome(item.verdict())),
    ];
    if item.cluster.stale {
        title.push(Span::styled(" (stale: from an earlier read)", theme.stale()));
    }
    frame.render_widget(Paragraph::new(Line::from(title)), title_area);
    if let Some(position) = position(&range, body.len()) {
        frame.render_widget(Paragraph::new(Line::from(position).right_aligned()), title_area);
    }
    let shown: Vec<Line> = body.into_iter().skip(range.start).take(range.len()).collect();
    frame.render_widget(Paragraph::new(shown), body_area);
}

/// A label and its value, the value wrapped under itself when it is long.
fn field(out: &mut Vec<Line<'static>>, label: &str, value: &str, style: Style, columns: usize) {
    for (i, part) in wrap(value, columns.saturating_sub(LABEL)).into_iter().enumerate() {
        let label = if i == 0 {
            pad(&format!("  {label}"), LABEL)
        } else {
            " ".repeat(LABEL)
        };
        out.push(Line::from(vec![Span::raw(label), Span::styled(part, style)]));
    }
}

/// Text wrapped at `indent` columns from the left.
fn prose(out: &mut Vec<Line<'static>>, indent: usize, text: &str, style: Style, columns: usize) {
    for part in wrap(text, columns.saturating_sub(indent)) {
        out.push(Line::from(vec![
            Span::raw(" ".repeat(indent)),
            Span::styled(part, style),
        ]));
    }
}

fn section(out: &mut Vec<Line<'static>>, title: &str, theme: Theme) {
    out.push(Line::default());
    out.push(Line::from(Span::styled(title.to_string(), theme.label())));
}

fn or_dash(value: &Option<Atom>) -> String {
    value
        .as_deref()
        .map_or_else(|| "-".to_string(), |v| clean(v).into_owned())
}

fn lines(state: &State, item: &Assessed, columns: usize, theme: Theme) -> Vec<Line<'static>> {
    let c = &item.cluster;
    // Its details are being read now: a refresh runs, and it has none from before.
    let loading = state.refresh.running && c.details.is_none() && !c.stale;
    let failure = |part| c.details.as_deref().and_then(|d| d.failure(part));
    let ago = |time: time::OffsetDateTime| format!("{} ago", format_age(state.now - time));
    let mut out = Vec::new();
    let plain = Style::default();

    out.push(Line::from(Span::styled("Identity", theme.label())));
    let subscription = match &c.subscription_name {
        Some(name) => format!("{} ({})", clean(name), clean(&c.subscription_id)),
        None => clean(&c.subscription_id).into_owned(),
    };
    field(&mut out, "subscription", &subscription, plain, columns);
    field(&mut out, "resource group", &clean(&c.resource_group), plain, columns);
    field(&mut out, "location", &clean(&c.location), plain, columns);
    // An id breaks after a `/`, never inside a name; `y` copies it whole.
    for (i, part) in wrap_path(&clean(&c.id), columns.saturating_sub(LABEL))
        .into_iter()
        .enumerate()
    {
        let label = if i == 0 {
            pad("  id (y copies)", LABEL)
        } else {
            " ".repeat(LABEL)
        };
        out.push(Line::from(vec![Span::raw(label), Span::raw(part)]));
    }

    section(&mut out, "Versions and channels", theme);
    let minimum = &state.config.rules.kubernetes_minimum_version;
    let below = item.below_minimum();
    let mut version = format!(
        "{} (running {})",
        or_dash(&c.kubernetes_version),
        or_dash(&c.current_kubernetes_version)
    );
    if below {
        version.push_str(&format!(", below the minimum {minimum}"));
    }
    field(
        &mut out,
        "kubernetes",
        &version,
        if below { theme.warning() } else { plain },
        columns,
    );
    match c.version_supported_in_region {
        Some(true) => field(
            &mut out,
            "in region",
            "this minor version is offered in this location",
            theme.good(),
            columns,
        ),
        Some(false) => field(
            &mut out,
            "in region",
            "this minor version is no longer offered in this location",
            theme.error(),
            columns,
        ),
        None if loading => field(&mut out, "in region", "being read…", theme.muted(), columns),
        None => {}
    }
    match (&c.upgrades, failure(DetailPart::UpgradeProfile)) {
        (_, Some(failed)) => field(
            &mut out,
            "upgrades",
            &format!(
                "could not be read ({}: {}){}",
                clean(&failed.code),
                clean(&failed.message),
                match (&c.upgrades, failed.kept_from) {
                    (Some(versions), Some(from)) if !versions.is_empty() => {
                        format!("; {} read {} (stale)", clean(&versions.join(", ")), ago(from))
                    }
                    _ => String::new(),
                }
            ),
            theme.error(),
            columns,
        ),
        (Some(versions), None) if versions.is_empty() => {
            field(&mut out, "upgrades", "none offered in this region now", plain, columns)
        }
        (Some(versions), None) => field(
            &mut out,
            "upgrades",
            &format!("{} (az aks get-upgrades)", clean(&versions.join(", "))),
            plain,
            columns,
        ),
        (None, None) if loading => field(&mut out, "upgrades", "being read…", theme.muted(), columns),
        (None, None) if state.live => field(&mut out, "upgrades", "not read", theme.muted(), columns),
        (None, None) => {}
    }
    let raw = |value: &Option<Atom>| match value {
        Some(v) => format!(" (set to `{}`)", clean(v)),
        None => " (not set)".to_string(),
    };
    let upgrade = format!("{}{}", c.upgrade_channel(), raw(&c.upgrade_channel));
    field(&mut out, "upgrade channel", &clean(&upgrade), plain, columns);
    let node_os = c.node_os_channel();
    let node_style = if node_os.patches_automatically() {
        theme.good()
    } else {
        theme.warning()
    };
    let node_os = format!("{node_os}{}", raw(&c.node_os_upgrade_channel));
    field(&mut out, "node OS channel", &clean(&node_os), node_style, columns);
    let states = format!(
        "provisioning {} · power {}",
        or_dash(&c.provisioning_state),
        or_dash(&c.power_state)
    );
    field(&mut out, "state", &states, plain, columns);
    let mut sku = format!("tier {} · name {}", or_dash(&c.sku_tier), or_dash(&c.sku_name));
    if let Some(plan) = &c.support_plan {
        sku.push_str(&format!(" · support plan {}", clean(plan)));
    }
    field(&mut out, "SKU", &sku, plain, columns);
    let tags = if c.tags.is_empty() {
        "-".to_string()
    } else {
        c.tags
            .iter()
            .map(|(k, v)| format!("{}={}", clean(k), clean(v)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    field(&mut out, "tags", &tags, plain, columns);

    section(&mut out, &format!("Node pools ({})", c.pools.len()), theme);
    pools(&mut out, state, item, loading, columns, theme);

    section(&mut out, "Findings", theme);
    findings(&mut out, item, loading, columns, theme);

    section(&mut out, "Azure Policy 04408ca5 beside PSRule", theme);
    let policy_style = if item.policy.compliant {
        theme.good()
    } else {
        theme.error()
    };
    field(
        &mut out,
        "Azure Policy",
        &clean(&item.policy.reason),
        policy_style,
        columns,
    );
    let psrule = item.outcome_of(Rule::NodeAutoUpgrade);
    let text = psrule.map_or("not evaluated (rule disabled)".to_string(), |o| {
        format!("NodeAutoUpgrade {o}")
    });
    field(
        &mut out,
        "PSRule",
        &text,
        psrule.map_or(plain, |o| theme.outcome(o)),
        columns,
    );
    if psrule.is_some_and(|o| (o == Outcome::Pass) != item.policy.compliant && o != Outcome::Waived) {
        field(
            &mut out,
            "",
            "The two disagree: see the reasons above.",
            theme.warning(),
            columns,
        );
    }

    section(&mut out, "Maintenance windows", theme);
    if let Some(failed) = failure(DetailPart::Maintenance) {
        let text = format!("could not be read: {}: {}", clean(&failed.code), clean(&failed.message));
        field(&mut out, "", &text, theme.error(), columns);
        if let (Some(from), Some(_)) = (failed.kept_from, &c.maintenance) {
            let text = format!("what a read {} found (stale, not judged):", ago(from));
            field(&mut out, "", &text, theme.stale(), columns);
        }
    }
    match (&c.maintenance, loading) {
        (None, true) => field(&mut out, "", "being read…", theme.muted(), columns),
        (None, false) if failure(DetailPart::Maintenance).is_some() => {}
        (None, false) => field(&mut out, "", "not read", theme.muted(), columns),
        (Some(configs), _) if configs.is_empty() => field(&mut out, "", "none configured", theme.warning(), columns),
        (Some(configs), _) => {
            for config in configs {
                let schedule = config.schedule.as_deref().map_or("(no schedule)".into(), |s| clean(s));
                prose(
                    &mut out,
                    2,
                    &format!("{}: {schedule}", clean(&config.name)),
                    plain,
                    columns,
                );
            }
        }
    }

    if let Some(read) = c.details.as_deref() {
        let when = format!("read {}", ago(read.as_of));
        let text = if read.failed.is_empty() {
            format!("{when}, every part")
        } else {
            format!("{when}, {} could not be", crate::text::count(read.failed.len(), "part"))
        };
        section(&mut out, "Details", theme);
        field(&mut out, "details", &text, plain, columns);
        for failed in &read.failed {
            let kept = match failed.kept_from {
                Some(from) => format!(" The value shown is from a read {} (stale).", ago(from)),
                None => String::new(),
            };
            prose(
                &mut out,
                2,
                &format!(
                    "[{}] {}: {}.{kept}",
                    clean(&failed.code),
                    capitalise(failed.part.label()),
                    clean(&failed.message).trim_end_matches('.')
                ),
                theme.error(),
                columns,
            );
        }
    }
    out
}

/// `The ...` for a label that starts a sentence.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn pools(out: &mut Vec<Line<'static>>, state: &State, item: &Assessed, loading: bool, columns: usize, theme: Theme) {
    let today = state.now.date();
    let header = [
        "NAME",
        "MODE",
        "OS",
        "K8S",
        "NODES",
        "NODE IMAGE",
        "AGE",
        "LATEST IMAGE",
    ];
    let mut rows: Vec<([String; 8], Style, Option<String>)> = Vec::new();
    for pool in &item.cluster.pools {
        let os = match (&pool.os_type, &pool.os_sku) {
            (Some(t), Some(s)) => format!("{}/{}", clean(t), clean(s)),
            (Some(v), None) | (None, Some(v)) => clean(v).into_owned(),
            (None, None) => "-".to_string(),
        };
        let age = pool
            .node_image_date()
            .map_or("-".to_string(), |d| format!("{}d", (today - d).whole_days()));
        let (latest, style, newer) = match (&pool.latest_node_image_version, &pool.node_image_version) {
            (Some(latest), Some(current)) if latest.eq_ignore_ascii_case(current) => {
                ("up to date".to_string(), theme.good(), None)
            }
            (Some(latest), _) => (
                "newer available".to_string(),
                theme.warning(),
                Some(clean(latest).into_owned()),
            ),
            (None, _) if loading => ("being read…".to_string(), theme.muted(), None),
            (None, _) => ("not read".to_string(), theme.muted(), None),
        };
        let count = pool.count.map_or("-".to_string(), |n| n.to_string());
        let cells = [
            clean(&pool.name).into_owned(),
            or_dash(&pool.mode),
            os,
            or_dash(&pool.orchestrator_version),
            count,
            or_dash(&pool.node_image_version),
            age,
            latest,
        ];
        rows.push((cells, style, newer));
    }
    if rows.is_empty() {
        field(out, "", "no node pools in the data", theme.muted(), columns);
        return;
    }
    let limits = [16, 8, 20, 10, 5, 50, 6, 15];
    let mut widths: Vec<usize> = (0..8)
        .map(|i| {
            rows.iter()
                .map(|r| width(&r.0[i]))
                .chain([width(header[i])])
                .max()
                .unwrap_or(0)
                .min(limits[i])
        })
        .collect();
    // The image name takes what the other columns leave.
    let others: usize = widths
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 5)
        .map(|(_, w)| w + 2)
        .sum::<usize>()
        + 2;
    widths[5] = widths[5].min(columns.saturating_sub(others)).max(10);
    let line = |cells: &[String; 8], style: Style, header: bool| {
        let mut spans = vec![Span::raw("  ")];
        for (i, cell) in cells.iter().enumerate() {
            let text = pad(cell, widths[i]);
            let cell_style = if header {
                theme.table_header()
            } else if i == 7 {
                style
            } else {
                Style::default()
            };
            spans.push(Span::styled(text, cell_style));
            spans.push(Span::raw("  "));
        }
        Line::from(spans)
    };
    out.push(line(&header.map(String::from), Style::default(), true));
    for (cells, style, newer) in &rows {
        out.push(line(cells, *style, false));
        if let Some(newer) = newer {
            field(
                out,
                "",
                &format!("↳ newest node image: {newer}"),
                theme.warning(),
                columns,
            );
        }
    }
}

/// The findings with their reasons. An Unknown MaintenanceWindow finding whose
/// configurations are being read says so.
fn findings(out: &mut Vec<Line<'static>>, item: &Assessed, loading: bool, columns: usize, theme: Theme) {
    if item.findings.is_empty() {
        field(out, "", "no rules evaluated", theme.muted(), columns);
        return;
    }
    // "  Outcome  Rule              reason…", the reason wrapped under itself.
    const OUTCOME: usize = 9;
    const RULE: usize = 19;
    let indent = 2 + OUTCOME + RULE;
    for finding in &item.findings {
        let unknown_window = finding.rule == Rule::MaintenanceWindow && finding.outcome == Outcome::Unknown;
        let reason = if unknown_window && loading {
            "The maintenance configurations are being read with the rest of the fleet's details…".to_string()
        } else {
            clean(&finding.reason).into_owned()
        };
        let reason = wrap(&reason, columns.saturating_sub(indent));
        for (i, part) in reason.into_iter().enumerate() {
            let mut spans = vec![Span::raw("  ")];
            if i == 0 {
                spans.push(Span::styled(
                    pad(finding.outcome.as_str(), OUTCOME),
                    theme.outcome(finding.outcome),
                ));
                spans.push(Span::raw(pad(finding.rule.short_name(), RULE)));
            } else {
                spans.push(Span::raw(" ".repeat(OUTCOME + RULE)));
            }
            spans.push(Span::raw(part));
            out.push(Line::from(spans));
        }
        if let Some(waiver) = &finding.waiver {
            let text = format!("waiver: {}", clean(waiver));
            prose(out, indent, &text, theme.outcome(Outcome::Waived), columns);
        }
    }
}
