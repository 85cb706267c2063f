#![allow(clippy::unwrap_used)]
//! Create, rotate and revoke end to end: the `keyward` binary against an in-process
//! `provider-sim` (real HTTP on 127.0.0.1) and a real throwaway gnome-keyring. Crash tests
//! SIGKILL the real process at each journal step (test-hooks pause points) and start it again:
//! zero keys lost, no remote key unaccounted for.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use provider_sim::seed::{KeyStatus as SimStatus, ProbeKey};
use provider_sim::{Fault, RunningSim, Seed, Simulator};
use serde_json::Value;
use support::*;

// ---------------------------------------------------------------- helpers

fn start() -> RunningSim {
    Simulator::start(Seed::demo()).expect("start provider-sim on 127.0.0.1")
}

/// Whether the simulator holds a live key with this value.
fn live_in_sim(sim: &RunningSim, provider: &str, value: &str) -> bool {
    sim.state()
        .keys(Some(provider))
        .iter()
        .any(|k| k.value == value && k.status == "active")
}

/// The provider a test rotates, with the demo key it adds by value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    PostHog,
    Cloudflare,
    SendGrid,
    Postmon,
}

impl Target {
    fn provider(self) -> &'static str {
        match self {
            Target::PostHog => "posthog",
            Target::Cloudflare => "cloudflare",
            Target::SendGrid => "sendgrid",
            Target::Postmon => "postmon",
        }
    }
}

/// Connects the provider (demo admin key) and adds the demo key by value as `target`, linked
/// to the connection, in `dev` (no grace period by default: these tests choose the flavour
/// with `--grace`). Returns the key id.
fn setup(env: &Env, sim: &RunningSim, t: Target) -> String {
    let base = sim.base_url(t.provider());
    let (conn, kind, sim_name) = match t {
        Target::PostHog => ("ph", "project_secret", "Backend flag evaluation"),
        Target::Cloudflare => ("cf", "user_token", "DNS edit - prod"),
        Target::SendGrid => ("sg", "api_key", "Transactional mail"),
        Target::Postmon => ("pm", "project_key", "Web tracking (prod)"),
    };
    let mut args = vec!["connect", t.provider(), "--name", conn, "--base-url", &base];
    if t == Target::PostHog {
        args.extend_from_slice(&["--project", "1"]);
    }
    let admin = match t {
        Target::Postmon => {
            args.push("--no-admin-key");
            String::new()
        }
        _ => sim_value(sim, t.provider(), "Keyward admin"),
    };
    env.keyward(&args, &admin)
        .expect_code(0, "connect with the demo admin key");
    let value = sim_value(sim, t.provider(), sim_name);
    let purpose = match t {
        Target::PostHog => "evaluate_feature_flags",
        Target::Cloudflare => "edit_dns",
        Target::SendGrid => "send_email",
        Target::Postmon => "track events",
    };
    let rec = env.add(
        &value,
        &[
            "--provider",
            t.provider(),
            "--kind",
            kind,
            "--name",
            "target",
            "--env",
            "dev",
            "--purpose",
            purpose,
            "--connection",
            conn,
        ],
    );
    id_of(&rec)
}

fn rotations(env: &Env, all: bool) -> Vec<Value> {
    let mut args = vec!["rotations", "--format", "json"];
    if all {
        args.push("--all");
    }
    let out = env.keyward(&args, "");
    out.expect_code(0, "`rotations` lists the journal");
    out.json().as_array().cloned().unwrap_or_default()
}

fn key_json(env: &Env, id: &str) -> Value {
    let out = env.keyward(&["show", id, "--format", "json"], "");
    out.expect_code(0, "show");
    out.json()["key"].clone()
}

/// The invariants after any crash and restart: the key is active, its keychain value is live
/// at the provider, no stray pending/previous value, no unfinished rotation (unless
/// `allow_open`), and every remote key Keyward named is the key's own.
fn assert_sound(env: &Env, sim: &RunningSim, t: Target, id: &str, why: &str, allow_open: bool) {
    let key = key_json(env, id);
    assert_eq!(key["status"], "active", "{why}: {key}");
    let value = env
        .lookup(id)
        .unwrap_or_else(|| panic!("{why}: the key's value is gone from the keychain"));
    assert!(
        live_in_sim(sim, t.provider(), &value),
        "{why}: the current value does not work at the provider"
    );
    if !allow_open {
        let open = rotations(env, false);
        assert!(
            open.is_empty(),
            "{why}: unfinished rotations left: {open:#?}"
        );
        let stray: Vec<String> = env
            .key_accounts()
            .into_iter()
            .filter(|a| a.contains('.'))
            .collect();
        assert!(
            stray.is_empty(),
            "{why}: pending/previous values left: {stray:?}"
        );
    }
    // Deleted keys stay in the simulator as `revoked` (SendGrid: they answer during the
    // propagation delay); only live ones must be the key's own.
    for k in sim.state().keys(Some(t.provider())) {
        if k.name.contains("[kw-") && k.status != "revoked" {
            assert_eq!(
                Some(k.id.as_str()),
                key["remote_id"].as_str(),
                "{why}: remote key {:?} was created by Keyward but is not the key's own",
                k.name
            );
        }
    }
}

/// Runs `keyward ARGS` until it reports `KEYWARD_TEST_PAUSED <point>`, then SIGKILLs it.
/// Returns what it printed to stderr.
fn kill_at(env: &Env, args: &[&str], stdin: &str, point: &str, extra: &[(&str, &str)]) -> String {
    use std::os::unix::process::CommandExt;
    let mut vars = vec![("KEYWARD_TEST_PAUSE_AFTER", point)];
    vars.extend_from_slice(extra);
    let mut cmd = env.raw_command(args, &vars);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child: Child = cmd.spawn().expect("spawn keyward");
    if let Some(mut pipe) = child.stdin.take() {
        let input = stdin.to_owned();
        std::thread::spawn(move || {
            let _ = pipe.write_all(input.as_bytes());
        });
    }
    let (tx, rx) = mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let marker = format!("KEYWARD_TEST_PAUSED {point}");
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(line) => {
                let hit = line == marker;
                seen.push(line);
                if hit {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = child.wait();
                panic!(
                    "`keyward {}` ended before pause point {point}:\n{}",
                    args.join(" "),
                    seen.join("\n")
                );
            }
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`keyward {}` never reached {point}:\n{}",
                args.join(" "),
                seen.join("\n")
            );
        }
    }
    // The real thing: SIGKILL, no clean shutdown.
    child.kill().expect("SIGKILL the paused keyward");
    let status = child.wait().unwrap();
    assert!(
        status.code().is_none(),
        "killed by a signal, not exited: {status:?}"
    );
    seen.join("\n")
}

// ---------------------------------------------------------------- flavours end to end

#[test]
fn native_roll_posthog_and_cloudflare_keep_the_new_value_and_kill_the_old() {
    for t in [Target::PostHog, Target::Cloudflare] {
        let env = Env::new();
        let sim = start();
        let id = setup(&env, &sim, t);
        let old = env.lookup(&id).unwrap();
        let out = env.keyward(&["rotate", "target", "--format", "json"], "");
        out.expect_code(0, "a native roll through the connection");
        out.expect_no_value(&old, "rotate output");
        let outcome = &out.json()[0];
        assert_eq!(outcome["rotation"]["flavour"], "native_roll", "{t:?}");
        assert_eq!(outcome["rotation"]["step"], "done", "{t:?}: {outcome}");
        let new = env.lookup(&id).unwrap();
        assert_ne!(new, old, "{t:?}: the keychain holds the rolled value");
        out.expect_no_value(&new, "rotate output");
        assert!(
            live_in_sim(&sim, t.provider(), &new),
            "{t:?}: new value works"
        );
        assert!(
            !live_in_sim(&sim, t.provider(), &old),
            "{t:?}: old value died with the roll"
        );
        let key = key_json(&env, &id);
        assert!(key["last_rotated_at"].is_string());
        assert_ne!(key["masked_hint"], "", "{key}");
        let audit = env.audit_json(Some(&id));
        assert!(audit.iter().any(|e| e["action"] == "rotated"), "{audit:#?}");
        assert!(audit.iter().any(|e| e["action"] == "revoked"), "{audit:#?}");
        assert_sound(&env, &sim, t, &id, "after a native roll", false);
        let (code, report) = env.doctor();
        assert_eq!(code, 0, "{report:#}");
    }
}

#[test]
fn create_revoke_sendgrid_honours_the_grace_period_and_the_scheduled_revocation_survives() {
    let env = Env::new();
    let sim = start();
    let id = setup(&env, &sim, Target::SendGrid);
    let old = env.lookup(&id).unwrap();
    let out = env.keyward(&["rotate", "target", "--grace", "2s"], "");
    out.expect_code(0, "create + revoke with a grace period")
        .expect_stdout("old key revoked at", "say when the old key goes");
    let new = env.lookup(&id).unwrap();
    assert_ne!(new, old);
    assert!(live_in_sim(&sim, "sendgrid", &new), "new key works");
    assert!(
        live_in_sim(&sim, "sendgrid", &old),
        "old key lives on during the grace period"
    );
    let open = rotations(&env, false);
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["step"], "promoted");
    assert!(open[0]["revoke_after"].is_string());
    let created = sim
        .state()
        .keys(Some("sendgrid"))
        .into_iter()
        .find(|k| k.value == new)
        .unwrap();
    assert!(
        created.name.contains("[kw-"),
        "the new remote key carries the token: {}",
        created.name
    );

    // Before it is due, a new process leaves it alone.
    let out = env.keyward(&["rotations", "--run-due"], "");
    out.expect_code(0, "nothing due yet");
    assert!(live_in_sim(&sim, "sendgrid", &old));
    std::thread::sleep(Duration::from_millis(2300));
    let out = env.keyward(&["rotations", "--run-due", "--all", "--format", "json"], "");
    out.expect_code(0, "the due revocation runs in a later process");
    assert!(
        !live_in_sim(&sim, "sendgrid", &old),
        "old key revoked once due"
    );
    assert!(
        !sim.state()
            .keys(Some("sendgrid"))
            .iter()
            .any(|k| k.value == old && k.status != "revoked"),
        "deleted at the provider"
    );
    let all = out.json();
    assert_eq!(all[0]["step"], "done", "{all:#}");
    assert_eq!(
        key_json(&env, &id)["scopes"],
        serde_json::json!(["mail.send"])
    );
    assert_sound(
        &env,
        &sim,
        Target::SendGrid,
        &id,
        "after the grace period",
        false,
    );

    // Without a grace period: revoked right away.
    let before = env.lookup(&id).unwrap();
    env.keyward(&["rotate", "target"], "")
        .expect_code(0, "create + revoke at once");
    assert!(!live_in_sim(&sim, "sendgrid", &before));
    assert_sound(
        &env,
        &sim,
        Target::SendGrid,
        &id,
        "after a rotation without grace",
        false,
    );
}

fn new_postmon_key(sim: &RunningSim, tag: &str) -> String {
    let value = format!("pmonNew{tag}{}", "Q".repeat(30));
    sim.state().with_data(|d| {
        d.postmon.keys.push(ProbeKey {
            id: format!("pmon-{tag}"),
            name: format!("new {tag}"),
            value: value.clone(),
            scope: "acme-web".into(),
            ..ProbeKey::default()
        })
    });
    value
}

fn deactivate_in_sim(sim: &RunningSim, value: &str) {
    sim.state().with_data(|d| {
        for k in &mut d.postmon.keys {
            if k.value == value {
                k.status = SimStatus::Revoked;
            }
        }
    });
}

#[test]
fn guided_rotation_verifies_the_pasted_value_and_confirms_the_old_one_is_dead() {
    let env = Env::new();
    let sim = start();
    let id = setup(&env, &sim, Target::Postmon);
    let old = env.lookup(&id).unwrap();

    // A value the provider does not accept: refused, the old key stays current.
    let bogus = "pmonNotAKeyAtAll00000000000000000000";
    let out = env.keyward(&["rotate", "target"], bogus);
    out.expect_code(3, "an invalid pasted value")
        .expect_stderr("did not verify", "say why")
        .expect_stderr("postmon", "name the dashboard");
    out.expect_no_value(bogus, "output");
    assert_eq!(env.lookup(&id).unwrap(), old);
    assert_eq!(
        rotations(&env, false)[0]["step"],
        "planned",
        "waits for another paste"
    );

    let new = new_postmon_key(&sim, "A");
    let out = env.keyward(&["rotate", "target"], &new);
    out.expect_code(0, "a valid pasted value")
        .expect_stdout("--confirm-revoked", "tell the user what comes next");
    out.expect_no_value(&new, "output");
    assert_eq!(env.lookup(&id).unwrap(), new, "the new value is current");

    let out = env.keyward(&["rotate", "--confirm-revoked", "target"], "");
    out.expect_code(3, "the old key still works")
        .expect_stderr("still works", "say so");
    assert_eq!(rotations(&env, false)[0]["step"], "promoted");

    deactivate_in_sim(&sim, &old);
    env.keyward(&["rotate", "--confirm-revoked", "target"], "")
        .expect_code(0, "the old key answers 401 now");
    assert_sound(
        &env,
        &sim,
        Target::Postmon,
        &id,
        "after a guided rotation",
        false,
    );
    assert_eq!(rotations(&env, true).len(), 1);
}

// ---------------------------------------------------------------- crash safety

fn crash_loop(t: Target, points: &[&str], grace: Option<&str>) {
    let env = Env::new();
    let sim = start();
    let id = setup(&env, &sim, t);
    if t == Target::SendGrid {
        env.keyward(&["verify", "target"], "")
            .expect_code(0, "learn the remote id");
    }
    for point in points {
        let before = env.lookup(&id).unwrap();
        let mut args = vec!["rotate", "target"];
        if let Some(g) = grace {
            args.extend_from_slice(&["--grace", g]);
        }
        kill_at(&env, &args, "", point, &[]);
        // The next start recovers (resume or roll back) and says what it did.
        let out = env.keyward(&["rotations", "--format", "json"], "");
        out.expect_code(0, "recovery at start-up")
            .expect_stderr("unfinished rotation", "recovery reports what it did");
        out.expect_no_value(&before, "recovery output");
        let why = format!("{t:?} killed after {point}");
        assert_sound(&env, &sim, t, &id, &why, false);
        let last = &rotations(&env, true)[0];
        assert!(
            ["done", "rolled_back"].contains(&last["step"].as_str().unwrap()),
            "{why}: {last:#}"
        );
        let now = env.lookup(&id).unwrap();
        if last["step"] == "done" {
            assert_ne!(now, before, "{why}: done means the new value is current");
        }
    }
    // After all that, an ordinary rotation still works.
    env.keyward(&["rotate", "target"], "")
        .expect_code(0, "a clean rotation after the crashes");
    assert_sound(&env, &sim, t, &id, "clean rotation after crashes", false);
}

#[test]
fn sigkill_after_each_step_of_a_posthog_roll_loses_nothing() {
    crash_loop(
        Target::PostHog,
        &[
            "planned",
            "remote_created",
            "pending_stored",
            "created",
            "verified",
            "promoted",
            "old_revoked",
        ],
        None,
    );
}

#[test]
fn sigkill_during_a_cloudflare_roll_loses_nothing() {
    crash_loop(
        Target::Cloudflare,
        &["remote_created", "pending_stored", "created", "promoted"],
        None,
    );
}

#[test]
fn sigkill_after_each_step_of_create_revoke_loses_nothing() {
    crash_loop(
        Target::SendGrid,
        &[
            "planned",
            "remote_created",
            "pending_stored",
            "created",
            "verified",
            "promoted",
            "remote_revoked",
            "old_revoked",
        ],
        None,
    );
}

#[test]
fn sigkill_during_a_guided_rotation_loses_nothing() {
    let env = Env::new();
    let sim = start();
    let id = setup(&env, &sim, Target::Postmon);
    for (i, point) in ["pending_stored", "created", "verified", "promoted"]
        .iter()
        .enumerate()
    {
        let old = env.lookup(&id).unwrap();
        let new = new_postmon_key(&sim, &format!("K{i}"));
        kill_at(&env, &["rotate", "target"], &new, point, &[]);
        env.keyward(&["rotations"], "").expect_code(0, "recovery");
        let why = format!("guided, killed after {point}");
        assert_sound(&env, &sim, Target::Postmon, &id, &why, true);
        let open = rotations(&env, false);
        assert_eq!(
            open.len(),
            1,
            "{why}: the guided rotation waits for the user"
        );
        if open[0]["step"] == "planned" {
            // Killed before the journal took the value: paste it again.
            env.keyward(&["rotate", "target"], &new)
                .expect_code(0, "paste again");
        }
        assert_eq!(rotations(&env, false)[0]["step"], "promoted", "{why}");
        assert_eq!(env.lookup(&id).unwrap(), new, "{why}");
        deactivate_in_sim(&sim, &old);
        env.keyward(&["rotate", "--confirm-revoked", "target"], "")
            .expect_code(0, "confirm");
        assert_sound(&env, &sim, Target::Postmon, &id, &why, false);
    }
    // Killed after the old key was confirmed dead but before the previous value was deleted.
    let old = env.lookup(&id).unwrap();
    let new = new_postmon_key(&sim, "last");
    env.keyward(&["rotate", "target"], &new)
        .expect_code(0, "paste");
    deactivate_in_sim(&sim, &old);
    kill_at(
        &env,
        &["rotate", "--confirm-revoked", "target"],
        "",
        "old_revoked",
        &[],
    );
    env.keyward(&["rotations"], "")
        .expect_code(0, "recovery")
        .expect_stderr("resumed", "finishes the rotation");
    assert_sound(
        &env,
        &sim,
        Target::Postmon,
        &id,
        "guided, killed after old_revoked",
        false,
    );
}

#[test]
fn a_rotation_driven_by_a_live_process_is_left_alone_by_another() {
    let env = Env::new();
    let sim = start();
    let id = setup(&env, &sim, Target::SendGrid);
    env.keyward(&["verify", "target"], "")
        .expect_code(0, "verify");
    // Paused (alive) after `created`: its lease is live.
    use std::os::unix::process::CommandExt;
    let mut cmd = env.raw_command(
        &["rotate", "target"],
        &[("KEYWARD_TEST_PAUSE_AFTER", "created")],
    );
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let line = lines.next().expect("paused before exiting").unwrap();
        if line == "KEYWARD_TEST_PAUSED created" {
            break;
        }
        assert!(Instant::now() < deadline);
    }
    let out = env.keyward(&["rotations", "--format", "json"], "");
    out.expect_code(0, "listing while another process rotates");
    assert!(
        !out.stderr.contains("unfinished rotation of"),
        "{}",
        out.dump()
    );
    let open = out.json();
    assert_eq!(open[0]["step"], "created", "left alone: {open:#}");
    assert!(open[0]["lease_owner"].is_string());
    child.kill().unwrap();
    let _ = child.wait();
    env.keyward(&["rotations"], "")
        .expect_code(0, "recovery")
        .expect_stderr(
            "resumed",
            "the dead process's rotation is recovered at once",
        );
    assert_sound(
        &env,
        &sim,
        Target::SendGrid,
        &id,
        "after the paused process died",
        false,
    );
}

// ---------------------------------------------------------------- provider faults

/// One fault at one step of a SendGrid create + revoke: the rotation stops with a clear
/// message (or succeeds after waiting out a 429), nothing is lost, and the next start
/// completes or rolls it back.
#[test]
fn provider_faults_at_each_step_stop_in_a_resumable_state() {
    let env = Env::new();
    let sim = start();
    let id = setup(&env, &sim, Target::SendGrid);
    env.keyward(&["verify", "target"], "")
        .expect_code(0, "learn the remote id and scopes");
    let create = "POST /sendgrid/v3/api_keys";
    let scopes = "GET /sendgrid/v3/scopes";
    let delete = "DELETE /sendgrid/v3/api_keys/*";
    // (label, fault, expected exit, stderr needle)
    let cases: Vec<(&str, Fault, i32, &str)> = vec![
        (
            "create 401",
            Fault::on(create).status(401).times(1),
            3,
            "rejected the key (401)",
        ),
        (
            "create 429",
            Fault::on(create).rate_limit(1).times(1),
            0,
            "rate limited",
        ),
        (
            "create 503",
            Fault::on(create).status(503).times(1),
            3,
            "HTTP 503",
        ),
        (
            "create answer lost",
            Fault::on(create).status(502).after_handler().times(1),
            3,
            "HTTP 502",
        ),
        (
            "create garbage",
            Fault::on(create).malformed_body().times(1),
            3,
            "not what its API documents",
        ),
        (
            "create dropped",
            Fault::on(create).drop_connection().times(1),
            3,
            "cannot reach",
        ),
        ("verify 503", Fault::on(scopes).status(503), 3, "HTTP 503"),
        (
            "verify garbage",
            Fault::on(scopes).malformed_body(),
            3,
            "not what its API documents",
        ),
        (
            "verify 401",
            Fault::on(scopes).status(401).times(3),
            3,
            "did not verify",
        ),
        ("revoke 500", Fault::on(delete).status(500), 3, "HTTP 500"),
        (
            "revoke 429",
            Fault::on(delete).rate_limit(1).times(1),
            0,
            "rate limited",
        ),
    ];
    for (label, fault, code, needle) in cases {
        let before = env.lookup(&id).unwrap();
        sim.state().clear_requests();
        sim.state().add_fault(fault);
        let out = env.keyward(&["rotate", "target"], "");
        sim.state().clear_faults();
        out.expect_code(code, label).expect_stderr(needle, label);
        out.expect_no_value(&before, label);
        // Nothing lost right now: the current value works.
        assert_sound(&env, &sim, Target::SendGrid, &id, label, true);
        if code != 0 {
            let open = rotations(&env, false);
            if let Some(r) = open.first() {
                assert!(
                    r["error_code"].is_string(),
                    "{label}: the journal says why: {r:#}"
                );
            }
        }
        // The next start finishes or rolls back.
        env.keyward(&["rotations"], "").expect_code(0, "recovery");
        assert_sound(
            &env,
            &sim,
            Target::SendGrid,
            &id,
            &format!("{label}, after recovery"),
            false,
        );
    }
    // A timeout on create: Keyward gives up and checks for an orphan by its token; the next
    // start settles the journal (revoking an orphan if the provider created one late).
    sim.state()
        .add_fault(Fault::on(create).latency_ms(2500).times(1));
    let out = env
        .cmd(&["rotate", "target"])
        .var("KEYWARD_HTTP_TIMEOUT_SECS", "1")
        .run();
    out.expect_code(3, "timeout")
        .expect_stderr("did not answer in time", "timeout");
    std::thread::sleep(Duration::from_millis(2000));
    env.keyward(&["rotations"], "")
        .expect_code(0, "recovery")
        .expect_stderr(
            "unfinished rotation of 'target'",
            "the next start settles it",
        );
    assert_sound(
        &env,
        &sim,
        Target::SendGrid,
        &id,
        "after a create timeout",
        false,
    );
}

#[test]
fn a_lost_roll_answer_is_rolled_again_and_kept() {
    let env = Env::new();
    let sim = start();
    let id = setup(&env, &sim, Target::PostHog);
    let roll = "POST /posthog/api/projects/1/project_secret_api_keys/*/roll/";
    // The provider rolls, but the answer never arrives intact.
    sim.state()
        .add_fault(Fault::on(roll).status(500).after_handler().times(1));
    let out = env.keyward(&["rotate", "target", "--format", "json"], "");
    out.expect_code(0, "rolled again through the connection");
    assert!(
        out.stdout.contains("answer to the roll was lost"),
        "say what happened: {}",
        out.dump()
    );
    assert_sound(&env, &sim, Target::PostHog, &id, "after a lost roll", false);
    // A refused roll changes nothing; the next start rolls the journal back.
    sim.state().add_fault(Fault::on(roll).status(403).times(1));
    env.keyward(&["rotate", "target"], "")
        .expect_code(3, "refused roll");
    env.keyward(&["rotations"], "")
        .expect_code(0, "recovery")
        .expect_stderr("rolled_back", "nothing happened at the provider");
    assert_sound(
        &env,
        &sim,
        Target::PostHog,
        &id,
        "after a refused roll",
        false,
    );
}

// ---------------------------------------------------------------- create, revoke, bulk

#[test]
fn create_proposes_least_privilege_records_widening_and_reveals_only_on_request() {
    let env = Env::new();
    let sim = start();
    setup(&env, &sim, Target::SendGrid);
    let out = env.keyward(
        &[
            "create",
            "--connection",
            "sg",
            "--env",
            "prod",
            "--purpose",
            "send_email",
            "--dry-run",
            "--format",
            "json",
        ],
        "",
    );
    out.expect_code(0, "plan");
    assert_eq!(out.json()["scopes"], serde_json::json!(["mail.send"]));

    let out = env.keyward(
        &[
            "create",
            "--connection",
            "sg",
            "--env",
            "prod",
            "--purpose",
            "send_email",
            "--name",
            "mailer",
            "--format",
            "json",
        ],
        "",
    );
    out.expect_code(0, "create with the proposed scopes");
    let key = out.json();
    let id = id_of(&key);
    let value = env.lookup(&id).expect("the new value is in the keychain");
    out.expect_no_value(&value, "create without --reveal");
    assert_eq!(key["scopes"], serde_json::json!(["mail.send"]));
    let remote = sim
        .state()
        .keys(Some("sendgrid"))
        .into_iter()
        .find(|k| k.value == value)
        .expect("created at the provider");
    assert_eq!(Some(remote.id.as_str()), key["remote_id"].as_str());

    let out = env.keyward(
        &[
            "create",
            "--connection",
            "sg",
            "--env",
            "dev",
            "--purpose",
            "send_email",
            "--scopes",
            "mail.send,stats.read",
            "--name",
            "wide",
            "--reveal",
        ],
        "",
    );
    out.expect_code(0, "widened create with --reveal");
    let wide = env.names();
    assert!(wide.contains(&"wide".to_owned()));
    let wide_id = id_of(
        env.list_json()
            .iter()
            .find(|k| k["name"] == "wide")
            .unwrap(),
    );
    let wide_value = env.lookup(&wide_id).unwrap();
    assert_eq!(
        out.stdout.matches(&wide_value).count(),
        1,
        "revealed exactly once"
    );
    let audit = env.audit_json(Some(&wide_id));
    assert!(
        audit
            .iter()
            .any(|e| e["detail"].as_str().unwrap_or("").contains("widened")
                && e["detail"].as_str().unwrap_or("").contains("stats.read")),
        "{audit:#?}"
    );

    // PostHog and Cloudflare through their connections.
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
    .expect_code(0, "connect posthog");
    let out = env.keyward(
        &[
            "create",
            "--connection",
            "ph",
            "--env",
            "prod",
            "--purpose",
            "evaluate_feature_flags",
            "--name",
            "flags2",
            "--format",
            "json",
        ],
        "",
    );
    out.expect_code(0, "PostHog project secret key");
    assert_eq!(
        out.json()["scopes"],
        serde_json::json!(["feature_flag:read"])
    );
    setup_cf_only(&env, &sim);
    let out = env.keyward(
        &[
            "create",
            "--connection",
            "cf",
            "--env",
            "prod",
            "--purpose",
            "edit_dns",
            "--name",
            "dns2",
            "--format",
            "json",
        ],
        "",
    );
    out.expect_code(0, "Cloudflare token");
    let cf = out.json();
    assert!(
        cf["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "DNS Write"),
        "{cf}"
    );
    let cf_value = env.lookup(&id_of(&cf)).unwrap();
    assert!(live_in_sim(&sim, "cloudflare", &cf_value));

    // Free text without scopes: refused, nothing created.
    let n = sim.state().keys(Some("sendgrid")).len();
    env.keyward(
        &[
            "create",
            "--connection",
            "sg",
            "--env",
            "prod",
            "--purpose",
            "something else",
        ],
        "",
    )
    .expect_code(1, "no least privilege known")
    .expect_stderr("--scopes", "say what to give");
    assert_eq!(sim.state().keys(Some("sendgrid")).len(), n);
}

fn setup_cf_only(env: &Env, sim: &RunningSim) {
    let base = sim.base_url("cloudflare");
    let admin = sim_value(sim, "cloudflare", "Keyward admin");
    env.keyward(
        &["connect", "cloudflare", "--name", "cf", "--base-url", &base],
        &admin,
    )
    .expect_code(0, "connect cloudflare");
}

#[test]
fn guided_creation_verifies_before_saving() {
    let env = Env::new();
    let sim = start();
    setup(&env, &sim, Target::Postmon);
    let bogus = "pmonBogus0000000000000000000000";
    env.keyward(
        &[
            "create",
            "--guided",
            "--provider",
            "postmon",
            "--connection",
            "pm",
            "--env",
            "dev",
            "--purpose",
            "track",
            "--name",
            "web-dev",
        ],
        bogus,
    )
    .expect_code(3, "an invalid value is not saved");
    assert!(!env.names().contains(&"web-dev".to_owned()));
    let good = new_postmon_key(&sim, "G");
    let out = env.keyward(
        &[
            "create",
            "--guided",
            "--provider",
            "postmon",
            "--connection",
            "pm",
            "--env",
            "dev",
            "--purpose",
            "track",
            "--name",
            "web-dev",
        ],
        &good,
    );
    out.expect_code(0, "a verified value is saved")
        .expect_stderr("postmon", "point at the dashboard");
    out.expect_no_value(&good, "guided create output");
    let id = id_of(
        env.list_json()
            .iter()
            .find(|k| k["name"] == "web-dev")
            .unwrap(),
    );
    assert_eq!(env.lookup(&id).unwrap(), good);
    assert_eq!(key_json(&env, &id)["verify_outcome"], "valid");
}

#[test]
fn revoke_confirms_the_key_is_dead_and_keeps_it_as_history() {
    let env = Env::new();
    let sim = start();
    let sg = setup(&env, &sim, Target::SendGrid);
    let value = env.lookup(&sg).unwrap();
    env.keyward(&["revoke", "target"], "")
        .expect_code(1, "no terminal to ask on, no --yes")
        .expect_stderr("--yes", "say how to go ahead");
    assert!(live_in_sim(&sim, "sendgrid", &value), "nothing revoked");
    env.keyward(&["revoke", "target", "--yes"], "")
        .expect_code(0, "API revoke")
        .expect_stdout("confirmed dead", "say it was checked");
    assert!(!live_in_sim(&sim, "sendgrid", &value));
    let key = key_json(&env, &sg);
    assert_eq!(key["status"], "revoked", "kept as history");
    assert_eq!(env.lookup(&sg), None, "its value left the keychain");
    env.keyward(&["revoke", "target", "--yes"], "")
        .expect_code(1, "already revoked");
    let out = env.keyward(&["list", "--status", "revoked", "--format", "json"], "");
    assert_eq!(out.json().as_array().unwrap().len(), 1, "filterable");

    // Guided: the key must answer 401 before it is marked revoked.
    let env = Env::new();
    let pm = setup(&env, &sim, Target::Postmon);
    let pm_value = env.lookup(&pm).unwrap();
    env.keyward(&["revoke", "target", "--yes"], "")
        .expect_code(0, "guided")
        .expect_stdout("revoke --confirm", "what to do next");
    env.keyward(&["revoke", "--confirm", "target"], "")
        .expect_code(3, "still alive");
    assert_eq!(key_json(&env, &pm)["status"], "active");
    deactivate_in_sim(&sim, &pm_value);
    env.keyward(&["revoke", "--confirm", "target"], "")
        .expect_code(0, "dead now");
    assert_eq!(key_json(&env, &pm)["status"], "revoked");
    assert_eq!(env.lookup(&pm), None);
}

#[test]
fn bulk_rotation_reports_each_key_and_one_failure_does_not_stop_the_others() {
    let env = Env::new();
    let sim = start();
    let sg = setup(&env, &sim, Target::SendGrid);
    let ph_value = sim_value(&sim, "posthog", "Endpoint reader");
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
    let ph = id_of(&env.add(
        &ph_value,
        &[
            "--provider",
            "posthog",
            "--kind",
            "project_secret",
            "--name",
            "endpoints",
            "--env",
            "dev",
            "--connection",
            "ph",
        ],
    ));
    let cf = {
        setup_cf_only(&env, &sim);
        let v = sim_value(&sim, "cloudflare", "DNS edit - prod");
        id_of(&env.add(
            &v,
            &[
                "--provider",
                "cloudflare",
                "--kind",
                "user_token",
                "--name",
                "dns",
                "--env",
                "dev",
                "--connection",
                "cf",
            ],
        ))
    };
    sim.state().add_fault(
        Fault::on("POST /posthog/api/projects/1/project_secret_api_keys/*/roll/").status(401),
    );
    let out = env.keyward(
        &[
            "rotate",
            "target",
            "endpoints",
            "dns",
            "--concurrency",
            "3",
            "--format",
            "json",
        ],
        "",
    );
    out.expect_code(3, "one provider failed");
    let outcomes = out.json();
    assert_eq!(outcomes.as_array().unwrap().len(), 3, "{outcomes:#}");
    for o in outcomes.as_array().unwrap() {
        if o["key_name"] == "endpoints" {
            assert_eq!(o["error_code"], "provider_unauthorized", "{o}");
        } else {
            assert!(o["error_code"].is_null(), "{o}");
            assert_eq!(o["rotation"]["step"], "done", "{o}");
        }
    }
    assert!(
        out.stderr.contains("[") && out.stderr.contains("/3]"),
        "progress: {}",
        out.stderr
    );
    sim.state().clear_faults();
    env.keyward(&["rotations"], "").expect_code(0, "recovery");
    assert_sound(&env, &sim, Target::SendGrid, &sg, "bulk: sendgrid", false);
    assert_eq!(
        env.lookup(&ph).unwrap(),
        ph_value,
        "the failed one kept its value"
    );
    assert!(live_in_sim(&sim, "cloudflare", &env.lookup(&cf).unwrap()));
}

// ---------------------------------------------------------------- canaries

#[test]
fn new_secrets_appear_nowhere_but_the_keychain() {
    let env = Env::new();
    let sim = start();
    let mut outputs: Vec<Out> = Vec::new();
    let sg = setup(&env, &sim, Target::SendGrid);
    let ph = {
        let base = sim.base_url("posthog");
        let admin = sim_value(&sim, "posthog", "Keyward admin");
        outputs.push(env.keyward(
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
        ));
        let v = sim_value(&sim, "posthog", "Backend flag evaluation");
        id_of(&env.add(
            &v,
            &[
                "--provider",
                "posthog",
                "--kind",
                "project_secret",
                "--name",
                "flags",
                "--env",
                "dev",
                "--connection",
                "ph",
            ],
        ))
    };
    outputs.push(env.keyward(
        &[
            "rotate", "target", "flags", "--grace", "1s", "--format", "json",
        ],
        "",
    ));
    outputs.push(env.keyward(&["rotate", "flags"], ""));
    outputs.push(env.keyward(
        &[
            "create",
            "--connection",
            "sg",
            "--env",
            "dev",
            "--purpose",
            "send_email",
            "--name",
            "created",
        ],
        "",
    ));
    std::thread::sleep(Duration::from_millis(1200));
    outputs.push(env.keyward(&["rotations", "--run-due", "--all", "--format", "json"], ""));
    outputs.push(env.keyward(&["audit", "--format", "json"], ""));
    outputs.push(env.keyward(&["list", "--format", "json"], ""));
    // Crash and recovery on the way too.
    kill_at(&env, &["rotate", "target"], "", "pending_stored", &[]);
    outputs.push(env.keyward(&["rotations", "--all", "--format", "json"], ""));
    for o in &outputs {
        assert!(o.code() == 0, "{}", o.dump());
    }
    let created = id_of(
        env.list_json()
            .iter()
            .find(|k| k["name"] == "created")
            .unwrap(),
    );
    let mut secrets: Vec<String> = [&sg, &ph, &created]
        .iter()
        .map(|id| env.lookup(id).unwrap())
        .collect();
    // Every value the provider ever issued in this test (old, rolled, created).
    secrets.extend(
        sim.state()
            .keys(Some("sendgrid"))
            .into_iter()
            .map(|k| k.value),
    );
    secrets.extend(
        sim.state()
            .keys(Some("posthog"))
            .into_iter()
            .map(|k| k.value),
    );
    for s in &secrets {
        for o in &outputs {
            o.expect_no_value(s, "command output");
        }
        for f in env.data_files() {
            let bytes = std::fs::read(&f).unwrap();
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "a secret is in {}",
                f.display()
            );
        }
    }
    assert!(env
        .data_files()
        .iter()
        .any(|f| f.to_string_lossy().contains("wal") || f.to_string_lossy().ends_with(".db")));
}

#[test]
fn rotating_a_key_tracked_without_its_value_takes_custody_of_the_new_one() {
    // Synced PostHog project secret keys arrive without values (shown once); a native roll
    // gives Keyward a value to keep.
    let env = Env::new();
    let sim = start();
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
    env.keyward(&["sync", "ph", "--env", "dev"], "")
        .expect_code(0, "sync tracks keys without values");
    let keys = env.list_json();
    let tracked = keys
        .iter()
        .find(|k| k["name"] == "Endpoint reader")
        .unwrap();
    let id = id_of(tracked);
    assert!(tracked["fingerprint"].is_null());
    assert_eq!(env.lookup(&id), None);
    // Whatever uses the old value stops working: refused until the user accepts it for this key.
    env.keyward(&["rotate", &id, "--format", "json"], "")
        .expect_code(1, "a key without its value needs acceptance")
        .expect_stderr("--accept-value-loss", "say how to accept");
    assert_eq!(env.lookup(&id), None);
    let out = env.keyward(
        &[
            "rotate",
            &id,
            "--accept-value-loss",
            &id,
            "--format",
            "json",
        ],
        "",
    );
    out.expect_code(0, "native roll of a tracked key");
    assert_eq!(out.json()[0]["rotation"]["step"], "done");
    let value = env.lookup(&id).expect("Keyward now holds the value");
    out.expect_no_value(&value, "rotate output");
    assert!(live_in_sim(&sim, "posthog", &value));
    let key = key_json(&env, &id);
    assert!(key["fingerprint"].is_string(), "{key}");
    let (code, report) = env.doctor();
    assert_eq!(code, 0, "{report:#}");
}
