//! `scan --format markdown`: a report to paste into an issue, a wiki or a PR comment:
//! the summary, a row per cluster (with the support of its minor), the failing
//! findings, aksradar's own upgrade insights apart from them, and the read errors.
//!
//! Untrusted text is cleaned of control characters and its Markdown punctuation is
//! escaped, so a cluster name or reason can neither break the table (`|`), open
//! code spans, links or emphasis, nor inject HTML (`<`) where the Markdown renders.

use std::borrow::Cow;
use std::io::{self, Write};

use super::Report;
use crate::model::{Assessed, Summary};
use crate::text;

pub(super) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let summary = Summary::of(report.assessed);
    writeln!(out, "# aksradar scan")?;
    writeln!(out)?;
    write_summary(report, &summary, out)?;

    if !report.assessed.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "| Cluster | Subscription | Resource group | Location | Kubernetes | Support | Upgrade channel | Node OS channel | Verdict | Azure Policy | Stale | As of |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|")?;
        for item in report.assessed {
            write_row(item, out)?;
        }
    }

    if summary.failing_findings > 0 {
        writeln!(out)?;
        writeln!(out, "## Failing findings")?;
        writeln!(out)?;
        for item in report.assessed {
            let cluster = &item.cluster;
            for finding in item.failing() {
                writeln!(
                    out,
                    "- **{}** ({}) — {} ({}) — {}",
                    escape(&cluster.name),
                    escape(&cluster.resource_group),
                    finding.rule.name(),
                    finding.rule.reference(),
                    escape(&finding.reason),
                )?;
            }
        }
    }

    let mut insights = crate::calendar::insights(report.assessed).peekable();
    if insights.peek().is_some() {
        writeln!(out)?;
        writeln!(out, "## Upgrade insights")?;
        writeln!(out)?;
        writeln!(out, "aksradar's own, not PSRule findings: they change no verdict.")?;
        writeln!(out)?;
        for (cluster, insight) in insights {
            writeln!(
                out,
                "- **{}** — {} — {}",
                escape(&cluster.name),
                insight.kind,
                escape(&insight.message),
            )?;
        }
    }

    if !report.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Errors")?;
        writeln!(out)?;
        for error in report.errors {
            writeln!(
                out,
                "- {} — {} — {}",
                escape(error.subscription_id.as_deref().unwrap_or("(no subscription)")),
                escape(error.code.as_deref().unwrap_or("(no code)")),
                escape(&error.message),
            )?;
        }
    }
    Ok(())
}

fn write_summary(report: &Report<'_>, summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    let share = summary
        .non_compliant_percent()
        .map(|p| format!(" ({p}%)"))
        .unwrap_or_default();
    writeln!(out, "- Clusters: {}", summary.clusters)?;
    writeln!(
        out,
        "- Non-compliant (any failing finding): {}{share}",
        summary.non_compliant
    )?;
    writeln!(
        out,
        "- Unknown (nothing fails, but a rule's data was not read): {}",
        summary.unknown
    )?;
    let mut channels: Vec<String> = summary.channels().map(|(name, n)| format!("{name} {n}")).collect();
    if summary.other_channel() > 0 {
        channels.push(format!("other values {}", summary.other_channel()));
    }
    writeln!(out, "- Node OS upgrade channel: {}", channels.join(", "))?;
    writeln!(
        out,
        "- Below the minimum Kubernetes version {}: {}",
        report.minimum_version, summary.below_minimum
    )?;
    writeln!(out, "- Failing findings: {}", summary.failing_findings)?;
    writeln!(out, "- Objects skipped (not clusters): {}", report.skipped)?;
    if report.duplicates > 0 {
        writeln!(
            out,
            "- Clusters read again with an id read before (the later copy is listed): {}",
            report.duplicates
        )?;
    }
    writeln!(out, "- Read errors: {}", report.errors.len())
}

fn write_row(item: &Assessed, out: &mut dyn Write) -> io::Result<()> {
    let cluster = &item.cluster;
    let or_dash = |value: &Option<crate::model::Atom>| escape(value.as_deref().unwrap_or("-")).into_owned();
    let policy = if item.policy.compliant {
        "compliant"
    } else {
        "non-compliant"
    };
    let support = item
        .outlook
        .as_deref()
        .map_or_else(|| "-".to_string(), |o| o.support.label());
    let as_of = cluster
        .as_of
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| "-".to_string());
    // The same marker the dashboard and the scan table put after the verdict.
    let verdict = if cluster.stale {
        format!("{} (stale)", item.verdict_label())
    } else {
        item.verdict_label()
    };
    writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        escape(&cluster.name),
        escape(cluster.subscription_label()),
        escape(&cluster.resource_group),
        escape(&cluster.location),
        or_dash(&cluster.kubernetes_version),
        escape(&support),
        escape(cluster.upgrade_channel().as_str()),
        escape(cluster.node_os_channel().as_str()),
        verdict,
        policy,
        if cluster.stale { "stale" } else { "-" },
        as_of,
    )
}

/// Clean text with Markdown's active punctuation backslash-escaped; an empty value
/// becomes `-` so a cell never collapses.
fn escape(raw: &str) -> Cow<'_, str> {
    const ACTIVE: [char; 10] = ['\\', '`', '|', '*', '_', '[', ']', '<', '>', '#'];
    if raw.is_empty() {
        return Cow::Borrowed("-");
    }
    let clean = text::clean(raw);
    if !clean.contains(ACTIVE) {
        return clean;
    }
    let mut escaped = String::with_capacity(clean.len() + 8);
    for c in clean.chars() {
        if ACTIVE.contains(&c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    Cow::Owned(escaped)
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::tests::render;
    use super::*;
    use crate::report::Style;

    #[test]
    fn markdown_matches_the_snapshot() {
        insta::assert_snapshot!(render(Format::Markdown, Style::default()));
    }

    #[test]
    fn a_stale_row_is_marked_and_every_row_says_when_it_was_read() {
        let text = render(Format::Markdown, Style::default());
        assert!(text.contains("| Verdict | Azure Policy | Stale | As of |"), "{text}");
        let legacy = text
            .lines()
            .find(|l| l.starts_with("| aks-legacy "))
            .expect("the stale row");
        assert!(
            legacy.contains("| Fail (2) (stale) | non-compliant | stale | 2026-11-25T03:15:00Z |"),
            "{legacy}"
        );
    }

    #[test]
    fn cells_cannot_break_the_table_or_inject_markup() {
        let cases = [
            ("aks-prod-1", "aks-prod-1"),
            ("", "-"),
            ("a|b", "a\\|b"),
            ("`code`", "\\`code\\`"),
            ("<img src=x>", "\\<img src=x\\>"),
            ("[link](http://x)", "\\[link\\](http://x)"),
            ("snake_case*bold*", "snake\\_case\\*bold\\*"),
            ("back\\slash", "back\\\\slash"),
            ("red\x1b[31m|x", "red\\[31m\\|x"),
            ("two\nlines", "twolines"),
        ];
        for (raw, want) in cases {
            assert_eq!(escape(raw), want, "{raw:?}");
        }
    }
}
