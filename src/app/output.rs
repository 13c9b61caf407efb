//! What the dashboard copies, writes and exports: the fix command under the cursor or
//! the whole text, the raw JSON, a resource id; files named after the cluster (a
//! script's usage comment to name the file it is written to); the clusters in view as
//! `scan` writes them. Pure: the effects carry the text, the loop does the I/O.

use super::state::{Level, Overlay, State};
use super::update::Effect;
use crate::{remediate, report};

/// The first line at or after `from` containing `needle`, ignoring case.
pub(super) fn find_line(text: &str, needle: &str, from: usize) -> Option<usize> {
    let needle = needle.to_lowercase();
    if needle.is_empty() {
        return None;
    }
    text.lines()
        .enumerate()
        .skip(from)
        .find(|(_, line)| line.to_lowercase().contains(&needle))
        .map(|(i, _)| i)
}

/// `y` and `Y`: the fix command under the cursor (or the whole text), the raw JSON,
/// or the cluster's resource id.
pub(super) fn copy(state: &mut State, all: bool) -> Vec<Effect> {
    match &state.overlay {
        Some(Overlay::Fix(popup)) => {
            let lines = popup.text.lines().count();
            if all {
                let done = format!(
                    "Copied the whole {} text, {} (OSC 52). Clipboard still empty? Press w to write it to a file.",
                    popup.format.label(),
                    crate::text::count(lines, "line")
                );
                return vec![Effect::Copy {
                    text: popup.text.clone(),
                    done,
                }];
            }
            match command_at(&popup.text, popup.cursor, popup.format) {
                Some((text, first, last)) => {
                    let done = if first == last {
                        format!("Copied line {} (OSC 52); Y copies the whole text.", first + 1)
                    } else {
                        format!(
                            "Copied lines {}–{} (OSC 52); Y copies the whole text.",
                            first + 1,
                            last + 1
                        )
                    };
                    vec![Effect::Copy { text, done }]
                }
                None => {
                    state.say(
                        "No command under the cursor (a comment or a blank line); move to one, or Y copies the whole text.",
                        Level::Info,
                    );
                    vec![]
                }
            }
        }
        Some(Overlay::Raw { text: Some(text), .. }) => {
            let done = format!(
                "Copied the raw JSON, {} (OSC 52). Clipboard still empty? Press w to write it to a file.",
                crate::text::count(text.lines().count(), "line")
            );
            vec![Effect::Copy {
                text: text.clone(),
                done,
            }]
        }
        Some(_) => vec![],
        None => {
            let Some(item) = state.target() else { return vec![] };
            let id = item.cluster.id.clone();
            let done = format!("Copied the resource id (OSC 52): {}", crate::text::clean(&id));
            vec![Effect::Copy { text: id, done }]
        }
    }
}

/// The command (shell formats) or block (the others) around text line `cursor`, with
/// its first and last line: for a shell script, the line and its `\` continuations, or
/// an `if ...; then ... fi` around it; elsewhere the lines between blank lines.
/// `None` on a comment or a blank line.
pub(super) fn command_at(text: &str, cursor: usize, format: remediate::Format) -> Option<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let line = lines.get(cursor)?.trim();
    let shell = matches!(format, remediate::Format::Cli | remediate::Format::Policy);
    let comment = if shell {
        line.starts_with('#')
    } else {
        line.starts_with("//") || line.starts_with('#')
    };
    if line.is_empty() || comment {
        return None;
    }
    let (mut first, mut last) = (cursor, cursor);
    if shell {
        let continues =
            |l: &str| l.trim_end().ends_with('\\') || l.trim_end().ends_with("||") || l.trim_end().ends_with("&&");
        while first > 0 && continues(lines[first - 1]) {
            first -= 1;
        }
        while last + 1 < lines.len() && continues(lines[last]) {
            last += 1;
        }
    } else {
        while first > 0 && !lines[first - 1].trim().is_empty() {
            first -= 1;
        }
        while last + 1 < lines.len() && !lines[last + 1].trim().is_empty() {
            last += 1;
        }
    }
    Some((lines[first..=last].join("\n") + "\n", first, last))
}

/// `w`: the fix text or the raw JSON, to a file in the current folder.
pub(super) fn write(state: &mut State) -> Vec<Effect> {
    match &state.overlay {
        Some(Overlay::Fix(popup)) => {
            let name = match popup.ids.as_slice() {
                [one] if !popup.batch => state
                    .find(one)
                    .map_or("cluster".to_string(), |i| state.fleet[i].cluster.name.to_string()),
                ids => format!("{}-clusters", ids.len()),
            };
            let shell = matches!(popup.format, remediate::Format::Cli | remediate::Format::Policy);
            vec![Effect::WriteFile {
                name: file_name(&name, popup.format),
                text: popup.text.clone(),
                usage: shell.then_some(USAGE_NAME),
            }]
        }
        Some(Overlay::Raw {
            id, text: Some(text), ..
        }) => {
            let name = state
                .find(id)
                .map_or("cluster".to_string(), |i| state.fleet[i].cluster.name.to_string());
            vec![Effect::WriteFile {
                name: format!("aksradar-raw-{}.json", safe_name(&name)),
                text: text.clone(),
                usage: None,
            }]
        }
        _ => vec![],
    }
}

/// The script name the CLI fix's usage comment gives (`bash aksradar-fix.sh`): a
/// written script names the file it was written to instead.
pub const USAGE_NAME: &str = "aksradar-fix.sh";

/// `e` and `E`: the clusters in view, in the table's order, as `scan` writes them.
pub(super) fn export(state: &mut State, json: bool) -> Vec<Effect> {
    if state.overlay.is_some() {
        return vec![];
    }
    let format = if json {
        report::Format::Json
    } else {
        report::Format::Csv
    };
    let items: Vec<crate::model::Assessed> = state
        .visible
        .iter()
        .map(|&r| state.fleet[state.rows[r].index].clone())
        .collect();
    let report = report::Report {
        assessed: &items,
        skipped: state.skipped,
        duplicates: state.duplicates,
        errors: &state.errors,
        minimum_version: &state.config.rules.kubernetes_minimum_version,
        changes: None,
    };
    let mut out = Vec::new();
    if let Err(err) = report::write(format, &report, report::Style::default(), &mut out) {
        state.say(format!("Could not export: {err}"), Level::Error);
        return vec![];
    }
    let stamp = state
        .now
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    let name = format!("aksradar-export-{stamp}.{}", if json { "json" } else { "csv" });
    vec![Effect::WriteFile {
        name,
        text: String::from_utf8_lossy(&out).into_owned(),
        usage: None,
    }]
}

/// A name with only characters safe in any file name.
fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect()
}

/// `aksradar-fix-<cluster>.<ext>`, with only characters safe in any file name.
fn file_name(cluster: &str, format: remediate::Format) -> String {
    let safe = safe_name(cluster);
    let extension = match format {
        remediate::Format::Cli | remediate::Format::Policy => "sh",
        remediate::Format::Bicep => "bicep",
        remediate::Format::Arm => "json",
        remediate::Format::Terraform => "tf",
    };
    let kind = match format {
        remediate::Format::Policy => "policy",
        _ => "fix",
    };
    format!("aksradar-{kind}-{safe}.{extension}")
}
