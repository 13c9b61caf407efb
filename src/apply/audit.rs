//! The audit log of applies: one JSON line per write and per result, in the state
//! folder, readable by its owner only.
//!
//! Each line says when, who (the tenant and object id the token names, when it names
//! them), which cluster, the change, the request, the operation id and the result.
//! Never a token: the log is given an `Identity`, not credentials, and each line is one
//! JSON object (serde escapes every control character, so no value can start a line of
//! its own). The file is opened like aksradar's other own files: never through a link,
//! never into a FIFO, created 0600 in a 0700 folder (`disk::append_own`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::json;
use time::OffsetDateTime;

use crate::azure::Identity;
use crate::disk::{OwnFileError, append_own};

/// Where the audit log goes, and who is acting.
pub struct Audit {
    path: PathBuf,
    who: Identity,
    clock: fn() -> OffsetDateTime,
    /// One line at a time, whichever cluster's task writes it.
    lock: Mutex<()>,
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Audit")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// One line of the log.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// The cluster's resource id.
    pub cluster: &'a str,
    /// The change, as the plan words it (`property: from → to`).
    pub change: &'a str,
    /// What was done: `PUT <url>`, `read back`.
    pub request: &'a str,
    pub operation: Option<&'a str>,
    /// `accepted`, `succeeded`, `failed`, `refused`, `verified`, `not verified`,
    /// `already set`, `changed since planned`.
    pub result: &'a str,
    /// The ARM error code, and its message or what was found.
    pub code: Option<&'a str>,
    pub message: Option<&'a str>,
}

impl Audit {
    /// The log at `path`, created now (owner-only) so that an apply that cannot keep
    /// its record stops before it writes anything.
    pub fn open(path: PathBuf, who: Identity, clock: fn() -> OffsetDateTime) -> Result<Audit, OwnFileError> {
        append_own(&path, b"")?;
        Ok(Audit {
            path,
            who,
            clock,
            lock: Mutex::new(()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line.
    pub fn record(&self, entry: Entry<'_>) -> Result<(), OwnFileError> {
        let when = (self.clock)()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let line = json!({
            "time": when,
            "tenant": self.who.tenant,
            "objectId": self.who.object,
            "cluster": entry.cluster,
            "change": entry.change,
            "request": entry.request,
            "operation": entry.operation,
            "result": entry.result,
            "code": entry.code,
            "message": entry.message,
        });
        let mut text = line.to_string();
        text.push('\n');
        let _one_at_a_time = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        append_own(&self.path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_noon() -> OffsetDateTime {
        time::macros::datetime!(2026-11-26 12:00 UTC)
    }

    #[test]
    fn each_entry_is_one_json_line_with_who_when_and_what() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("apply-audit.jsonl");
        let who = Identity {
            tenant: Some("t-1".into()),
            object: Some("o-1".into()),
        };
        let audit = Audit::open(path.clone(), who, at_noon).unwrap();
        audit
            .record(Entry {
                cluster: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c",
                change: "autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch",
                request: "PUT",
                operation: Some("op-1"),
                result: "accepted",
                code: None,
                message: Some("line one\nline two"),
            })
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        let line: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(line["time"], "2026-11-26T12:00:00Z");
        assert_eq!(line["tenant"], "t-1");
        assert_eq!(line["objectId"], "o-1");
        assert_eq!(line["operation"], "op-1");
        assert_eq!(line["result"], "accepted");
        assert_eq!(line["message"], "line one\nline two", "kept, escaped inside its line");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let folder = std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777;
            assert_eq!(folder, 0o700);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_place_of_the_log_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "").unwrap();
        let path = dir.path().join("apply-audit.jsonl");
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        let err = Audit::open(path, Identity::default(), at_noon).unwrap_err();
        assert!(matches!(err, OwnFileError::Link { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "");
    }
}
