//! Issue 16, points 2 and 7, against `provider-sim` on loopback through the inventory (with
//! the in-memory vault): the one state a key shows follows the provider's answer; a key added
//! by hand is linked to (and unlinked from) a connection; sync files each new key under the
//! environment its name points to.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::collections::BTreeMap;

use keyward::connection::ConnectionOptions;
use keyward::inventory::NewConnection;
use keyward::{Inventory, KeyState, NewKey, Secret};
use provider_sim::{Seed, Simulator};

async fn inventory() -> Inventory {
    support::memory_inventory("status-link").await
}

use support::sim_value as value;

fn connection(provider: &str, base: String) -> NewConnection {
    support::sim_connection(provider, base, ConnectionOptions::default())
}

/// Cloudflare lists "Paused integration" as `status: disabled`: synced, it used to show
/// "active" (the answer went to `verify_outcome`, the status stayed). Now one state: disabled.
#[tokio::test]
async fn a_token_the_provider_reports_disabled_is_not_shown_active() {
    let sim = Simulator::start(Seed::demo()).unwrap();
    let inv = inventory().await;
    let c = inv
        .connect(
            connection("cloudflare", sim.base_url("cloudflare")),
            Some(value(&sim, "cloudflare", "Keyward admin")),
        )
        .await
        .unwrap();
    let (imported, _) = inv.sync_commit(&c.name, "prod", None).await.unwrap();
    let now = chrono::Utc::now();
    let state = |name: &str| {
        imported
            .iter()
            .find(|k| k.name == name)
            .unwrap_or_else(|| panic!("{name} imported"))
            .state(now)
    };
    assert_eq!(state("Paused integration"), KeyState::Disabled);
    assert_eq!(
        state("Old CI deploy"),
        KeyState::Expired,
        "expired 10 days ago"
    );
    assert_eq!(state("Legacy deploy token"), KeyState::Active);
}

#[tokio::test]
async fn sync_proposes_each_rows_environment_from_its_name_and_files_it_there() {
    let sim = Simulator::start(Seed::demo()).unwrap();
    let inv = inventory().await;
    let c = inv
        .connect(
            connection("postmark", sim.base_url("postmark")),
            Some(value(&sim, "postmark", "Account admin")),
        )
        .await
        .unwrap();
    let (_, remote) = inv.sync_preview(&c.name).await.unwrap();
    let proposed: BTreeMap<String, String> = remote
        .iter()
        .map(|r| (r.remote_id.clone(), r.environment.clone()))
        .collect();
    let staging = remote
        .iter()
        .find(|r| r.name.contains("Acme Staging"))
        .expect("Acme Staging listed");
    assert_eq!(staging.environment, "staging");
    let production = remote
        .iter()
        .find(|r| r.name.contains("Acme Production"))
        .expect("Acme Production listed");
    assert_eq!(production.environment, "prod");
    let (imported, _) = inv
        .sync_commit_per_row(&c.name, "prod", None, &proposed)
        .await
        .unwrap();
    for k in &imported {
        let expected = if k.name.contains("Staging") {
            "staging"
        } else {
            "prod"
        };
        assert_eq!(k.environment, expected, "{}", k.name);
    }
    assert!(imported.iter().any(|k| k.environment == "staging"));
}

#[tokio::test]
async fn a_key_added_by_hand_is_linked_by_its_value_and_unlinked_again() {
    let sim = Simulator::start(Seed::demo()).unwrap();
    let inv = inventory().await;
    let c = inv
        .connect(
            connection("postmark", sim.base_url("postmark")),
            Some(value(&sim, "postmark", "Account admin")),
        )
        .await
        .unwrap();
    let (_, remote) = inv.sync_preview(&c.name).await.unwrap();
    let staging = remote
        .iter()
        .find(|r| r.name.contains("Acme Staging"))
        .expect("Acme Staging listed")
        .clone();
    let token = sim
        .state()
        .keys(Some("postmark"))
        .into_iter()
        .find(|k| k.name.contains("Acme Staging"))
        .expect("the sim knows the staging token")
        .value;
    let key = inv
        .add(
            NewKey {
                provider: Some("postmark".into()),
                kind: Some("server_token".into()),
                name: "staging mail".into(),
                environment: "staging".into(),
                ..NewKey::default()
            },
            Secret::new(token),
        )
        .await
        .unwrap();
    assert_eq!(key.connection_id, None);
    let candidates = inv.link_candidates(key.id, &c.name).await.unwrap();
    let matching: Vec<_> = candidates.iter().filter(|m| m.matches).collect();
    assert_eq!(matching.len(), 1, "{candidates:?}");
    assert_eq!(matching[0].remote_id, staging.remote_id);
    let linked = inv.link(key.id, &c.name, None).await.unwrap();
    assert_eq!(linked.connection_id, Some(c.id));
    assert_eq!(
        linked.remote_id.as_deref(),
        Some(staging.remote_id.as_str())
    );
    // Sync now sees it as the same key: refreshed, never imported twice.
    let (_, again) = inv.sync_preview(&c.name).await.unwrap();
    assert_eq!(
        again
            .iter()
            .find(|r| r.remote_id == staging.remote_id)
            .and_then(|r| r.known_key_id),
        Some(key.id)
    );
    let unlinked = inv.unlink(key.id).await.unwrap();
    assert_eq!(unlinked.connection_id, None);
    assert_eq!(unlinked.remote_id, None);
    // The connection's own admin key stays with it.
    let admin = c.admin_key_id.expect("admin key");
    assert_eq!(inv.unlink(admin).await.unwrap_err().code(), "invalid_input");
    // A key of another provider cannot go through this connection.
    let other = inv
        .add(
            NewKey {
                name: "postman".into(),
                environment: "dev".into(),
                ..NewKey::default()
            },
            Secret::new(format!("PMAK-{}-{}", "a1".repeat(12), "b2".repeat(17))),
        )
        .await
        .unwrap();
    assert_eq!(
        inv.link(other.id, &c.name, None).await.unwrap_err().code(),
        "invalid_input"
    );
}
