//! Issue 16 point 4: keys Keyward files itself get an owner where one is known, so they do
//! not all carry an "incomplete" prompt. A connection's admin key takes the default owner;
//! synced keys take the admin key's owner, else the default owner. Against `provider-sim` on
//! loopback, with the in-memory vault.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use keyward::connection::ConnectionOptions;
use keyward::findings::FindingKind;
use keyward::inventory::{FindingQuery, KeyPatch, NewConnection};
use keyward::{Inventory, Secret};
use provider_sim::{RunningSim, Seed, Simulator};

async fn inventory() -> Inventory {
    support::memory_inventory("noise-sync").await
}

fn account_admin(sim: &RunningSim) -> Secret {
    support::sim_value(sim, "postmark", "Account admin")
}

fn postmark(sim: &RunningSim, name: &str) -> NewConnection {
    NewConnection {
        provider: "postmark".into(),
        name: name.into(),
        base_url: Some(sim.base_url("postmark")),
        region: None,
        options: ConnectionOptions::default(),
        environment: "prod".into(),
        test: true,
    }
}

#[tokio::test]
async fn connected_and_synced_keys_take_the_default_owner() {
    let sim = Simulator::start(Seed::demo()).unwrap();
    let inv = inventory().await;
    inv.set_default_owner(Some("platform".into()))
        .await
        .unwrap();
    let c = inv
        .connect(postmark(&sim, "pm"), Some(account_admin(&sim)))
        .await
        .unwrap();
    let admin = inv.get(c.admin_key_id.unwrap()).await.unwrap();
    assert_eq!(admin.owner.as_deref(), Some("platform"));
    let (imported, _) = inv.sync_commit(&c.name, "prod", None).await.unwrap();
    assert!(!imported.is_empty());
    for k in &imported {
        assert_eq!(k.owner.as_deref(), Some("platform"), "{}", k.name);
        assert!(k.purpose.contains("synced from pm"), "{}", k.purpose);
    }
    let incomplete = inv
        .findings(&FindingQuery {
            kinds: vec![FindingKind::Incomplete],
            ..FindingQuery::default()
        })
        .await
        .unwrap();
    assert!(incomplete.findings.is_empty(), "{:?}", incomplete.findings);
}

#[tokio::test]
async fn synced_keys_take_the_admin_keys_owner_first() {
    let sim = Simulator::start(Seed::demo()).unwrap();
    let inv = inventory().await;
    inv.set_default_owner(Some("platform".into()))
        .await
        .unwrap();
    let c = inv
        .connect(postmark(&sim, "pm"), Some(account_admin(&sim)))
        .await
        .unwrap();
    inv.update(
        c.admin_key_id.unwrap(),
        KeyPatch {
            owner: Some(Some("mail-team".into())),
            ..KeyPatch::default()
        },
    )
    .await
    .unwrap();
    let (imported, _) = inv.sync_commit(&c.name, "prod", None).await.unwrap();
    assert!(!imported.is_empty());
    assert!(imported
        .iter()
        .all(|k| k.owner.as_deref() == Some("mail-team")));
}
