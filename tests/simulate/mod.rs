//! `aksradar simulate` in the background for the binary tests: started, its first lines
//! read (`listening on URL`; with `--tls` also `ca certificate: PATH` and the summary
//! that names the tenant), killed when dropped.

// Each test binary that includes this uses only some of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running simulator, killed and waited for when dropped.
pub struct Running(Child);

impl Running {
    /// The process, for tests that signal it or wait for it.
    pub fn child(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command` (an `aksradar simulate ...`) and reads the first `lines` lines it
/// prints, trimmed.
pub fn start(command: &mut Command, lines: usize) -> (Running, Vec<String>) {
    let mut child = command.stdout(Stdio::piped()).spawn().expect("simulate starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let read = (0..lines)
        .map(|_| {
            let mut line = String::new();
            out.read_line(&mut line).expect("simulate prints its first lines");
            line.trim().to_string()
        })
        .collect();
    (Running(child), read)
}

/// The URL of the first line, `listening on URL`.
pub fn url(line: &str) -> String {
    line.strip_prefix("listening on ")
        .expect("`listening on URL` first")
        .to_string()
}

/// The CA file of the second line with `--tls`, `ca certificate: PATH`.
pub fn ca(line: &str) -> PathBuf {
    PathBuf::from(
        line.strip_prefix("ca certificate: ")
            .expect("`ca certificate: PATH` second"),
    )
}

/// The tenant the summary line names (`... tenant ID; ...`).
pub fn tenant(line: &str) -> String {
    line.split("tenant ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .expect("the summary names the tenant")
        .to_string()
}
