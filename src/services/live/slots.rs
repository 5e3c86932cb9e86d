//! Caps on open live streams, per client address and in all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Caps on open live streams (issue 16: 20,000 streams from one host used up the server's
/// open files): per client address and in all. A stream holds a [`StreamSlot`] for as long as
/// it is open; dropping it (the stream ended or the client went away) frees the slot.
#[derive(Default)]
pub struct StreamSlots {
    inner: Arc<Mutex<SlotCounts>>,
}

#[derive(Default)]
struct SlotCounts {
    total: usize,
    per_client: HashMap<String, usize>,
}

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRefused {
    /// This client already has its share open (429).
    Client,
    /// The server has as many open as it takes (503).
    Full,
}

/// One open stream's place; frees itself when dropped.
pub struct StreamSlot {
    inner: Arc<Mutex<SlotCounts>>,
    client: String,
}

impl StreamSlots {
    pub fn new() -> Self {
        StreamSlots::default()
    }

    /// Takes a slot for `client`, if it has fewer than `per_client` open and the server fewer
    /// than `total`.
    pub fn acquire(
        &self,
        client: &str,
        per_client: usize,
        total: usize,
    ) -> Result<StreamSlot, SlotRefused> {
        let mut counts = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mine = counts.per_client.get(client).copied().unwrap_or(0);
        if mine >= per_client {
            return Err(SlotRefused::Client);
        }
        if counts.total >= total {
            return Err(SlotRefused::Full);
        }
        counts.total += 1;
        *counts.per_client.entry(client.to_owned()).or_insert(0) += 1;
        Ok(StreamSlot {
            inner: self.inner.clone(),
            client: client.to_owned(),
        })
    }

    /// Streams open now.
    pub fn open(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut counts = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                counts.per_client.remove(&self.client);
            }
        }
    }
}
