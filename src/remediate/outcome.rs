//! What applying plans reports: each change's state as it moves, and each cluster's
//! result. Plain values: the engine (`apply`) sends them, `aksradar apply` prints them
//! and the dashboard turns them into actions; nothing here does I/O or holds a lock.

use super::plan::Plan;
use crate::model::Assessed;

/// Where one change of a plan stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeState {
    /// Not started.
    Queued,
    /// Sent, or about to be; `operation` once Azure has started one.
    Running { operation: Option<String> },
    /// Azure says it is done; not read back yet.
    Succeeded { operation: Option<String> },
    /// Read back: Azure now has the value.
    Verified { operation: Option<String> },
    /// Read back: Azure says something else (`found`).
    NotVerified { operation: Option<String>, found: String },
    /// Refused, or the operation ended Failed: the ARM code and message.
    Failed {
        operation: Option<String>,
        code: String,
        message: String,
    },
    /// Not sent, and why.
    Skipped { why: String },
}

impl ChangeState {
    /// One word for a table cell.
    pub fn label(&self) -> &'static str {
        match self {
            ChangeState::Queued => "queued",
            ChangeState::Running { .. } => "running",
            ChangeState::Succeeded { .. } => "succeeded",
            ChangeState::Verified { .. } => "verified",
            ChangeState::NotVerified { .. } => "not verified",
            ChangeState::Failed { .. } => "failed",
            ChangeState::Skipped { .. } => "skipped",
        }
    }

    /// The id of the operation that carried the change, when there was one.
    pub fn operation(&self) -> Option<&str> {
        match self {
            ChangeState::Running { operation }
            | ChangeState::Succeeded { operation }
            | ChangeState::Verified { operation }
            | ChangeState::NotVerified { operation, .. }
            | ChangeState::Failed { operation, .. } => operation.as_deref(),
            ChangeState::Queued | ChangeState::Skipped { .. } => None,
        }
    }

    /// What a person reads beside the label: the error, what was found, why skipped.
    pub fn detail(&self) -> Option<String> {
        match self {
            ChangeState::NotVerified { found, .. } => Some(format!("Azure says {found}")),
            ChangeState::Failed { code, message, .. } => Some(format!("{code}: {message}")),
            ChangeState::Skipped { why } => Some(why.clone()),
            _ => None,
        }
    }

    /// Whether the change is past the point where anything more happens to it.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            ChangeState::Queued | ChangeState::Running { .. } | ChangeState::Succeeded { .. }
        )
    }
}

/// How a cluster's apply ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// Every change succeeded, and Azure now says so.
    Verified,
    /// A change was refused, its operation failed, or it did not show when read back.
    Failed,
    /// The cluster is no longer as the plan says: someone changed it. Nothing more
    /// was written to it; `plan` is the plan as it would be now, to confirm again.
    Changed { plan: Plan, why: String },
    /// Cancelled while it waited its turn: nothing was sent.
    Cancelled,
}

/// One cluster's apply, at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterResult {
    /// The plan as it was confirmed.
    pub plan: Plan,
    /// Per change of the plan, in its order.
    pub states: Vec<ChangeState>,
    pub ending: Ending,
    /// The cluster as Azure described it when it was last read, assessed again: what
    /// the views should show from now on. `None` when it could not be read.
    pub now: Option<Assessed>,
}

impl ClusterResult {
    /// Whether every change is verified (and there was at least one).
    pub fn verified(&self) -> bool {
        self.ending == Ending::Verified
    }
}

/// What the engine reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The cluster's turn has come: it is being read before anything is written.
    Started { cluster: String },
    /// Change `index` of the cluster's plan is now `state`.
    Change {
        cluster: String,
        index: usize,
        state: ChangeState,
    },
    /// Waiting before the next look: an operation running, or (`busy`) another one on
    /// the cluster refused the write with a 409, which is worth telling the user.
    Waiting {
        cluster: String,
        seconds: f64,
        why: String,
        busy: bool,
    },
    /// Something went wrong beside the changes (the audit log could not be written).
    Warning { message: String },
    /// The cluster is done.
    Finished(Box<ClusterResult>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_name_themselves_and_carry_their_operation_and_detail() {
        let op = || Some("op-1".to_string());
        let cases = [
            (ChangeState::Queued, "queued", None, None, false),
            (
                ChangeState::Running { operation: op() },
                "running",
                Some("op-1"),
                None,
                false,
            ),
            (
                ChangeState::Verified { operation: op() },
                "verified",
                Some("op-1"),
                None,
                true,
            ),
            (
                ChangeState::NotVerified {
                    operation: op(),
                    found: "nodeOSUpgradeChannel None".into(),
                },
                "not verified",
                Some("op-1"),
                Some("Azure says nodeOSUpgradeChannel None"),
                true,
            ),
            (
                ChangeState::Failed {
                    operation: None,
                    code: "OperationNotAllowed".into(),
                    message: "busy".into(),
                },
                "failed",
                None,
                Some("OperationNotAllowed: busy"),
                true,
            ),
            (
                ChangeState::Skipped {
                    why: "cancelled".into(),
                },
                "skipped",
                None,
                Some("cancelled"),
                true,
            ),
        ];
        for (state, label, operation, detail, last) in cases {
            assert_eq!(state.label(), label);
            assert_eq!(state.operation(), operation, "{label}");
            assert_eq!(state.detail().as_deref(), detail, "{label}");
            assert_eq!(state.is_final(), last, "{label}");
        }
    }
}
