//! Lectern's integration tests: one binary, a module per capability. Each
//! test runs the real stack (Rocket's local client, SeaORM on SQLite, or on
//! PostgreSQL when TEST_DATABASE_URL is set).

mod admin;
mod authoring;
mod bad_input;
mod browser;
mod cache;
mod cli;
mod common;
mod discovery;
mod editor;
mod git;
mod hooks;
mod images;
mod import;
mod learner;
mod learner_data;
mod limits;
mod merge;
mod model;
mod polish;
mod quiz;
mod redirects;
mod resync;
mod scaffold;
mod search;
mod security;
mod sessions;
mod setup;
mod site;
mod startup;
mod storage;
mod sync;
mod watch;
