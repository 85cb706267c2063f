#![allow(clippy::unwrap_used)]
//! Bulk rotation is safe by construction (issue 16, points 1 and 8): the `keyward` binary
//! against an in-process `provider-sim` and a throwaway gnome-keyring. A connection's admin
//! key never rotates in a batch with the keys it serves, keys tracked without their value
//! rotate only when named, prod gets a grace period by default, a disabled token's roll is
//! reported as what happened, and a stuck rotation is not retried on every call.

mod support;

use provider_sim::seed::CloudflareStatus;
use provider_sim::{Fault, RunningSim, Seed, Simulator};
use serde_json::Value;
use support::*;

fn start() -> RunningSim {
    Simulator::start(Seed::demo()).expect("start provider-sim on 127.0.0.1")
}

/// Connects Cloudflare with the demo admin token and syncs its tokens (tracked without their
/// values) into prod.
fn connect_and_sync(env: &Env, sim: &RunningSim) {
    let base = sim.base_url("cloudflare");
    let admin = sim_value(sim, "cloudflare", "Keyward admin");
    env.keyward(
        &["connect", "cloudflare", "--name", "cf", "--base-url", &base],
        &admin,
    )
    .expect_code(0, "connect cloudflare");
    env.keyward(&["sync", "cf", "--env", "prod"], "")
        .expect_code(0, "sync tracks the listed tokens without their values");
}

fn key_named<'a>(keys: &'a [Value], name: &str) -> &'a Value {
    keys.iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("no key {name:?} in {keys:#?}"))
}

fn requests_with(sim: &RunningSim, status: u16) -> Vec<String> {
    sim.state()
        .request_log()
        .into_iter()
        .filter(|r| r.status == Some(status))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn the_admin_key_is_refused_beside_its_keys_and_value_less_keys_need_acceptance() {
    let env = Env::new();
    let sim = start();
    connect_and_sync(&env, &sim);
    let keys = env.list_json();
    let admin = id_of(key_named(&keys, "cf (admin)"));
    let dns = id_of(key_named(&keys, "DNS edit - prod"));
    let ci = id_of(key_named(&keys, "Old CI deploy"));
    let dns_before = sim_value(&sim, "cloudflare", "DNS edit - prod");
    let ci_before = sim_value(&sim, "cloudflare", "Old CI deploy");
    let admin_before = sim_value(&sim, "cloudflare", "Keyward admin");

    // The plan says it before anything happens.
    let out = env.keyward(
        &["rotate", "--plan", "--format", "json", &admin, &dns, &ci],
        "",
    );
    out.expect_code(0, "plan");
    let plans = out.json();
    let plan = |id: &str| {
        plans
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["key_id"] == id)
            .unwrap()
            .clone()
    };
    let why = plan(&admin)["blocked"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        why.contains("admin key of the connection 'cf'") && why.contains("on its own"),
        "the admin key is refused with the reason: {why:?}"
    );
    assert!(
        !why.contains("keyward "),
        "the reason names no command: {why}"
    );
    for id in [&dns, &ci] {
        let p = plan(id);
        assert_eq!(p["blocked"], Value::Null, "{p:#}");
        assert_eq!(
            p["value_unknown"], true,
            "synced tokens have no value: {p:#}"
        );
        assert!(p["value_loss"].as_str().unwrap().contains("stops working"));
        // prod: a grace period by default, never "revoke at once".
        assert_eq!(p["flavour"], "create_revoke", "{p:#}");
        assert_eq!(p["grace_secs"], 86_400, "{p:#}");
        assert_eq!(p["grace_is_default"], true);
    }

    // Rotating them all: the admin key is refused, the value-less ones are refused unless
    // named; nothing at the provider changes and nothing gets a 401.
    sim.state().clear_requests();
    let out = env.keyward(&["rotate", "--format", "json", &admin, &dns, &ci], "");
    assert_ne!(out.code(), 0, "refusals are errors: {}", out.dump());
    let outcomes = out.json();
    let code_of = |id: &str| {
        outcomes
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["key_id"] == id)
            .unwrap()["error_code"]
            .clone()
    };
    assert_eq!(code_of(&admin), "rotation_admin_in_batch");
    assert_eq!(code_of(&dns), "rotation_needs_acceptance");
    assert_eq!(code_of(&ci), "rotation_needs_acceptance");
    out.expect_stderr("--accept-value-loss", "the CLI says how to accept");
    assert_eq!(sim_value(&sim, "cloudflare", "DNS edit - prod"), dns_before);
    assert_eq!(sim_value(&sim, "cloudflare", "Old CI deploy"), ci_before);
    assert_eq!(sim_value(&sim, "cloudflare", "Keyward admin"), admin_before);

    // Accepting one key rotates that one only (prod: create + revoke with 24 h of grace).
    let out = env.keyward(
        &[
            "rotate",
            "--format",
            "json",
            "--accept-value-loss",
            &dns,
            &dns,
            &ci,
        ],
        "",
    );
    let outcomes = out.json();
    let by_id = |id: &str| {
        outcomes
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["key_id"] == id)
            .unwrap()
            .clone()
    };
    let d = by_id(&dns);
    assert_eq!(d["error_code"], Value::Null, "{d:#}");
    assert_eq!(d["rotation"]["step"], "promoted", "{d:#}");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("created at the provider"),
        "the outcome says what happened at the provider: {d:#}"
    );
    assert_eq!(by_id(&ci)["error_code"], "rotation_needs_acceptance");
    assert_eq!(sim_value(&sim, "cloudflare", "Old CI deploy"), ci_before);
    assert!(
        sim.state()
            .keys(Some("cloudflare"))
            .iter()
            .any(|k| k.value == dns_before),
        "during the grace period the old token still exists"
    );

    // The admin key on its own rotates, and the connection keeps working with its new value.
    let out = env.keyward(&["rotate", "--grace", "0", "--format", "json", &admin], "");
    out.expect_code(0, "the admin key alone rotates");
    assert_eq!(out.json()[0]["rotation"]["step"], "done", "{}", out.dump());
    let admin_now = env.lookup(&admin).unwrap();
    assert_ne!(admin_now, admin_before);
    out.expect_no_value(&admin_now, "rotate output");
    env.keyward(&["sync", "cf", "--env", "prod"], "")
        .expect_code(0, "the connection works with the rolled admin key");
    assert!(
        requests_with(&sim, 401)
            .iter()
            .all(|r| !r.contains("/value")),
        "no roll got a 401: {:?}",
        requests_with(&sim, 401)
    );
}

#[test]
fn grace_defaults_per_environment() {
    let env = Env::new();
    let sim = start();
    connect_and_sync(&env, &sim);
    let value = sim_value(&sim, "cloudflare", "Token auditor (read)");
    let dev = id_of(&env.add(
        &value,
        &[
            "--provider",
            "cloudflare",
            "--kind",
            "user_token",
            "--name",
            "auditor",
            "--env",
            "dev",
            "--connection",
            "cf",
        ],
    ));
    let prod = id_of(key_named(&env.list_json(), "DNS edit - prod"));
    let out = env.keyward(&["rotate", "--plan", "--format", "json", &dev, &prod], "");
    out.expect_code(0, "plan");
    let plans = out.json();
    assert_eq!(plans[0]["flavour"], "native_roll", "dev: none {plans:#}");
    assert_eq!(
        plans[1]["flavour"], "create_revoke",
        "prod: a grace {plans:#}"
    );
    assert_eq!(plans[1]["grace_secs"], 86_400);
    // An explicit choice wins, "revoke at once" included.
    let out = env.keyward(
        &[
            "rotate", "--plan", "--grace", "0", "--format", "json", &prod,
        ],
        "",
    );
    assert_eq!(out.json()[0]["flavour"], "native_roll");
    assert_eq!(out.json()[0]["grace_is_default"], false);
}

#[test]
fn a_disabled_token_is_rolled_and_the_outcome_says_so() {
    let env = Env::new();
    let sim = start();
    connect_and_sync(&env, &sim);
    let paused = id_of(key_named(&env.list_json(), "Paused integration"));
    let before = sim_value(&sim, "cloudflare", "Paused integration");
    let out = env.keyward(
        &[
            "rotate",
            "--grace",
            "0",
            "--accept-value-loss",
            &paused,
            "--format",
            "json",
            &paused,
        ],
        "",
    );
    let after = sim_value(&sim, "cloudflare", "Paused integration");
    assert_ne!(after, before, "the simulator rolled the disabled token");
    out.expect_code(0, "the roll happened; the outcome is not an error");
    let o = &out.json()[0];
    let message = o["message"].as_str().unwrap();
    assert!(
        message.contains("rolled") && message.contains("disabled"),
        "the outcome says the roll happened and the token is disabled: {o:#}"
    );
    assert!(!message.contains("still current"), "{message}");
    assert_eq!(o["rotation"]["step"], "done", "{o:#}");
    assert_eq!(env.lookup(&paused).as_deref(), Some(after.as_str()));
    out.expect_no_value(&after, "rotate output");
    let key = env
        .keyward(&["show", &paused, "--format", "json"], "")
        .json();
    let status = key["key"]["verify_outcome"]
        .as_str()
        .or(key["verify_outcome"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(status, "disabled", "{key:#}");
    // The simulator still holds it disabled.
    let disabled = sim.state().with_data(|d| {
        d.cloudflare
            .tokens
            .iter()
            .any(|t| t.value == after && t.status == CloudflareStatus::Disabled)
    });
    assert!(disabled);
}

#[test]
fn a_stuck_rotation_is_not_retried_on_every_call() {
    let env = Env::new();
    let sim = start();
    let base = sim.base_url("cloudflare");
    let admin = sim_value(&sim, "cloudflare", "Keyward admin");
    env.keyward(
        &["connect", "cloudflare", "--name", "cf", "--base-url", &base],
        &admin,
    )
    .expect_code(0, "connect");
    let value = sim_value(&sim, "cloudflare", "DNS edit - prod");
    env.add(
        &value,
        &[
            "--provider",
            "cloudflare",
            "--kind",
            "user_token",
            "--name",
            "target",
            "--env",
            "dev",
            "--connection",
            "cf",
        ],
    );
    env.keyward(&["verify", "target"], "")
        .expect_code(0, "learn the token's id");
    // The roll works, every check of the new value fails: the rotation stops at `created`.
    let verify = "GET /cloudflare/client/v4/user/tokens/verify";
    sim.state().add_fault(Fault::on(verify).status(503));
    env.keyward(&["rotate", "target"], "")
        .expect_code(3, "the new value cannot be checked");
    sim.state().clear_requests();
    assert_eq!(
        env.keyward(&["rotations", "--format", "json"], "").json()[0]["step"],
        "created"
    );

    // The `rotations` call above started like any call: its recovery line counts too.
    let mut lines = Vec::new();
    for i in 0..20 {
        let out = env.keyward(
            &[
                "add",
                "--provider",
                "postman",
                "--name",
                &format!("seed {i}"),
                "--env",
                "dev",
            ],
            &format!("PMAK-{}-{}", random_hex(24), random_hex(34)),
        );
        out.expect_code(0, "add works while a rotation is stuck");
        let recovery: Vec<String> = out
            .stderr
            .lines()
            .filter(|l| l.contains("unfinished rotation"))
            .map(str::to_owned)
            .collect();
        assert!(
            recovery.len() <= 1,
            "at most one recovery line per call: {recovery:?}"
        );
        lines.extend(recovery);
    }
    let verifies = sim.state().request_count(verify);
    eprintln!(
        "`keyward rotations` + 20 `keyward add` calls with a stuck rotation: {verifies} verify calls, {} recovery lines",
        lines.len()
    );
    assert!(verifies <= 3, "recovery backs off: {verifies} verify calls");
    assert!(lines.len() <= 3, "recovery says little: {lines:#?}");
    // An explicit resume does not wait for the backoff.
    sim.state().clear_faults();
    env.keyward(&["rotate", "target"], "")
        .expect_code(0, "resuming by hand goes on at once");
    assert_eq!(
        env.keyward(&["rotations", "--format", "json"], "")
            .json()
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}
