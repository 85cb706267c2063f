//! Fixtures shared by the core's integration tests: an inventory on an in-memory store and
//! vault, and the simulator's value of a seeded key.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses some of these; a panic is the failure report

use std::sync::Arc;

use keyward::connection::ConnectionOptions;
use keyward::inventory::NewConnection;
use keyward::store::Store;
use keyward::vault::MemoryVault;
use keyward::{Config, Inventory, Secret};
use provider_sim::RunningSim;

/// An inventory that writes nothing to disk: in-memory SQLite, in-memory vault, and a config
/// directory (`label` names it) that no test creates.
pub async fn memory_inventory(label: &str) -> Inventory {
    let store = Store::open_in_memory().await.unwrap();
    let config = Config::at(std::env::temp_dir().join(format!("keyward-{label}-never-written")));
    Inventory::with_store(store, Arc::new(MemoryVault::new()), config).await
}

/// The value the simulator holds for `provider`'s key named `name`.
pub fn sim_value(sim: &RunningSim, provider: &str, name: &str) -> Secret {
    Secret::new(
        sim.state()
            .keys(Some(provider))
            .into_iter()
            .find(|k| k.name == name)
            .unwrap_or_else(|| panic!("no {provider} key named {name:?}"))
            .value,
    )
}

/// A connection named `<provider>-sim` to the simulator at `base`, its admin key filed in prod.
pub fn sim_connection(provider: &str, base: String, options: ConnectionOptions) -> NewConnection {
    NewConnection {
        provider: provider.into(),
        name: format!("{provider}-sim"),
        base_url: Some(base),
        region: None,
        options,
        environment: "prod".into(),
        test: true,
    }
}
