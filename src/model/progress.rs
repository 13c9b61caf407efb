//! What a fleet read reports while it runs: plain events that the dashboard's header
//! and `scan`'s progress bar both draw.

/// What a fleet read reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// The subscriptions in scope are known.
    Subscriptions {
        total: usize,
    },
    Started {
        subscription: String,
    },
    Page {
        subscription: String,
        clusters: usize,
    },
    Done {
        subscription: String,
        clusters: usize,
    },
    Failed {
        subscription: String,
        message: String,
    },
    /// The details phase starts, with this many requests to make.
    Details {
        total: usize,
    },
    /// One request of the details phase ended.
    Detail {
        failed: bool,
    },
    /// Waiting before a retry (throttled, a server error, a timeout).
    Waiting {
        url: String,
        seconds: f64,
        why: String,
    },
}
