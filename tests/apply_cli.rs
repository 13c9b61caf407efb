//! `aksradar apply`, the binary, against `aksradar simulate` over HTTP on 127.0.0.1:
//! the plan without writes (`--dry-run`, the simulator's request log says so), apply
//! off by default, `--yes` needed without a terminal, a whole apply verified by a
//! re-scan, failed operations exiting 4, a concurrent change exiting 4 with the new
//! plan, and the audit log in the state folder (owner-only, who, never the token).
//!
//! Operations take no simulator time (`--operation-seconds 0`); the client still
//! waits the simulator's `Retry-After` of 1 s once per operation, as it would in Azure.

mod jwt;
mod simulate;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OBJECT: &str = "0b5ec0de-0000-4000-8000-000000000002";

/// A home of its own for one test: config, cache and state folders, and the config file.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new(config: &str) -> Home {
        let dir = tempfile::tempdir().expect("a folder");
        std::fs::write(dir.path().join("config.toml"), config).expect("the config");
        Home { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn audit_log(&self) -> PathBuf {
        self.path().join("state").join("aksradar").join("apply-audit.jsonl")
    }

    /// `aksradar` with this home, reaching `url` with `token`.
    fn aksradar(&self, url: &str, token: &str) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aksradar"));
        let home = self.path();
        cmd.env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env_remove("AZURE_CLIENT_SECRET")
            .env_remove("IDENTITY_ENDPOINT")
            .env("AKSRADAR_TOKEN", token)
            .stdin(Stdio::null())
            .args(["--config"])
            .arg(home.join("config.toml"))
            .args(["--endpoint", url, "--auth", "token"]);
        cmd
    }
}

const ENABLED: &str = "[apply]\nenabled = true\n";

/// `aksradar simulate` in the background, killed when dropped.
struct Served {
    _running: simulate::Running,
    url: String,
    log: PathBuf,
    token: String,
    _dir: tempfile::TempDir,
}

fn simulate(args: &[&str]) -> Served {
    let dir = tempfile::tempdir().expect("a folder");
    let log = dir.path().join("requests.jsonl");
    let token = jwt::token(TENANT, OBJECT);
    let mut command = Command::new(env!("CARGO_BIN_EXE_aksradar"));
    command
        .args([
            "simulate",
            "--listen",
            "127.0.0.1:0",
            "--subscriptions",
            "2",
            "--clusters-per-subscription",
            "6",
            "--seed",
            "3",
            "--operation-seconds",
            "0",
            "--admin",
            "--token",
            &token,
            "--request-log",
        ])
        .arg(&log)
        .args(args);
    let (running, lines) = simulate::start(&mut command, 1);
    Served {
        _running: running,
        url: simulate::url(&lines[0]),
        log,
        token,
        _dir: dir,
    }
}

impl Served {
    /// The methods of every request answered so far, with their paths.
    fn requests(&self) -> Vec<(String, String, u16)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
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

    /// The writes to the fleet (the test's own changes through `/admin` and Resource
    /// Graph queries, which are POSTs that read, aside).
    fn writes(&self) -> Vec<(String, String, u16)> {
        self.requests()
            .into_iter()
            .filter(|r| {
                r.0 != "GET" && !r.1.starts_with("/admin/") && !r.1.starts_with("/providers/Microsoft.ResourceGraph/")
            })
            .collect()
    }
}

/// Runs to the end: the exit code, stdout and stderr.
fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let out = cmd.output().expect("aksradar runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn a_dry_run_shows_the_plan_and_sends_no_write_even_with_apply_off() {
    let sim = simulate(&[]);
    let home = Home::new("");
    let (code, stdout, stderr) = run(home.aksradar(&sim.url, &sim.token).args(["apply", "--dry-run"]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("aksradar apply: "), "{stdout}");
    assert!(
        stdout.contains("autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch   [NodeAutoUpgrade]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("left out: Azure.AKS.Version: a Kubernetes upgrade"),
        "{stdout}"
    );
    assert!(stdout.contains("\nWarnings:\n"), "{stdout}");
    assert!(
        stdout.contains("\n  - Warning: changing between NodeImage and SecurityPatch"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n  - Allow up to 24 hours for the change to take effect."),
        "{stdout}"
    );

    let (code, stdout, _) = run(home.aksradar(&sim.url, &sim.token).args([
        "apply",
        "--dry-run",
        "--format",
        "json",
        "--rule",
        "MaintenanceWindow",
    ]));
    assert_eq!(code, Some(0));
    let plan = json(&stdout);
    assert_eq!(plan["dryRun"], true);
    let changes: Vec<&Value> = plan["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .flat_map(|c| c["changes"].as_array().expect("changes"))
        .collect();
    assert!(!changes.is_empty());
    for change in changes {
        assert_eq!(change["state"], "planned");
        assert_eq!(change["rule"], "Azure.AKS.MaintenanceWindow");
        assert_eq!(change["from"], "(none)");
    }
    assert!(!sim.requests().is_empty(), "the fleet was read");
    assert_eq!(sim.writes(), [], "the request log shows no write");
    assert!(!home.audit_log().exists(), "nothing to record");
}

#[test]
fn the_filter_asks_for_rules_as_in_remediate_and_each_upgrade_is_the_one_step_remediate_proposes() {
    let sim = simulate(&[]);
    let home = Home::new("");
    let (code, stdout, stderr) = run(home.aksradar(&sim.url, &sim.token).args([
        "apply",
        "--dry-run",
        "--format",
        "json",
        "--filter",
        "fail:Version",
    ]));
    assert_eq!(code, Some(0), "{stderr}");
    let plan = json(&stdout);
    let clusters = plan["clusters"].as_array().expect("clusters");
    assert!(!clusters.is_empty(), "the fleet has clusters below the minimum");
    let mut planned: Vec<(String, String)> = Vec::new();
    for cluster in clusters {
        for change in cluster["changes"].as_array().expect("changes") {
            assert_eq!(
                change["rule"], "Azure.AKS.Version",
                "only the rule the filter asks about: {change}"
            );
            assert_eq!(change["property"], "kubernetesVersion");
            planned.push((
                cluster["name"].as_str().expect("name").to_string(),
                change["to"].as_str().expect("to").to_string(),
            ));
        }
        for left in cluster["leftOut"].as_array().expect("leftOut") {
            let reason = left["reason"].as_str().unwrap_or_default();
            assert!(
                !reason.contains("Azure.AKS.Version: a Kubernetes upgrade"),
                "the filter asked for Version: {reason}"
            );
        }
    }
    assert!(!planned.is_empty(), "upgrades are planned: {stdout}");

    // `remediate` with the same filter decides the same upgrades, to the same versions.
    let (code, script, stderr) =
        run(home
            .aksradar(&sim.url, &sim.token)
            .args(["remediate", "--filter", "fail:Version"]));
    assert_eq!(code, Some(0), "{stderr}");
    let mut proposed: Vec<(String, String)> = script
        .lines()
        .filter(|l| l.trim_start().starts_with("az aks upgrade "))
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let after = |flag: &str| {
                let at = words.iter().position(|w| *w == flag).expect(flag);
                words[at + 1].trim_matches(|c| c == '\'' || c == '"').to_string()
            };
            (after("-n"), after("--kubernetes-version"))
        })
        .collect();
    planned.sort();
    proposed.sort();
    assert_eq!(planned, proposed, "{script}");
    assert_eq!(sim.writes(), []);
}

#[test]
fn apply_is_off_until_config_turns_it_on_and_says_how() {
    let sim = simulate(&[]);
    let home = Home::new("");
    let (code, _, stderr) = run(home.aksradar(&sim.url, &sim.token).args(["apply", "--yes"]));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("apply is off"), "{stderr}");
    assert!(stderr.contains("`[apply]` with `enabled = true`"), "{stderr}");
    assert!(
        stderr.contains(&home.path().join("config.toml").display().to_string()),
        "names the config file: {stderr}"
    );
    assert_eq!(sim.requests(), [], "refused before anything was read");
}

#[test]
fn without_a_terminal_to_ask_on_apply_needs_yes() {
    let sim = simulate(&[]);
    let home = Home::new(ENABLED);
    let (code, _, stderr) = run(home.aksradar(&sim.url, &sim.token).arg("apply"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("pass --yes to apply without asking"), "{stderr}");
    assert_eq!(sim.writes(), []);
}

#[test]
fn an_apply_writes_verifies_and_leaves_a_clean_rescan_and_an_audit_log_without_the_token() {
    let sim = simulate(&[]);
    let home = Home::new(ENABLED);
    let (code, stdout, stderr) = run(home.aksradar(&sim.url, &sim.token).args([
        "apply",
        "--yes",
        "--rule",
        "NodeAutoUpgrade",
        "--rule",
        "AutoUpgrade",
        "--max-parallel",
        "3",
    ]));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let table: Vec<&str> = stdout.lines().skip_while(|l| !l.starts_with("CLUSTER ")).collect();
    assert!(table.len() > 2, "{stdout}");
    for row in &table[1..] {
        assert!(row.contains("  verified  operation "), "{row}");
    }
    assert!(stderr.contains("applied and verified, 0 failed"), "{stderr}");
    assert!(stderr.contains("running (operation "), "progress on stderr: {stderr}");
    let writes = sim.writes();
    assert!(
        !writes.is_empty() && writes.iter().all(|w| w.0 == "PUT" && w.2 == 200),
        "{writes:?}"
    );

    let (code, stdout, stderr) = run(home.aksradar(&sim.url, &sim.token).args(["scan", "--format", "json"]));
    assert_eq!(code, Some(0), "{stderr}");
    let scan = json(&stdout);
    for cluster in scan["clusters"].as_array().expect("clusters") {
        for finding in cluster["findings"].as_array().expect("findings") {
            if ["Azure.AKS.NodeAutoUpgrade", "Azure.AKS.AutoUpgrade"].contains(&finding["rule"].as_str().unwrap_or(""))
            {
                assert_ne!(finding["outcome"], "Fail", "{}: {finding}", cluster["name"]);
            }
        }
    }

    let path = home.audit_log();
    let text = std::fs::read_to_string(&path).expect("the audit log is in the state folder");
    assert!(!text.contains(&sim.token), "never the token");
    let lines: Vec<Value> = text.lines().map(json).collect();
    let accepted = lines.iter().filter(|l| l["result"] == "accepted").count();
    let verified = lines.iter().filter(|l| l["result"] == "verified").count();
    assert_eq!(accepted, verified, "each change accepted once and verified once");
    assert!(accepted >= writes.len(), "a line for every change of every write");
    for line in &lines {
        assert_eq!(line["tenant"], TENANT);
        assert_eq!(line["objectId"], OBJECT);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("the log").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let (_, info, _) = run(Command::new(env!("CARGO_BIN_EXE_aksradar"))
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .arg("info"));
    assert!(
        info.lines()
            .any(|l| l.starts_with("audit:") && l.ends_with(&path.display().to_string())),
        "info names the audit log: {info}"
    );
}

#[test]
fn failed_operations_exit_4_with_azure_s_code_and_message_in_the_result() {
    let sim = simulate(&["--fail-operations", "1.0"]);
    let home = Home::new(ENABLED);
    let (code, stdout, stderr) = run(home.aksradar(&sim.url, &sim.token).args([
        "apply",
        "--yes",
        "--rule",
        "NodeAutoUpgrade",
        "--format",
        "json",
    ]));
    assert_eq!(code, Some(4), "{stderr}");
    let result = json(&stdout);
    assert_eq!(result["dryRun"], false);
    let failed: Vec<&Value> = result["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .filter(|c| c["result"] == "failed")
        .collect();
    assert!(!failed.is_empty(), "{result}");
    for cluster in failed {
        let change = &cluster["changes"][0];
        assert_eq!(change["state"], "failed");
        let detail = change["detail"].as_str().expect("the error");
        assert!(
            detail.starts_with("ReconcileVMSSAgentPoolFailed: Simulated failure (--fail-operations)"),
            "{detail}"
        );
        assert!(change["operation"].is_string(), "the operation that failed is named");
    }
    assert_eq!(result["summary"]["verified"], 0);
    assert!(stderr.contains(": failed: ReconcileVMSSAgentPoolFailed"), "{stderr}");
    assert!(stderr.contains("0 clusters applied and verified"), "{stderr}");
}

#[test]
fn a_cluster_changed_between_read_and_write_exits_4_and_shows_the_plan_it_has_now() {
    let sim = simulate(&[]);
    let home = Home::new(ENABLED);
    let (_, stdout, _) = run(home.aksradar(&sim.url, &sim.token).args([
        "apply",
        "--dry-run",
        "--format",
        "json",
        "--rule",
        "NodeAutoUpgrade",
    ]));
    let plan = json(&stdout);
    let target = plan["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .find(|c| c["changes"][0]["from"] == "Unmanaged")
        .expect("a cluster on Unmanaged")
        .clone();
    let (id, name) = (
        target["id"].as_str().expect("id"),
        target["name"].as_str().expect("name"),
    );
    // The plan comes from the list and the details phase, which never GET the cluster
    // itself; the engine reads it (the first GET) right before it writes, and then
    // someone else writes.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/admin/mutate", sim.url))
            .bearer_auth(&sim.token)
            .json(&serde_json::json!({
                "cluster": id,
                "patch": {"properties": {"autoUpgradeProfile": {"nodeOSUpgradeChannel": "None"}}},
                "afterGets": 1
            }))
            .send()
            .await
            .expect("sent")
            .status()
    });
    assert_eq!(status, 202);
    let (code, stdout, stderr) = run(home.aksradar(&sim.url, &sim.token).args([
        "apply",
        "--yes",
        "--rule",
        "NodeAutoUpgrade",
        "--filter",
        name,
    ]));
    assert_eq!(code, Some(4), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "{name}  autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch  skipped"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("  now planned: autoUpgradeProfile.nodeOSUpgradeChannel: None → SecurityPatch"),
        "{stdout}"
    );
    assert!(stderr.contains("412 Precondition Failed"), "{stderr}");
    let writes: Vec<u16> = sim.writes().iter().map(|w| w.2).collect();
    assert_eq!(writes, [412], "one write, refused: nothing overwritten");
}

/// Runs `aksradar apply` in a pseudo-terminal, answers its question (`right`: with
/// what it asks for; else with `yes` where a number is asked, or `no`), and reports.
const ASK: &str = r#"
import os, pty, re, select, sys, time

binary, config, url, token, answer = sys.argv[1:6]
extra = sys.argv[6:]
env = dict(os.environ, AKSRADAR_TOKEN=token, TERM="dumb")
pid, fd = pty.fork()
if pid == 0:
    os.execve(binary, [binary, "--config", config, "--endpoint", url, "--auth", "token", "apply",
                       "--rule", "NodeAutoUpgrade"] + extra, env)
out = b""
def read_until(pattern, seconds):
    # Until `pattern` shows (its match), or the output ends (None).
    global out
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return None
            if not chunk:
                return None
            out += chunk
            found = pattern and re.search(pattern, out)
            if found:
                return found
    return None
asked = read_until(rb"Type (\S+) to go ahead", 30)
wanted = asked.group(1).decode() if asked else ""
reply = wanted if answer == "right" else ("no" if wanted == "yes" else "yes")
os.write(fd, (reply + "\n").encode())
read_until(None, 30)
_, status = os.waitpid(pid, 0)
print("asked", wanted)
print("exit", os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1)
sys.stdout.write(out.decode("utf-8", "replace"))
"#;

fn ask(sim: &Served, home: &Home, answer: &str, extra: &[&str]) -> String {
    let out = Command::new("python3")
        .args(["-c", ASK, env!("CARGO_BIN_EXE_aksradar")])
        .arg(home.path().join("config.toml"))
        .args([&sim.url, &sim.token, answer])
        .args(extra)
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn on_a_terminal_apply_asks_for_the_number_of_clusters_or_yes_for_one_and_only_that_goes_ahead() {
    let sim = simulate(&[]);
    let home = Home::new(ENABLED);
    let declined = ask(&sim, &home, "wrong", &[]);
    let asked = declined.lines().find_map(|l| l.strip_prefix("asked ")).expect("asked");
    assert!(
        asked.parse::<usize>().is_ok_and(|n| n > 1),
        "the number of clusters: {declined}"
    );
    assert!(declined.contains("\nexit 0\n"), "{declined}");
    assert!(declined.contains("nothing was applied"), "{declined}");
    assert_eq!(sim.writes(), [], "a wrong answer writes nothing");

    // One cluster: `yes`.
    let (_, stdout, _) = run(home.aksradar(&sim.url, &sim.token).args([
        "apply",
        "--dry-run",
        "--format",
        "json",
        "--rule",
        "NodeAutoUpgrade",
    ]));
    let plan = json(&stdout);
    let one = plan["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .find(|c| !c["changes"].as_array().expect("changes").is_empty())
        .and_then(|c| c["name"].as_str())
        .expect("a cluster to change")
        .to_string();
    let single = ask(&sim, &home, "right", &["--filter", &one]);
    assert!(single.lines().any(|l| l == "asked yes"), "{single}");
    assert!(single.contains("1 cluster applied and verified, 0 failed"), "{single}");

    let rest = ask(&sim, &home, "right", &[]);
    let left = asked.parse::<usize>().expect("a number") - 1;
    let word = if left == 1 { "yes".to_string() } else { left.to_string() };
    assert!(rest.lines().any(|l| l == format!("asked {word}")), "{rest}");
    assert!(rest.contains("\nexit 0\n"), "{rest}");
    assert!(rest.contains(&format!("{left} cluster")), "{rest}");
    assert!(rest.contains("applied and verified, 0 failed"), "{rest}");
}

#[test]
fn an_incomplete_read_exits_3_when_every_change_went_through_and_4_wins_when_one_did_not() {
    let sim = simulate(&["--forbidden-subscriptions", "1"]);
    let home = Home::new(ENABLED);
    let (code, stdout, stderr) =
        run(home
            .aksradar(&sim.url, &sim.token)
            .args(["apply", "--dry-run", "--rule", "NodeAutoUpgrade"]));
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    assert!(stderr.contains("1 of 2 subscriptions could not be read"), "{stderr}");
    assert!(
        stdout.contains("Unmanaged → SecurityPatch"),
        "what was read is planned: {stdout}"
    );

    let (code, stdout, stderr) =
        run(home
            .aksradar(&sim.url, &sim.token)
            .args(["apply", "--yes", "--rule", "NodeAutoUpgrade"]));
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    assert!(stderr.contains("applied and verified, 0 failed"), "{stderr}");
    assert!(stderr.contains("1 of 2 subscriptions could not be read"), "{stderr}");
    assert!(!sim.writes().is_empty(), "the subscription that was read was applied");

    let failing = simulate(&["--forbidden-subscriptions", "1", "--fail-operations", "1.0"]);
    let (code, _, stderr) =
        run(home
            .aksradar(&failing.url, &failing.token)
            .args(["apply", "--yes", "--rule", "NodeAutoUpgrade"]));
    assert_eq!(code, Some(4), "a failed change wins over the incomplete read: {stderr}");
    assert!(stderr.contains("1 of 2 subscriptions could not be read"), "{stderr}");
}
