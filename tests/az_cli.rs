//! The proof of the generated fixes: the real Azure CLI, installed from PyPI, runs
//! `aksradar remediate --format cli` against `aksradar simulate --tls`.
//!
//! 1. Azure CLI 2.91.0 is installed into a virtual environment under the user's
//!    cache folder (`$XDG_CACHE_HOME` or `~/.cache`, `aksradar-ci/azure-cli-2.91.0`)
//!    and reused while it is complete; a lock file keeps two test runs from
//!    installing at once. CI reaches PyPI, so this test never skips itself.
//! 2. The simulator runs with TLS; the CLI, in its own `AZURE_CONFIG_DIR`, registers
//!    it as a cloud from its URL alone (`/metadata/endpoints`), signs in with a
//!    service principal at its token service, and `az aks list` must agree with
//!    `aksradar scan`, which itself signs in through that CLI (`--auth cli`).
//! 3. Every flag the script gives `az` is one the real CLI defines (`az ... --help`).
//!    The script for every rule (`--rule` five times) runs with exit 0; a re-scan
//!    from ARM and from Resource Graph finds nothing failing; a second run sends only
//!    GETs (the simulator's request log says so).
//! 4. Against a simulator that fails half its operations (`--fail-operations 0.5`),
//!    the script names every failed cluster, lists the fixed ones, and exits 1;
//!    the failed set is checked against the clusters the simulator left `Failed`.
//!
//! Each cluster's Kubernetes upgrade goes one step, to the newest patch of the next
//! minor its upgrade profile offers. The run is scoped with `--filter 'k8s:>=1.33'`,
//! so every cluster in scope that fails Version reaches the minimum in that one step
//! (one further behind would need the fix run again after the first step). The
//! script waits with `WAIT_INTERVAL=1`, the simulator's operations taking a second.
//!
//! Its duration is printed (`--nocapture`): the first run installs the CLI.

#![cfg(unix)]

mod simulate;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const AZURE_CLI_VERSION: &str = "2.91.0";
const SCOPE: &str = "k8s:>=1.33";
/// Every rule: a filter alone asks only about its own (`k8s:` is Version's question).
const EVERY_RULE: [&str; 10] = [
    "--rule",
    "NodeAutoUpgrade",
    "--rule",
    "AutoUpgrade",
    "--rule",
    "Version",
    "--rule",
    "PoolVersion",
    "--rule",
    "MaintenanceWindow",
];
/// Small enough to run in about a minute, with every rule failing in scope.
const FLEET: [&str; 8] = [
    "--subscriptions",
    "2",
    "--clusters-per-subscription",
    "6",
    "--seed",
    "3",
    "--operation-seconds",
    "1",
];

/// Runs `cmd` to its end or kills it after `limit`, so a hung CLI fails the test.
fn run(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?} does not start: {e}"));
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{cmd:?} ran longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The Azure CLI in a cached virtual environment.
struct AzureCli {
    bin: PathBuf,
}

impl AzureCli {
    /// Installs it once; later runs reuse it. Returns it and whether it was installed now.
    fn installed() -> (AzureCli, bool) {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .expect("XDG_CACHE_HOME or HOME is set")
            .join("aksradar-ci");
        std::fs::create_dir_all(&cache).expect("the cache folder can be made");
        let venv = cache.join(format!("azure-cli-{AZURE_CLI_VERSION}"));
        let complete = venv.join(".aksradar-complete");
        let lock = File::create(cache.join(format!("azure-cli-{AZURE_CLI_VERSION}.lock"))).expect("the lock file");
        // Another test process may be installing: wait for it, then reuse its work.
        lock.lock().expect("the install lock");
        let mut fresh = false;
        if !complete.exists() {
            fresh = true;
            let _ = std::fs::remove_dir_all(&venv);
            let python = ["python3", "python"]
                .into_iter()
                .find(|p| {
                    Command::new(p)
                        .arg("--version")
                        .output()
                        .is_ok_and(|o| o.status.success())
                })
                .expect("Python 3 is installed (the Azure CLI needs it)");
            let made = run(
                Command::new(python).args(["-m", "venv"]).arg(&venv),
                Duration::from_secs(300),
            );
            assert!(
                made.status.success(),
                "python3 -m venv failed (on Debian/Ubuntu install python3-venv): {}",
                text(&made.stderr)
            );
            let pip = run(
                Command::new(venv.join("bin/python")).args([
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--quiet",
                    &format!("azure-cli=={AZURE_CLI_VERSION}"),
                ]),
                Duration::from_secs(1200),
            );
            assert!(
                pip.status.success(),
                "pip install azure-cli failed: {}",
                text(&pip.stderr)
            );
            std::fs::write(&complete, AZURE_CLI_VERSION).expect("the install is marked complete");
        }
        lock.unlock().expect("unlock");
        let cli = AzureCli { bin: venv.join("bin") };
        let version = run(
            Command::new(cli.bin.join("az")).arg("version"),
            Duration::from_secs(120),
        );
        assert!(version.status.success(), "az version: {}", text(&version.stderr));
        let reported: Value = serde_json::from_slice(&version.stdout).expect("az version prints JSON");
        assert_eq!(reported["azure-cli"], AZURE_CLI_VERSION);
        (cli, fresh)
    }

    /// `PATH` with the CLI first (absolute, as aksradar's CLI credential needs).
    fn path(&self) -> String {
        format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap_or_default())
    }

    /// The roots the CLI's Python trusts, plus `ca`: what `REQUESTS_CA_BUNDLE` names.
    fn bundle_with(&self, ca: &Path, into: &Path) -> PathBuf {
        let python = self.bin.join("python");
        let where_ = run(
            Command::new(python).args(["-c", "import certifi; print(certifi.where())"]),
            Duration::from_secs(60),
        );
        let roots = std::fs::read_to_string(text(&where_.stdout).trim()).expect("certifi's roots");
        let bundle = into.join("bundle.pem");
        let ca = std::fs::read_to_string(ca).expect("the simulator's CA");
        std::fs::write(&bundle, format!("{roots}\n{ca}")).expect("the bundle is written");
        bundle
    }
}

/// `aksradar simulate --tls` in the background, stopped when dropped.
struct Served {
    _running: simulate::Running,
    url: String,
    ca: PathBuf,
    tenant: String,
    log: PathBuf,
}

impl Served {
    fn start(home: &Path, extra: &[&str]) -> Served {
        let log = home.join(format!("requests-{}.jsonl", extra.len()));
        let mut command = Command::new(env!("CARGO_BIN_EXE_aksradar"));
        // Its CA goes in the test's folder: killed at the end, it cannot remove it itself.
        command
            .env("TMPDIR", home)
            .args(["simulate", "--listen", "127.0.0.1:0", "--tls", "--request-log"])
            .arg(&log)
            .args(FLEET)
            .args(extra);
        let (running, lines) = simulate::start(&mut command, 3);
        Served {
            _running: running,
            url: simulate::url(&lines[0]),
            ca: simulate::ca(&lines[1]),
            tenant: simulate::tenant(&lines[2]),
            log,
        }
    }

    /// The requests answered since line `from` of the log: (method, path, status).
    fn requests(&self, from: usize) -> Vec<(String, String, u16)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .skip(from)
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("a JSON line");
                (
                    v["method"].as_str().unwrap_or_default().to_string(),
                    v["path"].as_str().unwrap_or_default().to_string(),
                    v["status"].as_u64().unwrap_or_default() as u16,
                )
            })
            .collect()
    }

    fn logged(&self) -> usize {
        self.requests(0).len()
    }
}

/// One signed-in Azure CLI and aksradar, both pointed at one simulator.
struct Session<'a> {
    cli: &'a AzureCli,
    served: &'a Served,
    home: PathBuf,
    bundle: PathBuf,
}

impl<'a> Session<'a> {
    /// Registers the simulator as a cloud in a fresh `AZURE_CONFIG_DIR` and signs in.
    fn sign_in(cli: &'a AzureCli, served: &'a Served, home: PathBuf) -> Session<'a> {
        std::fs::create_dir_all(home.join("azure")).expect("the CLI's config folder");
        let bundle = cli.bundle_with(&served.ca, &home);
        let session = Session {
            cli,
            served,
            home,
            bundle,
        };
        // From the URL alone: the CLI reads the rest from /metadata/endpoints.
        session.az_ok(&[
            "cloud",
            "register",
            "-n",
            "aksradar-sim",
            "--endpoint-resource-manager",
            &format!("{}/", served.url),
        ]);
        session.az_ok(&["cloud", "set", "-n", "aksradar-sim"]);
        session.az_ok(&[
            "login",
            "--service-principal",
            "-u",
            "00000000-0000-0000-0000-0000000000a1",
            "-p",
            "any-secret",
            "--tenant",
            &served.tenant,
            "-o",
            "none",
        ]);
        session
    }

    fn env(&self, cmd: &mut Command) {
        for name in [
            "AZURE_CLIENT_SECRET",
            "AZURE_CLIENT_ID",
            "AZURE_TENANT_ID",
            "AKSRADAR_TOKEN",
            "IDENTITY_ENDPOINT",
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            cmd.env_remove(name);
        }
        cmd.env("PATH", self.cli.path())
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", &self.home)
            .env("XDG_CACHE_HOME", &self.home)
            .env("XDG_STATE_HOME", &self.home)
            .env("AZURE_CONFIG_DIR", self.home.join("azure"))
            .env("AZURE_EXTENSION_DIR", self.home.join("azure-extensions"))
            .env("AZURE_CORE_COLLECT_TELEMETRY", "false")
            .env("AZURE_CORE_INSTANCE_DISCOVERY", "false")
            .env("AZURE_CORE_ONLY_SHOW_ERRORS", "true")
            .env("AZURE_CORE_NO_COLOR", "true")
            .env("REQUESTS_CA_BUNDLE", &self.bundle)
            .env("SSL_CERT_FILE", &self.served.ca)
            .env("NO_PROXY", "127.0.0.1,localhost");
    }

    fn az(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(self.cli.bin.join("az"));
        cmd.args(args);
        self.env(&mut cmd);
        run(&mut cmd, Duration::from_secs(180))
    }

    fn az_ok(&self, args: &[&str]) -> Output {
        let out = self.az(args);
        assert!(out.status.success(), "az {}: {}", args.join(" "), text(&out.stderr));
        out
    }

    /// `aksradar --endpoint URL --auth cli ARGS`: signed in through the real CLI.
    fn aksradar(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aksradar"));
        cmd.args(["--endpoint", &self.served.url, "--auth", "cli"]).args(args);
        self.env(&mut cmd);
        run(&mut cmd, Duration::from_secs(180))
    }

    fn scan(&self, source: &str) -> Value {
        let out = self.aksradar(&["--source", source, "scan", "--format", "json", "--filter", SCOPE]);
        assert!(out.status.success(), "scan --source {source}: {}", text(&out.stderr));
        let json: Value = serde_json::from_slice(&out.stdout).expect("scan prints JSON");
        assert_eq!(json["errors"], serde_json::json!([]), "a complete read from {source}");
        json
    }

    /// The fix script for every rule in the scope, written to a file.
    fn script(&self, name: &str) -> PathBuf {
        let mut args = vec!["remediate", "--format", "cli", "--filter", SCOPE];
        args.extend(EVERY_RULE);
        let out = self.aksradar(&args);
        assert!(out.status.success(), "remediate: {}", text(&out.stderr));
        let path = self.home.join(name);
        std::fs::write(&path, &out.stdout).expect("the script is written");
        path
    }

    fn run_script(&self, script: &Path) -> Output {
        let mut cmd = Command::new("bash");
        // No K8S_TARGET_VERSION: every cluster's profile was read, so each has its own.
        cmd.arg(script)
            .env("WAIT_INTERVAL", "1")
            .env_remove("K8S_TARGET_VERSION");
        self.env(&mut cmd);
        run(&mut cmd, Duration::from_secs(900))
    }

    /// Every `az` command the script runs, with the flags it gives it, checked against
    /// what `az COMMAND --help` lists: a flag the real CLI does not define fails here,
    /// not in a user's terminal. Flags collected into `flags+=(...)` go to `az aks update`,
    /// those of the wait helpers' `"$@"` come with the commands that call them.
    fn assert_flags_known(&self, script: &str) {
        let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut add = |command: &str, words: &[&str]| {
            let entry = used.entry(command.to_string()).or_default();
            for word in words.iter().filter(|w| w.starts_with('-') && w.len() > 1) {
                let flag = word.split('=').next().unwrap_or(word);
                entry.insert(flag.trim_end_matches(')').to_string());
            }
        };
        for line in script.lines().map(str::trim) {
            if line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix("if [ \"$current\" != ")
                && let Some((_, flags)) = rest.split_once("flags+=(")
            {
                let words: Vec<&str> = flags.split_whitespace().collect();
                add("aks update", &words);
                continue;
            }
            let Some(at) = line.find("az ") else { continue };
            let words: Vec<&str> = line[at + 3..].split_whitespace().collect();
            let command: Vec<&str> = words
                .iter()
                .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !w.starts_with('-'))
                .copied()
                .collect();
            assert!(!command.is_empty(), "an az call without a command: {line}");
            add(&command.join(" "), &words[command.len()..]);
            // The helpers pass the cluster's own arguments on to these.
            if command == ["aks", "wait"] || command == ["aks", "nodepool", "wait"] {
                add(&command.join(" "), &["--subscription", "-g", "-n", "--cluster-name"]);
            }
        }
        let used: BTreeMap<String, BTreeSet<String>> = used
            .into_iter()
            .map(|(command, mut flags)| {
                // The wait helpers are called with a cluster's args: `-n` or `--cluster-name` per helper.
                if command == "aks wait" {
                    flags.remove("--cluster-name");
                }
                (command, flags)
            })
            .collect();
        assert!(
            used.contains_key("aks update") && used.contains_key("aks wait"),
            "{used:?}"
        );
        for (command, flags) in &used {
            let mut args: Vec<&str> = command.split(' ').collect();
            args.push("--help");
            let help = text(&self.az_ok(&args).stdout);
            let defined: BTreeSet<&str> = help
                .lines()
                .filter_map(|l| l.trim_start().strip_prefix('-').map(|_| l.trim_start()))
                .flat_map(|l| l.split(':').next().unwrap_or_default().split_whitespace())
                .filter(|w| w.starts_with('-'))
                .collect();
            for flag in flags {
                assert!(
                    defined.contains(flag.as_str()),
                    "`az {command}` has no {flag}; it defines {defined:?}"
                );
            }
        }
    }
}

/// Each failing finding of a scan, as (cluster id, rule).
fn failing(scan: &Value) -> BTreeSet<(String, String)> {
    scan["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .flat_map(|c| {
            c["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["outcome"] == "Fail")
                .map(|f| {
                    (
                        c["id"].as_str().unwrap_or_default().to_ascii_lowercase(),
                        f["rule"].as_str().unwrap_or_default().to_string(),
                    )
                })
        })
        .collect()
}

/// The clusters the script reported, from its summary: (ok, failed), as
/// `subscription/group/name` in lower case.
fn reported(stdout: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut ok = BTreeSet::new();
    let mut failed = BTreeSet::new();
    for line in stdout.lines() {
        if let Some(c) = line.strip_prefix("  ok      ") {
            ok.insert(c.to_ascii_lowercase());
        } else if let Some(c) = line.strip_prefix("  FAILED  ") {
            failed.insert(c.to_ascii_lowercase());
        }
    }
    (ok, failed)
}

/// `subscription/group/name` of a cluster id, in lower case.
fn short(id: &str) -> String {
    let parts: Vec<&str> = id.split('/').collect();
    format!("{}/{}/{}", parts[2], parts[4], parts[8]).to_ascii_lowercase()
}

#[test]
fn the_real_azure_cli_runs_the_generated_fixes_against_the_simulator() {
    let began = Instant::now();
    let (cli, fresh) = AzureCli::installed();
    let installed = began.elapsed();
    let home = tempfile::tempdir().expect("a home");

    // 2. The simulator, the CLI signed in to it, and the same fleet seen by both.
    let served = Served::start(home.path(), &[]);
    let session = Session::sign_in(&cli, &served, home.path().join("run"));
    let subscriptions: Vec<String> = text(
        &session
            .az_ok(&["account", "list", "--query", "[].id", "-o", "tsv"])
            .stdout,
    )
    .lines()
    .map(String::from)
    .collect();
    assert_eq!(subscriptions.len(), 2, "the CLI sees the simulated subscriptions");
    let mut by_az = BTreeMap::new();
    for sub in &subscriptions {
        let listed: Value = serde_json::from_slice(
            &session
                .az_ok(&["aks", "list", "--subscription", sub, "-o", "json"])
                .stdout,
        )
        .expect("az aks list prints JSON");
        for c in listed.as_array().expect("a list") {
            by_az.insert(
                c["id"].as_str().unwrap_or_default().to_ascii_lowercase(),
                (
                    c["name"].clone(),
                    c["kubernetesVersion"].clone(),
                    c["autoUpgradeProfile"]["nodeOsUpgradeChannel"].clone(),
                    c["autoUpgradeProfile"]["upgradeChannel"].clone(),
                ),
            );
        }
    }
    let everything = session.aksradar(&["scan", "--format", "json"]);
    assert!(everything.status.success(), "{}", text(&everything.stderr));
    let everything: Value = serde_json::from_slice(&everything.stdout).expect("JSON");
    let by_aksradar: BTreeMap<String, (Value, Value, Value, Value)> = everything["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .map(|c| {
            let channel = |key: &str| c[key].clone();
            (
                c["id"].as_str().unwrap_or_default().to_ascii_lowercase(),
                (
                    c["name"].clone(),
                    c["kubernetesVersion"].clone(),
                    channel("nodeOsUpgradeChannel"),
                    channel("upgradeChannel"),
                ),
            )
        })
        .collect();
    assert_eq!(by_aksradar.len(), 12);
    assert_eq!(by_aksradar, by_az, "az aks list and aksradar scan see the same fleet");

    let before = failing(&session.scan("arm"));
    let rules: BTreeSet<&str> = before.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        rules,
        BTreeSet::from([
            "Azure.AKS.AutoUpgrade",
            "Azure.AKS.MaintenanceWindow",
            "Azure.AKS.NodeAutoUpgrade",
            "Azure.AKS.PoolVersion",
            "Azure.AKS.Version",
        ]),
        "every rule fails somewhere in scope before the fixes"
    );

    // 3. The fixes, for real, with flags the real CLI defines.
    let script = session.script("fix.sh");
    let script_text = std::fs::read_to_string(&script).expect("the script");
    assert!(
        !script_text.contains("K8S_TARGET_VERSION:?"),
        "every cluster has its own target"
    );
    session.assert_flags_known(&script_text);
    let first = session.run_script(&script);
    let (ok, failed) = reported(&text(&first.stdout));
    assert!(
        first.status.success(),
        "the script exits 0: {}\n{}",
        text(&first.stderr),
        text(&first.stdout)
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(failed.is_empty(), "{failed:?}");
    let fixed_clusters: BTreeSet<String> = before.iter().map(|(id, _)| short(id)).collect();
    assert_eq!(ok, fixed_clusters, "every failing cluster in scope is reported fixed");
    for source in ["arm", "graph"] {
        let after = failing(&session.scan(source));
        assert!(after.is_empty(), "{source}: still failing after the fixes: {after:?}");
    }
    let written = served.requests(0);
    let methods: BTreeSet<&str> = written.iter().map(|(m, _, _)| m.as_str()).collect();
    assert!(methods.contains("PUT"), "the CLI wrote: {methods:?}");
    // The only refusals: `maintenanceconfiguration show` of a window not there yet.
    let refused: Vec<&(String, String, u16)> = written
        .iter()
        .filter(|(m, p, s)| *s >= 400 && !(m == "GET" && *s == 404 && p.contains("/maintenanceConfigurations/")))
        .collect();
    assert!(refused.is_empty(), "no write of the first run was refused: {refused:?}");

    let mark = served.logged();
    let second = session.run_script(&script);
    assert!(second.status.success(), "{}", text(&second.stderr));
    let again = served.requests(mark);
    assert!(!again.is_empty());
    let writes: Vec<&(String, String, u16)> = again
        .iter()
        .filter(|(m, p, _)| m != "GET" && !p.contains("/oauth2/"))
        .collect();
    assert!(writes.is_empty(), "a second run changes nothing: {writes:?}");
    let fixes_done = began.elapsed();

    // 4. Operations that fail: the script names each failed cluster and exits 1.
    let failing_home = home.path().join("failing");
    std::fs::create_dir_all(&failing_home).expect("a folder");
    let flaky = Served::start(&failing_home, &["--fail-operations", "0.5"]);
    let session = Session::sign_in(&cli, &flaky, failing_home.join("run"));
    let script = session.script("fix-failing.sh");
    let mark = flaky.logged();
    let out = session.run_script(&script);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let (ok, failed) = reported(&stdout);
    assert!(
        !failed.is_empty() && !ok.is_empty(),
        "some fail, some are fixed: {ok:?} {failed:?}"
    );
    for cluster in &failed {
        assert!(
            stderr
                .to_ascii_lowercase()
                .contains(&format!("aksradar: failed: {cluster}")),
            "{cluster} is named as it fails: {stderr}"
        );
    }
    // What the simulator says: each cluster the script wrote to (a PUT of it or of a
    // pool) failed exactly when the simulator left it, or a pool of it, `Failed`.
    let requests = flaky.requests(mark);
    let written: BTreeSet<String> = requests
        .iter()
        .filter(|(method, path, _)| method == "PUT" && path.contains("/managedClusters/"))
        .map(|(_, path, _)| {
            let bare = path.split('?').next().unwrap_or_default();
            let parts: Vec<&str> = bare.split('/').collect();
            parts[..9].join("/")
        })
        .collect();
    let mut failed_by_simulator = BTreeSet::new();
    for cluster in &written {
        let state: Value = http::get(&format!("{}{cluster}?api-version=2025-10-01", flaky.url), &flaky.ca);
        let failed_state = |v: &Value| v["provisioningState"] == "Failed";
        let pools = state["properties"]["agentPoolProfiles"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if failed_state(&state["properties"]) || pools.iter().any(failed_state) {
            failed_by_simulator.insert(short(cluster));
        }
    }
    assert!(!written.is_empty());
    let failed_written: BTreeSet<String> = failed
        .iter()
        .filter(|c| written.iter().any(|w| short(w) == **c))
        .cloned()
        .collect();
    assert_eq!(
        failed_written, failed,
        "every failure the script reports is a failed write"
    );
    assert_eq!(
        failed, failed_by_simulator,
        "the script reports exactly the clusters whose operation failed"
    );
    let after = failing(&session.scan("arm"));
    for cluster in &ok {
        assert!(
            after.iter().all(|(id, _)| short(id) != *cluster),
            "{cluster} was reported fixed and is: {after:?}"
        );
    }

    eprintln!(
        "az_cli: Azure CLI {AZURE_CLI_VERSION} {} in {:.1} s; steps 2-3 {:.1} s; step 4 {:.1} s; in all {:.1} s",
        if fresh { "installed" } else { "reused" },
        installed.as_secs_f64(),
        (fixes_done - installed).as_secs_f64(),
        (began.elapsed() - fixes_done).as_secs_f64(),
        began.elapsed().as_secs_f64()
    );
}

mod http {
    //! One GET with the simulator's token and CA, for the test's own checks.
    use std::path::Path;

    use serde_json::Value;

    pub fn get(url: &str, ca: &Path) -> Value {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let pem = std::fs::read(ca).expect("the CA");
            let roots = reqwest::Certificate::from_pem_bundle(&pem).expect("PEM");
            let client = reqwest::Client::builder()
                .tls_certs_merge(roots)
                .no_proxy()
                .build()
                .expect("client");
            client
                .get(url)
                .bearer_auth("simulator")
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("JSON")
        })
    }
}
