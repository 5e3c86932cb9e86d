//! What the app holds about one account (issue 22, the right of access and the right to
//! erasure): every table that references `users` or holds an address, read for the export
//! (`export.rs`) and erased or anonymised for a deletion (`erase.rs`). A table that gains a
//! reference to users belongs in both.

pub mod erase;
pub mod export;
