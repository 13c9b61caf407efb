//! `scan --format csv`: one row per cluster, RFC 4180, safe to open in a spreadsheet.
//!
//! Rows end in CRLF as RFC 4180 asks. A field is quoted when it holds a comma, a
//! quote, CR or LF, and its quotes are doubled. Because the file will be opened in
//! Excel or Sheets, every field is also cleaned of control characters and, when it
//! starts with a character a spreadsheet would read as a formula (`=`, `+`, `-`,
//! `@`, tab, CR), prefixed with a single quote, as OWASP recommends for CSV
//! injection. Errors, skipped objects, insights and events are not rows: use json for
//! those. `support` is the support state of the cluster's minor and `supportEnds` the
//! last day of its support (empty when not worked out). `stale` and `asOf` are JSON's:
//! whether the row is from an earlier read, and when it was read (RFC 3339 UTC; empty
//! for files).

use std::borrow::Cow;
use std::io::{self, Write};

use super::Report;
use crate::text;

const HEADER: [&str; 16] = [
    "id",
    "name",
    "subscriptionId",
    "subscriptionName",
    "resourceGroup",
    "location",
    "kubernetesVersion",
    "upgradeChannel",
    "nodeOsUpgradeChannel",
    "verdict",
    "failingRules",
    "azurePolicyCompliant",
    "support",
    "supportEnds",
    "stale",
    "asOf",
];

pub(super) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    write_row(out, HEADER)?;
    for item in report.assessed {
        let cluster = &item.cluster;
        let failing_rules: Vec<&str> = item.failing().map(|f| f.rule.name()).collect();
        let failing_rules = failing_rules.join(";");
        let support = item.outlook.as_deref().map(|o| &o.support);
        let ends = support
            .and_then(|s| s.ends)
            .map(|e| e.last_day().to_string())
            .unwrap_or_default();
        let as_of = cluster
            .as_of
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default();
        write_row(
            out,
            [
                &cluster.id,
                &cluster.name,
                &cluster.subscription_id,
                optional(&cluster.subscription_name),
                &cluster.resource_group,
                &cluster.location,
                optional(&cluster.kubernetes_version),
                optional(&cluster.upgrade_channel),
                optional(&cluster.node_os_upgrade_channel),
                item.verdict().as_str(),
                &failing_rules,
                if item.policy.compliant { "true" } else { "false" },
                support.map_or("", |s| s.state.as_str()),
                &ends,
                if cluster.stale { "true" } else { "false" },
                &as_of,
            ],
        )?;
    }
    Ok(())
}

fn optional<T: std::ops::Deref<Target = str>>(value: &Option<T>) -> &str {
    value.as_deref().unwrap_or("")
}

fn write_row<const N: usize>(out: &mut dyn Write, fields: [&str; N]) -> io::Result<()> {
    for (i, raw) in fields.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(field(raw).as_bytes())?;
    }
    out.write_all(b"\r\n")
}

/// One untrusted value as a CSV field: cleaned, defused, then quoted if needed.
fn field(raw: &str) -> Cow<'_, str> {
    match text::clean(raw) {
        Cow::Borrowed(clean) => escape(clean),
        Cow::Owned(clean) => Cow::Owned(escape(&clean).into_owned()),
    }
}

/// RFC 4180 quoting plus the formula guard; borrowed when the value needs neither.
fn escape(value: &str) -> Cow<'_, str> {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = value.contains([',', '"', '\r', '\n']);
    if !formula && !quote {
        return Cow::Borrowed(value);
    }
    let mut escaped = String::with_capacity(value.len() + 3);
    if quote {
        escaped.push('"');
    }
    if formula {
        escaped.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            escaped.push('"');
        }
        escaped.push(c);
    }
    if quote {
        escaped.push('"');
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
    fn csv_matches_the_snapshot() {
        insta::assert_snapshot!(render(Format::Csv, Style::default()));
    }

    #[test]
    fn fields_are_quoted_and_defused() {
        let cases = [
            ("aks-prod-1", "aks-prod-1"),
            ("", ""),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("cr\rhere", "\"cr\rhere\""),
            ("=1+1", "'=1+1"),
            ("+SUM(A1)", "'+SUM(A1)"),
            ("-2", "'-2"),
            ("@cmd", "'@cmd"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
            ),
            ("rg(prod).eu", "rg(prod).eu"),
            ("a=b", "a=b"),
        ];
        for (raw, want) in cases {
            assert_eq!(escape(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn control_characters_are_stripped_before_the_guard_looks() {
        let cases = [
            ("aks-\x1b[31mred, \"q\"", "\"aks-[31mred, \"\"q\"\"\""),
            ("\x1b=cmd", "'=cmd"),
            ("\t\r=x", "'=x"),
            ("line\r\nbreak", "linebreak"),
        ];
        for (raw, want) in cases {
            assert_eq!(field(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn stale_and_as_of_are_columns() {
        let text = render(Format::Csv, Style::default());
        let lines: Vec<&str> = text.split_terminator("\r\n").collect();
        assert!(lines[0].ends_with(",stale,asOf"), "{}", lines[0]);
        assert!(lines[1].ends_with(",false,2026-11-26T03:15:00Z"), "{}", lines[1]);
        assert!(lines[2].ends_with(",true,2026-11-25T03:15:00Z"), "{}", lines[2]);
    }

    #[test]
    fn every_row_has_every_column() {
        let text = render(Format::Csv, Style::default());
        let lines: Vec<&str> = text.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 5, "a header and four clusters");
        assert_eq!(lines[0], HEADER.join(","));
        assert!(text.ends_with("\r\n"));
        // The hostile row: its name is one quoted field, cleaned of ESC.
        assert!(lines[4].contains(",\"aks-[31mred, \"\"quoted\"\"\","), "{}", lines[4]);
        assert!(lines[2].contains(",Fail,Azure.AKS.NodeAutoUpgrade;Azure.AKS.AutoUpgrade,false,"));
    }
}
