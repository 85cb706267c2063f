//! Create / rotate / revoke commands through Tauri's IPC layer (mock runtime, the app's real
//! config and capabilities) against provider-sim on loopback, with an in-memory vault. Every
//! response is recorded: no key value may cross IPC except the one-time `key_reveal` answer.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use keyward::vault::MemoryVault;
use provider_sim::seed::{PostmanKey, Seed};
use provider_sim::{Fault, RunningSim, Simulator};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::sync::Arc;

/// The second Postman key of the guided test: "made in the dashboard", pasted into Keyward.
const POSTMAN_NEW: &str = "PMAK-5e2a000000000000000000aa-00000000000000000000000000000000e5";

mod support;

use support::TestApp;

struct Harness {
    app: TestApp,
    sim: RunningSim,
    /// Every key value the simulator ever held during the test (old values vanish from it).
    values: RefCell<Vec<String>>,
}

fn harness() -> Harness {
    let mut seed = Seed::demo();
    seed.postman.keys.push(PostmanKey {
        id: "pm-dashboard-new".into(),
        name: "made in the dashboard".into(),
        value: POSTMAN_NEW.into(),
        user_id: seed.postman.keys[0].user_id,
        status: seed.postman.keys[0].status,
        ..PostmanKey::default()
    });
    let sim = Simulator::start(seed).unwrap();
    let h = Harness {
        app: TestApp::new(Arc::new(MemoryVault::new())),
        sim,
        values: Default::default(),
    };
    h.snapshot_values();
    h
}

impl Harness {
    /// As [`TestApp::call`], then notes the simulator's values (a rotation makes new ones).
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let out = self.app.call(cmd, args);
        self.snapshot_values();
        out
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn err_code(&self, cmd: &str, args: Value) -> String {
        let code = self.app.err_code(cmd, args);
        self.snapshot_values();
        code
    }

    fn snapshot_values(&self) {
        let mut values = self.values.borrow_mut();
        for k in self.sim.state().keys(None) {
            if !values.contains(&k.value) {
                values.push(k.value);
            }
        }
    }

    fn sim_value(&self, provider: &str, name_starts: &str) -> String {
        self.sim
            .state()
            .keys(Some(provider))
            .into_iter()
            .find(|k| k.name.starts_with(name_starts))
            .unwrap_or_else(|| panic!("no {provider} key named {name_starts:?} in the simulator"))
            .value
    }

    fn connect(
        &self,
        provider: &str,
        name: &str,
        admin: Option<&str>,
        project: Option<&str>,
    ) -> String {
        let c = self.ok(
            "connection_add",
            json!({"input": {"provider": provider, "name": name, "base_url": self.sim.base_url(provider),
                   "project_id": project, "account_id": null, "probe_path": null, "environment": "prod",
                   "admin_secret": admin.map(|a| self.sim_value(provider, a)), "test": admin.is_some()}}),
        );
        c["id"].as_str().unwrap().to_owned()
    }

    fn create(
        &self,
        connection: &str,
        provider: &str,
        kind: &str,
        name: &str,
        purpose: &str,
        scopes: &[&str],
    ) -> Value {
        self.ok(
            "key_create",
            json!({"input": {"guided": false, "connection_id": connection, "provider": provider, "kind": kind,
                   "name": name, "environment": "prod", "purpose": purpose, "scopes": scopes, "secret": null}}),
        )
    }

    /// No response but `key_reveal`'s carries any value the simulator held (whole or a slice).
    fn assert_no_value_crossed_ipc(&self) {
        let seen = self.app.answers();
        let values = self.values.borrow();
        assert!(values.len() > 5, "the simulator's values were collected");
        for (cmd, body) in seen.iter().filter(|(cmd, _)| cmd != "key_reveal") {
            for v in values.iter() {
                assert!(
                    !body.contains(v.as_str()),
                    "{cmd} answered a key value: {body}"
                );
                let slice = &v[v.len() / 3..v.len() / 3 + 12];
                assert!(
                    !body.contains(slice),
                    "{cmd} answered part of a key value: {body}"
                );
            }
        }
    }
}

#[test]
fn create_through_the_api_reveals_the_value_once_and_only_on_request() {
    let h = harness();
    let sg = h.connect("sendgrid", "sg", Some("Keyward admin"), None);
    let created = h.create(
        &sg,
        "sendgrid",
        "api_key",
        "mailer",
        "send_email",
        &["mail.send", "templates.read"],
    );
    assert_eq!(created["key"]["provider"], "sendgrid");
    assert_eq!(
        created["widened_scopes"],
        json!(["templates.read"]),
        "the widening is reported"
    );
    let id = created["key"]["id"].as_str().unwrap().to_owned();
    let token = created["reveal_token"].as_str().unwrap().to_owned();
    let value = h.sim_value("sendgrid", "mailer");

    assert_eq!(
        h.err_code("key_reveal", json!({"id": id, "token": "guessed"})),
        "reveal_expired"
    );
    let other = h.create(&sg, "sendgrid", "api_key", "stats", "read_stats", &[]);
    let other_token = other["reveal_token"].as_str().unwrap();
    assert_eq!(
        h.err_code("key_reveal", json!({"id": id, "token": other_token})),
        "reveal_expired",
        "a token reveals only the key it was issued for"
    );
    let shown = h.ok("key_reveal", json!({"id": id, "token": token}));
    assert_eq!(
        shown["value"],
        value.as_str(),
        "Show once shows the created value"
    );
    assert_eq!(
        h.err_code("key_reveal", json!({"id": id, "token": token})),
        "reveal_expired",
        "a second Show once is refused"
    );
    let audit = h.ok("audit_list", json!({"keyId": id}));
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"revealed"),
        "the reveal is audited: {actions:?}"
    );
    h.assert_no_value_crossed_ipc();
}

#[test]
fn rotate_streams_steps_and_offers_the_new_value_once() {
    let h = harness();
    let ph = h.connect("posthog", "ph", Some("Keyward admin"), Some("1"));
    let created = h.create(
        &ph,
        "posthog",
        "project_secret",
        "flags",
        "evaluate_feature_flags",
        &[],
    );
    let id = created["key"]["id"].as_str().unwrap().to_owned();
    let before = h.sim_value("posthog", "flags");

    // Revoke at once, chosen explicitly: prod's default is a grace period (issue 16).
    let plans = h.ok(
        "rotation_plan",
        json!({"input": {"key_ids": [id], "grace_secs": 0, "narrow": false}}),
    );
    assert_eq!(plans[0]["flavour"], "native_roll");
    assert_eq!(plans[0]["environment"], "prod");
    assert_eq!(plans[0]["blocked"], Value::Null);

    let outcomes = h.ok(
        "key_rotate",
        json!({"input": {"key_ids": [id], "grace_secs": 0, "narrow": false}, "onEvent": "__CHANNEL__:7"}),
    );
    let o = &outcomes[0];
    assert_eq!(o["error_code"], Value::Null, "rotation failed: {o}");
    assert_eq!(o["rotation"]["state"], "done", "{o}");
    assert_eq!(o["rotation"]["flavour"], "native_roll");
    let after = h.sim_value("posthog", "flags");
    assert_ne!(before, after, "the provider rolled the value");
    let token = o["reveal_token"].as_str().unwrap();
    let shown = h.ok("key_reveal", json!({"id": id, "token": token}));
    assert_eq!(
        shown["value"],
        after.as_str(),
        "Show once shows the rolled value (current in the keychain)"
    );

    let journal = h.ok("rotation_list", json!({}));
    assert_eq!(journal[0]["key_id"], id.as_str());
    assert_eq!(journal[0]["state"], "done");
    assert_eq!(
        h.ok("rotation_recover", json!({})),
        json!([]),
        "nothing left to recover"
    );
    h.assert_no_value_crossed_ipc();
}

#[test]
fn bulk_rotate_reports_per_key_and_one_failure_does_not_stop_the_others() {
    let h = harness();
    let sg = h.connect("sendgrid", "sg", Some("Keyward admin"), None);
    let ids: Vec<String> = ["one", "two", "three"]
        .iter()
        .map(|n| {
            h.create(&sg, "sendgrid", "api_key", n, "send_email", &[])["key"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    // The provider refuses to delete key "two"'s old remote key: its rotation stops after the
    // new key is promoted; the others finish.
    let two_remote = h
        .sim
        .state()
        .keys(Some("sendgrid"))
        .into_iter()
        .find(|k| k.name == "two")
        .unwrap()
        .id;
    h.sim
        .state()
        .add_fault(Fault::on(&format!("DELETE /sendgrid/v3/api_keys/{two_remote}")).status(403));
    let outcomes = h.ok(
        "key_rotate",
        json!({"input": {"key_ids": ids, "grace_secs": 0, "narrow": false}, "onEvent": "__CHANNEL__:8"}),
    );
    let outcomes = outcomes.as_array().unwrap();
    assert_eq!(outcomes.len(), 3, "one outcome per key");
    let failed: Vec<&Value> = outcomes
        .iter()
        .filter(|o| !o["error_code"].is_null())
        .collect();
    assert_eq!(failed.len(), 1, "exactly key two fails: {outcomes:?}");
    assert_eq!(failed[0]["key_id"], ids[1].as_str());
    assert_eq!(
        failed[0]["reveal_token"],
        Value::Null,
        "no reveal for a failed rotation"
    );
    for o in outcomes.iter().filter(|o| o["error_code"].is_null()) {
        assert_eq!(o["rotation"]["flavour"], "create_revoke");
        assert_eq!(o["rotation"]["state"], "done", "{o}");
        assert!(o["reveal_token"].is_string());
    }
    h.assert_no_value_crossed_ipc();
}

#[test]
fn revoke_needs_the_typed_name_and_keeps_the_key_as_history() {
    let h = harness();
    let sg = h.connect("sendgrid", "sg", Some("Keyward admin"), None);
    let created = h.create(
        &sg,
        "sendgrid",
        "api_key",
        "<b>old</b> mailer",
        "send_email",
        &[],
    );
    let id = created["key"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        h.err_code("key_revoke", json!({"id": id, "confirmName": "old mailer"})),
        "confirm_mismatch"
    );
    assert!(
        h.sim
            .state()
            .keys(Some("sendgrid"))
            .iter()
            .any(|k| k.name == "<b>old</b> mailer"),
        "nothing revoked on a mismatch"
    );
    let r = h.ok(
        "key_revoke",
        json!({"id": id, "confirmName": "<b>old</b> mailer"}),
    );
    assert_eq!(r["confirmed_dead"], true);
    assert_eq!(r["key"]["status"], "revoked");
    assert!(
        !h.sim
            .state()
            .keys(Some("sendgrid"))
            .iter()
            .any(|k| k.name == "<b>old</b> mailer" && k.status != "revoked"),
        "deleted at the provider"
    );
    let list = h.ok("keys_list", json!({}));
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|k| k["id"] == id.as_str() && k["status"] == "revoked"),
        "kept as history"
    );
    assert_eq!(
        h.err_code(
            "key_revoke",
            json!({"id": id, "confirmName": "<b>old</b> mailer"})
        ),
        "already_revoked"
    );
    h.assert_no_value_crossed_ipc();
}

#[test]
fn guided_rotation_pastes_verifies_and_confirms_the_old_key_is_dead() {
    let h = harness();
    let pm = h.connect("postman", "pm", None, None);
    let old = h.sim_value("postman", "CI collection runs");
    let created = h.ok(
        "key_create",
        json!({"input": {"guided": true, "connection_id": pm, "provider": "postman", "kind": "api_key",
               "name": "ci runs", "environment": "dev", "purpose": "", "scopes": [], "secret": old}}),
    );
    assert_eq!(
        created["reveal_token"],
        Value::Null,
        "a pasted key is never revealed"
    );
    let id = created["key"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["key"]["connection_id"],
        pm.as_str(),
        "linked to the connection that verified it"
    );
    assert_eq!(
        h.err_code(
            "key_create",
            json!({"input": {"guided": true, "connection_id": pm, "provider": "postman", "kind": "api_key",
                   "name": "bogus", "environment": "dev", "purpose": "", "scopes": [],
                   "secret": "PMAK-000000000000000000000000-0000000000000000000000000000000000"}}),
        ),
        "new_key_invalid",
        "a pasted key that does not work is not saved"
    );

    let outcomes = h.ok(
        "key_rotate",
        json!({"input": {"key_ids": [id], "grace_secs": null, "narrow": false}, "onEvent": "__CHANNEL__:9"}),
    );
    let rotation = &outcomes[0]["rotation"];
    assert_eq!(rotation["flavour"], "guided");
    assert_eq!(rotation["waiting_for"], "paste", "{rotation}");
    let rid = rotation["id"].as_str().unwrap().to_owned();

    let promoted = h.ok(
        "rotation_guided_submit",
        json!({"rotationId": rid, "secret": POSTMAN_NEW}),
    );
    assert_eq!(promoted["state"], "promoted");
    assert_eq!(promoted["waiting_for"], "revoke_old");
    // The old key still works at the provider: Keyward refuses to call it revoked.
    assert_eq!(
        h.err_code("rotation_guided_confirm", json!({"rotationId": rid})),
        "old_key_still_valid"
    );
    // "The user revokes it in the dashboard": the provider now answers 401 to the old key.
    h.sim
        .state()
        .add_fault(Fault::on("GET /postman/me").status(401).times(1));
    let done = h.ok("rotation_guided_confirm", json!({"rotationId": rid}));
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["waiting_for"], Value::Null);
    h.assert_no_value_crossed_ipc();
}
