//! The real dashboard in a pseudo-terminal: `aksradar demo` starts, a cluster opens,
//! the fix popup opens, `?` shows the keys of the fix popup, Esc goes back to the
//! table, `q` quits, and the terminal is restored (alternate screen left, cursor shown,
//! raw mode off).
//!
//! Python's `pty` module drives it, since it is already needed for the conformance
//! check and a Rust pty crate would be one more dependency for one test.

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
