//! The command-line flags of the load generators (`--name value` pairs), shared by
//! tests/bench/{holds,onsale,queue}.rs and tests/chaos/driver.rs through `#[path]`. Each binary
//! has its own `fail` (its name in the message), which this calls.

use std::collections::BTreeMap;

use super::fail;

pub struct Flags(BTreeMap<String, String>);

impl Flags {
    pub fn parse(args: &[String]) -> Flags {
        let mut map = BTreeMap::new();
        let mut it = args.iter();
        while let Some(name) = it.next() {
            if let Some(name) = name.strip_prefix("--") {
                map.insert(name.to_owned(), it.next().cloned().unwrap_or_default());
            }
        }
        Flags(map)
    }

    /// The flag's value, if it was given.
    pub fn opt(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn get(&self, name: &str) -> &str {
        self.0
            .get(name)
            .unwrap_or_else(|| fail(&format!("missing --{name}")))
    }

    pub fn num(&self, name: &str, default: f64) -> f64 {
        self.0.get(name).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| fail(&format!("--{name}: not a number")))
        })
    }
}
