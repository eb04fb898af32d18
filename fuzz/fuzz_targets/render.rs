#![no_main]
//! See `lectern::fuzzing::render` for what is checked.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lectern::fuzzing::render(data));
