#![allow(clippy::unwrap_used)]
//! Teams (issue 15) end to end: the `keyward` binary of two members, each with their own data
//! dir and throwaway keychain, against a real PostgreSQL (crates/test-postgres) and the
//! provider simulator. They join one team, add, rotate and revoke, and see each other's
//! changes; the server goes away and comes back; no key value reaches the database.

mod support;

use provider_sim::{RunningSim, Seed, Simulator};
use serde_json::Value;
use support::*;
use test_postgres::TestPostgres;

const DB: &str = "postgres";

fn server() -> TestPostgres {
    TestPostgres::start().expect("start a throwaway PostgreSQL (package postgresql)")
}

fn password(member: &str) -> String {
    format!("{member}-pw-{}", random_alnum(12))
}

/// Connects `provider` to the simulator and adds its demo key `sim_name` as `name` in `env`.
fn add_sim_key(
    env: &Env,
    sim: &RunningSim,
    provider: &str,
    kind: &str,
    sim_name: &str,
    name: &str,
    purpose: &str,
) -> String {
    let base = sim.base_url(provider);
    let conn = format!("{provider}-c");
    let mut args = vec!["connect", provider, "--name", &conn, "--base-url", &base];
    if provider == "posthog" {
        args.extend_from_slice(&["--project", "1"]);
    }
    env.keyward(&args, &sim_value(sim, provider, "Keyward admin"))
        .expect_code(0, "connect with the demo admin key");
    let rec = env.add(
        &sim_value(sim, provider, sim_name),
        &[
            "--provider",
            provider,
            "--kind",
            kind,
            "--name",
            name,
            "--env",
            "prod",
            "--purpose",
            purpose,
            "--owner",
            "ops",
            "--connection",
            &conn,
        ],
    );
    id_of(&rec)
}

fn team_review(env: &Env) -> Value {
    let out = env.keyward(&["review", "--team", "--format", "json"], "");
    out.expect_code(0, "review --team");
    out.json()
}

fn status(env: &Env) -> Value {
    let out = env.keyward(&["team", "status", "--format", "json"], "");
    out.expect_code(0, "team status");
    out.json()
}

fn row<'a>(review: &'a Value, member: &str, name: &str) -> &'a Value {
    review["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["member"] == member && k["name"] == name)
        .unwrap_or_else(|| panic!("no row {member}/{name} in {review:#}"))
}

/// Every encoding the canary tests search, plus UTF-16 (LE/BE) and URL-encoding.
fn needles(value: &str) -> Vec<(String, Vec<u8>)> {
    let mut all = canary_needles(value);
    let le: Vec<u8> = value.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = value.encode_utf16().flat_map(u16::to_be_bytes).collect();
    all.push(("utf-16le".into(), le));
    all.push(("utf-16be".into(), be));
    let url: String = value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    all.push(("url-encoded".into(), url.into_bytes()));
    all
}

#[test]
fn two_members_share_a_team_and_see_each_others_changes() {
    let mut pg = server();
    let sim = Simulator::start(Seed::demo()).expect("start provider-sim");
    let (alice, bob) = (Env::new(), Env::new());

    // Set up once, as the administrator; then a DBA adds the members.
    let out = alice.keyward(&["team", "init", &pg.admin_url()], pg.admin_password());
    out.expect_code(0, "team init")
        .expect_stdout("IN ROLE keyward_member", "says how to add a member");
    out.expect_no_value(pg.admin_password(), "init output");
    let (alice_pw, bob_pw) = (password("alice"), password("bob"));
    for (m, pw) in [("alice", &alice_pw), ("bob", &bob_pw)] {
        pg.psql(
            DB,
            &format!("CREATE ROLE {m} LOGIN PASSWORD '{pw}' IN ROLE keyward_member"),
        )
        .unwrap();
    }

    // A password in the URL is refused and not echoed; TLS is required off loopback.
    let out = alice.keyward(
        &[
            "team",
            "join",
            &format!("postgres://alice:{alice_pw}@127.0.0.1:{}/{DB}", pg.port()),
        ],
        "",
    );
    out.expect_code(1, "password in the URL")
        .expect_stderr("password", "says why");
    out.expect_no_value(&alice_pw, "the refusal");
    alice
        .keyward(
            &[
                "team",
                "join",
                "postgres://alice@db.example.com/team?sslmode=disable",
            ],
            &alice_pw,
        )
        .expect_code(1, "plain text off loopback")
        .expect_stderr("TLS is required", "says why");
    alice
        .keyward(
            &["team", "join", &pg.url("alice", DB)],
            "not-her-password\n",
        )
        .expect_code(1, "a refused password")
        .expect_stderr("refused the password of role 'alice'", "names the role");
    alice
        .keyward(
            &[
                "team",
                "join",
                &format!("{}?sslmode=require", pg.url("alice", DB)),
            ],
            &alice_pw,
        )
        .expect_code(1, "TLS asked of a server without it")
        .expect_stderr("TLS", "says why");

    // Each joins with the password on standard input (a trailing newline is not part of it).
    for (env, m, pw) in [(&alice, "alice", &alice_pw), (&bob, "bob", &bob_pw)] {
        let out = env.keyward(
            &["team", "join", &pg.url(m, DB), "--format", "json"],
            &format!("{pw}\n"),
        );
        out.expect_code(0, "team join");
        let s = out.json();
        assert_eq!(s["member"], m);
        assert_eq!(
            s["url"],
            pg.url(m, DB),
            "the URL is kept without a password"
        );
        out.expect_no_value(pw, "join output");
        assert_eq!(
            env.lookup("keyward.team-password").as_deref(),
            Some(pw.as_str()),
            "kept in the keychain"
        );
    }

    // Each adds, rotates and revokes through their own simulator; a canary key too.
    let (sim_a, sim_b) = (
        sim,
        Simulator::start(Seed::demo()).expect("start provider-sim"),
    );
    let a_id = add_sim_key(
        &alice,
        &sim_a,
        "sendgrid",
        "api_key",
        "Transactional mail",
        "mail",
        "send_email",
    );
    let b_id = add_sim_key(
        &bob,
        &sim_b,
        "sendgrid",
        "api_key",
        "Transactional mail",
        "mail",
        "send_email",
    );
    let canary_a = format!("PMAK-{}-{}", random_hex(24), random_hex(34));
    let canary_b = format!("PMAK-{}-{}", random_hex(24), random_hex(34));
    alice.add(
        &canary_a,
        &["--name", "canary", "--env", "dev", "--purpose", "tests"],
    );
    bob.add(
        &canary_b,
        &[
            "--name",
            "canary",
            "--env",
            "dev",
            "--purpose",
            "tests",
            "--expires-at",
            "2020-01-01",
        ],
    );
    let mut values = vec![
        canary_a.clone(),
        canary_b.clone(),
        alice.lookup(&a_id).unwrap(),
        bob.lookup(&b_id).unwrap(),
    ];
    for (env, id) in [(&alice, &a_id), (&bob, &b_id)] {
        env.keyward(&["rotate", id, "--grace", "0"], "")
            .expect_code(0, "rotate through the connection");
        values.push(env.lookup(id).unwrap());
    }
    // Each published as it went: nothing queued, no problem.
    for env in [&alice, &bob] {
        let s = status(env);
        assert_eq!(s["queued"], 0, "{s:#}");
        assert!(s["last_error"].is_null(), "{s:#}");
    }
    // Bob's rotation is visible to Alice, and the other way round.
    let seen_by_alice = team_review(&alice);
    let mail = row(&seen_by_alice, "bob", "mail");
    assert!(mail["last_rotated_at"].is_string(), "{mail:#}");
    assert_eq!(mail["owner"], "ops");
    let seen_by_bob = team_review(&bob);
    assert!(row(&seen_by_bob, "alice", "mail")["last_rotated_at"].is_string());
    for (env, id) in [(&alice, &a_id), (&bob, &b_id)] {
        env.keyward(&["revoke", id, "--yes"], "")
            .expect_code(0, "revoke through the connection");
    }
    let after = team_review(&alice);
    assert_eq!(row(&after, "bob", "mail")["status"], "revoked", "{after:#}");
    assert_eq!(
        row(&after, "alice", "mail")["status"],
        "revoked",
        "{after:#}"
    );
    let weeks = after["rotations_per_week"].as_array().unwrap();
    let (rot, rev): (u64, u64) = weeks.iter().fold((0, 0), |(a, b), w| {
        (
            a + w["rotations"].as_u64().unwrap(),
            b + w["revocations"].as_u64().unwrap(),
        )
    });
    assert!(
        rot >= 2 && rev >= 2,
        "both members' rotations and revocations: {weeks:?}"
    );
    let members: Vec<&str> = after["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["alice", "bob"]);

    // Every export carries each key's member.
    for format in ["csv", "md", "html"] {
        let out = alice.keyward(&["review", "--team", "--format", format], "");
        out.expect_code(0, "export")
            .expect_stdout("alice", "member")
            .expect_stdout("bob", "member");
    }
    // --fail-on over the team's keys gates CI: Bob's expired key fails Alice's job.
    alice
        .keyward(&["review", "--team", "--fail-on", "expired"], "")
        .expect_code(4, "an expired key of bob's");
    alice
        .keyward(&["review", "--team", "--fail-on", "reused"], "")
        .expect_code(0, "nothing reused");
    alice
        .keyward(&["review", "--fail-on", "expired"], "")
        .expect_code(0, "alice's own keys are fine");

    // The server goes away: commands still work, the changes wait in the queue.
    pg.stop().unwrap();
    let out = bob.keyward(
        &[
            "add",
            "--name",
            "offline",
            "--env",
            "dev",
            "--purpose",
            "tests",
        ],
        &format!("PMAK-{}-{}", random_hex(24), random_hex(34)),
    );
    out.expect_code(0, "adding works without the team's server")
        .expect_stderr("stays queued", "says so");
    let s = status(&bob);
    assert!(s["queued"].as_u64().unwrap() > 0, "{s:#}");
    assert!(s["last_error"].as_str().unwrap().contains("reach"), "{s:#}");
    bob.keyward(&["team", "sync"], "")
        .expect_code(1, "sync says the server is away");
    let offline_review = bob.keyward(&["review", "--team", "--format", "json"], "");
    offline_review
        .expect_code(0, "review from the last pull")
        .expect_stderr("not refreshed", "says the data is old");
    pg.start_again().unwrap();
    bob.keyward(&["team", "sync"], "")
        .expect_code(0, "back")
        .expect_stdout("Published", "reports");
    assert_eq!(status(&bob)["queued"], 0);
    row(&team_review(&alice), "bob", "offline");

    // Nothing duplicated: one row per key, one event per audit event.
    let count = |sql: &str| -> i64 { pg.psql(DB, sql).unwrap().trim().parse().unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM keyward.keys WHERE member = 'bob'"),
        4,
        "bob's mail, its connection's admin key, canary, offline"
    );
    assert_eq!(
        count("SELECT count(*) - count(DISTINCT (member, local_id)) FROM keyward.events"),
        0
    );

    // No value, rotated or not, anywhere in the cluster (roles, every database).
    let dump = pg.dump_all().unwrap();
    assert!(dump.len() > 1000);
    for v in values.iter().chain([&alice_pw, &bob_pw]) {
        for (encoding, needle) in needles(v) {
            assert!(
                !contains(&dump, &needle),
                "a value ({encoding}) is in pg_dumpall's output"
            );
        }
    }
    // Nor a masked hint (hints are off by default).
    assert!(
        !String::from_utf8_lossy(&dump).contains("PMAK-"),
        "no masked hint unless shared"
    );

    // Leaving forgets the password and withdraws the rows.
    alice
        .keyward(&["team", "leave"], "")
        .expect_code(0, "leave");
    assert_eq!(alice.lookup("keyward.team-password"), None);
    assert_eq!(
        count("SELECT count(*) FROM keyward.keys WHERE member = 'alice'"),
        0
    );
    alice
        .keyward(&["team", "status"], "")
        .expect_code(0, "status")
        .expect_stdout("Not in a team", "says so");
    alice
        .keyward(&["review", "--team"], "")
        .expect_code(1, "not joined")
        .expect_stderr("not in a team", "says so");
}
