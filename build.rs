//! One switch for the test suite: with `LECTERN_SKIP_BROWSER` set, the
//! browser tests are compiled as ignored, so the test run reports them as
//! skipped (with the reason) instead of passing without running. `.ci/run`
//! refuses to run with it set, and fails if any test was ignored.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(lectern_skip_browser)");
    println!("cargo::rerun-if-env-changed=LECTERN_SKIP_BROWSER");
    println!("cargo::rerun-if-changed=build.rs");
    let skip = std::env::var_os("LECTERN_SKIP_BROWSER");
    if skip.is_some_and(|v| !v.is_empty() && v != "0") {
        println!("cargo::rustc-cfg=lectern_skip_browser");
    }
}
