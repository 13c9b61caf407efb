//! The cluster view: everything aksradar knows about one cluster, as lines scrolled by
//! the screen's `scroll`. Identity, versions, the upgrades its profile offers and
//! channels, the support of its minor (state, end, where it comes from, LTS, a forced
//! upgrade), node pools with their node image age, every finding with its reason, Azure
//! Policy beside PSRule, aksradar's own insights (marked as such: they are no PSRule
//! verdicts), the maintenance windows with when each next opens, its recent scheduled
//! upgrades, and what the latest details read could not get. It only shows what the
//! cluster holds: opening it reads nothing, so a verdict never moves because a cluster
//! was looked at. Times ahead ("in 2 d 4 h") count from the instant its outlook was
//! worked out, as the table's do.
//!
//! Every string from the model goes through `text::clean` here: unlike the table's
//! cells, nothing in the cluster was cleaned before.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::header::format_age;
use super::upgrades::{kind_name, stamp, when};
use super::{Theme, centred_message, pad, position, truncate, visible_range, width, wrap, wrap_path};
use crate::app::state::State;
use crate::filter::Column;
use crate::model::support::{Basis, minor_text};
use crate::model::window::Occurrence;
use crate::model::{Assessed, Atom, DetailPart, EventStatus, InsightKind, Outcome, Outlook, Rule, SupportState};
use crate::text::clean;

/// A cluster's events listed at most; the upgrades view has them all.
const EVENTS_SHOWN: usize = 8;

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

    if let Some(outlook) = item.outlook.as_deref() {
        section(&mut out, "Support", theme);
        support(&mut out, state, item, outlook, columns, theme);
    }

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

    if let Some(outlook) = item.outlook.as_deref() {
        section(&mut out, "Insights (aksradar's own, not PSRule verdicts)", theme);
        insights(&mut out, outlook, columns, theme);
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
            let windows = item
                .outlook
                .as_deref()
                .and_then(|o| o.windows.as_deref())
                .unwrap_or_default();
            for (i, config) in configs.iter().enumerate() {
                let schedule = config.schedule.as_deref().map_or("(no schedule)".into(), |s| clean(s));
                prose(
                    &mut out,
                    2,
                    &format!("{}: {schedule}", clean(&config.name)),
                    plain,
                    columns,
                );
                let (Some(outlook), Some(window)) = (item.outlook.as_deref(), windows.get(i)) else {
                    continue;
                };
                match (&window.next, &window.problem) {
                    (_, Some(problem)) => {
                        let text = format!("its timing cannot be read: {}", clean(problem));
                        prose(&mut out, 4, &text, theme.error(), columns);
                    }
                    (Some(next), None) => prose(&mut out, 4, &next_text(next, outlook.at), plain, columns),
                    (None, None) if config.schedule.as_ref().is_some_and(|s| s.timing.is_some()) => prose(
                        &mut out,
                        4,
                        "next: none opens within six years (its notAllowedDates block every occurrence)",
                        theme.warning(),
                        columns,
                    ),
                    (None, None) => {}
                }
                for flagged in outlook.insights.iter().filter(|i| {
                    i.kind == InsightKind::WindowChanged && i.subject.as_deref() == Some(config.name.as_str())
                }) {
                    let text = format!("⚠ {}", clean(&flagged.message));
                    prose(&mut out, 4, &text, theme.warning(), columns);
                }
            }
        }
    }

    if let Some(outlook) = item.outlook.as_deref() {
        section(&mut out, "Upgrade events (AKS's scheduled events)", theme);
        events(&mut out, state, outlook, columns, theme);
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

/// The support of the cluster's minor: its state, the end that applies, where the state
/// comes from, long-term support, and whether AKS may upgrade it by force.
fn support(
    out: &mut Vec<Line<'static>>,
    state: &State,
    item: &Assessed,
    outlook: &Outlook,
    columns: usize,
    theme: Theme,
) {
    let support = &outlook.support;
    let style = match support.state {
        SupportState::OutOfSupport => theme.error(),
        SupportState::Ending => theme.warning(),
        SupportState::Unknown => theme.outcome(Outcome::Unknown),
        SupportState::Supported | SupportState::Lts => theme.good(),
    };
    let state_text = match support.state {
        SupportState::Supported => "supported",
        SupportState::Lts => "on long-term support (LTS)",
        SupportState::Ending => "ending: support ends within the warning period",
        SupportState::OutOfSupport => "out of support",
        SupportState::Unknown => "unknown",
    };
    field(out, "state", state_text, style, columns);
    prose(out, LABEL, &clean(&support.reason), Style::default(), columns);
    if let Some(ends) = support.ends {
        let exact = if ends.is_exact() {
            String::new()
        } else {
            format!(" (announced for {}: its last day)", ends.human())
        };
        let left = match support.days_left {
            Some(days) if days < 0 => format!(", {} days ago", -days),
            Some(days) => format!(", in {days} days"),
            None => String::new(),
        };
        field(
            out,
            "ends",
            &format!("{}{exact}{left}", ends.last_day()),
            Style::default(),
            columns,
        );
    }
    let minor = item.cluster.version().map(|v| v.minor_key());
    let entry = minor.and_then(|m| state.calendar.get(m));
    let source = match support.basis {
        Some(Basis::Region) => format!(
            "the Kubernetes versions {} offers (read with the details)",
            clean(&item.cluster.location)
        ),
        Some(Basis::Config) => match minor {
            Some(minor) => format!("config's [support.\"{}\"]", minor_text(minor)),
            None => "config's [support]".to_string(),
        },
        Some(Basis::Calendar) => match entry.and_then(|e| state.calendar.sources.get(&e.source)) {
            Some(page) => format!("aksradar's support calendar, read {} from", page.read),
            None => "aksradar's support calendar".to_string(),
        },
        None => "none: neither the calendar nor the region knows this minor".to_string(),
    };
    field(out, "source", &source, Style::default(), columns);
    if support.basis == Some(Basis::Calendar)
        && let Some(page) = entry.and_then(|e| state.calendar.sources.get(&e.source))
    {
        // The page's address breaks after a `/`, never inside a name.
        for part in wrap_path(&clean(&page.page), columns.saturating_sub(LABEL)) {
            out.push(Line::from(format!("{}{part}", " ".repeat(LABEL))));
        }
        if let Some(revision) = &page.revision {
            prose(out, LABEL, &format!("({})", clean(revision)), theme.muted(), columns);
        }
    }
    let c = &item.cluster;
    let on_plan = c
        .support_plan
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("AKSLongTermSupport"));
    let premium = c.sku_tier.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("Premium"));
    let lts_end = entry.and_then(|e| e.lts_end);
    let lts = match (on_plan, premium, lts_end) {
        (true, true, Some(end)) => format!("on the AKSLongTermSupport plan (Premium tier), until {}", end.human()),
        (true, true, None) => "on the AKSLongTermSupport plan (Premium tier); the calendar has no LTS end".to_string(),
        (true, false, _) => {
            "on the AKSLongTermSupport plan, which needs the Premium tier: standard support applies".to_string()
        }
        (false, _, Some(end)) => format!(
            "not on it; long-term support for this minor runs until {} (AKSLongTermSupport plan, Premium tier)",
            end.human()
        ),
        (false, _, None) => "not on it; the calendar has no long-term support for this minor".to_string(),
    };
    field(out, "LTS", &lts, Style::default(), columns);
    let (forced, style) = if support.forced_upgrade {
        (
            "yes: out of support and below the oldest minor its region offers; AKS may upgrade it",
            theme.error(),
        )
    } else {
        ("no", Style::default())
    };
    field(out, "forced upgrade", forced, style, columns);
}

/// `next: Sun 30 Nov 00:00–04:00 UTC, in 2 d 4 h`, with the window's own times when its
/// offset is not UTC; `open now` while it is under way.
fn next_text(next: &Occurrence, at: time::OffsetDateTime) -> String {
    let utc = Occurrence {
        offset: time::UtcOffset::UTC,
        ..*next
    };
    let local = if next.offset == time::UtcOffset::UTC {
        String::new()
    } else {
        format!(" ({next})")
    };
    if next.start <= at {
        format!(
            "open now: {utc}{local}, closes in {}",
            crate::text::span((next.end - at).whole_seconds())
        )
    } else {
        format!(
            "next: {utc}{local}, in {}",
            crate::text::span((next.start - at).whole_seconds())
        )
    }
}

/// aksradar's own insights, each with what to do.
fn insights(out: &mut Vec<Line<'static>>, outlook: &Outlook, columns: usize, theme: Theme) {
    if outlook.insights.is_empty() {
        field(out, "", "none", theme.muted(), columns);
        return;
    }
    const KIND: usize = 17;
    for insight in &outlook.insights {
        let style = match insight.kind {
            InsightKind::OutOfSupport | InsightKind::ForcedUpgrade | InsightKind::FailedUpgrade => theme.error(),
            _ => theme.warning(),
        };
        for (i, part) in wrap(&clean(&insight.message), columns.saturating_sub(2 + KIND))
            .into_iter()
            .enumerate()
        {
            let kind = if i == 0 {
                Span::styled(pad(insight.kind.as_str(), KIND), style)
            } else {
                Span::raw(" ".repeat(KIND))
            };
            out.push(Line::from(vec![Span::raw("  "), kind, Span::raw(part)]));
        }
    }
}

/// The cluster's scheduled upgrade events: those ahead (the soonest first), then those
/// past (the latest first).
fn events(out: &mut Vec<Line<'static>>, state: &State, outlook: &Outlook, columns: usize, theme: Theme) {
    let Some(events) = outlook.events.as_deref() else {
        let text = if state.errors.iter().any(crate::model::SourceError::is_events) {
            "could not be read (the read errors say why)"
        } else if state.live {
            "not read yet"
        } else {
            "none in the data (a Resource Graph export of the events adds them)"
        };
        field(out, "", text, theme.muted(), columns);
        return;
    };
    if events.is_empty() {
        let text = "none: AKS schedules them where an auto-upgrade channel and its maintenance window are set";
        field(out, "", text, theme.muted(), columns);
        return;
    }
    // What is ahead first (the soonest first), then what happened (the latest first).
    let mut ordered: Vec<&crate::model::UpgradeEvent> = events.iter().collect();
    ordered.sort_by_key(|e| match e.due().map(|t| t.unix_timestamp()) {
        Some(t) if t > outlook.at.unix_timestamp() => (0, t),
        Some(t) => (1, -t),
        None => (2, 0),
    });
    for event in ordered.into_iter().take(EVENTS_SHOWN) {
        let style = super::upgrades::status_style(&event.status, theme);
        let mut times = Vec::new();
        for (label, time) in [
            ("scheduled", event.scheduled),
            ("started", event.started),
            ("updated", event.updated),
        ] {
            if let Some(time) = time {
                times.push(format!("{label} {}", stamp(time)));
            }
        }
        let text = format!(
            "{} ({}) {}",
            kind_name(&event.kind),
            when(event, outlook.at),
            times.join(" · ")
        );
        let mut parts = wrap(&text, columns.saturating_sub(2 + 11)).into_iter();
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(pad(&clean(event.status.as_str()), 11), style),
            Span::raw(parts.next().unwrap_or_default()),
        ]));
        for part in parts {
            out.push(Line::from(format!("{}{part}", " ".repeat(13))));
        }
        if let Some(details) = event.details.as_deref().filter(|_| event.status == EventStatus::Failed) {
            prose(out, 13, &clean(details), theme.error(), columns);
        }
    }
    if events.len() > EVENTS_SHOWN {
        let more = format!(
            "and {} more (the upgrades view lists every event)",
            crate::text::count(events.len() - EVENTS_SHOWN, "earlier event")
        );
        field(out, "", &more, theme.muted(), columns);
    }
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
