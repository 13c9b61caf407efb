//! What the simulator is asked to simulate (`SimOptions`, the flags of `aksradar
//! simulate`), and what it reports about each request it answered.
//!
//! A leaf of the simulator (besides the clock it carries): the generator, the
//! faults and the server read these, and none of them is read here.

use std::path::PathBuf;
use std::time::Instant;

use super::clock::SimClock;

/// What to simulate and which faults to inject.
#[derive(Debug, Clone, clap::Args)]
pub struct SimOptions {
    /// Number of subscriptions in the simulated tenant
    #[arg(long, default_value_t = 10)]
    pub subscriptions: usize,
    /// Managed clusters in each subscription
    #[arg(long, default_value_t = 20)]
    pub clusters_per_subscription: usize,
    /// Seed of the generated fleet and of the injected faults
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Clusters per page of a managed cluster list (ARM `nextLink` paging)
    #[arg(long, default_value_t = 100)]
    pub page_size: usize,
    /// Subscriptions per page of GET /subscriptions
    #[arg(long, default_value_t = 100)]
    pub subscription_page_size: usize,
    /// The bearer token the simulator accepts
    #[arg(long, default_value = "simulator")]
    pub token: String,
    /// Delay added to every response, in milliseconds
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of requests answered 429 (0.0-1.0)
    #[arg(long = "fault-429", default_value_t = 0.0)]
    pub fault_429: f64,
    /// Retry-After seconds sent with each 429
    #[arg(long, default_value_t = 1)]
    pub retry_after: u64,
    /// Share of requests answered 500 or 503 (0.0-1.0)
    #[arg(long = "fault-5xx", default_value_t = 0.0)]
    pub fault_5xx: f64,
    /// The last K subscriptions answer 403 AuthorizationFailed to every resource call
    #[arg(long, default_value_t = 0)]
    pub forbidden_subscriptions: usize,
    /// Reads of this kind answer 403 AuthorizationFailed everywhere, as when a role
    /// lacks that one read permission (repeatable): maintenanceConfigurations,
    /// upgradeProfiles (a cluster's), agentPools/upgradeProfiles, kubernetesVersions,
    /// scheduledEvents (the Resource Graph events query)
    #[arg(long = "forbid-read", value_name = "KIND", value_parser = ["maintenanceConfigurations", "upgradeProfiles", "agentPools/upgradeProfiles", "kubernetesVersions", "scheduledEvents"])]
    pub forbidden_reads: Vec<String>,
    /// Share of requests whose body is cut short (status 200, truncated JSON)
    #[arg(long, default_value_t = 0.0)]
    pub malformed_rate: f64,
    /// Resource Graph queries allowed per 5-second window before 429 RateLimiting
    /// (Azure's is 15; the default is generous so that only tests that want it hit it)
    #[arg(long, default_value_t = 1000)]
    pub graph_quota: u32,
    /// Serve HTTPS with a certificate for 127.0.0.1 and localhost, signed by a CA made
    /// at start (`simulate` writes the CA's PEM to a temporary file and prints its path)
    #[arg(long)]
    pub tls: bool,
    /// How long a cluster or agent pool write runs before its operation ends, in seconds
    #[arg(long, default_value_t = 2)]
    pub operation_seconds: u64,
    /// Share of long-running operations that end Failed with an error object (0.0-1.0)
    #[arg(long, default_value_t = 0.0)]
    pub fail_operations: f64,
    /// Serve POST /admin/mutate, which changes a cluster behind the clients' backs (for
    /// tests: a concurrent change, a 412)
    #[arg(long)]
    pub admin: bool,
    /// Append one JSON line per request answered (method, path and query, status) to FILE
    #[arg(long, value_name = "FILE")]
    pub request_log: Option<PathBuf>,
    /// Keep every request in memory for `Simulator::requests()`. Tests and benches want
    /// it; a long-running simulator (`simulate`, the demo) must not grow without end.
    #[arg(skip = false)]
    pub record_requests: bool,
    /// The clock operations run on: the real one, or a manual one in tests.
    #[arg(skip)]
    pub clock: SimClock,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            subscriptions: 10,
            clusters_per_subscription: 20,
            seed: 1,
            page_size: 100,
            subscription_page_size: 100,
            token: "simulator".to_string(),
            latency_ms: 0,
            fault_429: 0.0,
            retry_after: 1,
            fault_5xx: 0.0,
            forbidden_subscriptions: 0,
            forbidden_reads: Vec::new(),
            malformed_rate: 0.0,
            graph_quota: 1000,
            tls: false,
            operation_seconds: 2,
            fail_operations: 0.0,
            admin: false,
            request_log: None,
            record_requests: true,
            clock: SimClock::real(),
        }
    }
}

/// One request the simulator answered.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub method: String,
    pub path_and_query: String,
    pub status: u16,
    /// When the request arrived (before any injected latency).
    pub at: Instant,
    /// Whether it carried the accepted bearer token.
    pub authorized: bool,
}
