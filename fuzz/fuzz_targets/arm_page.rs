//! The ARM / Resource Graph page parser on arbitrary bytes: `import::parse_page`, as
//! files are read, and `import::parse_page_from`, as the live client reads a response
//! while it streams. Neither may panic, and on UTF-8 text (what ARM sends) both must
//! reach the same answer.
//!
//! `cargo +nightly fuzz run arm_page`; the seed corpus is `fuzz/corpus/arm_page/`, and
//! `cargo test` replays it (`tests/live_pages.rs`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = aksradar::import::parse_page(data, "fuzz");
    // `parse_page` also reads a byte-order mark and UTF-16; the stream is UTF-8 only.
    if std::str::from_utf8(data).is_ok() && !data.starts_with(b"\xEF\xBB\xBF") {
        let streamed = aksradar::import::parse_page_from(data, "fuzz");
        match (&whole, &streamed) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            _ => panic!("whole {whole:?} but streamed {streamed:?}"),
        }
    }
});
