#![no_main]
//! See `lectern::fuzzing::slug` for what is checked.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lectern::fuzzing::slug(data));
