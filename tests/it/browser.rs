//! Browser flows: written by the browser-test helper (replace this file).
