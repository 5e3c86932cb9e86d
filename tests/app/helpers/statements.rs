//! Counting the statements sent to the database, with diesel's instrumentation installed once
//! for every connection opened afterwards: on the calling thread (`statements_of`, for a
//! service call made by the test itself) and per database (`queries_on`, for what a server
//! does while requests are answered, whatever thread answers them). Other tests running at
//! the same time use other databases and other threads, so they do not count.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock};

use diesel::connection::{Instrumentation, InstrumentationEvent};

thread_local! {
    /// The statements sent on this thread while counting (`None`: not counting).
    static SENT: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Statements per database URL, since the connection was opened.
fn per_database() -> &'static Mutex<HashMap<String, Arc<AtomicU64>>> {
    static COUNTS: OnceLock<Mutex<HashMap<String, Arc<AtomicU64>>>> = OnceLock::new();
    COUNTS.get_or_init(Default::default)
}

/// One connection's instrumentation: it learns its database when it connects.
#[derive(Default)]
struct Counter {
    database: Option<Arc<AtomicU64>>,
}

impl Instrumentation for Counter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartEstablishConnection { url, .. } => {
                let mut counts = per_database().lock().unwrap();
                self.database = Some(counts.entry(url.to_owned()).or_default().clone());
            }
            InstrumentationEvent::StartQuery { query, .. } => {
                if let Some(n) = &self.database {
                    n.fetch_add(1, Ordering::SeqCst);
                }
                SENT.with(|sent| {
                    if let Some(sent) = sent.borrow_mut().as_mut() {
                        sent.push(query.to_string());
                    }
                });
            }
            _ => {}
        }
    }
}

fn counting() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(Counter::default()))
}

/// Every connection opened from now on reports its statements. Call it before the app starts
/// (its pool opens connections at once).
pub fn instrument_connections() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        diesel::connection::set_default_instrumentation(counting).expect("instrumentation");
    });
}

/// Runs `f` and answers the statements it sent on this thread (a transaction's `BEGIN` and
/// `COMMIT` included).
pub fn statements_of<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    SENT.with(|sent| *sent.borrow_mut() = Some(Vec::new()));
    let value = f();
    let sent = SENT.with(|sent| sent.borrow_mut().take().unwrap_or_default());
    (value, sent)
}

/// Statements sent so far through the app's pool to the database whose URL contains `name` (a
/// test database's own name or file), on connections opened after [`instrument_connections`].
/// The live relay's own connections on PostgreSQL (they add an `application_name` to the URL)
/// are not the pool's and are left out.
pub fn queries_on(name: &str) -> u64 {
    per_database()
        .lock()
        .unwrap()
        .iter()
        .filter(|(url, _)| url.contains(name) && !url.contains("application_name="))
        .map(|(_, n)| n.load(Ordering::SeqCst))
        .sum()
}
