#![no_main]
//! See `lectern::fuzzing::highlight` for what is checked.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lectern::fuzzing::highlight(data));
