//! The committed fuzz corpora (`fuzz/corpus/<target>/`), replayed in `cargo test`
//! through the very functions the fuzz targets call (`fuzz/targets.rs`): an input that
//! once crashed a target, once added to its corpus, fails CI if the crash comes back.

use std::path::Path;

#[path = "../fuzz/targets.rs"]
mod targets;

/// A fuzz target's body: takes any bytes and returns.
type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 5] = [
    ("import", targets::import),
    ("filter", targets::filter),
    ("config", targets::config),
    ("snapshot", targets::snapshot),
    ("history", targets::history),
];

#[test]
fn every_committed_corpus_input_goes_through_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("corpus");
    for (name, target) in TARGETS {
        let dir = root.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.path())
            .collect();
        inputs.sort();
        assert!(inputs.len() >= 3, "{name}: a seed corpus of a few inputs is committed");
        for input in inputs {
            let bytes = std::fs::read(&input).unwrap();
            let replay = std::panic::catch_unwind(|| target(&bytes));
            assert!(replay.is_ok(), "{name}: {} makes the target panic", input.display());
        }
    }
}
