//! The demo catalogue: venues, events and past sales that make a fresh install believable.

pub mod content;
pub mod plan;
mod rng;
mod seed;
mod staff;

pub use seed::{PROMOTER, SeedSummary, THEATRES, seed};
pub use staff::{STAFF, seed_staff};
