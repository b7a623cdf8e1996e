//! The policy parser, on any text a policy file could hold: policies or errors that name the
//! place, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = rampart_policy::load::parse_source("fuzz.yaml", text);
});
