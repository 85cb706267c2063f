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
        )
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
    assert_eq!(key["findings"], json!([]));
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
    assert_eq!(h.err_code("key_add", json!({"input": {"secret": "PMAK-x", "provider": "postman", "name": "x", "environment": "dev"}})), "malformed_key");
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
