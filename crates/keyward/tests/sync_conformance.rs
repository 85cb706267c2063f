//! Sync and connections against `provider-sim` on loopback, through the inventory (with the
//! in-memory vault; the real keychain is covered by the CLI's tests): Postmark's one remote-id
//! scheme, Cloudflare statuses and account-owned tokens, regions chosen for a connection.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use keyward::connection::ConnectionOptions;
use keyward::providers::{self, Admin, Endpoint, VerifyOutcome};
use keyward::{Inventory, KeyFilter, NewKey, Secret};
use provider_sim::{Seed, Simulator};

const ACCOUNT: &str = "023e105f4ecef8ad9ca31a8372d0c353";

async fn inventory() -> Inventory {
    support::memory_inventory("sync-conformance").await
}

use support::sim_value as value;

use support::sim_connection as connection;

#[tokio::test]
async fn postmark_verify_then_sync_never_makes_a_second_record() {
    let sim = Simulator::start(Seed::demo()).unwrap();
    let inv = inventory().await;
    let c = inv
        .connect(
            connection(
                "postmark",
                sim.base_url("postmark"),
                ConnectionOptions::default(),
            ),
            Some(value(&sim, "postmark", "Account admin")),
        )
        .await
        .unwrap();
    // A server token added by value and verified first …
    let key = inv
        .add(
            NewKey {
                provider: Some("postmark".into()),
                kind: Some("server_token".into()),
                name: "staging mail".into(),
                environment: "staging".into(),
                connection_id: Some(c.id),
                ..NewKey::default()
            },
            value(&sim, "postmark", "Acme Staging"),
        )
        .await
        .unwrap();
    let (verified, v) = inv.verify(key.id).await.unwrap();
    assert_eq!(v.outcome, VerifyOutcome::Valid);
    let remote = verified
        .remote_id
        .clone()
        .expect("verify learns the remote id");
    // … is the same key the sync lists: refreshed, not imported again.
    let (_, listed) = inv.sync_preview(&c.name).await.unwrap();
    let same = listed
        .iter()
        .find(|r| r.remote_id == remote)
        .expect("sync lists it under the same remote id");
    assert_eq!(same.known_key_id, Some(key.id));
    let (imported, refreshed) = inv.sync_commit(&c.name, "prod", None).await.unwrap();
    assert!(refreshed.iter().any(|k| k.id == key.id));
    assert!(!imported
        .iter()
        .any(|k| k.remote_id.as_deref() == Some(remote.as_str())));
    let all = inv.list(&KeyFilter::default()).await.unwrap();
    assert_eq!(
        all.iter()
            .filter(|k| k.remote_id.as_deref() == Some(remote.as_str()))
            .count(),
        1,
        "one record for the token"
    );
}

#[tokio::test]
async fn cloudflare_sync_records_disabled_and_expired_tokens_as_the_provider_says() {
    let sim = Simulator::start(Seed::demo()).unwrap();
    let inv = inventory().await;
    let c = inv
        .connect(
            connection(
                "cloudflare",
                sim.base_url("cloudflare"),
                ConnectionOptions::default(),
            ),
            Some(value(&sim, "cloudflare", "Keyward admin")),
        )
        .await
        .unwrap();
    let (imported, _) = inv.sync_commit(&c.name, "prod", None).await.unwrap();
    let outcome = |name: &str| {
        imported
            .iter()
            .find(|k| k.name == name)
            .unwrap_or_else(|| panic!("{name} imported"))
            .verify_outcome
    };
    assert_eq!(
        outcome("Paused integration").map(|o| o.as_str()),
        Some("disabled")
    );
    assert_eq!(
        outcome("Old CI deploy").map(|o| o.as_str()),
        Some("expired")
    );
    assert_eq!(
        outcome("DNS edit - prod"),
        None,
        "active tokens carry no verdict"
    );
}

#[tokio::test]
async fn cloudflare_account_tokens_are_listed_rolled_and_deleted_under_their_account() {
    let sim = Simulator::start(Seed::demo()).unwrap();
    let http = providers::http::Http::new().unwrap();
    let base = sim.base_url("cloudflare");
    let options = ConnectionOptions {
        account_id: Some(ACCOUNT.into()),
        ..ConnectionOptions::default()
    };
    let admin_key = value(&sim, "cloudflare", "Account token admin");
    let admin = Admin {
        at: Endpoint {
            http: &http,
            base_url: &base,
            options: &options,
            region_guessed: false,
        },
        key: &admin_key,
    };
    let cf = providers::get("cloudflare").unwrap();
    // An account token as the admin: `/user/tokens` does not know it, the account does.
    let listed = cf.list(&admin).await.unwrap();
    let own = listed
        .iter()
        .find(|k| k.name == "Account token admin")
        .expect("the account's tokens are listed");
    assert_eq!(own.kind, "account_token");
    // A new account token, rolled and deleted where it lives.
    let created = cf
        .create(
            &admin,
            &providers::NewKeySpec {
                name: "acct deploy [kw-test]",
                kind: "account_token",
                scopes: &["Workers Scripts Write".to_owned()],
                replaces: None,
            },
        )
        .await
        .unwrap();
    let kind = cf.profile().kind("account_token").unwrap();
    let at = Endpoint {
        http: &http,
        base_url: &base,
        options: &options,
        region_guessed: false,
    };
    assert_eq!(
        cf.verify(&at, kind, &created.value).await.unwrap().outcome,
        VerifyOutcome::Valid
    );
    let rolled = cf
        .roll(&admin, "account_token", &created.remote_id)
        .await
        .unwrap();
    assert_eq!(
        cf.verify(&at, kind, &created.value).await.unwrap().outcome,
        VerifyOutcome::Invalid,
        "the old value died with the roll"
    );
    assert_eq!(
        cf.verify(&at, kind, &rolled.value).await.unwrap().outcome,
        VerifyOutcome::Valid
    );
    cf.delete(&admin, "account_token", &created.remote_id)
        .await
        .unwrap();
    assert_eq!(
        cf.verify(&at, kind, &rolled.value).await.unwrap().outcome,
        VerifyOutcome::Invalid,
        "deleted under its account"
    );
}

#[tokio::test]
async fn a_connection_takes_a_region_or_a_base_url_and_says_which() {
    let inv = inventory().await;
    let mut new = connection("posthog", String::new(), ConnectionOptions::default());
    new.base_url = None;
    new.region = Some("eu".into());
    new.test = false;
    let c = inv.connect(new, None).await.unwrap();
    assert_eq!(c.base_url, "https://eu.posthog.com");
    let mut both = connection(
        "sendgrid",
        "https://api.sendgrid.com/v3".into(),
        ConnectionOptions::default(),
    );
    both.region = Some("eu".into());
    both.test = false;
    let e = inv.connect(both, None).await.unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    let mut none = connection("cloudflare", String::new(), ConnectionOptions::default());
    none.base_url = None;
    none.region = Some("eu".into());
    none.test = false;
    let e = inv.connect(none, None).await.unwrap_err();
    assert!(e.to_string().contains("no regions"), "{e}");
}

#[tokio::test]
async fn a_key_without_a_connection_knows_its_region() {
    let inv = inventory().await;
    let phx = Secret::new(format!("phx_{}", "Z".repeat(48)));
    let key = inv
        .add(
            NewKey {
                provider: Some("posthog".into()),
                kind: Some("personal".into()),
                name: "eu analytics".into(),
                environment: "prod".into(),
                region: Some("EU".into()),
                ..NewKey::default()
            },
            phx.clone(),
        )
        .await
        .unwrap();
    assert_eq!(key.region.as_deref(), Some("eu"), "stored, normalised");
    assert_eq!(inv.get(key.id).await.unwrap().region.as_deref(), Some("eu"));
    // Verify asks that region's host, and a 401 there is a verdict (the region is known).
    let t = providers::VerifyTarget::for_key(&key, None, None);
    assert_eq!(t.base_url, Some("https://eu.posthog.com"));
    assert!(t.base_url_chosen);
    // Without a region the default host is a guess.
    let mut guessed = key.clone();
    guessed.region = None;
    let t = providers::VerifyTarget::for_key(&guessed, None, None);
    assert_eq!(t.base_url, None);
    assert!(!t.base_url_chosen);
    // A region the provider does not have, or a provider without regions: a clear error.
    for (provider, region) in [("posthog", "mars"), ("cloudflare", "eu")] {
        let e = inv
            .add(
                NewKey {
                    provider: Some(provider.into()),
                    name: format!("{provider} {region}"),
                    environment: "prod".into(),
                    region: Some(region.into()),
                    ..NewKey::default()
                },
                Secret::new(format!("kw-{}", "q".repeat(40))),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{e}");
        assert!(e.to_string().contains("region"), "{e}");
    }
}

#[tokio::test]
async fn a_connection_refuses_a_probe_path_that_could_leave_its_base_url() {
    // Regression (hole 1): the probe path was checked only by the window; the core saved
    // any text, and `send` joined it to the base URL as is.
    let inv = inventory().await;
    for path in [
        ".evil.example/",
        "@127.0.0.1:1/",
        "v1/check",
        "/a/../../b",
        "/a#b",
        "/%2e%2e/x",
    ] {
        let mut new = connection(
            "postnomic",
            "http://localhost:9".into(),
            ConnectionOptions {
                probe_path: Some(path.into()),
                ..ConnectionOptions::default()
            },
        );
        new.test = false;
        let e = inv
            .connect(new, None)
            .await
            .err()
            .unwrap_or_else(|| panic!("{path}: saved"));
        assert_eq!(e.code(), "invalid_url", "{path}: {e}");
        assert!(format!("{e}").contains("probe path"), "{path}: {e}");
    }
    assert!(inv.connections().await.unwrap().is_empty());
    // A plain path is fine.
    let mut new = connection(
        "postnomic",
        "http://localhost:9".into(),
        ConnectionOptions {
            probe_path: Some("/api/v2/posts".into()),
            ..ConnectionOptions::default()
        },
    );
    new.test = false;
    inv.connect(new, None).await.unwrap();
}
