//! The one integration-test binary: runs the real `golive` binary against fixtures and loopback
//! servers. One module per command.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, unreachable_pub)]

mod bad_input;
mod common;
mod eval_accuracy;
mod evidence;
mod exit_codes;
mod gating;
mod hostile_endpoints;
mod hostile_repos;
mod interrupt;
mod no_leaks;
mod reports;
mod sandbox;
mod scan;
mod simulator;
mod webhook;
