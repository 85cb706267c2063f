//! Every desktop command through Tauri's IPC layer (mock runtime, the app's real config and
//! capabilities), on the core with an in-memory vault. No window needed.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use keyward::vault::{MemoryVault, Vault};
use keyward::{Config, Inventory};
use keyward_desktop::state::AppState;
use serde_json::{json, Value};
use std::sync::Arc;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

const CANARY: &str = "PMAK-0123456789abcdef01234567-0123456789abcdef0123456789abcdefca";

struct Harness {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    vault: Arc<MemoryVault>,
    _dir: tempfile::TempDir,
    /// Every response body seen, for the canary check.
    seen: std::cell::RefCell<Vec<String>>,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let vault = Arc::new(MemoryVault::new());
    let config = Config::at(dir.path().to_path_buf());
    let inventory = tauri::async_runtime::block_on(Inventory::open(config, vault.clone())).unwrap();
    let app = keyward_desktop::with_commands(mock_builder())
        .manage(AppState::new(inventory))
        .build(tauri::generate_context!())
        .unwrap();
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Harness {
        _app: app,
        window,
        vault,
        _dir: dir,
        seen: Default::default(),
    }
}

impl Harness {
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        let out =
            get_ipc_response(&self.window, request).map(|b| b.deserialize::<Value>().unwrap());
        let text = match &out {
            Ok(v) | Err(v) => v.to_string(),
        };
        self.seen.borrow_mut().push(text);
        out
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn err_code(&self, cmd: &str, args: Value) -> String {
        let e = self.call(cmd, args).expect_err(cmd);
        e["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{cmd}: error without code: {e}"))
            .to_owned()
    }

    fn add(&self, name: &str, env: &str, secret: &str) -> Value {
        self.ok(
            "key_add",
            json!({"input": {"secret": secret, "provider": null, "kind": null, "name": name, "environment": env,
                   "purpose": "run API tests", "owner": "alice", "tags": ["ci"], "scopes": [], "env_var": null}}),
        )["key"]
            .clone()
    }

    fn assert_no_canary(&self) {
        let seen = self.seen.borrow();
        assert!(!seen.is_empty(), "the recorder saw no responses");
        for (i, body) in seen.iter().enumerate() {
            assert!(
                !body.contains(CANARY),
                "IPC response #{i} carries the secret: {body}"
            );
            assert!(
                !body.contains(&CANARY[10..]),
                "IPC response #{i} carries part of the secret: {body}"
            );
        }
    }
}

#[test]
fn add_list_show_update_remove() {
    let h = harness();
    let key = h.add("postman ci", "dev", CANARY);
    assert_eq!(key["provider"], "postman", "detected from the PMAK- prefix");
    assert!(key["findings"].is_array(), "findings ride on every key");
    let id = key["id"].as_str().unwrap().to_owned();
    assert_eq!(
        h.vault
            .accounts()
            .unwrap()
            .unwrap()
            .iter()
            .filter(|a| *a == &id)
            .count(),
        1,
        "value is in the vault"
    );

    let list = h.ok("keys_list", json!({}));
    assert_eq!(list.as_array().unwrap().len(), 1);

    let detail = h.ok("key_show", json!({"id": id}));
    assert_eq!(detail["secret_present"], true);
    assert_eq!(detail["audit"][0]["action"], "created");

    let updated = h.ok(
        "key_update",
        json!({"id": id, "patch": {"name": "renamed", "owner": null}}),
    );
    assert_eq!(updated["name"], "renamed");
    assert_eq!(updated["owner"], Value::Null, "null clears the owner");

    assert_eq!(h.ok("key_remove", json!({"id": id})), Value::Null);
    assert_eq!(h.ok("keys_list", json!({})), json!([]));
    assert_eq!(h.err_code("key_show", json!({"id": id})), "not_found");
    h.assert_no_canary();
}

#[test]
fn detect_returns_a_masked_hint_only() {
    let h = harness();
    let d = h.ok("key_detect", json!({"value": CANARY}));
    assert_eq!(
        (d["provider"].as_str(), d["kind"].as_str()),
        (Some("postman"), Some("api_key"))
    );
    assert!(
        d["masked_hint"]
            .as_str()
            .unwrap()
            .ends_with("cdefca"[2..].as_ref() as &str),
        "{d}"
    );
    let uuid = h.ok(
        "key_detect",
        json!({"value": "0c7f1a2b-1234-4abc-9def-0123456789ab"}),
    );
    assert_eq!(uuid["provider"], "postmark");
    assert_eq!(uuid["needs_confirmation"], true);
    h.assert_no_canary();
}

#[test]
fn errors_are_code_and_message() {
    let h = harness();
    h.add("dup", "prod", "value-1");
    let dup = h
        .call(
            "key_add",
            json!({"input": {"secret": "value-2", "name": "dup", "environment": "prod"}}),
        )
        .unwrap_err();
    assert_eq!(dup["code"], "duplicate");
    assert!(dup["message"].as_str().unwrap().contains("dup"), "{dup}");
    assert_eq!(h.err_code("key_add", json!({"input": {"secret": CANARY, "provider": "nosuch", "name": "x", "environment": "dev"}})), "unknown_provider");
    // An unusual shape is stored with a warning (the provider decides validity) …
    let added = h.ok("key_add", json!({"input": {"secret": "PMAK-x", "provider": "postman", "name": "x", "environment": "dev"}}));
    let warning = added["warning"].as_str().unwrap_or_default();
    assert!(
        warning.contains("stored anyway") && !warning.contains("PMAK-x"),
        "{added}"
    );
    assert_eq!(added["key"]["provider"], "postman");
    // … while two lines cannot be a key.
    assert_eq!(h.err_code("key_add", json!({"input": {"secret": "PMAK-a\nPMAK-b", "provider": "postman", "name": "y", "environment": "dev"}})), "invalid_input");
    assert_eq!(
        h.err_code(
            "key_add",
            json!({"input": {"secret": CANARY, "name": "x\u{1b}[2J", "environment": "dev"}})
        ),
        "invalid_input"
    );
    assert_eq!(
        h.err_code("key_show", json!({"id": "not-a-uuid"})),
        "invalid_input"
    );
    assert_eq!(
        h.err_code("audit_list", json!({"keyId": "zzz"})),
        "invalid_input"
    );
    h.assert_no_canary();
}

#[test]
fn keychain_failures_reach_the_window_as_codes() {
    let h = harness();
    assert_eq!(h.ok("keychain_status", json!({}))["state"], "ok");
    h.vault.fail_with(Some("locked"));
    let status = h.ok("keychain_status", json!({}));
    assert_eq!(status["state"], "locked");
    assert!(
        !status["fix"].as_str().unwrap().is_empty(),
        "the banner needs a fix"
    );
    assert_eq!(
        h.err_code(
            "key_add",
            json!({"input": {"secret": CANARY, "name": "x", "environment": "dev"}})
        ),
        "keychain_locked"
    );
    h.vault.fail_with(Some("unavailable"));
    assert_eq!(h.ok("keychain_status", json!({}))["state"], "unavailable");
    assert_eq!(
        h.ok("keys_list", json!({})),
        json!([]),
        "the list still works without a keychain"
    );
    h.assert_no_canary();
}

#[test]
fn import_preview_and_commit() {
    let h = harness();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join(".env.staging");
    std::fs::write(
        &good,
        format!("POSTMAN_KEY={CANARY}\nBLOG=pk_blog_staging_0123456789\n"),
    )
    .unwrap();
    let preview = h.ok(
        "import_preview",
        json!({"path": good, "options": {"environment": null, "provider": null, "purpose": null}}),
    );
    assert_eq!(preview["format"], "env");
    assert_eq!(preview["rows"].as_array().unwrap().len(), 2);
    assert_eq!(preview["rows"][0]["environment"], "staging");
    assert_eq!(preview["errors"], json!([]));
    let result = h.ok("import_commit", json!({"path": good, "options": {}}));
    assert_eq!(result["imported"], 2);

    let bad = dir.path().join("bad.env");
    std::fs::write(&bad, format!("GOOD={CANARY}x\nnot a line\n")).unwrap();
    let preview = h.ok(
        "import_preview",
        json!({"path": bad, "options": {"environment": "dev"}}),
    );
    assert_eq!(preview["errors"][0]["line"], 2);
    assert_eq!(
        h.err_code(
            "import_commit",
            json!({"path": bad, "options": {"environment": "dev"}})
        ),
        "import_invalid"
    );
    assert_eq!(
        h.err_code(
            "import_preview",
            json!({"path": dir.path().join("missing"), "options": {}})
        ),
        "invalid_input"
    );
    assert_eq!(
        h.ok("keys_list", json!({})).as_array().unwrap().len(),
        2,
        "the bad file imported nothing"
    );
    h.assert_no_canary();
}

#[test]
fn settings_providers_audit() {
    let h = harness();
    let s = h.ok("settings_get", json!({}));
    assert_eq!(s["clipboard_timeout_secs"], 30);
    assert_eq!(s["environments"].as_array().unwrap().len(), 3);
    let s = h.ok(
        "settings_update",
        json!({"patch": {"clipboard_timeout_secs": 10, "environments": ["prod", "dev"]}}),
    );
    assert_eq!(s["clipboard_timeout_secs"], 10);
    assert_eq!(s["environments"][0]["name"], "prod");
    assert_eq!(
        h.err_code(
            "settings_update",
            json!({"patch": {"clipboard_timeout_secs": 0}})
        ),
        "invalid_input"
    );

    let providers = h.ok("providers_list", json!({}));
    let ids: Vec<&str> = providers
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for id in [
        "postmon",
        "postmark",
        "postman",
        "posthog",
        "postnomic",
        "cloudflare",
        "sendgrid",
        "custom",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let audit = h.ok("audit_list", json!({"keyId": null}));
    assert_eq!(audit[0]["action"], "settings_changed");
}

#[test]
fn copy_without_a_display_is_a_clear_error() {
    // The mock runtime has no clipboard service of its own; with no display the core must
    // refuse clearly (the real clipboard is covered by the CLI and e2e suites).
    if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        return;
    }
    let h = harness();
    let key = h.add("k", "dev", CANARY);
    assert_eq!(
        h.err_code("key_copy", json!({"id": key["id"]})),
        "clipboard_unavailable"
    );
    h.assert_no_canary();
}

#[test]
fn app_ready_returns_null() {
    // The window calls it once the first inventory is on screen; it only logs (and writes
    // `$KEYWARD_READY_FILE` for scripts/bench-desktop.sh, covered by the next test).
    let h = harness();
    assert_eq!(h.ok("app_ready", json!({})), Value::Null);
    assert_eq!(h.ok("app_ready", json!({})), Value::Null, "harmless twice");
}

#[test]
fn ready_file_holds_the_unix_time_in_ms() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ready");
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    keyward_desktop::state::write_unix_ms(&path).unwrap();
    let written: u128 = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    assert!(
        (before..before + 60_000).contains(&written),
        "{written} is not a Unix time in ms near {before}"
    );
}

// ---- findings + team review (issue 6) ----

impl Harness {
    /// Adds a Postmark server token that existed long before Keyward (created `days` ago).
    fn add_old(&self, name: &str, env: &str, secret: &str, days: i64) -> Value {
        let created = (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339();
        self.ok(
            "key_add",
            json!({"input": {"secret": secret, "provider": "postmark", "kind": "server_token", "name": name,
                   "environment": env, "purpose": "send transactional email", "owner": "alice", "tags": [],
                   "scopes": [], "env_var": null, "created_at": created, "last_rotated_at": null}}),
        )["key"]
            .clone()
    }

    fn finding<'a>(key: &'a Value, kind: &str) -> Option<&'a Value> {
        key["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == kind)
    }
}

const SERVER_TOKEN: &str = "0c7f1a2b-1234-4abc-9def-0123456789ab";

#[test]
fn findings_ride_on_keys_and_can_be_acknowledged() {
    let h = harness();
    let old = h.add_old("mail", "prod", SERVER_TOKEN, 120);
    let created = old["created_at"].as_str().unwrap();
    let created_at = chrono::DateTime::parse_from_rfc3339(created).unwrap();
    let days = (chrono::Utc::now() - created_at.with_timezone(&chrono::Utc)).num_days();
    assert!(
        (119..=120).contains(&days),
        "created_at taken from the input: {created}"
    );
    let stale = Harness::finding(&old, "stale").expect("120 days in prod (max 90) is stale");
    assert_eq!(stale["action"], "rotate");
    assert!(stale["message"].as_str().unwrap().contains("90"), "{stale}");
    assert_eq!(stale["acknowledged"], Value::Null);
    let id = old["id"].as_str().unwrap().to_owned();

    let listed = h.ok("keys_list", json!({}));
    assert!(
        Harness::finding(&listed[0], "stale").is_some(),
        "keys_list carries findings"
    );
    let shown = h.ok("key_show", json!({"id": id}));
    assert!(
        Harness::finding(&shown["key"], "stale").is_some(),
        "key_show carries findings"
    );

    let until = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let acked = h.ok(
        "finding_acknowledge",
        json!({"input": {"key_id": id, "kind": "stale", "reason": "vendor freeze until Q1", "until": until}}),
    );
    let ack = &Harness::finding(&acked, "stale").unwrap()["acknowledged"];
    assert_eq!(ack["reason"], "vendor freeze until Q1");
    assert!(ack["actor"].as_str().is_some_and(|a| !a.is_empty()));
    let trail = h.ok("audit_list", json!({"keyId": id}));
    assert!(
        trail
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "finding_acknowledged"),
        "acknowledging is audited: {trail}"
    );

    let input = |kind: &str, reason: &str, until: Value| json!({"input": {"key_id": id, "kind": kind, "reason": reason, "until": until}});
    assert_eq!(
        h.err_code("finding_acknowledge", input("nosuch", "r", Value::Null)),
        "invalid_input"
    );
    assert_eq!(
        h.err_code("finding_acknowledge", input("stale", "  ", Value::Null)),
        "invalid_input"
    );
    let past = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    assert_eq!(
        h.err_code("finding_acknowledge", input("stale", "r", json!(past))),
        "invalid_input"
    );
    let far = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339();
    assert_eq!(
        h.err_code("finding_acknowledge", input("stale", "r", json!(far))),
        "invalid_input"
    );
    assert_eq!(
        h.err_code(
            "finding_acknowledge",
            json!({"input": {"key_id": uuid::Uuid::nil().to_string(), "kind": "stale", "reason": "r"}})
        ),
        "not_found"
    );
    h.assert_no_canary();
    let raw = h.seen.borrow().join("\n");
    assert!(
        !raw.contains(SERVER_TOKEN),
        "no response carries the server token"
    );
}

#[test]
fn review_and_its_export_hold_no_secret() {
    let h = harness();
    h.add_old("mail", "prod", SERVER_TOKEN, 120);
    h.add("postman ci", "dev", CANARY);

    let review = h.ok("review_get", json!({}));
    assert_eq!(review["total"], 2);
    let overdue = review["overdue"].as_array().unwrap();
    assert_eq!(overdue.len(), 1, "{review}");
    assert_eq!(overdue[0]["name"], "mail");
    assert_eq!(overdue[0]["owner"], "alice");
    assert!(overdue[0]["days_left"].as_i64().unwrap() < 0);
    let prod = review["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["environment"] == "prod")
        .unwrap();
    assert_eq!(
        (
            prod["provider"].as_str(),
            prod["total"].as_u64(),
            prod["overdue"].as_u64()
        ),
        (Some("postmark"), Some(1), Some(1))
    );
    assert_eq!(prod["by_status"]["active"], 1);
    assert!(review["finding_counts"]["stale"].as_u64() >= Some(1));

    let dir = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    for format in ["csv", "json", "md", "html"] {
        let path = dir.path().join(format!("review.{format}"));
        let out = h.ok("review_export", json!({"format": format, "path": path}));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(out["bytes"].as_u64(), Some(text.len() as u64));
        assert_eq!(out["path"], path.display().to_string());
        assert!(text.contains("mail"), "{format} export names the key");
        assert!(
            !text.contains(CANARY) && !text.contains(&CANARY[10..]),
            "{format} export holds the secret"
        );
        assert!(
            !text.contains(SERVER_TOKEN),
            "{format} export holds the server token"
        );
        written.push(text);
    }
    let json: Value = serde_json::from_str(&written[1]).expect("the JSON export parses");
    assert!(json.is_object(), "{json}");
    assert!(
        written[0].lines().count() >= 3,
        "CSV: a header and one row per key"
    );
    assert!(written[3].starts_with("<!DOCTYPE html>") || written[3].starts_with("<!doctype html>"));

    let file = dir.path().join("r.csv");
    assert_eq!(
        h.err_code("review_export", json!({"format": "pdf", "path": file})),
        "invalid_input"
    );
    assert_eq!(
        h.err_code(
            "review_export",
            json!({"format": "csv", "path": "relative.csv"})
        ),
        "invalid_input"
    );
    assert_eq!(
        h.err_code(
            "review_export",
            json!({"format": "csv", "path": dir.path()})
        ),
        "invalid_input"
    );
    assert_eq!(
        h.err_code(
            "review_export",
            json!({"format": "csv", "path": dir.path().join("no/such/dir.csv")})
        ),
        "invalid_input"
    );
    h.assert_no_canary();
}

#[test]
fn policy_get_and_update() {
    let h = harness();
    let p = h.ok("policy_get", json!({}));
    assert_eq!(p["notify_due"], true);
    assert_eq!(p["default"]["environment"], "*");
    let prod = p["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["environment"] == "prod")
        .unwrap();
    assert_eq!(
        (
            prod["max_age_days"].as_u64(),
            prod["expiring_days"].as_u64()
        ),
        (Some(90), Some(14))
    );

    // A 120-day-old prod key is stale under 90 days, not under 200.
    let key = h.add_old("mail", "prod", SERVER_TOKEN, 120);
    assert!(Harness::finding(&key, "stale").is_some());
    let p = h.ok(
        "policy_update",
        json!({"patch": {"environments": [{"environment": "prod", "max_age_days": 200, "unused_days": 30, "expiring_days": 14}],
                         "notify_due": false}}),
    );
    assert_eq!(p["notify_due"], false);
    assert_eq!(p["environments"].as_array().unwrap().len(), 1);
    let listed = h.ok("keys_list", json!({}));
    assert!(
        Harness::finding(&listed[0], "stale").is_none(),
        "the new policy applies: {listed}"
    );
    assert_eq!(h.ok("policy_get", json!({}))["notify_due"], false, "stored");

    assert_eq!(
        h.err_code(
            "policy_update",
            json!({"patch": {"default": {"environment": "*", "max_age_days": 0, "unused_days": 30, "expiring_days": 14}}})
        ),
        "invalid_input"
    );
    h.assert_no_canary();
}

#[test]
fn import_preview_shows_key_dates_from_csv() {
    let h = harness();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("keys.csv");
    std::fs::write(
        &csv,
        format!("name,secret,environment,created_at,last_rotated_at\nci,{CANARY},dev,2024-01-15,2025-03-01\n"),
    )
    .unwrap();
    let preview = h.ok("import_preview", json!({"path": csv, "options": {}}));
    assert_eq!(preview["errors"], json!([]), "{preview}");
    let row = &preview["rows"][0];
    assert!(
        row["created_at"]
            .as_str()
            .unwrap()
            .starts_with("2024-01-15"),
        "{row}"
    );
    assert!(
        row["last_rotated_at"]
            .as_str()
            .unwrap()
            .starts_with("2025-03-01"),
        "{row}"
    );
    h.assert_no_canary();
}

#[test]
fn usage_is_edited_and_client_side_secret_kinds_are_flagged() {
    let h = harness();
    let secret = "phx_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
    let key = h.add("flags in the web app", "prod", secret);
    assert_eq!(key["kind"], "personal");
    let id = key["id"].as_str().unwrap().to_owned();
    assert!(Harness::finding(&key, "client_exposed").is_none());
    let web = h.ok("key_update", json!({"id": id, "patch": {"usage": "web"}}));
    assert_eq!(web["usage"], "web");
    let exposed = Harness::finding(&web, "client_exposed")
        .expect("a personal key in a web page is client-exposed");
    assert_eq!(exposed["action"], "narrow");
    let cleared = h.ok("key_update", json!({"id": id, "patch": {"usage": null}}));
    assert_eq!(cleared["usage"], Value::Null, "null clears the usage");
    assert!(h
        .call(
            "key_update",
            json!({"id": id, "patch": {"usage": "fridge"}})
        )
        .is_err());
    h.assert_no_canary();
    assert!(!h.seen.borrow().join("\n").contains(secret));
}
