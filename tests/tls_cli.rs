//! The binary over TLS: `aksradar simulate --tls` (its CA, printed and cleaned up
//! on SIGINT and SIGTERM), `scan` trusting that CA through `SSL_CERT_FILE` or config
//! `ca_file` (and saying what to do when it does not), a service principal signing in
//! at the simulator's token service, and `HTTPS_PROXY`/`NO_PROXY` honoured (through
//! a small CONNECT proxy on 127.0.0.1 in the test).

#![cfg(unix)]

mod simulate;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn aksradar(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aksradar"));
    // Temporary files too (the simulator's CA): a simulator killed at the end of a
    // test cannot remove its own, the test's folder goes with the test.
    cmd.env("XDG_CONFIG_HOME", home)
        .env("XDG_CACHE_HOME", home)
        .env("XDG_STATE_HOME", home)
        .env("HOME", home)
        .env("TMPDIR", home);
    for name in [
        "AKSRADAR_TOKEN",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "IDENTITY_ENDPOINT",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(name);
    }
    cmd
}

/// `aksradar simulate --tls` in the background, killed when dropped.
struct Served {
    running: simulate::Running,
    url: String,
    ca: PathBuf,
    tenant: String,
}

fn simulate_tls(home: &Path, args: &[&str]) -> Served {
    let (running, lines) = simulate::start(
        aksradar(home)
            .args(["simulate", "--listen", "127.0.0.1:0", "--tls"])
            .args(args),
        3,
    );
    let url = simulate::url(&lines[0]);
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    Served {
        running,
        url,
        ca: simulate::ca(&lines[1]),
        tenant: simulate::tenant(&lines[2]),
    }
}

fn home() -> tempfile::TempDir {
    tempfile::tempdir().expect("a home")
}

/// Waits (bounded) for the process to exit and returns how.
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "the simulator did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn simulate_tls_prints_its_url_then_its_ca_and_removes_the_ca_on_sigint_and_sigterm() {
    for signal in ["INT", "TERM"] {
        let home = home();
        let mut served = simulate_tls(
            home.path(),
            &["--subscriptions", "1", "--clusters-per-subscription", "2"],
        );
        let pem = std::fs::read_to_string(&served.ca).expect("the CA file exists while it runs");
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        assert!(!pem.contains("PRIVATE KEY"));
        let folder = served.ca.parent().expect("its own folder").to_path_buf();
        // In the temporary folder it was given (TMPDIR), in a folder of its own.
        assert!(folder.starts_with(home.path()), "{}", folder.display());
        assert_ne!(folder, home.path());

        let status = Command::new("kill")
            .args([&format!("-{signal}"), &served.running.child().id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = wait_exit(served.running.child());
        assert!(exit.success(), "SIG{signal} stops it cleanly: {exit:?}");
        assert!(!folder.exists(), "SIG{signal}: the CA's folder is removed on exit");
    }
}

fn scan(cmd: &mut Command) -> (i32, serde_json::Value, String) {
    let out = cmd.output().expect("aksradar runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn cluster_count(json: &serde_json::Value) -> usize {
    json["clusters"].as_array().map_or(0, Vec::len)
}

#[test]
fn scan_trusts_the_simulators_ca_from_ssl_cert_file_or_ca_file_and_says_what_to_do_when_not() {
    let home = home();
    let served = simulate_tls(
        home.path(),
        &["--subscriptions", "2", "--clusters-per-subscription", "3"],
    );
    let scan_cmd = || {
        let mut cmd = aksradar(home.path());
        cmd.args(["--endpoint", &served.url, "--auth", "token", "scan", "--format", "json"])
            .env("AKSRADAR_TOKEN", "simulator");
        cmd
    };

    let started = Instant::now();
    let (_, json, stderr) = scan(&mut scan_cmd());
    assert_eq!(cluster_count(&json), 0, "{stderr}");
    let error = &json["errors"][0];
    assert_eq!(error["code"], "TransportError", "{json}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("TLS certificate is not trusted"), "{message}");
    assert!(message.contains("`ca_file` or SSL_CERT_FILE"), "{message}");
    assert!(message.ends_with("(1 attempts)"), "not retried: {message}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "an untrusted certificate is not retried for long"
    );

    let (code, json, stderr) = scan(scan_cmd().env("SSL_CERT_FILE", &served.ca));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(cluster_count(&json), 6);

    let config = home.path().join("trust.toml");
    std::fs::write(&config, format!("ca_file = {:?}\n", served.ca.display().to_string())).expect("config");
    let (code, json, stderr) = scan(scan_cmd().arg("--config").arg(&config));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(cluster_count(&json), 6);

    let missing = home.path().join("missing.pem");
    let (code, _, stderr) = scan(scan_cmd().env("SSL_CERT_FILE", &missing));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("SSL_CERT_FILE") && stderr.contains("missing.pem"),
        "{stderr}"
    );
    std::fs::write(&config, "ca_file = \"/etc/hostname-is-no-certificate\"\n").expect("config");
    let (code, _, stderr) = scan(scan_cmd().arg("--config").arg(&config));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("config `ca_file`"), "{stderr}");
}

#[test]
fn a_service_principal_and_a_workload_identity_sign_in_at_the_simulators_token_service() {
    let home = home();
    let log = home.path().join("requests.jsonl");
    let served = simulate_tls(
        home.path(),
        &[
            "--subscriptions",
            "1",
            "--clusters-per-subscription",
            "4",
            "--request-log",
            log.to_str().expect("utf-8"),
        ],
    );
    let config = home.path().join("sp.toml");
    std::fs::write(
        &config,
        format!(
            "authority_host = {:?}\nca_file = {:?}\n",
            served.url,
            served.ca.display().to_string()
        ),
    )
    .expect("config");
    let (code, json, stderr) = scan(
        aksradar(home.path())
            .args(["--endpoint", &served.url, "--auth", "env", "--config"])
            .arg(&config)
            .args(["scan", "--format", "json"])
            .env("AZURE_TENANT_ID", &served.tenant)
            .env("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000a1")
            .env("AZURE_CLIENT_SECRET", "not-checked"),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(cluster_count(&json), 4);
    let requests = std::fs::read_to_string(&log).expect("the request log");
    let lines: Vec<serde_json::Value> = requests
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let token_request = format!("/{}/oauth2/v2.0/token", served.tenant);
    assert!(
        lines
            .iter()
            .any(|l| l["method"] == "POST" && l["path"] == token_request.as_str() && l["status"] == 200),
        "{requests}"
    );
    assert!(!requests.contains("not-checked"), "no secret in the request log");

    // Workload identity: a federated token file instead of a secret, same token service.
    let federated = home.path().join("federated-token");
    std::fs::write(
        &federated,
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2ln",
    )
    .expect("token file");
    let before = lines.len();
    let (code, json, stderr) = scan(
        aksradar(home.path())
            .args(["--endpoint", &served.url, "--auth", "workload-identity", "--config"])
            .arg(&config)
            .args(["scan", "--format", "json"])
            .env("AZURE_TENANT_ID", &served.tenant)
            .env("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000a2")
            .env("AZURE_FEDERATED_TOKEN_FILE", &federated),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(cluster_count(&json), 4);
    let requests = std::fs::read_to_string(&log).expect("the request log");
    assert!(
        requests
            .lines()
            .skip(before)
            .any(|l| l.contains("\"POST\"") && l.contains(&token_request)),
        "{requests}"
    );
}

/// A CONNECT proxy on 127.0.0.1 that tunnels to the target it is asked for and
/// remembers each target.
struct Proxy {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let record = record.clone();
                std::thread::spawn(move || tunnel(client, &record));
            }
        });
        Proxy { port, seen }
    }

    fn targets(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

fn tunnel(client: TcpStream, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let mut parts = request.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
        return;
    };
    seen.lock().expect("lock").push(target.to_string());
    let Ok(upstream) = TcpStream::connect(target) else {
        return;
    };
    let mut client_write = client;
    if client_write
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let mut upstream_read = upstream.try_clone().expect("clone");
    let mut upstream_write = upstream;
    let mut client_read = reader;
    let down = std::thread::spawn(move || {
        let _ = std::io::copy(&mut upstream_read, &mut client_write);
    });
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match client_read.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if upstream_write.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = upstream_write.shutdown(std::net::Shutdown::Both);
    let _ = down.join();
}

#[test]
fn https_proxy_carries_the_requests_and_no_proxy_bypasses_it() {
    let home = home();
    let served = simulate_tls(
        home.path(),
        &["--subscriptions", "2", "--clusters-per-subscription", "2"],
    );
    let proxy = Proxy::start();
    let target = served.url.trim_start_matches("https://").to_string();
    let scan_cmd = || {
        let mut cmd = aksradar(home.path());
        cmd.args(["--endpoint", &served.url, "--auth", "token", "scan", "--format", "json"])
            .env("AKSRADAR_TOKEN", "simulator")
            .env("SSL_CERT_FILE", &served.ca)
            .env("HTTPS_PROXY", format!("http://127.0.0.1:{}", proxy.port));
        cmd
    };

    let (code, json, stderr) = scan(&mut scan_cmd());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(cluster_count(&json), 4);
    let through = proxy.targets();
    assert!(
        !through.is_empty() && through.iter().all(|t| *t == target),
        "{through:?}"
    );

    let (code, json, stderr) = scan(scan_cmd().env("NO_PROXY", "127.0.0.1"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(cluster_count(&json), 4);
    assert_eq!(
        proxy.targets().len(),
        through.len(),
        "NO_PROXY: nothing more through the proxy"
    );
}
