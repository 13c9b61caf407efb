//! The real dashboard in a pseudo-terminal: `aksradar demo` starts, a cluster opens,
//! the fix popup opens, `?` shows the keys of the fix popup, Esc goes back to the
//! table, `q` quits, and the terminal is restored (alternate screen left, cursor shown,
//! raw mode off). And `scan` with its stderr on a terminal: the progress of both
//! phases of a live read, and an end.
//!
//! Python's `pty` module drives it, since it is already needed for the conformance
//! check and a Rust pty crate would be one more dependency for one test.

mod simulate;

use std::process::Command;

const DRIVER: &str = r#"
import os, pty, select, sys, termios, time, tty

binary, home = sys.argv[1], sys.argv[2]
env = dict(os.environ, HOME=home, XDG_CACHE_HOME=home + "/cache", XDG_STATE_HOME=home + "/state",
           XDG_CONFIG_HOME=home + "/config", TERM="xterm-256color", COLUMNS="140", LINES="40")
env.pop("NO_COLOR", None)

pid, fd = pty.fork()
if pid == 0:
    os.execve(binary, [binary, "demo", "--subscriptions", "3", "--clusters-per-subscription", "5", "--latency-ms", "0"], env)

import fcntl, struct
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
out = b""

def read_for(seconds):
    global out
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            out += chunk

def wait_for(text, seconds=20, since=0):
    # Several words: the terminal is sent only the cells that change, so any one
    # word can be broken by a cell the frame before already had.
    words = [w.encode() for w in (text if isinstance(text, list) else [text])]
    end = time.time() + seconds
    while time.time() < end:
        read_for(0.1)
        if any(w in out[since:] for w in words):
            return True
    return False

ok = wait_for("aks-", 30)
mark = len(out)
os.write(fd, b"\r")            # open the selected cluster
opened = wait_for("Versions and channels", 30)
os.write(fd, b"f")             # the fix popup
fixed = wait_for("Fix", 15)
mark = len(out)
os.write(fd, b"?")             # the help, for where it was opened
helped = wait_for(["Elsewhere", "Here, in", "fix popup"], 15, mark)
os.write(fd, b"?")             # closed again: back to the popup
time.sleep(0.3)
mark = len(out)
os.write(fd, b"\x1b")          # Esc closes the popup...
time.sleep(0.3)
os.write(fd, b"\x1b")          # ...and Esc goes back to the table
back = wait_for(["open", "filter", "batch", "mark"], 15, mark)
os.write(fd, b"q")
_, status = os.waitpid(pid, 0)
read_for(0.3)
try:
    attrs = termios.tcgetattr(fd)
    cooked = bool(attrs[3] & termios.ICANON) and bool(attrs[3] & termios.ECHO)
except termios.error:
    cooked = "unknown"
print("saw_rows", ok)
print("opened", opened)
print("fix", fixed)
print("help", helped)
print("back", back)
print("exit", os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1)
print("cooked", cooked)
print("alt_enter", b"\x1b[?1049h" in out)
print("alt_leave", b"\x1b[?1049l" in out)
print("cursor_shown", b"\x1b[?25h" in out[out.rfind(b"\x1b[?1049l"):] if b"\x1b[?1049l" in out else False)
"#;

#[test]
fn the_demo_dashboard_opens_a_cluster_and_its_fix_then_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .args(["-c", DRIVER, env!("CARGO_BIN_EXE_aksradar")])
        .arg(home.path())
        .output()
        .expect("python3 runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "saw_rows True",
        "opened True",
        "fix True",
        "help True",
        "back True",
        "exit 0",
        "cooked True",
        "alt_enter True",
        "alt_leave True",
        "cursor_shown True",
    ] {
        assert!(report.contains(line), "expected `{line}` in:\n{report}");
    }
}

/// A small virtual terminal over the dashboard's output (cursor moves, clears, text;
/// colours ignored), so a test reads the screen as it stands, not the stream of
/// changed cells, and then drives one apply end to end.
const APPLY_DRIVER: &str = r#"
import codecs, os, pty, select, sys, termios, time, fcntl, struct

binary, home, name = sys.argv[1], sys.argv[2], sys.argv[3]
ROWS, COLS = 40, 140
env = dict(os.environ, HOME=home, XDG_CACHE_HOME=home + "/cache", XDG_STATE_HOME=home + "/state",
           XDG_CONFIG_HOME=home + "/config", TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS))
env.pop("NO_COLOR", None)

pid, fd = pty.fork()
if pid == 0:
    os.execve(binary, [binary, "demo", "--subscriptions", "3", "--clusters-per-subscription", "5", "--latency-ms", "0"], env)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))

grid = [[" "] * COLS for _ in range(ROWS)]
row = col = 0
pending = ""
decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

def feed(text):
    global row, col, pending, grid
    text = pending + text
    pending = ""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\x1b":
            if i + 1 >= len(text):
                pending = text[i:]
                return
            if text[i + 1] == "[":
                j = i + 2
                while j < len(text) and not ("@" <= text[j] <= "~"):
                    j += 1
                if j >= len(text):
                    pending = text[i:]
                    return
                params, final = text[i + 2:j], text[j]
                if final == "H" and not params.startswith("?"):
                    parts = [p for p in params.split(";")] if params else []
                    row = (int(parts[0]) - 1) if len(parts) > 0 and parts[0] else 0
                    col = (int(parts[1]) - 1) if len(parts) > 1 and parts[1] else 0
                elif final == "J" and params in ("2", "3"):
                    grid = [[" "] * COLS for _ in range(ROWS)]
                elif final == "K" and 0 <= row < ROWS:
                    for x in range(col, COLS):
                        grid[row][x] = " "
                i = j + 1
                continue
            if text[i + 1] == "]":
                end = text.find("\x07", i)
                if end < 0:
                    pending = text[i:]
                    return
                i = end + 1
                continue
            i += 2
            continue
        if c == "\r":
            col = 0
        elif c == "\n":
            row += 1
        elif c >= " ":
            if 0 <= row < ROWS and 0 <= col < COLS:
                grid[row][col] = c
            col += 1
        i += 1

def pump(seconds):
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            feed(decoder.decode(chunk))

def lines():
    return ["".join(r).rstrip() for r in grid]

def wait(predicate, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        pump(0.1)
        if predicate(lines()):
            return True
    return False

def screen():
    return "\n".join(lines())

def has(*words):
    return lambda ls: all(any(w in l for l in ls) for w in words)

steps = []
def step(label, ok):
    steps.append((label, ok))
    print(label, ok)
    if not ok:
        print(screen())

# The list, then every cluster's details: the plan needs them (maintenance windows).
step("loaded", wait(lambda ls: any(name in l for l in ls) and not any("reading details" in l or "refreshing" in l for l in ls), 60))
os.write(fd, ("/" + name + "\r").encode())
step("filtered", wait(has("1 of 15 clusters"), 15))
os.write(fd, b"f")
step("fix", wait(has("Fix: "), 15))
os.write(fd, b"A")
step("plan", wait(has("Apply: ", "apply? "), 15))
os.write(fd, b"yes\r")
step("applying", wait(has("applying"), 15))
os.write(fd, b"5")
def all_succeeded(ls):
    ops = [l for l in ls if name in l and ("queued" in l or "running" in l or "verifying" in l or "succeeded" in l or "failed" in l)]
    return len(ops) > 0 and all("succeeded" in l for l in ops)
step("succeeded", wait(all_succeeded, 60))
os.write(fd, b"1")
def compliant(ls):
    row = [l for l in ls if name in l and "Pass" in l]
    return len(row) == 1 and any("0 non-compliant" in l for l in ls)
step("compliant", wait(compliant, 15))
os.write(fd, b"q")
_, status = os.waitpid(pid, 0)
print("exit", os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1)
"#;

/// A cluster of the demo's fleet (3 subscriptions of 5, seed 1) that fails only rules
/// an apply fixes by default, every one of them: after its apply it is compliant.
fn a_cluster_the_default_apply_makes_compliant() -> String {
    use std::sync::Arc;

    use aksradar::azure::{ArmClient, Credentials, FleetRequest, RetryPolicy};
    use aksradar::config::{Config, Source};
    use aksradar::remediate::{Scope, plan};
    use aksradar::sim::{SimOptions, Simulator};

    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let sim = Simulator::start(
            "127.0.0.1:0".parse().expect("address"),
            SimOptions {
                subscriptions: 3,
                clusters_per_subscription: 5,
                seed: 1,
                latency_ms: 0,
                record_requests: false,
                ..SimOptions::default()
            },
        )
        .await
        .expect("the simulator starts");
        let client = Arc::new(
            ArmClient::new(
                &sim.url(),
                "https://management.azure.com/.default",
                Arc::new(Credentials::fixed("simulator")),
                RetryPolicy::default(),
            )
            .expect("client"),
        );
        let request = FleetRequest {
            subscriptions: vec![],
            source: Source::Arm,
            concurrency: 8,
        };
        let nothing_earlier = || std::future::ready(None);
        let now = time::OffsetDateTime::now_utc();
        let mut snapshot = aksradar::fetch::list(client.clone(), &request, None, &nothing_earlier, "k", now).await;
        aksradar::fetch::details(client, &mut snapshot, 8, None, &nothing_earlier, now).await;
        sim.stop().await;
        let config = Config::default();
        snapshot
            .clusters
            .into_iter()
            .map(|c| aksradar::rules::assess_one(c, &config, now.date()))
            .find(|item| {
                let failing: std::collections::BTreeSet<_> = item.failing().map(|f| f.rule.name()).collect();
                let plan = plan::plan(item, &config, Scope::default());
                let fixed: std::collections::BTreeSet<_> = plan.fixes().into_iter().map(|r| r.name()).collect();
                !failing.is_empty() && plan.left_out.is_empty() && fixed == failing
            })
            .map(|item| item.cluster.name.to_string())
            .expect("the demo fleet has a cluster the default apply makes compliant")
    })
}

#[test]
fn the_demo_applies_a_fix_end_to_end_and_the_row_turns_compliant() {
    let name = a_cluster_the_default_apply_makes_compliant();
    let home = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .args(["-c", APPLY_DRIVER, env!("CARGO_BIN_EXE_aksradar")])
        .arg(home.path())
        .arg(&name)
        .output()
        .expect("python3 runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "loaded True",
        "filtered True",
        "fix True",
        "plan True",
        "applying True",
        "succeeded True",
        "compliant True",
        "exit 0",
    ] {
        assert!(report.contains(line), "expected `{line}` in:\n{report}");
    }
    let audit = std::fs::read_to_string(home.path().join("state/aksradar/apply-audit.jsonl")).expect("the audit log");
    assert!(
        audit.contains(&name) && audit.contains("\"result\":\"verified\""),
        "{audit}"
    );
}

/// Runs `aksradar ARGS...` with its stderr on a pseudo-terminal (stdout to a pipe, as
/// when a report is redirected) and prints what reached the terminal.
const STDERR_ON_A_TTY: &str = r#"
import os, pty, select, subprocess, sys, time
master, slave = pty.openpty()
proc = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
os.close(slave)
out = b""
end = time.time() + 60
while time.time() < end:
    r, _, _ = select.select([master], [], [], 0.1)
    if not r:
        if proc.poll() is not None:
            break
        continue
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
try:
    proc.wait(timeout=max(0.1, end - time.time()))
except subprocess.TimeoutExpired:
    proc.kill()
    proc.wait()
    out += b"\n(still running after 60 s: killed)"
sys.stdout.write(out.decode("utf-8", "replace"))
sys.stdout.write("\nexit %d\n" % proc.returncode)
"#;

/// `aksradar simulate` on a free port, killed when dropped.
struct Served {
    _running: simulate::Running,
    url: String,
}

fn simulate(args: &[&str]) -> Served {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aksradar"));
    let (running, lines) = simulate::start(command.args(["simulate", "--listen", "127.0.0.1:0"]).args(args), 1);
    Served {
        _running: running,
        url: simulate::url(&lines[0]),
    }
}

/// The progress lines `scan` drew on a terminal stderr: each redraw starts with `\r`
/// and an erase of the line.
fn progress_lines(terminal: &str) -> Vec<&str> {
    terminal
        .split("\r\x1b[2K")
        .map(|l| l.trim_end_matches(['\n', '\r']))
        .filter(|l| l.starts_with('['))
        .collect()
}

/// `scan` on a terminal shows the read's progress on stderr: the subscriptions of the
/// list, then the details phase, request by request, up to all of them, with the
/// failures counted; the line is erased at the end.
#[test]
fn scan_shows_the_details_phase_s_progress_on_a_terminal_stderr() {
    let home = tempfile::tempdir().unwrap();
    for (forbid, failed) in [(None, 0), (Some("maintenanceConfigurations"), 6)] {
        let mut args = vec![
            "--subscriptions",
            "2",
            "--clusters-per-subscription",
            "3",
            "--latency-ms",
            "5",
        ];
        if let Some(kind) = forbid {
            args.extend(["--forbid-read", kind]);
        }
        let served = simulate(&args);
        let out = Command::new("python3")
            .args(["-c", STDERR_ON_A_TTY, env!("CARGO_BIN_EXE_aksradar")])
            .args(["--endpoint", &served.url, "--auth", "token", "scan", "--format", "json"])
            .env("AKSRADAR_TOKEN", "simulator")
            .env("HOME", home.path())
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .output()
            .expect("python3 runs");
        let terminal = String::from_utf8_lossy(&out.stdout);
        let want_exit = if failed == 0 { "exit 0" } else { "exit 3" };
        assert!(terminal.contains(want_exit), "{forbid:?}: {terminal}");
        let lines = progress_lines(&terminal);
        assert!(
            lines.iter().any(|l| l.contains("2/2 subscriptions, 6 clusters")),
            "{forbid:?}: the list phase: {lines:#?}"
        );
        let details: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| l.contains("details of 6 clusters: "))
            .collect();
        let last = details
            .last()
            .unwrap_or_else(|| panic!("{forbid:?}: the details phase: {lines:#?}"));
        let counts = last
            .split("details of 6 clusters: ")
            .nth(1)
            .and_then(|rest| rest.split(" requests").next())
            .and_then(|n| n.split_once('/'))
            .unwrap_or_else(|| panic!("{last}"));
        assert_eq!(counts.0, counts.1, "{forbid:?}: every request ends: {last}");
        let total: usize = counts.1.parse().unwrap();
        assert!(total >= 12, "each cluster's own two reads and the shared ones: {last}");
        assert!(
            last.contains(&format!(" requests, {failed} failed")),
            "{forbid:?}: {last}"
        );
        assert!(last.starts_with(&format!("[{}]", "#".repeat(30))), "a full bar: {last}");
        assert!(details.len() > total, "redrawn as requests end: {details:#?}");
        assert!(terminal.trim_end().ends_with(want_exit), "{terminal:?}");
        let after_the_last_erase = terminal.rsplit("\r\x1b[2K").next().unwrap_or_default();
        assert!(
            !after_the_last_erase.starts_with('['),
            "the line is erased at the end: {after_the_last_erase:?}"
        );
    }
}
