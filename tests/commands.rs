//! Every desktop command through Tauri's IPC layer (mock runtime, the app's real config and
//! capabilities), on the core with an in-memory vault. No window needed.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use keyward::vault::{MemoryVault, Vault};
use serde_json::{json, Value};
use std::sync::Arc;

const CANARY: &str = "PMAK-0123456789abcdef01234567-0123456789abcdef0123456789abcdefca";

mod support;

use support::{Builder, TestApp};

struct Harness {
    app: TestApp,
    vault: Arc<MemoryVault>,
}

fn harness() -> Harness {
    harness_with(|b| b)
}

/// A harness whose app builder also gets `plugins` (the real app registers a few).
fn harness_with(plugins: impl FnOnce(Builder) -> Builder) -> Harness {
    let vault = Arc::new(MemoryVault::new());
    Harness {
        app: TestApp::with_plugins(vault.clone(), plugins),
        vault,
    }
}

impl std::ops::Deref for Harness {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl Harness {
    fn add(&self, name: &str, env: &str, secret: &str) -> Value {
        self.ok(
            "key_add",
            json!({"input": {"secret": secret, "provider": null, "kind": null, "name": name, "environment": env,
                   "purpose": "run API tests", "owner": "alice", "tags": ["ci"], "scopes": [], "env_var": null}}),
        )["key"]
            .clone()
    }

    /// The file dialogs answer `path` from now on, as if the user chose it.
    fn answer_dialogs(&self, path: &std::path::Path) {
        self.state().files.answer_with(Some(path.to_path_buf()));
    }

    /// Picks `path` in the import dialog; returns the handle the window gets.
    fn pick(&self, path: &std::path::Path) -> String {
        self.answer_dialogs(path);
        let picked = self.ok("import_file_pick", json!({}));
        assert!(
            !picked
                .to_string()
                .contains(&*path.parent().unwrap().to_string_lossy()),
            "the window learns a handle and a file name, not the path: {picked}"
        );
        picked["handle"].as_str().unwrap().to_owned()
    }

    fn assert_no_canary(&self) {
        let seen = self.answers();
        assert!(!seen.is_empty(), "the recorder saw no responses");
        for (i, (cmd, body)) in seen.iter().enumerate() {
            assert!(
                !body.contains(CANARY),
                "IPC response #{i} ({cmd}) carries the secret: {body}"
            );
            assert!(
                !body.contains(&CANARY[10..]),
                "IPC response #{i} ({cmd}) carries part of the secret: {body}"
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

/// What the window sends for a value (ui/src/lib/shape.ts computes the same).
fn shape(value: &str) -> Value {
    let s = keyward::providers::shape::KeyShape::of(value, &[]);
    json!({"shape": {"prefix": s.prefix, "classes": s.classes, "tail": s.tail}})
}

#[test]
fn detect_returns_a_masked_hint_only() {
    let h = harness();
    let d = h.ok("key_detect", shape(CANARY));
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
    let uuid = h.ok("key_detect", shape("0c7f1a2b-1234-4abc-9def-0123456789ab"));
    assert_eq!(uuid["provider"], "postmark");
    assert_eq!(uuid["needs_confirmation"], true);
    h.assert_no_canary();
}

#[test]
fn detect_never_receives_the_value() {
    let h = harness();
    assert!(
        h.call("key_detect", json!({"value": CANARY})).is_err(),
        "key_detect must not take the value"
    );
    let as_shape = json!({"shape": {"prefix": "", "classes": CANARY, "tail": ""}});
    assert_eq!(h.err_code("key_detect", as_shape), "invalid_input");
    let as_prefix = json!({"shape": {"prefix": CANARY, "classes": "", "tail": ""}});
    assert_eq!(h.err_code("key_detect", as_prefix), "invalid_input");
    let as_tail = json!({"shape": {"prefix": "PMAK-", "classes": "0000", "tail": CANARY}});
    assert_eq!(h.err_code("key_detect", as_tail), "invalid_input");
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
    let handle = h.pick(&good);
    let preview = h.ok(
        "import_preview",
        json!({"handle": handle, "options": {"environment": null, "provider": null, "purpose": null}}),
    );
    assert_eq!(preview["format"], "env");
    assert_eq!(preview["rows"].as_array().unwrap().len(), 2);
    assert_eq!(preview["rows"][0]["environment"], "staging");
    assert_eq!(preview["errors"], json!([]));
    let result = h.ok("import_commit", json!({"handle": handle, "options": {}}));
    assert_eq!(result["imported"], 2);

    let bad = dir.path().join("bad.env");
    std::fs::write(&bad, format!("GOOD={CANARY}x\nnot a line\n")).unwrap();
    let bad = h.pick(&bad);
    let preview = h.ok(
        "import_preview",
        json!({"handle": bad, "options": {"environment": "dev"}}),
    );
    assert_eq!(preview["errors"][0]["line"], 2);
    assert_eq!(
        h.err_code(
            "import_commit",
            json!({"handle": bad, "options": {"environment": "dev"}})
        ),
        "import_invalid"
    );
    let missing = h.pick(&dir.path().join("missing"));
    assert_eq!(
        h.err_code("import_preview", json!({"handle": missing, "options": {}})),
        "invalid_input"
    );
    assert_eq!(
        h.ok("keys_list", json!({})).as_array().unwrap().len(),
        2,
        "the bad file imported nothing"
    );
    h.assert_no_canary();
}

/// Issue 16: the preview ticks keys and leaves configuration unticked, with a reason; the
/// commit imports exactly the lines the page sends (`null`: the suggested ones).
#[test]
fn import_commit_takes_the_ticked_lines() {
    let h = harness();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".env");
    std::fs::write(
        &file,
        format!(
            "DEBUG=true\nPORT=3000\nPOSTMAN_KEY={CANARY}\nOTHER_TOKEN=q8Zr2LxW0vTn5Kb7Yc3Hd9Fs\n"
        ),
    )
    .unwrap();
    let handle = h.pick(&file);
    let preview = h.ok("import_preview", json!({"handle": handle, "options": {}}));
    let rows = preview["rows"].as_array().unwrap();
    let ticked: Vec<bool> = rows.iter().map(|r| r["suggested"] == true).collect();
    assert_eq!(ticked, [false, false, true, true]);
    assert!(rows[0]["reason"].as_str().unwrap().contains("yes/no"));
    assert!(rows[1]["reason"].as_str().unwrap().contains("number"));
    // The user unticks one key and ticks PORT.
    let result = h.ok(
        "import_commit",
        json!({"handle": handle, "options": {}, "lines": [2, 3]}),
    );
    assert_eq!(result["imported"], 2);
    let mut names: Vec<String> = h
        .ok("keys_list", json!({}))
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["PORT", "POSTMAN_KEY"]);
    assert_eq!(
        h.err_code(
            "import_commit",
            json!({"handle": handle, "options": {}, "lines": [9]})
        ),
        "invalid_input",
        "a line that is no row of the file is refused"
    );
    h.assert_no_canary();
}

/// Hole 4: the page names no path. An XSS that sends a path (or guesses a handle) reads nothing.
#[test]
fn import_reads_only_a_file_picked_in_the_dialog() {
    let h = harness();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".env");
    std::fs::write(&file, format!("POSTMAN_KEY={CANARY}\n")).unwrap();
    for cmd in ["import_preview", "import_commit"] {
        assert!(
            h.call(cmd, json!({"path": file, "options": {}})).is_err(),
            "{cmd} read a path the page sent"
        );
        assert_eq!(
            h.err_code(
                cmd,
                json!({"handle": "0123456789abcdef0123456789abcdef", "options": {}})
            ),
            "file_not_picked",
            "{cmd} accepted a handle it never issued"
        );
    }
    assert_eq!(h.ok("keys_list", json!({})), json!([]), "nothing imported");
    let handle = h.pick(&file);
    assert_eq!(handle.len(), 32, "a random 128-bit handle");
    assert_eq!(
        h.ok("import_preview", json!({"handle": handle, "options": {}}))["rows"]
            .as_array()
            .unwrap()
            .len(),
        1
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
    // The mock runtime has no clipboard of its own: the core talks to the real one through
    // $DISPLAY. scripts/test.sh sets DISPLAY (an Xvfb), so this test runs itself again in a
    // child process without one, instead of returning early and testing nothing.
    const CHILD: &str = "KEYWARD_TEST_COPY_WITHOUT_DISPLAY";
    if std::env::var_os(CHILD).is_none() {
        let name = "copy_without_a_display_is_a_clear_error";
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--test-threads=1", "--nocapture"])
            .env(CHILD, "1")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "the test without a display failed or did not run:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
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
    let raw = h.answer_text();
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
        h.answer_dialogs(&path);
        let out = h.ok("review_export", json!({"format": format}));
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

    // A folder as the dialog's answer: the proposed name in that folder.
    h.answer_dialogs(dir.path());
    let out = h.ok("review_export", json!({"format": "md"}));
    let proposed = std::path::Path::new(out["path"].as_str().unwrap());
    assert_eq!(proposed.parent(), Some(dir.path()));
    assert!(
        proposed
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("keyward-review-"),
        "{out}"
    );

    assert_eq!(
        h.err_code("review_export", json!({"format": "pdf"})),
        "invalid_input"
    );
    h.answer_dialogs(&dir.path().join("no/such/dir.csv"));
    assert_eq!(
        h.err_code("review_export", json!({"format": "csv"})),
        "export_failed"
    );
    h.assert_no_canary();
}

/// Hole 4: the export goes where the user said in the dialog, never through a symlink planted
/// there, and never to a path the page names.
#[test]
fn review_export_never_follows_a_symlink_nor_a_path_from_the_page() {
    let h = harness();
    h.add("postman ci", "dev", CANARY);
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("authorized_keys");
    std::fs::write(&victim, "ssh-ed25519 AAAA precious").unwrap();
    let link = dir.path().join("review.csv");
    std::os::unix::fs::symlink(&victim, &link).unwrap();

    // The page names the victim; the user chose the link's name in the dialog.
    h.answer_dialogs(&link);
    let out = h.call("review_export", json!({"format": "csv", "path": victim}));
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "ssh-ed25519 AAAA precious",
        "the export wrote through a symlink or to the page's path: {out:?}"
    );
    let out = out.unwrap();
    assert_eq!(out["path"], link.display().to_string());
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.is_file(), "the link was replaced by the report");
    assert!(std::fs::read_to_string(&link)
        .unwrap()
        .contains("postman ci"));
    h.assert_no_canary();
}

/// Hole 4: the window's capability grants no plugin a path or URL: no dialog, no opener, no
/// `https://*`; only Keyward's own commands and the About box's name and version.
#[test]
fn the_capability_grants_no_dialog_and_no_opener() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src-tauri/capabilities/default.json"),
    )
    .unwrap();
    assert!(!text.contains("https://*"), "a wildcard URL scope: {text}");
    let cap: Value = serde_json::from_str(&text).unwrap();
    for p in cap["permissions"].as_array().unwrap() {
        let id = p
            .as_str()
            .unwrap_or_else(|| p["identifier"].as_str().unwrap());
        assert!(
            id.starts_with("allow-")
                || ["core:app:allow-name", "core:app:allow-version"].contains(&id),
            "the page is granted {id}"
        );
    }
}

/// Every command the shell registers is declared to the build (one permission each) and granted
/// to the window: a command missing from either is refused in the real window only, where no
/// unit test sees it.
#[test]
fn every_registered_command_is_declared_and_granted() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src-tauri/src/lib.rs")).unwrap();
    let build = std::fs::read_to_string(root.join("src-tauri/build.rs")).unwrap();
    let cap: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("src-tauri/capabilities/default.json")).unwrap(),
    )
    .unwrap();
    let granted: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let handlers = lib
        .split("generate_handler![")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap();
    let commands: Vec<&str> = handlers
        .split(',')
        .map(|item| item.trim())
        .filter(|item| !item.is_empty() && !item.starts_with("//"))
        .map(|item| item.lines().last().unwrap().trim())
        .map(|path| path.rsplit("::").next().unwrap())
        .collect();
    assert!(commands.len() > 40, "parsed {commands:?}");
    for command in commands {
        assert!(
            build.contains(&format!("\"{command}\"")),
            "{command} is registered but not in build.rs's COMMANDS"
        );
        let permission = format!("allow-{}", command.replace('_', "-"));
        assert!(
            granted.contains(&permission.as_str()),
            "{command} is registered but the window is not granted {permission}"
        );
    }
}

/// Hole 4: no URL the page names is opened; provider pages come from the profiles.
#[test]
fn the_page_cannot_open_a_url_of_its_choosing() {
    let h = harness_with(|b| b.plugin(tauri_plugin_opener::init()));
    let refused = h
        .call(
            "plugin:opener|open_url",
            json!({"url": "https://exfil.invalid/?k=kw-canary", "with": null}),
        )
        .expect_err("the opener plugin opened a URL the page named");
    assert!(refused.to_string().contains("not allowed"), "{refused}");
    for (provider, page) in [
        ("https://exfil.invalid/", "dashboard"),
        ("acme", "dashboard"),
        ("postman", "https://exfil.invalid/"),
    ] {
        assert!(
            h.call(
                "provider_page_open",
                json!({"provider": provider, "kind": null, "page": page, "url": "https://exfil.invalid/"})
            )
            .is_err(),
            "opened {provider} {page}"
        );
    }
}

/// A malformed id from the page is `invalid_input` that says which id, from every module that
/// takes one (src-tauri/src/ids.rs), never a panic or a core error.
#[test]
fn malformed_ids_are_invalid_input_naming_the_id() {
    let h = harness();
    for (cmd, args, what) in [
        ("key_show", json!({"id": "../etc"}), "key"),
        ("key_unlink", json!({"id": "not-a-uuid"}), "key"),
        (
            "finding_acknowledge",
            json!({"input": {"key_id": "x", "kind": "stale", "reason": "r", "until": null}}),
            "key",
        ),
        (
            "rotation_guided_confirm",
            json!({"rotationId": "zz"}),
            "rotation",
        ),
    ] {
        let e = h.call(cmd, args).expect_err(cmd);
        assert_eq!(e["code"], "invalid_input", "{cmd}: {e}");
        assert_eq!(e["message"], format!("not a {what} id"), "{cmd}");
    }
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
    let handle = h.pick(&csv);
    let preview = h.ok("import_preview", json!({"handle": handle, "options": {}}));
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
    assert!(!h.answer_text().contains(secret));
}

/// Hole 5: no command takes a key value as a plain `String` (it must deserialize straight into
/// `Secret`), and detection takes no value at all.
#[test]
fn no_command_takes_a_key_value_as_a_string() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/src");
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let plain = line.replace(' ', "");
            // A parameter `value: String`; `pub value: String` is RevealDto's, the one outbound
            // value ("Show once"), which must serialize.
            let bad = [
                "secret:String",
                "secret:Option<String>",
                "admin_secret:String",
            ]
            .iter()
            .any(|f| plain.contains(f))
                || plain.starts_with("value:String")
                || plain.contains(",value:String");
            assert!(
                !bad,
                "{}:{}: a key value as a plain String: {line}",
                path.display(),
                i + 1
            );
        }
    }
}

/// Issue 14: the window's first paint asks `keys_page` for its first rows: in the list's
/// display order (configured environments, purpose, name), with the same DTOs (findings
/// included) as `keys_list`, and the total.
#[test]
fn keys_page_sends_the_first_rows_in_display_order_with_the_total() {
    let h = harness();
    for (n, env) in [(3, "prod"), (1, "dev"), (2, "prod"), (4, "dev")] {
        let value = format!("PMAK-{n:024x}-{n:034x}");
        h.add(&format!("key {n}"), env, &value);
    }
    let names = |page: &Value| -> Vec<String> {
        page["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = h.ok("keys_page", json!({"offset": 0, "limit": 3}));
    assert_eq!(first["total"], 4);
    assert_eq!(first["offset"], 0);
    assert_eq!(
        names(&first),
        ["key 1", "key 4", "key 2"],
        "dev before prod"
    );
    let rest = h.ok("keys_page", json!({"offset": 3, "limit": 100}));
    assert_eq!(names(&rest), ["key 3"]);
    let listed = h.ok("keys_list", json!({}));
    for key in first["keys"].as_array().unwrap() {
        let same = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == key["id"])
            .unwrap();
        // A row is the listed key's own values for the fields it carries (issue 14).
        for (field, value) in key.as_object().unwrap() {
            if field != "findings" {
                assert_eq!(
                    value, &same[field],
                    "a page's row is the list's row: {field}"
                );
            }
        }
    }
    assert_eq!(
        h.ok("keys_page", json!({"offset": 10, "limit": 5}))["keys"],
        json!([])
    );
    h.assert_no_canary();
}

/// The page's own start-up timings come with `app_ready` (logged for the benchmark).
#[test]
fn app_ready_takes_the_pages_timings() {
    let h = harness();
    let timings =
        json!({"script_ms": 40.5, "page_ms": 12.0, "render_ms": 30.25, "rows": 100, "total": 1000});
    assert_eq!(
        h.ok("app_ready", json!({ "timings": timings })),
        Value::Null
    );
}

/// Issue 14: the list's rows are compact (what the list shows, sorts, filters and searches by;
/// findings as codes, their text with the full key), and `key_get` answers the full key.
#[test]
fn list_rows_are_compact_and_key_get_answers_the_full_key() {
    let h = harness();
    let old = h.add_old("mail", "prod", SERVER_TOKEN, 120);
    let id = old["id"].as_str().unwrap().to_owned();
    let page = h.ok("keys_page", json!({"offset": 0, "limit": 10}));
    let row = &page["keys"][0];
    assert_eq!(row["id"], old["id"]);
    for detail in [
        "scopes",
        "env_var",
        "fingerprint",
        "updated_at",
        "connection_id",
        "remote_id",
    ] {
        assert!(row.get(detail).is_none(), "a row carries {detail}: {row}");
    }
    let stale = Harness::finding(row, "stale").expect("the row's findings carry their kind");
    assert_eq!(
        stale["attention"],
        Harness::finding(&old, "stale").unwrap()["attention"]
    );
    assert!(
        stale.get("message").is_none(),
        "a row's finding carries no text: {stale}"
    );
    assert!(
        stale.get("advice").is_none(),
        "a row's finding carries no text: {stale}"
    );
    let full = h.ok("key_get", json!({"id": id}));
    assert_eq!(full["env_var"], old["env_var"]);
    assert_eq!(full["fingerprint"], old["fingerprint"]);
    assert_eq!(
        Harness::finding(&full, "stale").unwrap()["message"],
        Harness::finding(&old, "stale").unwrap()["message"]
    );
    assert_eq!(
        h.err_code("key_get", json!({"id": uuid::Uuid::new_v4().to_string()})),
        "not_found"
    );
    h.assert_no_canary();
}

/// Issue 14: the first paint's answers travel in the window's first document
/// (src-tauri/src/first_load.rs), the same DTOs as over IPC: names, never a value.
#[test]
fn the_first_document_carries_no_key_value() {
    use keyward_desktop::first_load::{answers, FirstLoad};
    use std::borrow::Cow;
    use tauri::http::{header::CONTENT_TYPE, Request, Response};

    let h = harness();
    h.add("postman ci", "dev", CANARY);
    let made = tauri::async_runtime::block_on(answers(&h.state().inventory)).unwrap();
    let first = FirstLoad::ready(made);
    let index = "<!doctype html><body><div id=\"app\"></div></body>";
    let mut document = Response::builder()
        .header(CONTENT_TYPE, "text/html")
        .body(Cow::Owned(index.as_bytes().to_vec()))
        .unwrap();
    first.add_to(&Request::new(()), &mut document);
    let html = String::from_utf8(document.body().to_vec()).unwrap();
    assert!(
        html.contains("postman ci"),
        "the key's row is in the document: {html}"
    );
    assert!(!html.contains(CANARY), "the document carries the secret");
    assert!(
        !html.contains(&CANARY[10..]),
        "the document carries part of the secret"
    );
}
