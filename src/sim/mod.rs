//! The built-in Azure fleet simulator: a real HTTP server on a loopback address
//! that serves a generated AKS fleet the way ARM, Resource Graph and AKS do, reads
//! and writes.
//!
//! ```text
//!  SimOptions ──> fleet::SimFleet::generate ──┐ (pure, deterministic from the seed)
//!                                              v
//!  HTTP(S) request ──> server: token service? ─> auth ─> api-version ─> faults ─> route
//!        ├─ read   GETs: a cluster as `state` holds it, or replayed from `fleet` (`view`)
//!        ├─ write  PUT/DELETE, checked by `validate`, recorded in `state` as operations
//!        ├─ graph  Resource Graph rows of the same clusters, and their scheduled events
//!        └─ admin  `--admin` only: a change behind the clients' backs, for tests
//! ```
//!
//! Invariants: it only ever listens on loopback (it accepts a bearer token and its
//! token service gives one to anybody); without writes the same options give
//! byte-identical bodies; nothing in it panics on request data (every bad input
//! becomes an ARM error envelope); faults never hit unauthenticated requests, so a
//! 401 is always a 401; a write shows in every view at once; only changed clusters
//! cost memory.
//!
//! Its parts depend one way: this module (`Simulator`, `run`) on `server` and
//! `tls`; `server` on `route`, `token`, `read`, `write`, `graph`, `faults` and `admin`;
//! `graph` on `events`; `write` on `validate` and `read`; those on `view`, `state`,
//! `fleet`, `wire` and `options` (which carries the `clock`); `fleet` on `rng`.
//! Outside the simulator it
//! uses only `model` (the wire contract in `model::api`), so it sits beside `azure`,
//! not above or below it.
//!
//! `aksradar demo` starts it in-process, `aksradar simulate` runs it alone (`run`),
//! and every test of the live path and every benchmark talks to it over HTTP.

mod admin;
mod clock;
mod events;
mod faults;
pub mod fleet;
mod graph;
mod options;
mod read;
mod rng;
mod route;
mod server;
mod state;
mod tls;
mod token;
mod validate;
mod view;
mod wire;
mod write;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use clock::SimClock;
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
/// bearer token (over plain HTTP unless `--tls`) and issues one to anybody.
pub fn loopback_only(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// A running simulator. Dropping it also stops the server (without waiting).
pub struct Simulator {
    addr: SocketAddr,
    /// With `--tls`, the CA certificate clients must trust (PEM).
    ca_pem: Option<String>,
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
        let tls = if options.tls {
            Some(tls::Tls::generate(options.clock.wall()).map_err(std::io::Error::other)?)
        } else {
            None
        };
        let base_url = format!("{}://{addr}", if tls.is_some() { "https" } else { "http" });
        // Large fleets take a moment to generate; keep that off the async workers.
        let shared = tokio::task::spawn_blocking(move || {
            let fleet = Arc::new(SimFleet::generate(&options));
            server::Shared::new(fleet, options, base_url).map(Arc::new)
        })
        .await
        .map_err(std::io::Error::other)??;
        let (shutdown, stopped) = oneshot::channel();
        let app = server::router(shared.clone());
        // A dropped sender also means stop.
        let stopped = async {
            let _ = stopped.await;
        };
        let task = match &tls {
            None => tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stopped).await {
                    eprintln!("simulator: server error: {e}");
                }
            }),
            Some(tls) => {
                let listener = tls::TlsListener::new(listener, tls)?;
                tokio::spawn(async move {
                    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stopped).await {
                        eprintln!("simulator: server error: {e}");
                    }
                })
            }
        };
        Ok(Simulator {
            addr,
            ca_pem: tls.map(|t| t.ca_pem),
            shared,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, or `https://` with TLS (no trailing slash).
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// With TLS, the CA certificate (PEM) that signed the server's certificate.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// How many clusters writes have changed (each costs memory; the rest do not).
    pub fn changed_clusters(&self) -> usize {
        self.shared.state.read().changed_clusters()
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
        ("--fail-operations", options.fail_operations),
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
/// `listening on URL`, so scripts can read the port; with `--tls` the second is
/// `ca certificate: PATH`, a PEM file in a temporary folder removed on exit.
pub async fn run(args: SimulateArgs) -> anyhow::Result<()> {
    // Listen for the signals before anything is written that they must clean up.
    let stop = Stop::listen();
    let sim = Simulator::start(args.listen, args.options.clone())
        .await
        .with_context(|| format!("could not start the simulator on {}", args.listen))?;
    let ca = match sim.ca_pem() {
        Some(pem) => Some(TempCa::write(pem).context("could not write the simulator's CA certificate")?),
        None => None,
    };
    {
        let fleet = sim.fleet();
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", sim.url())?;
        out.flush()?;
        // A script may stop reading after the first line (`| head -1`): the rest is
        // for people, and a closed pipe must not stop the server.
        let _ = ca
            .as_ref()
            .map_or(Ok(()), |ca| writeln!(out, "ca certificate: {}", ca.path().display()))
            .and_then(|()| {
                writeln!(
                    out,
                    "simulating {} subscriptions ({} forbidden), {} clusters, seed {}; tenant {}; bearer token '{}'; \
                     Ctrl-C stops",
                    fleet.subscriptions.len(),
                    args.options.forbidden_subscriptions.min(fleet.subscriptions.len()),
                    fleet.cluster_count(),
                    args.options.seed,
                    fleet.tenant_id,
                    args.options.token,
                )
            })
            .and_then(|()| out.flush());
    }
    stop.wait().await;
    sim.stop().await;
    drop(ca);
    Ok(())
}

/// The CA certificate in a folder of its own under the system's temporary folder;
/// dropping it removes the folder.
struct TempCa {
    dir: std::path::PathBuf,
    file: std::path::PathBuf,
}

impl TempCa {
    fn write(pem: &str) -> std::io::Result<TempCa> {
        let base = std::env::temp_dir();
        let mut attempt = 0u32;
        let dir = loop {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let dir = base.join(format!("aksradar-simulator-{}-{nanos}-{attempt}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
                Err(e) => return Err(e),
            }
        };
        let ca = TempCa {
            file: dir.join("ca.pem"),
            dir,
        };
        std::fs::write(&ca.file, pem)?;
        Ok(ca)
    }

    fn path(&self) -> &std::path::Path {
        &self.file
    }
}

impl Drop for TempCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Ctrl-C (SIGINT) or SIGTERM, listened for from the moment it is made.
struct Stop {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Stop {
    fn listen() -> Stop {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Stop {
                signals: signal(SignalKind::interrupt())
                    .and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
                    .ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Stop {}
        }
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut int, mut term)) = self.signals {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
