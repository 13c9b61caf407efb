//! Fuzz target `snapshot`: see `targets::snapshot`.
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::snapshot(data));
