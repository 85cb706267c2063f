//! The team commands (issue 15) through Tauri's IPC layer (mock runtime, the app's real config
//! and capabilities) against a real throwaway PostgreSQL (crates/test-postgres), on the core with
//! an in-memory vault. No window needed. Every answer is checked for the key's value and the
//! team password.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use keyward::vault::MemoryVault;
use keyward::Secret;
use serde_json::{json, Value};
use std::sync::Arc;
use test_postgres::TestPostgres;

const VALUE: &str = "PMAK-0123456789abcdef01234567-0123456789abcdef0123456789abcdefte";
const PASSWORD: &str = "team-pw-canary-7f3a9c";

mod support;

use support::TestApp;

/// A member: the app on its own data dir and in-memory vault.
struct Member(TestApp);

fn member() -> Member {
    Member(TestApp::new(Arc::new(MemoryVault::new())))
}

impl std::ops::Deref for Member {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.0
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        for (_, answer) in self.answers().iter() {
            assert!(
                !answer.contains(VALUE),
                "a key value in an IPC answer: {answer}"
            );
            assert!(
                !answer.contains(PASSWORD),
                "the team password in an IPC answer: {answer}"
            );
        }
    }
}

fn join_input(url: &str, password: &str) -> Value {
    json!({ "input": { "url": url, "password": password } })
}

#[test]
fn a_member_joins_sees_the_team_shares_and_leaves_through_the_commands() {
    if !test_postgres::available() {
        eprintln!("skipped: no PostgreSQL programs (scripts/setup-system.sh installs postgresql)");
        return;
    }
    let pg = TestPostgres::start().unwrap();
    tauri::async_runtime::block_on(keyward_team::init(
        &pg.admin_url(),
        Some(Secret::new(pg.admin_password().to_owned())),
    ))
    .unwrap();
    pg.psql(
        "postgres",
        &format!("CREATE ROLE dana LOGIN PASSWORD '{PASSWORD}' IN ROLE keyward_member"),
    )
    .unwrap();
    let url = pg.url("dana", "postgres");

    let a = member();
    assert_eq!(a.ok("team_status", json!({})), Value::Null, "not in a team");
    assert_eq!(a.err_code("team_sync", json!({})), "team_not_joined");
    a.ok(
        "key_add",
        json!({"input": {"secret": VALUE, "name": "api tests", "environment": "dev", "purpose": "run API tests"}}),
    );

    // Bad input: each a clear code, nothing stored.
    assert_eq!(
        a.err_code(
            "team_join",
            join_input("mysql://dana@127.0.0.1/x", PASSWORD)
        ),
        "team_url_invalid"
    );
    assert_eq!(
        a.err_code("team_join", join_input(&url, "not-the-password")),
        "team_auth_failed"
    );
    assert_eq!(
        a.err_code("team_join", join_input(&url, "")),
        "team_auth_failed"
    );
    assert_eq!(a.ok("team_status", json!({})), Value::Null);

    let status = a.ok("team_join", join_input(&url, PASSWORD));
    assert_eq!(status["member"], "dana");
    assert_eq!(status["url"], url, "the URL, without a password");
    let keys = a.ok("team_keys", json!({ "filter": null }));
    assert!(keys["as_of"].is_string(), "pulled at join: {keys}");
    let rows = keys["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{keys}");
    assert_eq!(rows[0]["member"], "dana");
    assert_eq!(rows[0]["name"], "api tests");
    assert_eq!(rows[0]["hint"], Value::Null, "no hint unless shared");

    let review = a.ok("team_review", json!({ "query": null }));
    assert_eq!(review["members"][0]["member"], "dana", "{review}");
    a.ok("team_events", json!({ "limit": 10 }));

    // The team review exported where the save dialog says, as the local review is.
    let out = tempfile::tempdir().unwrap();
    a.state().files.answer_with(Some(out.path().to_path_buf()));
    let saved = a.ok(
        "team_review_export",
        json!({ "format": "csv", "query": null }),
    );
    let path = std::path::PathBuf::from(saved["path"].as_str().unwrap());
    assert!(path.starts_with(out.path()), "{saved}");
    let csv = std::fs::read_to_string(&path).unwrap();
    assert!(csv.contains("dana") && csv.contains("api tests"), "{csv}");
    assert_eq!(saved["bytes"].as_u64().unwrap() as usize, csv.len());
    assert!(!csv.contains(VALUE) && !csv.contains(PASSWORD), "{csv}");

    let synced = a.ok("team_sync", json!({}));
    assert!(synced["as_of"].is_string());

    // Sharing: only prod (this key is dev), then everything again.
    let only_prod = a.ok(
        "team_sharing_update",
        json!({"sharing": {"environments": ["prod"], "hints": false}}),
    );
    assert_eq!(only_prod["sharing"]["environments"], json!(["prod"]));
    a.ok("team_sync", json!({}));
    let keys = a.ok("team_keys", json!({ "filter": null }));
    assert_eq!(
        keys["rows"],
        json!([]),
        "an unshared environment is withdrawn"
    );

    a.ok("team_leave", json!({}));
    assert_eq!(a.ok("team_status", json!({})), Value::Null);
}
