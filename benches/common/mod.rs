//! What the benches share: the deterministic `az aks list` export they read.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `target/bench-data/az-aks-list-N.json`, written by `benches/gen_fleet.py` the first time.
pub fn fleet_file(root: &Path, clusters: usize) -> PathBuf {
    let dir = root.join("target").join("bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let path = dir.join(format!("az-aks-list-{clusters}.json"));
    if !path.exists() {
        let status = Command::new("python3")
            .arg(root.join("benches").join("gen_fleet.py"))
            .args(["--clusters", &clusters.to_string(), "--out"])
            .arg(&path)
            .status()
            .expect("python3 runs");
        assert!(status.success(), "gen_fleet.py failed");
    }
    path
}
