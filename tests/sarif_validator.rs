//! Microsoft's SARIF validator finds no error in what `scan --format sarif` writes:
//! `Sarif.Multitool validate FILE --rule-kind "Gh;Sarif"` (SARIF's own rules and GitHub
//! code scanning's) on templates, exports of every shape, and live data read from the
//! simulator.
//!
//! The validator is the npm package `@microsoft/sarif-multitool-linux` (a self-contained
//! .NET program for Linux x64; Node only installs it). It is installed once into
//! `$XDG_CACHE_HOME/aksradar-ci/sarif-multitool-VERSION` (`~/.cache/...` without it),
//! outside the clone, under a file lock so parallel test runs install it once, and
//! reused from then on. It runs with `DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1`, so it
//! needs no ICU library. This test never skips: without npm or the registry it fails
//! and says why.

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

const PACKAGE: &str = "@microsoft/sarif-multitool-linux";
const VERSION: &str = "5.7.0";

/// The cache folder shared by this project's CI tools, outside any clone.
fn cache_root() -> PathBuf {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let home = || std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache"));
    xdg.or_else(home)
        .expect("XDG_CACHE_HOME or HOME is set, for the validator's cache")
        .join("aksradar-ci")
}

/// The validator's executable, installed from npm on first use.
fn validator() -> PathBuf {
    let root = cache_root();
    fs::create_dir_all(&root).unwrap_or_else(|e| panic!("cannot create {}: {e}", root.display()));
    let dir = root.join(format!("sarif-multitool-{VERSION}"));
    let tool = dir.join("node_modules").join(PACKAGE).join("Sarif.Multitool");
    // One installer at a time, across threads and processes; the others wait and reuse.
    let lock_path = root.join(format!("sarif-multitool-{VERSION}.lock"));
    let lock = File::create(&lock_path).unwrap_or_else(|e| panic!("cannot create {}: {e}", lock_path.display()));
    lock.lock().expect("the install lock");
    if !tool.is_file() {
        let staging = root.join(format!("sarif-multitool-{VERSION}.partial"));
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir_all(&staging).expect("a staging folder");
        let out = Command::new("npm")
            .args(["install", "--prefix"])
            .arg(&staging)
            .args([
                "--no-save",
                "--no-package-lock",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                &format!("{PACKAGE}@{VERSION}"),
            ])
            .output()
            .unwrap_or_else(|e| panic!("npm is needed to install the SARIF validator ({PACKAGE}): {e}"));
        assert!(
            out.status.success(),
            "npm install {PACKAGE}@{VERSION} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // Its only install script makes the program executable; scripts stay off.
        let installed = staging.join("node_modules").join(PACKAGE).join("Sarif.Multitool");
        make_executable(&installed);
        let _ = fs::remove_dir_all(&dir);
        fs::rename(&staging, &dir).expect("the install moves into place");
    }
    drop(lock);
    tool
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = fs::metadata(path)
        .unwrap_or_else(|e| panic!("{} was not installed: {e}", path.display()))
        .permissions();
    permissions.set_mode(permissions.mode() | 0o755);
    fs::set_permissions(path, permissions).expect("the validator is made executable");
}

/// Runs the validator on `files` and returns its log and console output.
fn validate(files: &[PathBuf], scratch: &Path) -> (Value, String) {
    let log = scratch.join("validation.sarif");
    let out = Command::new(validator())
        .arg("validate")
        .args(files)
        .args(["--rule-kind", "Gh;Sarif", "--output"])
        .arg(&log)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .expect("the validator runs");
    let console = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the validator failed:\n{console}");
    let text = fs::read(&log).unwrap_or_else(|e| panic!("no validation log ({e}):\n{console}"));
    (
        serde_json::from_slice(&text).expect("the validation log is JSON"),
        console,
    )
}

/// `(file, rule, message)` of every result the validator rated `error`.
fn errors(log: &Value) -> Vec<(String, String, String)> {
    let results = log["runs"][0]["results"].as_array().cloned().unwrap_or_default();
    results
        .iter()
        .filter(|r| r["level"] == "error")
        .map(|r| {
            let uri = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
            (
                uri.as_str().unwrap_or("?").to_string(),
                r["ruleId"].as_str().unwrap_or("?").to_string(),
                r["message"]["text"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn aksradar(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aksradar"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("XDG_CONFIG_HOME", home)
        .env("XDG_CACHE_HOME", home)
        .env("XDG_STATE_HOME", home)
        .env("HOME", home)
        .env_remove("AKSRADAR_TOKEN");
    cmd
}

/// Writes what `cmd` prints to `path`, after checking it ran well.
fn keep(path: PathBuf, out: Output) -> PathBuf {
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    fs::write(&path, &out.stdout).expect("the SARIF is written");
    path
}

/// `aksradar simulate` in the background, ended when dropped.
struct Simulated(Child);

impl Drop for Simulated {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_sarif_validator_finds_no_error_for_files_of_every_kind_and_for_live_data() {
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let home = scratch.path().join("home");
    fs::create_dir_all(&home).expect("a home");
    let scan = |name: &str, input: &str| {
        let out = aksradar(&home)
            .args(["scan", "--format", "sarif", "--input", input])
            .output()
            .expect("aksradar runs");
        keep(scratch.path().join(format!("{name}.sarif")), out)
    };
    let mut files = vec![
        scan("template", "tests/fixtures/aks-template.json"),
        scan("template-symbolic", "tests/fixtures/aks-template-symbolic.json"),
        scan("export-az-aks-list", "assets/sample-fleet.json"),
        scan("export-psrule", "tests/fixtures/psrule-export.json"),
        scan("export-resource-graph", "tests/fixtures/resource-graph-table.json"),
    ];

    // The template again, in UTF-16 with CRLF, named by its absolute path.
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aks-template.json"))
        .expect("the fixture");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.replace('\n', "\r\n").encode_utf16().flat_map(u16::to_le_bytes));
    let copy = scratch.path().join("template-utf16.json");
    fs::write(&copy, utf16).expect("written");
    files.push(scan("template-utf16", copy.to_str().expect("a UTF-8 path")));

    // Live data from the simulator, over HTTP on 127.0.0.1.
    let mut child = aksradar(&home)
        .args([
            "simulate",
            "--listen",
            "127.0.0.1:0",
            "--subscriptions",
            "3",
            "--clusters-per-subscription",
            "4",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("simulate starts");
    let stdout = child.stdout.take().expect("its output");
    let simulated = Simulated(child);
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).expect("a first line");
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .expect("`listening on URL`")
        .to_string();
    let out = aksradar(&home)
        .env("AKSRADAR_TOKEN", "simulator")
        .args(["--endpoint", &url, "--auth", "token", "scan", "--format", "sarif"])
        .output()
        .expect("aksradar runs");
    drop(simulated);
    let live = keep(scratch.path().join("live.sarif"), out);
    let results = |path: &Path| {
        let log: Value = serde_json::from_slice(&fs::read(path).expect("read back")).expect("JSON");
        log["runs"][0]["results"].as_array().map_or(0, Vec::len)
    };
    assert!(results(&live) > 0, "the simulated fleet has failing clusters to report");
    files.push(live);

    let (log, console) = validate(&files, scratch.path());
    eprintln!("{console}");
    let scanned = format!("Done. {} files scanned.", files.len());
    assert!(console.contains(&scanned), "every file was validated:\n{console}");
    assert_eq!(errors(&log), [], "the validator reported errors:\n{console}");

    // The same validator, rules and reading of its log do catch what code scanning rejects:
    // a rule without its full description and help.
    let mut broken: Value = serde_json::from_slice(&fs::read(&files[0]).expect("read back")).expect("JSON");
    let rules = broken["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .expect("rules");
    for rule in rules {
        let rule = rule.as_object_mut().expect("a rule object");
        rule.remove("fullDescription");
        rule.remove("help");
    }
    let broken_path = scratch.path().join("control").join("broken.sarif");
    fs::create_dir_all(broken_path.parent().expect("a parent")).expect("a folder");
    fs::write(&broken_path, serde_json::to_vec_pretty(&broken).expect("JSON")).expect("written");
    let (log, console) = validate(&[broken_path], &scratch.path().join("control"));
    let found = errors(&log);
    assert!(
        found.iter().any(|(_, rule, _)| rule == "GH2012"),
        "the control file must fail GH2012:\n{console}"
    );
}
