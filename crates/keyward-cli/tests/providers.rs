#![allow(clippy::unwrap_used)]
//! Connections, sync and verify end to end: the `keyward` binary against an in-process
//! `provider-sim` (plain HTTP on 127.0.0.1) and a real throwaway gnome-keyring. Values are
//! checked where they must be (the keychain, byte for byte) and searched for where they must
//! not be (every output, the database with its WAL, the trace log).

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use provider_sim::seed::{KeyStatus as SimStatus, PostmarkServer};
use provider_sim::{Fault, RunningSim, Seed, Simulator};
use serde_json::Value;
use support::*;

// ---------------------------------------------------------------- helpers

fn start(seed: Seed) -> RunningSim {
    Simulator::start(seed).expect("start provider-sim on 127.0.0.1")
}

/// The value the simulator holds for its key `name` of `provider`.
/// The value of Postmark server token `index` (0-based) of server `id`.
fn server_token(sim: &RunningSim, id: u64, index: usize) -> String {
    sim.state()
        .keys(Some("postmark"))
        .into_iter()
        .find(|k| k.id == format!("server:{id}:{index}"))
        .unwrap_or_else(|| panic!("no token {index} on server {id}"))
        .value
}

fn connections(env: &Env) -> Vec<Value> {
    let out = env.keyward(&["connections", "--format", "json"], "");
    out.expect_code(0, "`connections` reads the inventory");
    match out.json() {
        Value::Array(a) => a,
        other => panic!("`connections --format json` must print an array: {other}"),
    }
}

fn by_name<'a>(keys: &'a [Value], name: &str) -> &'a Value {
    keys.iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("no key named {name:?} in {keys:#?}"))
}

/// `show KEY --format json`'s key record.
fn record(env: &Env, key: &str) -> Value {
    let out = env.keyward(&["show", key, "--format", "json"], "");
    out.expect_code(0, "`show` of an existing key");
    out.json()["key"].clone()
}

fn sync_json(env: &Env, args: &[&str]) -> (Vec<Value>, Vec<Value>) {
    let mut full = vec!["sync"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--format", "json"]);
    let out = env.keyward(&full, "");
    out.expect_code(0, "sync from a working connection");
    let v = out.json();
    let list = |field: &str| v[field].as_array().cloned().unwrap_or_default();
    (list("imported"), list("refreshed"))
}

/// Nothing was written: no connection, no key, no keychain entry.
fn assert_nothing_saved(env: &Env, why: &str) {
    assert!(connections(env).is_empty(), "{why}: a connection was saved");
    assert!(env.list_json().is_empty(), "{why}: a key was saved");
    assert!(
        env.key_accounts().is_empty(),
        "{why}: a keychain entry was written"
    );
}

// ---------------------------------------------------------------- 1 + 2: Postmark

#[test]
fn postmark_connect_refuses_bad_tokens_and_plain_http_and_saves_a_good_one() {
    let env = Env::new();
    let sim = start(Seed::demo());
    let base = sim.base_url("postmark");
    let account = sim_value(&sim, "postmark", "Account admin");

    // A token Postmark does not know: a definite "invalid", exit 3, nothing saved.
    let wrong = random_uuid();
    let out = env.keyward(
        &["connect", "postmark", "--name", "pm", "--base-url", &base],
        &wrong,
    );
    out.expect_code(3, "the provider rejected the admin key")
        .expect_stderr("invalid", "say the admin key is invalid")
        .expect_no_value(&wrong, "never echo the rejected token");
    assert_nothing_saved(&env, "a rejected admin key");

    // Plain http to a non-loopback host: refused before any request.
    sim.state().clear_requests();
    for url in ["http://example.com", "http://10.1.2.3:8080/postmark"] {
        let out = env.keyward(
            &["connect", "postmark", "--name", "pm", "--base-url", url],
            &account,
        );
        out.expect_code(
            3,
            "an insecure base URL is a provider-side refusal (ClientError)",
        )
        .expect_stderr("https", "tell the user to use https")
        .expect_no_value(&account, "never echo the token");
        assert_nothing_saved(&env, "an http:// base URL");
    }
    assert_eq!(sim.state().total_requests(), 0);

    // The real account token.
    let out = env.keyward(
        &["connect", "postmark", "--name", "pm", "--base-url", &base],
        &account,
    );
    out.expect_code(0, "a valid account token connects")
        .expect_stdout("Connected 'pm'", "confirm the connection")
        .expect_no_value(&account, "never echo the token");
    let conns = connections(&env);
    assert_eq!(conns.len(), 1);
    let c = &conns[0];
    assert_eq!(c["name"], "pm");
    assert_eq!(c["provider"], "postmark");
    assert_eq!(c["base_url"], base.as_str());
    let admin_id = c["admin_key_id"].as_str().unwrap().to_owned();

    // The admin key is a key like any other: in the inventory, its value in the keychain.
    let keys = env.list_json();
    assert_eq!(keys.len(), 1);
    let admin = &keys[0];
    assert_eq!(admin["id"], admin_id.as_str());
    assert_eq!(admin["name"], "pm (admin)");
    assert_eq!(admin["provider"], "postmark");
    assert_eq!(admin["kind"], "account_token");
    assert_eq!(admin["environment"], "prod");
    assert_eq!(admin["connection_id"], c["id"]);
    assert_eq!(env.lookup(&admin_id).as_deref(), Some(account.as_str()));
    assert_eq!(env.key_accounts(), vec![admin_id.clone()]);

    let table = env.keyward(&["connections"], "");
    table
        .expect_code(0, "connections table")
        .expect_stdout("pm", "the connection is listed")
        .expect_stdout("(admin key)", "it has an admin key");

    // The same name again: a user error, nothing added.
    let out = env.keyward(
        &["connect", "postmark", "--name", "pm", "--base-url", &base],
        &account,
    );
    out.expect_code(1, "duplicate connection name");
    assert_eq!(connections(&env).len(), 1);
    assert_eq!(env.key_accounts().len(), 1);

    // Disconnect: the connection goes, its admin key stays (and is no longer linked).
    env.keyward(&["disconnect", "pm"], "")
        .expect_code(0, "disconnect");
    assert!(connections(&env).is_empty());
    let keys = env.list_json();
    assert_eq!(keys.len(), 1);
    assert!(keys[0]["connection_id"].is_null());
    assert_eq!(env.lookup(&admin_id).as_deref(), Some(account.as_str()));
}

#[test]
fn postmark_sync_previews_masked_then_imports_values_into_the_keychain_once() {
    let env = Env::new();
    let sim = start(Seed::demo());
    let base = sim.base_url("postmark");
    let account = sim_value(&sim, "postmark", "Account admin");
    env.keyward(
        &["connect", "postmark", "--name", "pm", "--base-url", &base],
        &account,
    )
    .expect_code(0, "connect");
    let conn_id = connections(&env)[0]["id"].as_str().unwrap().to_owned();
    let tokens = [
        (
            "server-11001-1",
            "Acme Production #1",
            server_token(&sim, 11001, 0),
        ),
        (
            "server-11001-2",
            "Acme Production #2",
            server_token(&sim, 11001, 1),
        ),
        (
            "server-11002-1",
            "Acme Staging",
            server_token(&sim, 11002, 0),
        ),
    ];

    // Dry run: what Postmark lists, masked; nothing written.
    let out = env.keyward(&["sync", "pm", "--dry-run"], "");
    out.expect_code(0, "dry run")
        .expect_stdout("3 keys listed", "three server tokens")
        .expect_stdout("Dry run: nothing was written.", "say nothing was written");
    for (remote, name, value) in &tokens {
        out.expect_stdout(remote, "each token's remote id")
            .expect_stdout(name, "each token's name")
            .expect_no_value(value, "a dry run shows tokens masked");
        let tail = &value[value.len() - 4..];
        out.expect_stdout(&format!("…{tail}"), "the masked hint: last four characters");
    }
    let out = env.keyward(&["sync", "pm", "--dry-run", "--format", "json"], "");
    out.expect_code(0, "dry run json");
    for (_, _, value) in &tokens {
        out.expect_no_value(value, "JSON preview has no values");
    }
    let preview = out.json();
    let preview = preview.as_array().unwrap();
    assert_eq!(preview.len(), 3);
    for r in preview {
        assert_eq!(r["kind"], "server_token");
        assert_eq!(r["has_value"], true);
        assert!(r["known_key_id"].is_null());
        assert!(r.get("value").is_none(), "{r}");
    }
    assert_eq!(
        env.list_json().len(),
        1,
        "only the admin key after a dry run"
    );
    assert_eq!(env.key_accounts().len(), 1);

    // The real sync: every token into the keychain with the exact value Postmark holds.
    let out = env.keyward(&["sync", "pm", "--env", "prod"], "");
    out.expect_code(0, "sync")
        .expect_stdout("Imported 3, refreshed 0.", "three new keys");
    for (_, _, value) in &tokens {
        out.expect_no_value(value, "sync output shows no values");
    }
    let keys = env.list_json();
    assert_eq!(keys.len(), 4);
    for (remote, name, value) in &tokens {
        let k = by_name(&keys, name);
        assert_eq!(k["remote_id"], *remote);
        assert_eq!(k["kind"], "server_token");
        assert_eq!(k["provider"], "postmark");
        assert_eq!(k["environment"], "prod");
        assert_eq!(k["connection_id"], conn_id.as_str());
        assert_eq!(k["status"], "active");
        assert!(k["fingerprint"].is_string(), "a value is held: {k}");
        assert_eq!(
            env.lookup(&id_of(k)).as_deref(),
            Some(value.as_str()),
            "{name}: the keychain holds exactly the token Postmark listed"
        );
    }
    let accounts_after_first = env.key_accounts().len();
    assert_eq!(accounts_after_first, 4);
    // The imported keys are audited as imported.
    let trail = env.audit_json(Some("Acme Staging"));
    assert!(
        trail.iter().any(|e| e["action"] == "imported"),
        "{trail:#?}"
    );

    // Second sync: refreshed, nothing new, no new keychain entry.
    let (imported, refreshed) = sync_json(&env, &["pm", "--env", "prod"]);
    assert!(imported.is_empty(), "{imported:#?}");
    assert_eq!(refreshed.len(), 3);
    assert_eq!(env.list_json().len(), 4);
    assert_eq!(env.key_accounts().len(), accounts_after_first);

    // A new server upstream: the next sync imports just its token.
    let new_token = random_uuid();
    let t = new_token.clone();
    sim.state().with_data(move |d| {
        d.postmark.servers.push(PostmarkServer {
            id: 11003,
            name: "Acme Marketing".into(),
            api_tokens: vec![t],
            ..PostmarkServer::default()
        });
    });
    let (imported, refreshed) = sync_json(&env, &["pm", "--env", "staging"]);
    assert_eq!(refreshed.len(), 3);
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0]["name"], "Acme Marketing");
    assert_eq!(imported[0]["environment"], "staging");
    assert_eq!(
        env.lookup(&id_of(&imported[0])).as_deref(),
        Some(new_token.as_str())
    );

    // `--only` limits an import to the chosen remote ids.
    let t2 = random_uuid();
    let t3 = random_uuid();
    let (a, b) = (t2.clone(), t3.clone());
    sim.state().with_data(move |d| {
        d.postmark.servers.push(PostmarkServer {
            id: 11004,
            name: "Acme Extra".into(),
            api_tokens: vec![a, b],
            ..PostmarkServer::default()
        });
    });
    let (imported, _) = sync_json(&env, &["pm", "--env", "dev", "--only", "server-11004-2"]);
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0]["remote_id"], "server-11004-2");
    assert_eq!(
        env.lookup(&id_of(&imported[0])).as_deref(),
        Some(t3.as_str())
    );
    assert!(!env
        .list_json()
        .iter()
        .any(|k| k["remote_id"] == "server-11004-1"));

    // doctor agrees with all of it.
    let (code, report) = env.doctor();
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn postmark_sync_failures_change_nothing() {
    let env = Env::new();
    let sim = start(Seed::demo());
    let base = sim.base_url("postmark");
    let account = sim_value(&sim, "postmark", "Account admin");
    env.keyward(
        &["connect", "postmark", "--name", "pm", "--base-url", &base],
        &account,
    )
    .expect_code(0, "connect");
    let before = env.list_json();

    // The provider fails: exit 3, nothing imported.
    sim.state()
        .add_fault(Fault::on("GET /postmark/servers").status(503));
    env.keyward(&["sync", "pm"], "")
        .expect_code(3, "the provider is down")
        .expect_stderr("try again later", "a server error is temporary");
    sim.state().clear_faults();
    sim.state()
        .add_fault(Fault::on("GET /postmark/servers").malformed_body());
    let out = env.keyward(&["sync", "pm"], "");
    out.expect_code(3, "a malformed answer");
    assert!(!out.stderr.contains("panicked"), "{}", out.dump());
    sim.state().clear_faults();
    // The account token was revoked upstream.
    sim.state()
        .with_data(|d| d.postmark.account_tokens[0].status = SimStatus::Revoked);
    env.keyward(&["sync", "pm"], "")
        .expect_code(3, "the admin key no longer works")
        .expect_stderr("401", "say the provider rejected the key");
    assert_eq!(env.list_json(), before);
    assert_eq!(env.key_accounts().len(), 1);

    // A connection without an admin key cannot list.
    env.keyward(
        &[
            "connect",
            "postmark",
            "--name",
            "bare",
            "--base-url",
            &base,
            "--no-admin-key",
        ],
        "",
    )
    .expect_code(0, "connect without an admin key");
    env.keyward(&["sync", "bare"], "")
        .expect_code(1, "nothing to list with")
        .expect_stderr("no admin key", "say why");
    env.keyward(&["sync", "nope"], "")
        .expect_code(1, "unknown connection");
}

// ---------------------------------------------------------------- 3: PostHog

#[test]
fn posthog_sync_tracks_project_secret_keys_without_their_values() {
    let env = Env::new();
    let sim = start(Seed::demo());
    let base = sim.base_url("posthog");
    let admin = sim_value(&sim, "posthog", "Keyward admin");
    env.keyward(
        &[
            "connect",
            "posthog",
            "--name",
            "ph",
            "--base-url",
            &base,
            "--project",
            "1",
        ],
        &admin,
    )
    .expect_code(0, "a personal key with project:write connects");
    let conn = &connections(&env)[0];
    assert_eq!(conn["options"]["project_id"], "1");

    let phs_values: Vec<String> = sim
        .state()
        .keys(Some("posthog"))
        .into_iter()
        .filter(|k| k.kind == "project_secret")
        .map(|k| k.value)
        .collect();
    assert_eq!(phs_values.len(), 2);

    let out = env.keyward(&["sync", "ph", "--env", "prod", "--format", "json"], "");
    out.expect_code(0, "sync");
    for v in phs_values.iter().chain([&admin]) {
        out.expect_no_value(v, "sync output");
    }
    let result = out.json();
    let imported = result["imported"].as_array().unwrap();
    assert_eq!(imported.len(), 2);
    for k in imported {
        assert_eq!(k["kind"], "project_secret");
        assert_eq!(k["provider"], "posthog");
        assert!(k["fingerprint"].is_null(), "tracked without its value: {k}");
        assert!(k["masked_hint"].as_str().unwrap().starts_with("phs_"));
        assert_eq!(k["connection_id"], conn["id"]);
        let id = id_of(k);
        assert_eq!(
            env.lookup(&id),
            None,
            "no keychain entry for a value never seen"
        );
        let shown = env.keyward(&["show", &id], "");
        shown.expect_code(0, "show").expect_stdout(
            "tracked without its value",
            "say why there is no fingerprint",
        );
    }
    let flags = by_name(imported, "Backend flag evaluation");
    assert_eq!(flags["scopes"], serde_json::json!(["feature_flag:read"]));
    assert!(flags["last_used_at"].is_string());
    assert_eq!(env.key_accounts().len(), 1, "only the admin key's value");
    let (code, report) = env.doctor();
    assert_eq!(code, 0, "tracked keys are not 'missing': {report:#}");

    // Refresh: nothing new.
    let (imported, refreshed) = sync_json(&env, &["ph"]);
    assert!(imported.is_empty());
    assert_eq!(refreshed.len(), 2);

    // Verifying a tracked key: nothing to verify with; the record is unchanged.
    let id = id_of(by_name(&env.list_json(), "Endpoint reader"));
    let before = record(&env, &id);
    let out = env.keyward(&["verify", &id], "");
    // Exit 3 like any ClientError (here Unsupported, code manual_only).
    out.expect_code(3, "a key without a value cannot be verified")
        .expect_stderr("tracked without its value", "say why it cannot be verified");
    assert_eq!(record(&env, &id), before);
}

#[test]
fn show_of_a_tracked_key_does_not_call_its_value_missing() {
    // Regression (fixed): keyward-cli/src/output.rs `key_details` (fed by keyward `Inventory::show`, which
    // asks the keychain for every key) prints "in keychain  NO — run `keyward doctor`" for
    // a key tracked without its value (fingerprint NULL, e.g. an imported PostHog `phs_`).
    // `doctor` rightly excludes such keys and reports nothing, so the advice sends the user
    // in a circle. Expected: "in keychain" says the value was never held (or `secret_present`
    // is null for such keys); seen: "NO — run `keyward doctor`".
    let env = Env::new();
    let sim = start(Seed::demo());
    let base = sim.base_url("posthog");
    let admin = sim_value(&sim, "posthog", "Keyward admin");
    env.keyward(
        &[
            "connect",
            "posthog",
            "--name",
            "ph",
            "--base-url",
            &base,
            "--project",
            "1",
        ],
        &admin,
    )
    .expect_code(0, "connect");
    let (imported, _) = sync_json(&env, &["ph"]);
    let out = env.keyward(&["show", &id_of(&imported[0])], "");
    out.expect_code(0, "show");
    assert!(
        !out.stdout.contains("run `keyward doctor`"),
        "a tracked key is not a missing value\n{}",
        out.dump()
    );
}

#[test]
fn run_in_an_environment_with_tracked_keys_passes_the_keys_that_have_values() {
    // Regression (fixed): keyward/src/inventory.rs `env_vars` takes every active key of the environment,
    // including keys tracked without their value (fingerprint NULL: synced PostHog `phs_`,
    // Cloudflare, SendGrid keys), and reads each one's secret: after a PostHog sync into
    // `prod`, `keyward run --env prod -- …` exits 2 with "the secret of key 'Backend flag
    // evaluation' is missing from the keychain (run `keyward doctor`)" — and doctor finds
    // nothing wrong. Expected: the child runs with the keys that have values (the tracked
    // ones left out); seen: exit 2, nothing run.
    let env = Env::new();
    let sim = start(Seed::demo());
    let base = sim.base_url("posthog");
    let admin = sim_value(&sim, "posthog", "Keyward admin");
    env.keyward(
        &[
            "connect",
            "posthog",
            "--name",
            "ph",
            "--base-url",
            &base,
            "--project",
            "1",
        ],
        &admin,
    )
    .expect_code(0, "connect");
    let (imported, _) = sync_json(&env, &["ph", "--env", "prod"]);
    assert_eq!(imported.len(), 2);
    let var = by_name(&env.list_json(), "ph (admin)")["env_var"]
        .as_str()
        .unwrap()
        .to_owned();
    let file = env.work.path().join("seen");
    let script = format!("printf %s \"${var}\" > \"$1\"");
    // The admin key is the one key here with a value; it is passed only when named.
    let out = env.keyward(
        &[
            "run",
            "--env",
            "prod",
            "--with",
            "ph (admin)",
            "--",
            "sh",
            "-c",
            &script,
            "sh",
            path_str(&file),
        ],
        "",
    );
    out.expect_code(0, "run with the keys that have values");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), admin);
}

#[test]
fn posthog_sync_without_project_read_fails_naming_the_scope() {
    let env = Env::new();
    let sim = start(Seed::demo());
    let base = sim.base_url("posthog");
    let narrow = sim_value(&sim, "posthog", "Dashboards read-only");
    env.keyward(
        &[
            "connect",
            "posthog",
            "--name",
            "dash",
            "--base-url",
            &base,
            "--project",
            "1",
        ],
        &narrow,
    )
    .expect_code(0, "the key itself is valid");
    let before = env.list_json();
    let out = env.keyward(&["sync", "dash"], "");
    out.expect_code(3, "the provider refused for lack of a scope")
        .expect_stderr("project:read", "name the missing scope")
        .expect_no_value(&narrow, "never echo the key");
    let out = env.keyward(&["sync", "dash", "--dry-run"], "");
    out.expect_code(3, "the preview needs the scope too")
        .expect_stderr("project:read", "name the missing scope");
    assert_eq!(env.list_json(), before);

    // A PostHog connection without a project: a user error saying what to add.
    let admin = sim_value(&sim, "posthog", "Keyward admin");
    env.keyward(
        &[
            "connect",
            "posthog",
            "--name",
            "noproj",
            "--base-url",
            &base,
        ],
        &admin,
    )
    .expect_code(0, "connect without --project");
    env.keyward(&["sync", "noproj"], "")
        .expect_code(1, "no project to list")
        .expect_stderr("--project", "say which option is missing");
    // A project id that is not one.
    env.keyward(
        &[
            "connect",
            "posthog",
            "--name",
            "badproj",
            "--base-url",
            &base,
            "--project",
            "1/../2",
        ],
        &admin,
    )
    .expect_code(1, "a project id with a path in it");
}

#[test]
fn cloudflare_sync_imports_tokens_whose_permission_groups_have_spaces() {
    // Regression (fixed): keyward/src/inventory.rs `validate_scopes` rejects any scope containing
    // whitespace, and client/cloudflare.rs `list_tokens` reports scopes as Cloudflare's
    // permission-group *names* ("API Tokens Write", "DNS Write", "Zone Read" …). So
    // `keyward sync` on any Cloudflare connection fails as a whole with exit 1 "invalid scope:
    // a scope is up to 128 characters without spaces" and imports nothing. Expected: exit 0
    // and the user tokens imported (tracked without value) with their permission groups.
    let env = Env::new();
    let sim = start(Seed::demo());
    let base = sim.base_url("cloudflare");
    let admin = sim_value(&sim, "cloudflare", "Keyward admin");
    env.keyward(
        &["connect", "cloudflare", "--name", "cf", "--base-url", &base],
        &admin,
    )
    .expect_code(0, "a token with API Tokens Write connects");
    let out = env.keyward(&["sync", "cf", "--format", "json"], "");
    out.expect_code(0, "sync of a Cloudflare connection");
    let imported = out.json()["imported"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let dns = by_name(&imported, "DNS edit - prod");
    assert!(dns["fingerprint"].is_null());
    assert!(
        dns["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "DNS Write"),
        "{dns}"
    );
}

#[test]
fn sync_does_not_import_the_connections_own_admin_key_again() {
    // Regression (fixed): keyward/src/inventory/remote.rs `connect` verifies the admin key but stores it
    // without `remote_id` (Cloudflare's verify answer carries the token id; a SendGrid key's
    // id is the middle part of `SG.<id>.<secret>`). `sync_preview`'s guard ("The admin key
    // lists itself: never import it twice") compares `known_key_id` with `admin_key_id`, which
    // can only match through `remote_id`, so the first `sync` after `connect` imports the
    // admin key a second time as a tracked-without-value duplicate. Shown with SendGrid
    // (Cloudflare sync is blocked by the scope bug above). Expected: 2 imported (the two
    // other keys); seen: 3, including "Keyward admin".
    let env = Env::new();
    let sim = start(Seed::demo());
    let base = sim.base_url("sendgrid");
    let admin = sim_value(&sim, "sendgrid", "Keyward admin");
    env.keyward(
        &["connect", "sendgrid", "--name", "sg", "--base-url", &base],
        &admin,
    )
    .expect_code(0, "a full-access key connects");
    let (imported, _) = sync_json(&env, &["sg"]);
    let names: Vec<&str> = imported
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.contains(&"Keyward admin"),
        "the admin key was imported again: {names:?}"
    );
    assert_eq!(imported.len(), 2, "{names:?}");
}

// ---------------------------------------------------------------- 4: verify

/// A Postman connection to the simulator and the key "ci" (its live key) linked to it.
fn postman_setup(env: &Env, sim: &RunningSim) -> String {
    let base = sim.base_url("postman");
    env.keyward(
        &[
            "connect",
            "postman",
            "--name",
            "pmn",
            "--base-url",
            &base,
            "--no-admin-key",
        ],
        "",
    )
    .expect_code(0, "Postman connects without an admin key");
    let value = sim_value(sim, "postman", "CI collection runs");
    let k = env.add(
        &value,
        &[
            "--provider",
            "postman",
            "--name",
            "ci",
            "--env",
            "prod",
            "--connection",
            "pmn",
        ],
    );
    id_of(&k)
}

#[test]
fn verify_records_definite_answers_and_nothing_else() {
    let env = Env::new();
    let sim = start(Seed::demo());
    let id = postman_setup(&env, &sim);
    let value = sim_value(&sim, "postman", "CI collection runs");
    let fresh = record(&env, &id);
    assert!(fresh["last_verified_at"].is_null());

    // Valid.
    let out = env.keyward(&["verify", "ci"], "");
    out.expect_code(0, "a valid key")
        .expect_stdout("valid", "the outcome")
        .expect_no_value(&value, "verify output");
    let k = record(&env, &id);
    assert!(k["last_verified_at"].is_string(), "{k}");
    assert_eq!(k["verify_outcome"], "valid");
    assert_eq!(k["status"], "active");
    assert_eq!(k["remote_id"], "12345678");
    assert_eq!(sim.state().request_count("GET /postman/me"), 1);
    let trail = env.audit_json(Some("ci"));
    assert!(
        trail.iter().any(|e| e["action"] == "verified"),
        "{trail:#?}"
    );

    // JSON form.
    let out = env.keyward(&["verify", "ci", "--format", "json"], "");
    out.expect_code(0, "json");
    let v = out.json();
    assert_eq!(v["verification"]["outcome"], "valid");
    assert_eq!(v["key"]["id"], id.as_str());

    // Revoked upstream: invalid, exit 1, marked in the list.
    sim.state().with_data(|d| {
        d.postman
            .keys
            .iter_mut()
            .find(|k| k.name == "CI collection runs")
            .unwrap()
            .status = SimStatus::Revoked;
    });
    let out = env.keyward(&["verify", "ci"], "");
    out.expect_code(1, "an invalid key")
        .expect_stdout("invalid", "the outcome");
    let listed = env.list_json();
    let k = by_name(&listed, "ci");
    assert_eq!(k["status"], "invalid");
    assert_eq!(k["verify_outcome"], "invalid");
    let invalid_state = record(&env, &id);
    let listed = env.keyward(&["list", "--status", "invalid", "--format", "json"], "");
    assert_eq!(listed.json().as_array().unwrap().len(), 1);

    // Provider failures: exit 3, and the stored state does not move at all.
    let cases: Vec<(Fault, &str)> = vec![
        (Fault::on("GET /postman/me").status(503), "503 always"),
        (
            Fault::on("GET /postman/me").malformed_body(),
            "malformed body",
        ),
        (
            Fault::on("GET /postman/me").drop_connection(),
            "dropped connection",
        ),
        (
            Fault::on("GET /postman/me").rate_limit(600),
            "429 with a long wait",
        ),
        (
            Fault::on("GET /postman/me").status(403),
            "403 (refused, not a verdict on the key)",
        ),
    ];
    for (fault, what) in cases {
        sim.state().set_faults(vec![fault]);
        let out = env.keyward(&["verify", "ci"], "");
        out.expect_code(3, what)
            .expect_no_value(&value, "error output");
        assert!(
            !out.stderr.contains("panicked"),
            "{what}: no panic\n{}",
            out.dump()
        );
        assert_eq!(
            record(&env, &id),
            invalid_state,
            "{what}: the key's stored state must not change without a definite answer"
        );
    }
    sim.state().clear_faults();

    // Restored upstream: valid again, and the status goes back to active.
    sim.state().with_data(|d| {
        d.postman
            .keys
            .iter_mut()
            .find(|k| k.name == "CI collection runs")
            .unwrap()
            .status = SimStatus::Active;
    });
    env.keyward(&["verify", "ci"], "")
        .expect_code(0, "valid again");
    let k = record(&env, &id);
    assert_eq!(k["status"], "active");
    assert_eq!(k["verify_outcome"], "valid");

    env.keyward(&["verify"], "")
        .expect_code(1, "neither a key nor --all");
    env.keyward(&["verify", "no-such-key"], "")
        .expect_code(1, "unknown key");
}

/// Twelve keys over six providers: valid, invalid, expired and manual-only ones, every one
/// linked to a connection to `sim`.
fn mixed_inventory(env: &Env, sim: &RunningSim) {
    postman_setup(env, sim);
    env.add(
        &sim_value(sim, "postman", "Old laptop"),
        &[
            "--provider",
            "postman",
            "--name",
            "old",
            "--env",
            "dev",
            "--connection",
            "pmn",
        ],
    );
    // Postmark: the admin key and three synced server tokens.
    env.keyward(
        &[
            "connect",
            "postmark",
            "--name",
            "pm",
            "--base-url",
            &sim.base_url("postmark"),
        ],
        &sim_value(sim, "postmark", "Account admin"),
    )
    .expect_code(0, "postmark");
    sync_json(env, &["pm", "--env", "prod"]);
    // PostHog: the admin key, two tracked phs_ keys, and the public project key (no API).
    env.keyward(
        &[
            "connect",
            "posthog",
            "--name",
            "ph",
            "--base-url",
            &sim.base_url("posthog"),
            "--project",
            "1",
        ],
        &sim_value(sim, "posthog", "Keyward admin"),
    )
    .expect_code(0, "posthog");
    sync_json(env, &["ph", "--env", "prod"]);
    let phc = sim_value(sim, "posthog", "Acme Web (prod)");
    env.add(
        &phc,
        &[
            "--provider",
            "posthog",
            "--kind",
            "project_key",
            "--name",
            "web ingest",
            "--env",
            "prod",
            "--connection",
            "ph",
        ],
    );
    // Postnomic through its probe, Cloudflare with an expired token.
    env.keyward(
        &[
            "connect",
            "postnomic",
            "--name",
            "blog",
            "--base-url",
            &sim.base_url("postnomic"),
        ],
        "",
    )
    .expect_code(0, "postnomic needs no admin key");
    env.add(
        &sim_value(sim, "postnomic", "Company website production"),
        &[
            "--provider",
            "postnomic",
            "--name",
            "blog reader",
            "--env",
            "prod",
            "--connection",
            "blog",
        ],
    );
    env.keyward(
        &[
            "connect",
            "cloudflare",
            "--name",
            "cf",
            "--base-url",
            &sim.base_url("cloudflare"),
            "--no-admin-key",
        ],
        "",
    )
    .expect_code(0, "cloudflare without admin");
    env.add(
        &sim_value(sim, "cloudflare", "Old CI deploy"),
        &[
            "--provider",
            "cloudflare",
            "--name",
            "old deploy",
            "--env",
            "prod",
            "--connection",
            "cf",
        ],
    );
}

#[test]
fn verify_all_reports_each_key_and_exits_by_the_worst_outcome() {
    let env = Env::new();
    let sim = start(Seed::demo());
    mixed_inventory(&env, &sim);
    // Concurrency 3: at 4 or more a skipped/failed key stalls the run (see the BUG test
    // `verify_all_at_the_default_concurrency_does_not_starve_the_database`).
    let out = env.keyward(
        &["verify", "--all", "--concurrency", "3", "--format", "json"],
        "",
    );
    let results = out.json();
    let results = results.as_array().unwrap();
    let outcomes: BTreeMap<String, (String, Value)> = results
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                (r["outcome"].as_str().unwrap().to_owned(), r["code"].clone()),
            )
        })
        .collect();
    let expect = [
        ("ci", "valid"),
        ("old", "invalid"),
        ("pm (admin)", "valid"),
        ("Acme Production #1", "valid"),
        ("Acme Production #2", "valid"),
        ("Acme Staging", "valid"),
        ("ph (admin)", "valid"),
        ("Backend flag evaluation", "skipped"),
        ("Endpoint reader", "skipped"),
        ("web ingest", "skipped"),
        ("blog reader", "valid"),
        ("old deploy", "expired"),
    ];
    assert_eq!(outcomes.len(), expect.len(), "{outcomes:#?}");
    for (name, outcome) in expect {
        let (got, code) = &outcomes[name];
        assert_eq!(got, outcome, "{name}: {outcomes:#?}");
        if outcome == "skipped" {
            assert_eq!(code, "manual_only", "{name}");
        } else {
            assert!(code.is_null(), "{name}: {code}");
        }
    }
    out.expect_code(1, "invalid and expired keys, no errors → 1");

    // Every outcome was recorded (skipped ones untouched).
    let keys = env.list_json();
    assert_eq!(by_name(&keys, "old")["status"], "invalid");
    assert_eq!(by_name(&keys, "old deploy")["status"], "invalid");
    assert_eq!(by_name(&keys, "old deploy")["verify_outcome"], "expired");
    assert!(by_name(&keys, "old deploy")["expires_at"].is_string());
    assert_eq!(
        by_name(&keys, "ph (admin)")["scopes"],
        serde_json::json!(["project:write"])
    );
    assert!(by_name(&keys, "web ingest")["last_verified_at"].is_null());
    assert!(by_name(&keys, "Endpoint reader")["last_verified_at"].is_null());

    // One provider down: its keys are errors (nothing recorded), the rest go on; exit 3.
    sim.state()
        .add_fault(Fault::on("* /postmark/*").status(503));
    let before = record(&env, "Acme Staging");
    let out = env.keyward(
        &["verify", "--all", "--concurrency", "3", "--format", "json"],
        "",
    );
    out.expect_code(3, "errors win over invalid");
    let results = out.json();
    for r in results.as_array().unwrap() {
        if r["provider"] == "postmark" {
            assert_eq!(r["outcome"], "error", "{r}");
            assert_eq!(r["code"], "provider_unavailable");
        }
    }
    assert_eq!(
        by_name(results.as_array().unwrap(), "ci")["outcome"],
        "valid"
    );
    assert_eq!(record(&env, "Acme Staging"), before);

    // The table form: progress on stderr, a summary on stdout.
    sim.state().clear_faults();
    let out = env.keyward(&["verify", "--all", "--concurrency", "3"], "");
    out.expect_code(1, "invalid keys")
        .expect_stdout(
            "12 verified: 7 valid, 1 invalid, 1 expired/disabled, 3 skipped (no API), 0 errors",
            "the summary",
        )
        .expect_stderr("[12/12]", "progress");

    // Nothing invalid left: exit 0.
    let old = id_of(by_name(&env.list_json(), "old"));
    let deploy = id_of(by_name(&env.list_json(), "old deploy"));
    env.keyward(&["rm", &old, "--yes"], "").expect_code(0, "rm");
    env.keyward(&["rm", &deploy, "--yes"], "")
        .expect_code(0, "rm");
    env.keyward(&["verify", "--all", "--concurrency", "3"], "")
        .expect_code(0, "only valid and skipped keys");
}

#[test]
fn verify_all_at_the_default_concurrency_does_not_starve_the_database() {
    // Regression (fixed): keyward/src/inventory/remote.rs `verify_many` awaits `self.get(id)` (a database
    // read) inside the consumer loop of `buffer_unordered` when a key's result is an error or
    // "skipped". While it waits, the stream is not polled, so the in-flight verifications
    // (up to `concurrency`) keep the pool's connections they hold mid-query/mid-transaction;
    // with concurrency >= the pool size (4, file store) the read cannot get a connection and
    // times out after 10 s, and so do the stalled ones. `keyward verify --all` (default
    // concurrency 8) on these 12 keys took ~40–50 s and reported 6–7 keys as
    // `error` "inventory database error: pool timed out while waiting for an open
    // connection", several with an empty name. Expected: the same outcomes as at
    // concurrency 3, in about a second. (Fix: look the key up inside the per-key future.)
    let env = Env::new();
    let sim = start(Seed::demo());
    mixed_inventory(&env, &sim);
    let out = env
        .cmd(&["verify", "--all", "--format", "json"])
        .timeout(std::time::Duration::from_secs(120))
        .run();
    let results = out.json();
    let errors: Vec<&Value> = results
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        out.elapsed < std::time::Duration::from_secs(10),
        "verify --all of 12 keys took {:?}",
        out.elapsed
    );
    out.expect_code(1, "one invalid and one expired key");
}

// ---------------------------------------------------------------- 5: canaries

struct Canaries {
    values: Vec<(String, String)>, // (what, value)
    /// (canary index, encoding, bytes) of every encoding of every canary …
    needles: Vec<(usize, String, Vec<u8>)>,
    /// … indexed by first byte, so a haystack is scanned once.
    by_first: Vec<Vec<usize>>,
}

impl Canaries {
    fn new(values: Vec<(String, String)>) -> Canaries {
        let mut needles = Vec::new();
        for (i, (_, v)) in values.iter().enumerate() {
            for (encoding, bytes) in canary_needles(v) {
                needles.push((i, encoding, bytes));
            }
        }
        let mut by_first = vec![Vec::new(); 256];
        for (n, (_, _, bytes)) in needles.iter().enumerate() {
            by_first[usize::from(bytes[0])].push(n);
        }
        Canaries {
            values,
            needles,
            by_first,
        }
    }

    fn check(&self, what: &str, hay: &[u8]) {
        for (pos, byte) in hay.iter().enumerate() {
            for &n in &self.by_first[usize::from(*byte)] {
                let (i, encoding, needle) = &self.needles[n];
                if hay[pos..].starts_with(needle) {
                    panic!(
                        "{what} contains the {} value ({encoding})",
                        self.values[*i].0
                    );
                }
            }
        }
    }

    fn check_out(&self, env: &Env, out: &Out) {
        self.check(&format!("the output of `{}`", out.label), &out.combined());
        self.check_files(&env.data_files(), &format!("after `{}`", out.label));
    }

    fn check_files(&self, files: &[PathBuf], when: &str) {
        for f in files {
            match std::fs::read(f) {
                Ok(bytes) => self.check(&format!("{} {when}", f.display()), &bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("cannot read {}: {e}", f.display()),
            }
        }
    }
}

fn kw(env: &Env, c: &Canaries, args: &[&str], stdin: &str) -> Out {
    let out = env.cmd(args).stdin(stdin).var("KEYWARD_LOG", "trace").run();
    c.check_out(env, &out);
    out
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

#[test]
fn connection_and_imported_values_appear_nowhere_but_the_keychain() {
    // A simulator whose every relevant value is a fresh canary.
    let mut seed = Seed::demo();
    let pm_account = random_uuid();
    let pm_servers = [random_uuid(), random_uuid(), random_uuid()];
    let phx = format!("phx_{}", random_alnum(43));
    let phs = [
        format!("phs_{}", random_alnum(43)),
        format!("phs_{}", random_alnum(43)),
    ];
    let cf_admin = format!("cfut_{}{}", random_alnum(40), random_hex(8));
    let sg_admin = format!("SG.KeywardAdminKey0000001.{}", random_alnum(43));
    let pmak = format!("PMAK-{}-{}", random_hex(24), random_hex(34));
    let wrong = random_uuid();
    seed.postmark.account_tokens[0].value = pm_account.clone();
    seed.postmark.servers[0].api_tokens = vec![pm_servers[0].clone(), pm_servers[1].clone()];
    seed.postmark.servers[1].api_tokens = vec![pm_servers[2].clone()];
    let ph_admin = seed
        .posthog
        .personal_keys
        .iter_mut()
        .find(|k| k.label == "Keyward admin")
        .unwrap();
    ph_admin.value = phx.clone();
    for (k, v) in seed.posthog.project_secret_keys.iter_mut().zip(&phs) {
        k.value = v.clone();
    }
    seed.cloudflare
        .tokens
        .iter_mut()
        .find(|t| t.name == "Keyward admin")
        .unwrap()
        .value = cf_admin.clone();
    seed.sendgrid.keys[0].value = sg_admin.clone();
    seed.postman.keys[0].value = pmak.clone();
    let sim = start(seed);
    let c = Canaries::new(vec![
        ("Postmark account token".into(), pm_account.clone()),
        ("Postmark server token 1".into(), pm_servers[0].clone()),
        ("Postmark server token 2".into(), pm_servers[1].clone()),
        ("Postmark server token 3".into(), pm_servers[2].clone()),
        ("PostHog personal key".into(), phx.clone()),
        ("PostHog secret key 1".into(), phs[0].clone()),
        ("PostHog secret key 2".into(), phs[1].clone()),
        ("Cloudflare admin token".into(), cf_admin.clone()),
        ("SendGrid admin key".into(), sg_admin.clone()),
        ("Postman key".into(), pmak.clone()),
        ("rejected admin token".into(), wrong.clone()),
    ]);
    let env = Env::new();
    let pm_base = sim.base_url("postmark");
    let ph_base = sim.base_url("posthog");
    let cf_base = sim.base_url("cloudflare");
    let pn_base = sim.base_url("postman");
    let sg_base = sim.base_url("sendgrid");

    // Failing paths first (the rejected token is a canary too).
    kw(
        &env,
        &c,
        &[
            "connect",
            "postmark",
            "--name",
            "pm",
            "--base-url",
            &pm_base,
        ],
        &wrong,
    )
    .expect_code(3, "wrong token");
    kw(
        &env,
        &c,
        &[
            "connect",
            "postmark",
            "--name",
            "pm",
            "--base-url",
            "http://example.com",
        ],
        &pm_account,
    )
    .expect_code(3, "http");
    // Connections with admin keys.
    kw(
        &env,
        &c,
        &[
            "connect",
            "postmark",
            "--name",
            "pm",
            "--base-url",
            &pm_base,
        ],
        &pm_account,
    )
    .expect_code(0, "postmark");
    kw(
        &env,
        &c,
        &[
            "connect",
            "posthog",
            "--name",
            "ph",
            "--base-url",
            &ph_base,
            "--project",
            "1",
        ],
        &phx,
    )
    .expect_code(0, "posthog");
    kw(
        &env,
        &c,
        &[
            "connect",
            "cloudflare",
            "--name",
            "cf",
            "--base-url",
            &cf_base,
        ],
        &cf_admin,
    )
    .expect_code(0, "cloudflare");
    kw(
        &env,
        &c,
        &[
            "connect",
            "sendgrid",
            "--name",
            "sg",
            "--base-url",
            &sg_base,
        ],
        &sg_admin,
    )
    .expect_code(0, "sendgrid");
    kw(
        &env,
        &c,
        &[
            "connect",
            "postman",
            "--name",
            "pmn",
            "--base-url",
            &pn_base,
            "--no-admin-key",
        ],
        "",
    )
    .expect_code(0, "postman");
    kw(
        &env,
        &c,
        &[
            "add",
            "--provider",
            "postman",
            "--name",
            "ci",
            "--env",
            "dev",
            "--connection",
            "pmn",
        ],
        &pmak,
    )
    .expect_code(0, "add postman");
    // Every sync, previews in every format. (Cloudflare: preview only; its sync fails on
    // the scope bug, see `cloudflare_sync_imports_tokens_whose_permission_groups_have_spaces`.)
    for format in ["table", "json"] {
        kw(
            &env,
            &c,
            &["sync", "cf", "--dry-run", "--format", format],
            "",
        )
        .expect_code(0, "preview");
    }
    for conn in ["pm", "ph", "sg"] {
        for format in ["table", "json"] {
            kw(
                &env,
                &c,
                &["sync", conn, "--dry-run", "--format", format],
                "",
            )
            .expect_code(0, "preview");
        }
        kw(&env, &c, &["sync", conn, "--env", "dev"], "").expect_code(0, "sync");
        kw(
            &env,
            &c,
            &["sync", conn, "--env", "dev", "--format", "json"],
            "",
        )
        .expect_code(0, "refresh");
    }
    // Verify, with and without faults.
    // Concurrency 3: see `verify_all_at_the_default_concurrency_does_not_starve_the_database`.
    kw(
        &env,
        &c,
        &["verify", "--all", "--concurrency", "3", "--format", "json"],
        "",
    );
    kw(&env, &c, &["verify", "--all", "--concurrency", "3"], "");
    for fault in [
        Fault::on("*").status(503),
        Fault::on("*").malformed_body(),
        Fault::on("*").drop_connection(),
        Fault::on("*").status(401),
        Fault::on("*").status(403),
    ] {
        sim.state().set_faults(vec![fault]);
        kw(
            &env,
            &c,
            &["verify", "--all", "--concurrency", "3", "--format", "json"],
            "",
        );
        kw(&env, &c, &["verify", "pm (admin)"], "");
        kw(&env, &c, &["sync", "pm", "--env", "dev"], "");
        kw(&env, &c, &["sync", "ph", "--env", "dev"], "");
    }
    sim.state().clear_faults();
    // The 401 round marked every key invalid; a clean round makes the valid ones active again.
    kw(&env, &c, &["verify", "--all", "--concurrency", "3"], "");
    // Every read-only view.
    for format in ["table", "json", "csv"] {
        kw(&env, &c, &["list", "--format", format], "").expect_code(0, "list");
        kw(&env, &c, &["audit", "--format", format], "").expect_code(0, "audit");
    }
    for format in ["table", "json"] {
        kw(&env, &c, &["connections", "--format", format], "").expect_code(0, "connections");
        kw(&env, &c, &["doctor", "--format", format], "");
        for key in [
            "pm (admin)",
            "ph (admin)",
            "cf (admin)",
            "sg (admin)",
            "Acme Staging",
            "Endpoint reader",
        ] {
            kw(&env, &c, &["show", key, "--format", format], "").expect_code(0, "show");
        }
    }

    // The values are where they belong: the keychain.
    let keys = env.list_json();
    for (name, value) in [
        ("pm (admin)", &pm_account),
        ("ph (admin)", &phx),
        ("cf (admin)", &cf_admin),
        ("sg (admin)", &sg_admin),
        ("ci", &pmak),
        ("Acme Production #1", &pm_servers[0]),
        ("Acme Production #2", &pm_servers[1]),
        ("Acme Staging", &pm_servers[2]),
    ] {
        assert_eq!(
            env.lookup(&id_of(by_name(&keys, name))).as_deref(),
            Some(value.as_str()),
            "{name}"
        );
    }

    // The database files while open (WAL included), via a `run` child that copies them.
    let snap = env.work.path().join("snapshot");
    std::fs::create_dir(&snap).unwrap();
    let out = kw(
        &env,
        &c,
        &[
            "run",
            "--env",
            "prod",
            "--",
            "sh",
            "-c",
            "cp \"$1\"/keyward.db* \"$2\"/",
            "sh",
            path_str(env.data_dir()),
            path_str(&snap),
        ],
        "",
    );
    out.expect_code(0, "run copies the open database");
    let copied: Vec<PathBuf> = std::fs::read_dir(&snap)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        copied
            .iter()
            .any(|p| p.to_string_lossy().ends_with("keyward.db-wal")),
        "the copy must include the WAL: {copied:?}"
    );
    c.check_files(&copied, "(copied while the database was open)");
    // And the trace log exists and was searched.
    let logs: Vec<PathBuf> = env
        .data_files()
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("log"))
        .collect();
    assert!(
        logs.iter()
            .any(|p| std::fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false)),
        "a non-empty log was written (KEYWARD_LOG=trace): {logs:?}"
    );
}

#[test]
fn connect_refuses_a_probe_path_that_could_leave_the_base_url() {
    // Regression (hole 1): `--probe-path .evil.example/` with `--base-url http://localhost`
    // sent the key over plain http to localhost.evil.example; `@host` made the base host a
    // user name. The core refuses both when the connection is made.
    let env = Env::new();
    for path in [".evil.example/", "@127.0.0.1:1/"] {
        let out = env.keyward(
            &[
                "connect",
                "postnomic",
                "--name",
                "blog",
                "--base-url",
                "http://localhost:9",
                "--probe-path",
                path,
            ],
            "",
        );
        out.expect_code(3, "a probe path that leaves the base URL is refused")
            .expect_stderr("probe path", "say which field is wrong");
        assert_nothing_saved(&env, "a hostile probe path");
    }
}
