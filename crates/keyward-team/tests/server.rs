//! The team crate against a real PostgreSQL (crates/test-postgres): two members on in-memory
//! inventories join one team, publish and see each other; row-level security; a server
//! stopped mid-publish; bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is the failure report

use std::sync::Arc;

use keyward::store::Store;
use keyward::vault::MemoryVault;
use keyward::{Config, Inventory, NewKey, Secret};
use keyward_team::{Sharing, TeamFilter, TeamReviewQuery};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use test_postgres::TestPostgres;

const DB: &str = "postgres";

async fn inventory(label: &str) -> Inventory {
    let store = Store::open_in_memory().await.unwrap();
    let config =
        Config::at(std::env::temp_dir().join(format!("keyward-team-{label}-never-written")));
    Inventory::with_store(store, Arc::new(MemoryVault::new()), config).await
}

fn new_key(name: &str, env: &str) -> NewKey {
    NewKey {
        name: name.into(),
        environment: env.into(),
        purpose: "send transactional email".into(),
        owner: Some("ops".into()),
        ..NewKey::default()
    }
}

fn value(n: u32) -> Secret {
    Secret::new(format!("PMAK-{:024x}-{:034x}", n, u128::from(n) * 7919))
}

/// A server with the team schema and member roles `alice` and `bob` (password = name + "-pw").
async fn team_server() -> TestPostgres {
    let pg = TestPostgres::start().expect("postgres");
    keyward_team::init(
        &pg.url(pg.admin_user(), DB),
        Some(Secret::new(pg.admin_password().into())),
    )
    .await
    .expect("init");
    for m in ["alice", "bob"] {
        pg.psql(
            DB,
            &format!("CREATE ROLE {m} LOGIN PASSWORD '{m}-pw' IN ROLE keyward_member"),
        )
        .expect("role");
    }
    pg
}

async fn join(pg: &TestPostgres, inv: &Inventory, member: &str) {
    keyward_team::join(
        inv,
        &pg.url(member, DB),
        Secret::new(format!("{member}-pw")),
    )
    .await
    .expect("join");
}

async fn raw(pg: &TestPostgres, user: &str, password: &str) -> sqlx::PgConnection {
    PgConnectOptions::new()
        .host("127.0.0.1")
        .port(pg.port())
        .username(user)
        .password(password)
        .database(DB)
        .connect()
        .await
        .expect("connect")
}

#[tokio::test(flavor = "multi_thread")]
async fn two_members_publish_and_see_each_other() {
    let pg = team_server().await;
    let (alice, bob) = (inventory("alice").await, inventory("bob").await);
    // A key before joining is published by the join.
    alice
        .add(new_key("a-mail", "prod"), value(1))
        .await
        .unwrap();
    join(&pg, &alice, "alice").await;
    join(&pg, &bob, "bob").await;
    let b = bob.add(new_key("b-mail", "dev"), value(2)).await.unwrap();
    assert_eq!(
        keyward_team::status(&bob).await.unwrap().unwrap().queued,
        2,
        "row + event"
    );
    let report = keyward_team::sync(&bob).await.unwrap();
    assert_eq!((report.published, report.pulled), (2, 2));
    keyward_team::sync(&alice).await.unwrap();
    let seen = keyward_team::keys(&alice, &TeamFilter::default())
        .await
        .unwrap();
    let names: Vec<(&str, &str)> = seen
        .rows
        .iter()
        .map(|r| (r.member.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(names, [("bob", "b-mail"), ("alice", "a-mail")]);
    assert!(seen.as_of.is_some());
    assert!(
        seen.rows.iter().all(|r| r.hint.is_none()),
        "no hints unless shared"
    );

    // Bob edits his key: Alice's next sync sees it.
    bob.update(
        b.id,
        keyward::KeyPatch {
            purpose: Some("billing mail".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    keyward_team::sync(&bob).await.unwrap();
    keyward_team::sync(&alice).await.unwrap();
    let rows = keyward_team::keys(
        &alice,
        &TeamFilter {
            member: Some("bob".into()),
            ..TeamFilter::default()
        },
    )
    .await
    .unwrap()
    .rows;
    assert_eq!(rows[0].purpose, "billing mail");
    let events = keyward_team::events(&alice, 10).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.member == "bob" && e.action == "created"),
        "{events:?}"
    );
    let review = keyward_team::review(&alice, &TeamReviewQuery::default())
        .await
        .unwrap();
    assert_eq!(review.members.len(), 2);

    // Sharing: only dev, with hints; alice's prod key is withdrawn from the server.
    keyward_team::sharing_update(
        &alice,
        Sharing {
            environments: Some(vec!["dev".into()]),
            hints: true,
        },
    )
    .await
    .unwrap();
    alice.add(new_key("a-dev", "dev"), value(3)).await.unwrap();
    keyward_team::sync(&alice).await.unwrap();
    let mine = keyward_team::keys(
        &alice,
        &TeamFilter {
            member: Some("alice".into()),
            ..TeamFilter::default()
        },
    )
    .await
    .unwrap()
    .rows;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0].name, "a-dev");
    assert!(mine[0]
        .hint
        .as_deref()
        .is_some_and(|h| h.starts_with("PMAK-")));

    // Nothing changed: nothing published again.
    assert_eq!(keyward_team::sync(&alice).await.unwrap().published, 0);

    keyward_team::leave(&alice).await.unwrap();
    assert!(keyward_team::status(&alice).await.unwrap().is_none());
    assert!(alice.team_password().await.unwrap().is_none());
    let left: i64 = pg
        .psql(
            DB,
            "SELECT count(*) FROM keyward.keys WHERE member = 'alice'",
        )
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(left, 0, "leaving withdraws the member's rows");
}

#[tokio::test(flavor = "multi_thread")]
async fn row_level_security_refuses_writes_to_another_members_rows() {
    let pg = team_server().await;
    let alice = inventory("alice-rls").await;
    join(&pg, &alice, "alice").await;
    let a = alice
        .add(new_key("a-mail", "prod"), value(1))
        .await
        .unwrap();
    keyward_team::sync(&alice).await.unwrap();

    let mut bob = raw(&pg, "bob", "bob-pw").await;
    // An upsert onto alice's row (what a publish does) is refused with an error.
    let err = sqlx::query(
        "INSERT INTO keyward.keys (member, key_id, provider, kind, name, environment, status, state, \
         created_at, updated_at) VALUES ('alice', $1, 'p', 'k', 'stolen', 'prod', 'active', 'ok', now(), now()) \
         ON CONFLICT (member, key_id) DO UPDATE SET name = 'stolen'",
    )
    .bind(a.id)
    .execute(&mut bob)
    .await
    .expect_err("refused");
    let team_err = keyward_team::TeamError::from_sqlx(err, "bob");
    assert_eq!(team_err.code(), "team_permission_denied", "{team_err}");
    assert!(
        team_err.to_string().contains("row-level security"),
        "{team_err}"
    );
    // A plain UPDATE or DELETE of her row touches nothing.
    let done = sqlx::query("UPDATE keyward.keys SET name = 'stolen' WHERE member = 'alice'")
        .execute(&mut bob)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 0);
    let done = sqlx::query("DELETE FROM keyward.keys WHERE member = 'alice'")
        .execute(&mut bob)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 0);
    // Events are append-only for members.
    let err = sqlx::query("UPDATE keyward.events SET action = 'x'")
        .execute(&mut bob)
        .await
        .expect_err("no update");
    assert_eq!(
        keyward_team::TeamError::from_sqlx(err, "bob").code(),
        "team_permission_denied"
    );
    bob.close().await.unwrap();
    let name = pg
        .psql(
            DB,
            &format!("SELECT name FROM keyward.keys WHERE key_id = '{}'", a.id),
        )
        .unwrap();
    assert_eq!(name.trim(), "a-mail");

    // An admin deletes the rows of a member who left, and only those.
    pg.psql(
        DB,
        "CREATE ROLE lead LOGIN PASSWORD 'lead-pw' IN ROLE keyward_admin",
    )
    .unwrap();
    let mut lead = raw(&pg, "lead", "lead-pw").await;
    let done = sqlx::query("DELETE FROM keyward.keys WHERE member = 'alice'")
        .execute(&mut lead)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 0, "alice is still a member");
    pg.psql(DB, "REVOKE keyward_member FROM alice").unwrap();
    let done = sqlx::query("DELETE FROM keyward.keys WHERE member = 'alice'")
        .execute(&mut lead)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1, "alice left");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_stopped_mid_publish_loses_and_duplicates_nothing() {
    let mut pg = team_server().await;
    let alice = inventory("alice-stop").await;
    join(&pg, &alice, "alice").await;
    const N: u32 = 150;
    for i in 0..N {
        alice
            .add(new_key(&format!("k{i:03}"), "prod"), value(i))
            .await
            .unwrap();
    }
    // The publish of 150 rows + 150 events is under way when the server stops.
    let publishing = tokio::spawn({
        let alice = Arc::new(alice);
        let a2 = Arc::clone(&alice);
        async move { (keyward_team::sync(&a2).await, alice) }
    });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    pg.stop().unwrap();
    let (first, alice) = publishing.await.unwrap();
    let status = keyward_team::status(&alice).await.unwrap().unwrap();
    if first.is_err() {
        assert!(
            status.queued > 0,
            "the queue keeps what did not reach the server"
        );
        assert!(status.last_error.is_some());
    }
    // While it is down, more changes queue up.
    alice
        .add(new_key("offline", "prod"), value(999))
        .await
        .unwrap();
    assert_eq!(
        keyward_team::sync(&alice).await.unwrap_err().code(),
        "team_unreachable"
    );
    pg.start_again().unwrap();
    keyward_team::sync(&alice).await.unwrap();
    let status = keyward_team::status(&alice).await.unwrap().unwrap();
    assert_eq!(status.queued, 0);
    assert!(status.last_error.is_none());
    let count = |sql: &str| -> i64 { pg.psql(DB, sql).unwrap().trim().parse().unwrap() };
    assert_eq!(count("SELECT count(*) FROM keyward.keys"), i64::from(N) + 1);
    assert_eq!(
        count("SELECT count(*) FROM keyward.events WHERE action = 'created'"),
        i64::from(N) + 1
    );
    assert_eq!(
        count("SELECT count(DISTINCT key_id) FROM keyward.events"),
        i64::from(N) + 1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_clear_error() {
    let pg = team_server().await;
    let inv = inventory("bad").await;
    let code = |r: keyward_team::Result<keyward_team::TeamStatus>| {
        r.map(|_| "ok").unwrap_or_else(|e| e.code())
    };
    // A refused password.
    let err = keyward_team::join(
        &inv,
        &pg.url("alice", DB),
        Secret::new("wrong-canary".into()),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "team_auth_failed");
    assert!(
        err.to_string().contains("alice") && !err.to_string().contains("wrong-canary"),
        "{err}"
    );
    // TLS asked of a server without it.
    let url = format!("{}?sslmode=require", pg.url("alice", DB));
    assert_eq!(
        code(keyward_team::join(&inv, &url, Secret::new("alice-pw".into())).await),
        "team_tls_required"
    );
    // Nothing listens there.
    let closed = format!("postgres://alice@127.0.0.1:{}/{DB}", free_port());
    assert_eq!(
        code(keyward_team::join(&inv, &closed, Secret::new("alice-pw".into())).await),
        "team_unreachable"
    );
    // No such database.
    assert_eq!(
        code(
            keyward_team::join(
                &inv,
                &pg.url("alice", "nope"),
                Secret::new("alice-pw".into())
            )
            .await
        ),
        "team_url_invalid"
    );
    // A role that is not in keyward_member.
    pg.psql(DB, "CREATE ROLE eve LOGIN PASSWORD 'eve-pw'")
        .unwrap();
    assert_eq!(
        code(keyward_team::join(&inv, &pg.url("eve", DB), Secret::new("eve-pw".into())).await),
        "team_permission_denied"
    );
    // A server of an older schema.
    pg.psql(DB, "UPDATE keyward.meta SET schema_version = 0")
        .unwrap();
    let err = keyward_team::join(&inv, &pg.url("alice", DB), Secret::new("alice-pw".into()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "team_schema_outdated");
    assert!(
        err.to_string().contains("version 0") && err.to_string().contains("version 1"),
        "{err}"
    );
    // Nothing of a failed join stays behind.
    assert!(keyward_team::status(&inv).await.unwrap().is_none());
    assert!(inv.team_password().await.unwrap().is_none());
    assert_eq!(
        keyward_team::sync(&inv).await.unwrap_err().code(),
        "team_not_joined"
    );
    // init is idempotent and says what it did.
    pg.psql(DB, "UPDATE keyward.meta SET schema_version = 1")
        .unwrap();
    let again = keyward_team::init(
        &pg.url(pg.admin_user(), DB),
        Some(Secret::new(pg.admin_password().into())),
    )
    .await
    .unwrap();
    assert!(
        again.applied.is_empty() && again.roles_created.is_empty(),
        "{again:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn listeners_hear_other_members_changes() {
    let pg = team_server().await;
    let (alice, bob) = (inventory("alice-l").await, inventory("bob-l").await);
    join(&pg, &alice, "alice").await;
    join(&pg, &bob, "bob").await;
    let mut listener = keyward_team::listen(&alice).await.unwrap();
    bob.add(new_key("b", "dev"), value(5)).await.unwrap();
    keyward_team::sync(&bob).await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), listener.changed())
        .await
        .expect("notified")
        .unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
