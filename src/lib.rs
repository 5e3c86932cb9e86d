//! boxoffice: a server-rendered ticket reservation system. See README.md for a map of the code.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "unit tests fail loudly where they did not get what they expected"
    )
)]

pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod gateway;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod providers;
pub mod secret;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod web;
pub mod worker;
