//! `keyward findings` and `keyward review` as a black box against a real (throwaway)
//! gnome-keyring: every finding kind from real records, dates given at add/import feeding
//! the findings, acknowledgements with reason and expiry, the policy, `--fail-on` exit codes,
//! the export formats (CSV/JSON parse, HTML and Markdown escape a hostile name), and canaries:
//! no report or listing ever contains a key's value.
#![allow(clippy::unwrap_used)]

mod support;

use chrono::{Duration, Utc};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;
use support::*;

fn days_ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

fn days_ahead(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

fn postman_value() -> String {
    format!("PMAK-{}-{}", random_hex(24), random_hex(34))
}

fn posthog_personal_value() -> String {
    format!("phx_{}", random_alnum(44))
}

fn cloudflare_value() -> String {
    format!("cfat_{}{}", random_alnum(40), random_hex(8))
}

/// `keyward findings --format json [ARGS]`, parsed; must succeed.
fn findings_json(env: &Env, args: &[&str]) -> Value {
    let mut full = vec!["findings", "--format", "json"];
    full.extend_from_slice(args);
    let out = env.keyward(&full, "");
    out.expect_code(0, "`findings` reads the inventory and must work");
    out.json()
}

/// (key name, finding kind) pairs of a findings listing.
fn pairs(list: &Value) -> BTreeSet<(String, String)> {
    list["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key_name"].as_str().unwrap().to_owned(),
                f["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn has(list: &Value, name: &str, kind: &str) -> bool {
    pairs(list).contains(&(name.to_owned(), kind.to_owned()))
}

fn secret_tool(env: &Env, args: &[&str], stdin: &str) {
    use std::io::Write;
    let mut child = Command::new("secret-tool")
        .args(args)
        .env_clear()
        .envs(env.keychain.env())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "secret-tool {args:?}");
}

#[test]
fn every_finding_kind_from_real_records() {
    let env = Env::new();
    let shared = random_uuid();
    let account = env.add(
        &random_uuid(),
        &[
            "--provider",
            "postmark",
            "--kind",
            "account_token",
            "--name",
            "mail-admin",
            "--env",
            "prod",
            "--purpose",
            "send transactional email",
            "--owner",
            "ana",
            "--created-at",
            &days_ago(100),
        ],
    );
    env.add(
        &posthog_personal_value(),
        &[
            "--name",
            "web-tracking",
            "--env",
            "prod",
            "--purpose",
            "ingest events",
            "--owner",
            "ana",
            "--usage",
            "web",
        ],
    );
    env.add(
        &postman_value(),
        &[
            "--name",
            "ci-postman",
            "--env",
            "dev",
            "--purpose",
            "run in CI",
        ],
    );
    for e in ["prod", "dev"] {
        env.add(
            &shared,
            &[
                "--provider",
                "postmark",
                "--kind",
                "server_token",
                "--name",
                "shared-token",
                "--env",
                e,
                "--purpose",
                "send transactional email",
                "--owner",
                "ana",
            ],
        );
    }
    env.add(
        &cloudflare_value(),
        &[
            "--name",
            "cf-soon",
            "--env",
            "staging",
            "--purpose",
            "purge cache",
            "--owner",
            "bo",
            "--expires-at",
            &days_ahead(5),
        ],
    );
    env.add(
        &cloudflare_value(),
        &[
            "--name",
            "cf-gone",
            "--env",
            "staging",
            "--purpose",
            "purge cache",
            "--owner",
            "bo",
            "--created-at",
            &days_ago(40),
            "--expires-at",
            &days_ago(2),
        ],
    );
    // A keychain entry Keyward never wrote, and a record whose value vanished.
    let stray = random_uuid();
    secret_tool(
        &env,
        &[
            "store", "--label", "stray", "service", SERVICE, "username", &stray,
        ],
        "stray-value",
    );
    let mail_admin_id = id_of(&account);
    secret_tool(
        &env,
        &["clear", "service", SERVICE, "username", &mail_admin_id],
        "",
    );

    let list = findings_json(&env, &[]);
    assert_eq!(list["keychain_checked"], true, "{list}");
    for (name, kind) in [
        ("mail-admin", "stale"),
        ("mail-admin", "over_privileged"),
        ("mail-admin", "orphaned"),
        ("web-tracking", "client_exposed"),
        ("web-tracking", "over_privileged"),
        ("ci-postman", "incomplete"),
        ("shared-token", "reused"),
        ("cf-soon", "expiring"),
        ("cf-gone", "expired"),
    ] {
        assert!(
            has(&list, name, kind),
            "{name} should be {kind}: {:?}",
            pairs(&list)
        );
    }
    for (name, kind) in [
        ("shared-token", "stale"),
        ("cf-soon", "expired"),
        ("web-tracking", "incomplete"),
        ("mail-admin", "expiring"),
        // Postman keys always carry full access: a provider fact in the review, not a
        // finding on each key (issue 16).
        ("ci-postman", "over_privileged"),
    ] {
        assert!(!has(&list, name, kind), "{name} should not be {kind}");
    }
    let entry = list["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["keychain_account"] == stray.as_str())
        .expect("the stray keychain entry is an orphan");
    assert_eq!(entry["kind"], "orphaned");
    assert!(entry["key_id"].is_null());
    let over = list["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key_name"] == "mail-admin" && f["kind"] == "over_privileged")
        .unwrap();
    assert_eq!(over["suggested_kind"], "server_token");
    assert_eq!(over["severity"], "high");
    assert!(!over["excess_scopes"].as_array().unwrap().is_empty());

    // --env narrows to one environment (and leaves out keychain entries, which have none).
    let dev = findings_json(&env, &["--env", "dev"]);
    let envs: BTreeSet<&str> = dev["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["environment"].as_str().unwrap())
        .collect();
    assert_eq!(envs, BTreeSet::from(["dev"]));
    // --kind narrows to kinds.
    let only = findings_json(&env, &["--kind", "expired,expiring"]);
    assert_eq!(
        pairs(&only),
        BTreeSet::from([
            ("cf-gone".to_owned(), "expired".to_owned()),
            ("cf-soon".to_owned(), "expiring".to_owned())
        ])
    );
    // The table says why and what to do.
    let table = env.keyward(&["findings", "--env", "prod"], "");
    table
        .expect_code(0, "the table view works")
        .expect_stdout("why:", "each finding says why")
        .expect_stdout("fix:", "and what to do")
        .expect_stdout("over-privileged", "kinds are labelled");
    env.keyward(&["findings", "--kind", "nonsense"], "")
        .expect_code(1, "an unknown kind is a user error")
        .expect_stderr("unknown finding kind", "it names the problem");
}

#[test]
fn dates_given_at_add_and_import_feed_the_findings() {
    let env = Env::new();
    env.add(
        &random_uuid(),
        &[
            "--provider",
            "postmark",
            "--kind",
            "server_token",
            "--name",
            "old-but-rotated",
            "--env",
            "staging",
            "--purpose",
            "send transactional email",
            "--owner",
            "ana",
            "--created-at",
            &days_ago(400),
            "--last-rotated-at",
            &days_ago(10),
        ],
    );
    env.add(
        &random_uuid(),
        &[
            "--provider",
            "postmark",
            "--kind",
            "server_token",
            "--name",
            "old-staging",
            "--env",
            "staging",
            "--purpose",
            "send transactional email",
            "--owner",
            "ana",
            "--created-at",
            &days_ago(181),
        ],
    );
    let csv = format!(
        "name,provider,kind,environment,purpose,owner,created_at,last_rotated_at,usage,secret\n\
         imported-stale,postmark,server_token,prod,send transactional email,ana,{},{},server,{}\n\
         imported-fresh,postmark,server_token,prod,send transactional email,ana,{},{},,{}\n\
         imported-web,posthog,personal,dev,read insights,ana,{},,mobile,{}\n",
        (Utc::now() - Duration::days(500)).format("%Y-%m-%d"),
        (Utc::now() - Duration::days(91)).format("%Y-%m-%d"),
        random_uuid(),
        (Utc::now() - Duration::days(500)).format("%Y-%m-%d"),
        (Utc::now() - Duration::days(89)).format("%Y-%m-%d"),
        random_uuid(),
        (Utc::now() - Duration::days(3)).format("%Y-%m-%d"),
        posthog_personal_value(),
    );
    let file = env.write_file("keys.csv", &csv);
    env.keyward(&["import", file.to_str().unwrap()], "")
        .expect_code(0, "the CSV is well-formed");
    let list = findings_json(&env, &[]);
    assert!(
        has(&list, "old-staging", "stale"),
        "181 days > staging's 180"
    );
    assert!(
        !has(&list, "old-but-rotated", "stale"),
        "rotated 10 days ago"
    );
    assert!(
        has(&list, "imported-stale", "stale"),
        "rotated 91 days ago in prod"
    );
    assert!(
        !has(&list, "imported-fresh", "stale"),
        "rotated 89 days ago in prod"
    );
    assert!(
        has(&list, "imported-web", "client_exposed"),
        "usage column: mobile"
    );
    let keys = env.list_json();
    let web = keys.iter().find(|k| k["name"] == "imported-web").unwrap();
    assert_eq!(web["usage"], "mobile");

    // A bad usage value is reported by line, and nothing is imported.
    let bad = env.write_file(
        "bad.csv",
        &format!(
            "name,provider,kind,environment,usage,secret\nx,postmark,server_token,dev,browser,{}\n",
            random_uuid()
        ),
    );
    env.keyward(&["import", bad.to_str().unwrap()], "")
        .expect_code(1, "an unknown usage is a user error")
        .expect_stderr("line 2", "the line is named")
        .expect_stderr("usage must be one of", "the choices are given");
    env.keyward(
        &["add", "--name", "y", "--env", "dev", "--usage", "browser"],
        &random_uuid(),
    )
    .expect_code(1, "--usage is checked too");

    // The policy is configurable per environment.
    env.keyward(
        &["findings", "policy", "--env", "staging", "--max-age", "5"],
        "",
    )
    .expect_code(0, "a valid threshold is accepted");
    assert!(
        has(&findings_json(&env, &[]), "old-but-rotated", "stale"),
        "10 days > 5"
    );
    let policy = env.keyward(&["findings", "policy", "--format", "json"], "");
    policy.expect_code(0, "the policy can be shown");
    assert_eq!(policy.json()["environments"]["staging"]["max_age_days"], 5);
    assert_eq!(policy.json()["environments"]["prod"]["max_age_days"], 90);
    env.keyward(
        &["findings", "policy", "--env", "staging", "--max-age", "0"],
        "",
    )
    .expect_code(1, "zero days is refused")
    .expect_stderr("between 1 and", "the range is given");
    env.keyward(&["findings", "policy", "--reset"], "")
        .expect_code(0, "back to defaults");
    assert!(!has(&findings_json(&env, &[]), "old-but-rotated", "stale"));
    assert!(env
        .audit_json(None)
        .iter()
        .any(|e| e["action"] == "settings_changed"
            && e["detail"].as_str().unwrap().contains("findings policy")));
}

#[test]
fn review_fail_on_gates_ci_and_acknowledgements_pass_it() {
    let env = Env::new();
    env.keyward(
        &[
            "review",
            "--fail-on",
            "stale,expired,over-privileged,invalid",
        ],
        "",
    )
    .expect_code(0, "an empty inventory has nothing to fail on");
    let key = env.add(
        &random_uuid(),
        &[
            "--provider",
            "postmark",
            "--kind",
            "server_token",
            "--name",
            "transactional",
            "--env",
            "prod",
            "--purpose",
            "send transactional email",
            "--owner",
            "ana",
            "--created-at",
            &days_ago(95),
        ],
    );
    let id = id_of(&key);
    env.keyward(&["review", "--fail-on", "stale"], "")
        .expect_code(4, "a stale key fails a stale gate")
        .expect_stderr("stale", "the failing kind is named");
    env.keyward(
        &["review", "--fail-on", "expired,invalid,over-privileged"],
        "",
    )
    .expect_code(0, "no finding of those kinds");
    env.keyward(&["review", "--fail-on", "stale,bogus"], "")
        .expect_code(1, "a typo in --fail-on must not pass a gate silently")
        .expect_stderr("unknown finding kind", "it says what is wrong");
    env.keyward(&["review", "--format", "pdf"], "")
        .expect_code(1, "unknown format");

    // Acknowledge: reason required, the date must be in the future and within a year.
    env.keyward(
        &["findings", "ack", "transactional", "stale", "--reason", " "],
        "",
    )
    .expect_code(1, "a reason is required");
    env.keyward(
        &[
            "findings",
            "ack",
            "transactional",
            "stale",
            "--reason",
            "x",
            "--until",
            &days_ago(1),
        ],
        "",
    )
    .expect_code(1, "an end in the past")
    .expect_stderr("past", "says why");
    env.keyward(
        &[
            "findings",
            "ack",
            "transactional",
            "stale",
            "--reason",
            "x",
            "--until",
            &days_ahead(400),
        ],
        "",
    )
    .expect_code(1, "more than a year");
    env.keyward(
        &[
            "findings",
            "ack",
            "nonexistent-key",
            "stale",
            "--reason",
            "x",
        ],
        "",
    )
    .expect_code(1, "an unknown key");
    let until = (Utc::now() + Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    env.keyward(
        &[
            "findings",
            "ack",
            "transactional",
            "stale",
            "--reason",
            "rotating with the Q1 migration",
            "--until",
            &until,
        ],
        "",
    )
    .expect_code(0, "a valid acknowledgement")
    .expect_stdout(&until, "the end date is confirmed");

    env.keyward(&["review", "--fail-on", "stale"], "")
        .expect_code(0, "an acknowledged finding passes the gate");
    let hidden = findings_json(&env, &[]);
    assert!(!has(&hidden, "transactional", "stale"));
    assert_eq!(hidden["acknowledged_hidden"], 1);
    let all = findings_json(&env, &["--all"]);
    let f = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "stale")
        .unwrap();
    assert_eq!(
        f["acknowledgement"]["reason"],
        "rotating with the Q1 migration"
    );
    assert!(f["acknowledgement"]["until"]
        .as_str()
        .unwrap()
        .starts_with(&until));
    let events = env.audit_json(Some(&id));
    let ack = events
        .iter()
        .find(|e| e["action"] == "finding_acknowledged")
        .expect("the acknowledgement is in the audit log");
    assert!(ack["detail"]
        .as_str()
        .unwrap()
        .contains("rotating with the Q1 migration"));
    assert!(ack["detail"].as_str().unwrap().contains(&until));

    // The review lists it as acknowledged.
    let review = env.keyward(&["review", "--format", "json"], "");
    review.expect_code(0, "json review");
    let review = review.json();
    assert_eq!(review["acknowledged"].as_array().unwrap().len(), 1);
    assert_eq!(
        review["overdue_count"], 1,
        "still overdue: acknowledging does not rotate"
    );

    env.keyward(&["findings", "unack", "transactional", "stale"], "")
        .expect_code(0, "withdraw");
    env.keyward(&["review", "--fail-on", "stale"], "")
        .expect_code(4, "the finding is back");
    assert!(env
        .audit_json(Some(&id))
        .iter()
        .any(|e| e["action"] == "finding_unacknowledged"));
}

#[test]
fn review_exports_parse_and_escape_a_hostile_name() {
    let env = Env::new();
    let hostile = "<img src=x onerror=alert(1)> | *x*";
    env.add(
        &random_uuid(),
        &[
            "--provider",
            "postmark",
            "--kind",
            "server_token",
            "--name",
            hostile,
            "--env",
            "prod",
            "--purpose",
            "send transactional email",
            "--owner",
            "\"><script>alert(2)</script>",
            "--created-at",
            &days_ago(120),
        ],
    );
    env.add(
        &postman_value(),
        &[
            "--name",
            "=HYPERLINK(\"http://x\")",
            "--env",
            "dev",
            "--purpose",
            "run in CI",
        ],
    );
    let dir = env.work.path();
    for format in ["md", "json", "csv", "html"] {
        let path = dir.join(format!("review.{format}"));
        env.keyward(
            &[
                "review",
                "--format",
                format,
                "--output",
                path.to_str().unwrap(),
            ],
            "",
        )
        .expect_code(0, "writing the review")
        .expect_stderr("wrote the review", "says where it went");
    }
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("review.{ext}"))).unwrap();

    let json: Value = serde_json::from_str(&read("json")).unwrap();
    assert_eq!(json["key_count"], 2);
    assert_eq!(json["overdue_count"], 1);
    assert!(json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["name"] == hostile));

    let csv_text = read("csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers[..4], ["environment", "provider", "name", "kind"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let hostile_row = rows.iter().find(|r| &r[2] == hostile).unwrap();
    assert_eq!(&hostile_row[11], "overdue");
    assert!(hostile_row[12].contains("stale"));
    assert!(
        rows.iter().any(|r| &r[2] == "'=HYPERLINK(\"http://x\")"),
        "formula defused"
    );

    let html = read("html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<img"), "the name's markup is not markup");
    assert!(!html.contains("<script"), "no script at all");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
    assert!(html.contains("<style>"), "inline CSS");
    assert!(
        !html.contains("<link") && !html.contains("src=\"http"),
        "no remote content"
    );

    let md = read("md");
    assert!(!md.contains("<img") && !md.contains("<script"));
    assert!(md.contains("\\|"), "pipes escaped");

    // To standard output by default (Markdown).
    env.keyward(&["review"], "")
        .expect_code(0, "md to stdout")
        .expect_stdout("# Keyward rotation review", "Markdown by default");
    env.keyward(&["review", "--env", "dev", "--format", "json"], "")
        .expect_code(0, "one environment");
}

#[test]
fn findings_and_reports_never_contain_a_key_value() {
    let env = Env::new();
    let canaries = [
        random_uuid(),
        posthog_personal_value(),
        postman_value(),
        cloudflare_value(),
    ];
    env.add(
        &canaries[0],
        &[
            "--provider",
            "postmark",
            "--kind",
            "account_token",
            "--name",
            "a",
            "--env",
            "prod",
            "--purpose",
            "send transactional email",
            "--created-at",
            &days_ago(300),
        ],
    );
    env.add(
        &canaries[1],
        &[
            "--name",
            "b",
            "--env",
            "prod",
            "--usage",
            "web",
            "--purpose",
            "ingest events",
        ],
    );
    env.add(&canaries[2], &["--name", "c", "--env", "dev"]);
    // The same value twice (reused), through import.
    let csv = format!(
        "name,provider,kind,environment,usage,created_at,secret\n\
         d,cloudflare,account_token,dev,mobile,2020-01-01,{v}\n\
         e,cloudflare,account_token,prod,,2020-01-01,{v}\n",
        v = canaries[3]
    );
    let file = env.write_file("c.csv", &csv);
    env.keyward(&["import", file.to_str().unwrap()], "")
        .expect_code(0, "import");
    env.keyward(
        &[
            "findings",
            "ack",
            "c",
            "incomplete",
            "--reason",
            "ok for now",
        ],
        "",
    )
    .expect_code(0, "ack");

    let mut outputs = Vec::new();
    for args in [
        vec!["findings"],
        vec!["findings", "--all", "--format", "json"],
        vec!["findings", "policy"],
        vec!["review"],
        vec!["review", "--format", "json"],
        vec!["review", "--format", "csv"],
        vec!["review", "--format", "html"],
        vec!["review", "--fail-on", "reused"],
    ] {
        let out = env.keyward(&args, "");
        assert!(matches!(out.code(), 0 | 4), "{}", out.dump());
        outputs.push(out);
    }
    let reused = findings_json(&env, &["--kind", "reused"]);
    assert_eq!(
        reused["findings"].as_array().unwrap().len(),
        2,
        "d and e share a value"
    );
    for canary in &canaries {
        for out in &outputs {
            out.expect_no_value(canary, "findings and reports hold metadata only");
        }
        for file in env.data_files() {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                find_canary(&bytes, canary).is_none(),
                "a key value reached {}",
                file.display()
            );
        }
    }
}
