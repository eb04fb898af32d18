#![no_main]
//! See `lectern::fuzzing::sanitize` for what is checked; the HTML is also
//! read by html5ever's tokenizer, which must see the same tags.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let clean = lectern::fuzzing::sanitize(data);
    lectern_fuzz::same_tags_as_html5ever(&clean);
});
