//! The built-in Azure fleet simulator: a real HTTP server on a loopback address
//! that serves a generated AKS fleet the way ARM and Resource Graph do.
//!
//! ```text
//!  SimOptions ──> fleet::SimFleet::generate ──┐ (pure, deterministic from the seed)
//!                                              v
//!  HTTP request ──> server: auth ─> api-version ─> faults ─> route ─> read (ARM GETs)
//!                                                                  └─ graph (Resource Graph)
//! ```
//!
//! Invariants: it only ever listens on loopback (it accepts a bearer token and has
//! no TLS); the same options give byte-identical bodies; nothing in it panics on
//! request data (every bad input becomes an ARM error envelope); faults never hit
//! unauthenticated requests, so a 401 is always a 401.
//!
//! Its parts depend one way: this module (`Simulator`, `run`) on `server`; `server`
//! on `route`, `read`, `graph` and `faults`; those on `fleet`, `wire` and `options`;
//! `fleet` on `rng`. Outside the simulator it uses only `model` (the wire contract
//! in `model::api`), so it sits beside `azure`, not above or below it.
//!
//! `aksradar demo` starts it in-process, `aksradar simulate` runs it alone (`run`),
//! and every test of the live path and every benchmark talks to it over HTTP.

mod faults;
pub mod fleet;
mod graph;
mod options;
mod read;
mod rng;
mod route;
mod server;
mod wire;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use fleet::{SimFleet, SimSubscription};
pub use options::{RequestRecord, SimOptions};

/// `aksradar simulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Address to listen on (loopback only)
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub options: SimOptions,
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
