#![no_main]
//! See `lectern::fuzzing::merge` for what is checked.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lectern::fuzzing::merge(data));
