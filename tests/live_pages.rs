//! The page parser the live client uses, replayed over the `arm_page` fuzz corpus
//! (`fuzz/corpus/arm_page/`), so what the fuzzer once found stays found: no input
//! panics, and a page read whole (`import::parse_page`) and read as it streams
//! (`import::parse_page_from`) give the same answer.

use std::path::PathBuf;

use aksradar::import::{parse_page, parse_page_from};

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/arm_page");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_page_parses_the_same_whole_and_streamed_without_panicking() {
    let files = corpus();
    assert!(files.len() >= 15, "the seed corpus is there: {}", files.len());
    for (name, data) in &files {
        let whole = parse_page(data, name);
        if std::str::from_utf8(data).is_ok() && !data.starts_with(b"\xEF\xBB\xBF") {
            let streamed = parse_page_from(&data[..], name);
            match (&whole, &streamed) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{name}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{name}: whole {whole:?} but streamed {streamed:?}"),
            }
        }
    }
}

#[test]
fn the_seed_pages_read_as_their_names_say() {
    let files = corpus();
    let page = |name: &str| {
        let (_, data) = files
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name}"));
        parse_page(data, name)
    };
    let (fleet, links) = page("arm-page-with-next-link.json").unwrap();
    assert_eq!(fleet.clusters.len(), 2);
    assert!(links.next_link.is_some_and(|l| l.contains("skipToken")));
    for name in ["graph-object-rows.json", "graph-table-rows.json"] {
        let (fleet, links) = page(name).unwrap();
        assert_eq!(fleet.clusters.len(), 2, "{name}");
        assert!(links.skip_token.is_some(), "{name}");
    }
    for name in ["truncated.json", "wrong-shape.json", "graph-table-mismatch.json"] {
        assert!(page(name).is_err(), "{name}");
    }
    assert_eq!(page("bom.json").unwrap().0.clusters.len(), 0);
    assert_eq!(page("utf16le.json").unwrap().0.clusters.len(), 0);
    assert_eq!(page("not-a-cluster.json").unwrap().0.skipped, 1);
}
