//! Fuzz target `history`: see `targets::history`.
#![no_main]

#[path = "../targets.rs"]
#[expect(dead_code, reason = "each target calls one of the shared functions")]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::history(data));
