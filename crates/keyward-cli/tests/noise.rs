//! Issue 16 point 4 (too many warnings) as a black box: the review's headline counts what
//! needs action, a missing owner is a quiet prompt, Postman's full access is said once as a
//! provider fact (not a finding per key), `--fail-on` still names kinds (plus `action`), and
//! findings are acknowledged in bulk by kind, provider and environment.
#![allow(clippy::unwrap_used)]

mod support;

use chrono::{Duration, Utc};
use serde_json::Value;
use support::*;

fn days_ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

fn postman_value() -> String {
    format!("PMAK-{}-{}", random_hex(24), random_hex(34))
}

fn add_postman(env: &Env, name: &str, environment: &str, owner: Option<&str>) -> String {
    let mut args = vec![
        "--provider",
        "postman",
        "--kind",
        "api_key",
        "--name",
        name,
        "--env",
        environment,
        "--purpose",
        "run collections in CI",
    ];
    if let Some(o) = owner {
        args.extend_from_slice(&["--owner", o]);
    }
    let value = postman_value();
    id_of(&env.add(&value, &args))
}

fn add_postmark(env: &Env, name: &str, environment: &str, owner: Option<&str>, age: i64) {
    let created = days_ago(age);
    let mut args = vec![
        "--provider",
        "postmark",
        "--kind",
        "server_token",
        "--name",
        name,
        "--env",
        environment,
        "--purpose",
        "send transactional email",
        "--created-at",
        &created,
    ];
    if let Some(o) = owner {
        args.extend_from_slice(&["--owner", o]);
    }
    env.add(&random_uuid(), &args);
}

fn open_kinds(env: &Env, kind: &str) -> Vec<(String, String)> {
    let out = env.keyward(&["findings", "--kind", kind, "--format", "json"], "");
    out.expect_code(0, "listing findings works");
    out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key_name"].as_str().unwrap().to_owned(),
                f["attention"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// Six Postman keys (full access, no scopes), four keys without an owner, one stale key.
fn seed(env: &Env) {
    for i in 0..3 {
        add_postman(env, &format!("pm-prod-{i}"), "prod", Some("qa"));
        add_postman(env, &format!("pm-dev-{i}"), "dev", Some("qa"));
    }
    add_postmark(env, "mail-a", "prod", None, 1);
    add_postmark(env, "mail-b", "prod", None, 1);
    add_postmark(env, "mail-dev", "dev", None, 1);
    add_postman(env, "pm-ownerless", "dev", None);
    add_postmark(env, "mail-old", "prod", Some("mail-team"), 200);
}

#[test]
fn review_headline_counts_what_needs_action_and_says_provider_facts_once() {
    let env = Env::new();
    seed(&env);

    let out = env.keyward(&["review", "--format", "json"], "");
    out.expect_code(0, "the review builds");
    let review: Value = out.json();
    assert_eq!(review["action_count"], 1, "only the stale key needs action");
    let open: Vec<&Value> = review["findings"].as_array().unwrap().iter().collect();
    assert!(
        !open
            .iter()
            .any(|f| f["provider"] == "postman" && f["kind"] == "over_privileged"),
        "no over-privileged finding on Postman keys: {open:?}"
    );
    assert!(open
        .iter()
        .filter(|f| f["kind"] == "incomplete")
        .all(|f| f["attention"] == "info"));
    let facts = review["provider_facts"].as_array().unwrap();
    assert_eq!(facts.len(), 1, "{facts:?}");
    assert_eq!(facts[0]["provider"], "postman");
    assert_eq!(facts[0]["keys"], 7);

    let md = env.keyward(&["review"], "");
    md.expect_code(0, "the Markdown review builds")
        .expect_stdout(
            "1 finding needs action",
            "the headline counts what needs action",
        )
        .expect_stdout("## Needs action", "the actionable section comes first")
        .expect_stdout(
            "## Also noted",
            "quiet findings have their own lower section",
        )
        .expect_stdout("## Provider facts", "the provider fact is said once");
    let text = &md.stdout;
    let action = text.find("## Needs action").unwrap();
    let quiet = text.find("## Also noted").unwrap();
    // Markdown may escape the hyphen.
    let stale = ["mail-old", "mail\\-old"]
        .iter()
        .filter_map(|n| text[action..].find(n))
        .min()
        .map(|i| i + action)
        .unwrap_or_else(|| panic!("mail-old is not listed after 'Needs action'\n{text}"));
    assert!(
        stale < quiet,
        "the stale key is under 'Needs action'\n{text}"
    );
    assert_eq!(
        text.matches("carries its user").count(),
        1,
        "Postman's full access is said once, not per key\n{text}"
    );

    // --fail-on names kinds whatever their attention; `action` fails on the headline.
    env.keyward(&["review", "--fail-on", "over-privileged"], "")
        .expect_code(0, "a provider fact is no finding and fails no gate");
    env.keyward(&["review", "--fail-on", "incomplete"], "")
        .expect_code(4, "a listed kind fails even when it is only a prompt");
    env.keyward(&["review", "--fail-on", "action"], "")
        .expect_code(4, "something needs action")
        .expect_stderr("action", "the gate says why");
    env.keyward(&["review", "--fail-on", "action", "--env", "dev"], "")
        .expect_code(0, "nothing in dev needs action");
}

#[test]
fn findings_are_acknowledged_in_bulk_by_kind_provider_and_environment() {
    let env = Env::new();
    seed(&env);
    assert_eq!(open_kinds(&env, "incomplete").len(), 4);

    env.keyward(
        &[
            "findings",
            "ack",
            "--kind",
            "incomplete",
            "--provider",
            "postmark",
            "--env",
            "prod",
            "--reason",
            "filed by sync; owners come with the team import",
        ],
        "",
    )
    .expect_code(0, "a bulk acknowledgement works")
    .expect_stdout("Acknowledged 2 incomplete findings", "it says how many");
    let left: Vec<String> = open_kinds(&env, "incomplete")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(!left.iter().any(|n| n == "mail-a" || n == "mail-b"));

    env.keyward(
        &[
            "findings",
            "ack",
            "--kind",
            "incomplete",
            "--provider",
            "postman",
            "--reason",
            "CI keys",
            "--until",
            &(Utc::now() + Duration::days(30))
                .format("%Y-%m-%d")
                .to_string(),
        ],
        "",
    )
    .expect_code(0, "by provider alone")
    .expect_stdout(
        "Acknowledged 1 incomplete finding on postman keys",
        "one key",
    );
    let left: Vec<String> = open_kinds(&env, "incomplete")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(left, vec!["mail-dev".to_owned()]);

    // Nothing matches: said, and not an error.
    env.keyward(
        &[
            "findings", "ack", "--kind", "expired", "--env", "prod", "--reason", "x",
        ],
        "",
    )
    .expect_code(0, "nothing to acknowledge is no error")
    .expect_stdout("nothing acknowledged", "it says so");
    // One key and a bulk scope do not mix; a bad kind is refused.
    env.keyward(
        &[
            "findings",
            "ack",
            "mail-dev",
            "--kind",
            "incomplete",
            "--reason",
            "x",
        ],
        "",
    )
    .expect_code(1, "KEY with --kind is a usage error");
    env.keyward(&["findings", "ack", "--kind", "bogus", "--reason", "x"], "")
        .expect_code(1, "an unknown kind is refused");

    // Audited per key, marked as bulk.
    let bulk = env
        .audit_json(None)
        .into_iter()
        .filter(|e| {
            e["action"] == "finding_acknowledged"
                && e["detail"].as_str().unwrap_or("").contains("(in bulk)")
        })
        .count();
    assert_eq!(bulk, 3);
}
