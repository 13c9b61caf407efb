//! The built-in Azure fleet simulator: a real HTTP server on a loopback address
//! that serves a generated AKS fleet the way ARM and Resource Graph do.
//!
//! ```text
//!  SimOptions ──> fleet::SimFleet::generate ──┐ (pure, deterministic from the seed)
//!                                              v
//!  HTTP request ──> server: auth ─> api-version ─> faults ─> route ─> handler ──> response
//!                                                                  └─ graph (Resource Graph)
//! ```
//!
//! Invariants: it only ever listens on loopback (it accepts a bearer token and has
//! no TLS); the same options give byte-identical bodies; nothing in it panics on
//! request data (every bad input becomes an ARM error envelope); faults never hit
//! unauthenticated requests, so a 401 is always a 401.
//!
//! `aksradar demo` starts it in-process, `aksradar simulate` runs it alone (`run`),
//! and every test of the live path and every benchmark talks to it over HTTP.

mod faults;
pub mod fleet;
mod graph;
mod rng;
mod server;
mod wire;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use fleet::{SimFleet, SimSubscription};

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
    /// Share of requests whose body is cut short (status 200, truncated JSON)
    #[arg(long, default_value_t = 0.0)]
    pub malformed_rate: f64,
    /// Resource Graph queries allowed per 5-second window before 429 RateLimiting
    /// (Azure's is 15; the default is generous so that only tests that want it hit it)
    #[arg(long, default_value_t = 1000)]
    pub graph_quota: u32,
    /// Keep every request in memory for `Simulator::requests()`. Tests and benches want
    /// it; a long-running simulator (`simulate`, the demo) must not grow without end.
    #[arg(skip = false)]
    pub record_requests: bool,
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
            malformed_rate: 0.0,
            graph_quota: 1000,
            record_requests: true,
        }
    }
}

/// `aksradar simulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Address to listen on (loopback only)
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub options: SimOptions,
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

/// Whether the simulator may listen on `addr`: only loopback, since it accepts a
/// bearer token over plain HTTP.
pub fn loopback_only(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// A running simulator. Dropping it also stops the server (without waiting).
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<server::Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Generates the fleet and starts serving on `listen` (must be a loopback address).
    pub async fn start(listen: SocketAddr, options: SimOptions) -> std::io::Result<Simulator> {
        if !loopback_only(&listen) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("the simulator only listens on loopback addresses (such as 127.0.0.1:0), not {listen}"),
            ));
        }
        validate(&options)?;
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        // Large fleets take a moment to generate; keep that off the async workers.
        let base_url = format!("http://{addr}");
        let shared = tokio::task::spawn_blocking(move || {
            let fleet = Arc::new(SimFleet::generate(&options));
            Arc::new(server::Shared::new(fleet, options, base_url))
        })
        .await
        .map_err(std::io::Error::other)?;
        let (shutdown, stopped) = oneshot::channel();
        let app = server::router(shared.clone());
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                // A dropped sender also means stop.
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                eprintln!("simulator: server error: {e}");
            }
        });
        Ok(Simulator {
            addr,
            shared,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// Every request served so far, in arrival order (none unless `record_requests`).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.requests()
    }

    /// The generated data, for tests to compare responses against.
    pub fn fleet(&self) -> &SimFleet {
        &self.shared.fleet
    }

    /// Stops accepting requests and waits (briefly) for those in flight.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            // Clients holding keep-alive connections open must not hang the caller.
            if tokio::time::timeout(Duration::from_secs(5), task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn validate(options: &SimOptions) -> std::io::Result<()> {
    for (flag, rate) in [
        ("--fault-429", options.fault_429),
        ("--fault-5xx", options.fault_5xx),
        ("--malformed-rate", options.malformed_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{flag} is a share of requests between 0.0 and 1.0, not {rate}"),
            ));
        }
    }
    Ok(())
}

/// `aksradar simulate`: serve until Ctrl-C or SIGTERM. The first line of stdout is
/// `listening on URL`, so scripts can read the port.
pub async fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let sim = Simulator::start(args.listen, args.options.clone())
        .await
        .with_context(|| format!("could not start the simulator on {}", args.listen))?;
    {
        let fleet = sim.fleet();
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", sim.url())?;
        out.flush()?;
        // A script may stop reading after the first line (`| head -1`): the summary is
        // for people, and a closed pipe must not stop the server.
        let _ = writeln!(
            out,
            "simulating {} subscriptions ({} forbidden), {} clusters, seed {}; bearer token '{}'; Ctrl-C stops",
            fleet.subscriptions.len(),
            args.options.forbidden_subscriptions.min(fleet.subscriptions.len()),
            fleet.cluster_count(),
            args.options.seed,
            args.options.token,
        )
        .and_then(|()| out.flush());
    }
    shutdown_signal().await;
    sim.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
