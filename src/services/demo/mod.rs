//! The demo catalogue: venues, events and past sales that make a fresh install believable.

pub mod content;
pub mod plan;
mod rng;
mod seed;

pub use seed::{SeedSummary, seed};
