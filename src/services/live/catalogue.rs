//! Changes to the catalogue (an event or venue created, edited, published, closed or
//! cancelled), told to every instance so that each forgets the catalogue answers it keeps
//! (`services::catalogue::CatalogueCache`, issue 19). On PostgreSQL they travel with the live
//! changes (`relay.rs`); an instance whose listener lost its connection counts one too, as it
//! may have missed some.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::LiveHub;

impl LiveHub {
    /// The catalogue changed: call it after the change committed.
    pub fn catalogue_changed(&self) {
        self.inner.catalogue.fetch_add(1, Ordering::SeqCst);
        if let Some(relay) = self.inner.relay.get() {
            relay.send_catalogue();
        }
    }

    /// A counter that moves on with every change to the catalogue this instance made or heard
    /// of.
    pub fn catalogue_changes(&self) -> Arc<AtomicU64> {
        self.inner.catalogue.clone()
    }
}
