//! The `:` command line: the key map's commands by name (`:refresh`, `:mark-all`), and
//! a few that take an argument: `:sort COLUMN [asc|desc]`, `:view NAME`, `:export
//! json|csv`, `:fix [FORMAT]`, `:filter TEXT`. Parsing and completion are pure.

use super::Command;
use super::state::View;
use crate::filter::{Column, Completion};
use crate::remediate;

/// A command line, understood.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Command(Command),
    /// Sort by a column; `None` keeps the column's usual direction.
    Sort(Column, Option<bool>),
    View(View),
    Fix(remediate::Format),
    Filter(String),
}

/// The names that take an argument, with what they take.
const WITH_ARGUMENTS: [(&str, &str); 5] = [
    ("sort", "a column"),
    ("view", "clusters, subscriptions, posture, upgrades or operations"),
    ("export", "json or csv"),
    ("fix", "a format"),
    ("filter", "a filter"),
];

fn format_name(format: remediate::Format) -> &'static str {
    match format {
        remediate::Format::Cli => "cli",
        remediate::Format::Bicep => "bicep",
        remediate::Format::Arm => "arm",
        remediate::Format::Policy => "policy",
        remediate::Format::Terraform => "terraform",
    }
}

/// Reads a command line (without the `:`).
pub fn parse(text: &str) -> Result<Line, String> {
    let text = text.trim();
    let (name, rest) = match text.split_once(char::is_whitespace) {
        Some((name, rest)) => (name, rest.trim()),
        None => (text, ""),
    };
    let name = name.to_ascii_lowercase();
    let words: Vec<&str> = rest.split_whitespace().collect();
    match name.as_str() {
        "" => Err("type a command, e.g. :sort version (Tab completes)".into()),
        "sort" => {
            let Some(column) = words.first() else {
                return Err(format!("`sort` needs a column: {}", column_names()));
            };
            let column = Column::by_name(column)
                .ok_or_else(|| format!("`{column}` is not a column; columns: {}", column_names()))?;
            let descending = match words.get(1).map(|w| w.to_ascii_lowercase()).as_deref() {
                None => None,
                Some("asc") => Some(false),
                Some("desc") => Some(true),
                Some(other) => return Err(format!("`{other}`: write asc or desc after the column")),
            };
            Ok(Line::Sort(column, descending))
        }
        "view" => {
            let wanted = words.first().copied().unwrap_or_default();
            View::ALL
                .into_iter()
                .find(|v| v.name().eq_ignore_ascii_case(wanted))
                .map(Line::View)
                .ok_or_else(|| format!("`view` takes clusters, subscriptions, posture or upgrades, not `{wanted}`"))
        }
        "export" => match words.first().map(|w| w.to_ascii_lowercase()).as_deref() {
            Some("json") => Ok(Line::Command(Command::ExportJson)),
            Some("csv") => Ok(Line::Command(Command::ExportCsv)),
            _ => Err("`export` takes json or csv".into()),
        },
        "fix" if !words.is_empty() => remediate::Format::ALL
            .into_iter()
            .find(|f| format_name(*f).eq_ignore_ascii_case(words[0]))
            .map(Line::Fix)
            .ok_or_else(|| format!("`{}` is not a format: cli, bicep, arm, policy or terraform", words[0])),
        "filter" => Ok(Line::Filter(rest.to_string())),
        "q" => Ok(Line::Command(Command::Quit)),
        other => Command::by_name(other).map(Line::Command).ok_or_else(|| {
            format!("unknown command `{other}`; Tab lists them (e.g. sort, view, export, fix, refresh, quit)")
        }),
    }
}

fn column_names() -> String {
    Column::ALL.map(Column::name).join(", ")
}

/// Every name the command line takes, sorted.
fn names() -> Vec<String> {
    let mut names: Vec<String> = Command::ALL
        .iter()
        .map(|c| c.name().to_string())
        .chain(WITH_ARGUMENTS.iter().map(|(n, _)| n.to_string()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The completions of the word before the cursor: a command name, then its argument.
pub fn complete(before: &str) -> Completion {
    let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word = before[start..].to_ascii_lowercase();
    let first = before[..start].split_whitespace().next().map(str::to_ascii_lowercase);
    let options: Vec<String> = match first.as_deref() {
        None => names(),
        Some("sort") => Column::ALL.iter().map(|c| c.name().to_string()).collect(),
        Some("view") => View::ALL.iter().map(|v| v.name().to_string()).collect(),
        Some("export") => vec!["csv".into(), "json".into()],
        Some("fix") => remediate::Format::ALL
            .iter()
            .map(|f| format_name(*f).to_string())
            .collect(),
        Some(_) => Vec::new(),
    };
    Completion {
        start,
        candidates: options.into_iter().filter(|o| o.starts_with(&word)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_name_a_command_and_its_argument() {
        let cases = [
            ("sort version", Ok(Line::Sort(Column::Version, None))),
            ("  SORT name desc ", Ok(Line::Sort(Column::Name, Some(true)))),
            ("sort region", Ok(Line::Sort(Column::Location, None))),
            ("view subscriptions", Ok(Line::View(View::Subscriptions))),
            ("view upgrades", Ok(Line::View(View::Upgrades))),
            ("sort support", Ok(Line::Sort(Column::Support, None))),
            ("sort window asc", Ok(Line::Sort(Column::Window, Some(false)))),
            ("fix", Ok(Line::Command(Command::Fix))),
            ("fix terraform", Ok(Line::Fix(remediate::Format::Terraform))),
            ("export csv", Ok(Line::Command(Command::ExportCsv))),
            ("refresh", Ok(Line::Command(Command::Refresh))),
            ("mark-all", Ok(Line::Command(Command::MarkAll))),
            ("q", Ok(Line::Command(Command::Quit))),
            (
                "filter sub:prod  k8s:1.33",
                Ok(Line::Filter("sub:prod  k8s:1.33".into())),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), want, "{text}");
        }
        for (text, message) in [
            ("sort", "needs a column"),
            ("sort colour", "`colour` is not a column"),
            ("view map", "clusters, subscriptions, posture or upgrades"),
            ("export xml", "json or csv"),
            ("fix yaml", "not a format"),
            ("jump", "unknown command `jump`"),
        ] {
            let err = parse(text).expect_err(text);
            assert!(err.contains(message), "{text}: {err}");
        }
    }

    #[test]
    fn completion_offers_names_then_arguments() {
        assert_eq!(
            complete("so").candidates,
            [
                "sort",
                "sort-location",
                "sort-name",
                "sort-next",
                "sort-node-os",
                "sort-provisioning",
                "sort-resource-group",
                "sort-reverse",
                "sort-subscription",
                "sort-support",
                "sort-upgrade",
                "sort-verdict",
                "sort-version",
                "sort-window"
            ]
        );
        assert_eq!(complete("sort ve").candidates, ["version", "verdict"]);
        assert_eq!(complete("view s").candidates, ["subscriptions"]);
        assert_eq!(complete("view u").candidates, ["upgrades"]);
        assert_eq!(complete("sort s").candidates, ["subscription", "support"]);
        assert_eq!(complete("export ").candidates, ["csv", "json"]);
        let completion = complete("fix te");
        assert_eq!(
            (completion.start, completion.candidates),
            (4, vec!["terraform".to_string()])
        );
    }
}
