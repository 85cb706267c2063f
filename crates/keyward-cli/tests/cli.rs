//! The `keyward` binary as a black box against a real (throwaway) gnome-keyring: the round
//! trip, persistence across a keyring restart, `run`, key references and import dry runs.
//! Keychain failures, bad input, canaries and the clipboard have their own files.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// `keyward run --env ENV -- sh -c 'printf %s "$VAR" > FILE'` for each variable; returns what
/// the child saw for each (`None` = unset). The files are deleted again.
fn values_seen_by_run(env: &Env, environment: &str, vars: &[&str]) -> Vec<Option<String>> {
    let mut script = String::new();
    let mut args: Vec<String> = Vec::new();
    for (i, var) in vars.iter().enumerate() {
        let file = env.work.path().join(format!("seen-{i}"));
        // `${VAR+set}` distinguishes unset from empty.
        script.push_str(&format!(
            "if [ \"${{{var}+set}}\" = set ]; then printf %s \"${var}\" > \"${n}\"; fi; ",
            n = i + 1
        ));
        args.push(path_str(&file).to_owned());
    }
    let mut full = vec![
        "run",
        "--env",
        environment,
        "--",
        "sh",
        "-c",
        script.as_str(),
        "sh",
    ];
    full.extend(args.iter().map(String::as_str));
    let out = env.keyward(&full, "");
    out.expect_code(
        0,
        "the child script exits 0, and `run` passes its exit code on",
    );
    args.iter()
        .map(|file| {
            let seen = std::fs::read_to_string(file).ok();
            let _ = std::fs::remove_file(file);
            seen
        })
        .collect()
}

#[test]
fn round_trip_add_lookup_list_show_copy_remove() {
    let env = Env::new();
    let value = format!("phx_{}", random_alnum(44));
    let key = env.add(
        &value,
        &[
            "--provider",
            "posthog",
            "--name",
            "Ingest events",
            "--env",
            "staging",
            "--purpose",
            "read analytics dashboards",
            "--owner",
            "alice",
            "--tag",
            "web",
        ],
    );
    let id = id_of(&key);
    assert_eq!(str_field(&key, "provider"), "posthog");
    assert_eq!(
        str_field(&key, "kind"),
        "personal",
        "a phx_ key is a PostHog personal key"
    );
    let hint = str_field(&key, "masked_hint").to_owned();
    assert_eq!(
        hint,
        format!("phx_…{}", &value[value.len() - 4..]),
        "masked hint = prefix + last 4"
    );

    // The value is in the OS keychain under service dev.keyward.app, account = the UUID, as
    // another Secret Service client (secret-tool) sees it.
    assert_eq!(
        env.lookup(&id).as_deref(),
        Some(value.as_str()),
        "secret-tool must find the value under service {SERVICE}, account {id}"
    );
    assert_eq!(
        env.key_accounts(),
        vec![id.clone()],
        "exactly one keychain entry per key"
    );

    // A second key in another environment and purpose, to see the grouping.
    let blog = env.add(
        &format!("pk_{}", random_alnum(24)),
        &[
            "--provider",
            "postnomic",
            "--name",
            "blog reader",
            "--env",
            "dev",
            "--purpose",
            "read blog content",
        ],
    );

    // list (table): grouped by environment (in the environments' order), then purpose.
    let out = env.keyward(&["list"], "");
    out.expect_code(0, "list must work")
        .expect_no_value(&value, "list never shows values");
    let rows = parse_table(&out.stdout);
    let ingest = rows
        .iter()
        .find(|r| r.cells.first().map(String::as_str) == Some("Ingest events"))
        .unwrap_or_else(|| panic!("the table must list 'Ingest events':\n{}", out.stdout));
    assert_eq!(
        ingest.environment, "staging",
        "grouped under its environment:\n{}",
        out.stdout
    );
    assert_eq!(
        ingest.purpose, "read analytics dashboards",
        "then under its purpose:\n{}",
        out.stdout
    );
    assert!(
        ingest.cells.contains(&"posthog/personal".to_owned()),
        "{:?}",
        ingest.cells
    );
    assert!(
        ingest.cells.contains(&hint),
        "the row shows the masked hint: {:?}",
        ingest.cells
    );
    assert!(
        ingest.cells.contains(&id[..8].to_owned()),
        "the row shows the short id: {:?}",
        ingest.cells
    );
    let blog_row = rows
        .iter()
        .position(|r| r.cells.first().map(String::as_str) == Some("blog reader"))
        .unwrap_or_else(|| panic!("the table must list 'blog reader':\n{}", out.stdout));
    assert_eq!(rows[blog_row].environment, "dev");
    let ingest_row = rows.iter().position(|r| r == ingest).expect("row index");
    assert!(
        blog_row < ingest_row,
        "dev comes before staging (default order):\n{}",
        out.stdout
    );

    // list --format json: an array of key objects, snake_case fields, no value.
    let out = env.keyward(&["list", "--format", "json"], "");
    out.expect_code(0, "list json")
        .expect_no_value(&value, "JSON never carries the value");
    let items = match out.json() {
        Value::Array(items) => items,
        other => panic!("list --format json must be an array, got {other}"),
    };
    assert_eq!(items.len(), 2);
    for item in &items {
        let obj = item.as_object().expect("each key is a JSON object");
        for field in obj.keys() {
            assert!(
                field
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "field {field:?} is not snake_case"
            );
            assert!(
                !matches!(field.as_str(), "secret" | "value" | "password" | "token"),
                "a key object must not have a {field:?} field"
            );
        }
        for field in [
            "id",
            "provider",
            "kind",
            "name",
            "environment",
            "purpose",
            "owner",
            "tags",
            "scopes",
            "remote_id",
            "created_at",
            "last_rotated_at",
            "last_used_at",
            "last_verified_at",
            "expires_at",
            "status",
            // The one state shown (issue 16).
            "state",
            "fingerprint",
            "masked_hint",
        ] {
            assert!(
                obj.contains_key(field),
                "key objects need the field {field:?}: {item}"
            );
        }
    }
    let json_key = items
        .iter()
        .find(|k| id_of(k) == id)
        .expect("the key in the JSON list");
    assert_eq!(str_field(json_key, "environment"), "staging");
    assert_eq!(str_field(json_key, "owner"), "alice");
    assert_eq!(json_key["tags"], serde_json::json!(["web"]));

    // list --format csv parses, one record per key, the same ids.
    let out = env.keyward(&["list", "--format", "csv"], "");
    out.expect_code(0, "list csv")
        .expect_no_value(&value, "CSV never carries the value");
    let mut reader = csv::Reader::from_reader(out.stdout.as_bytes());
    let headers = reader.headers().expect("CSV header").clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("CSV header lacks {name:?}: {headers:?}"))
    };
    let (c_id, c_name, c_env) = (col("id"), col("name"), col("environment"));
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("every CSV record parses");
    assert_eq!(records.len(), 2, "{}", out.stdout);
    let rec = records
        .iter()
        .find(|r| &r[c_id] == id.as_str())
        .expect("the key's CSV record");
    assert_eq!((&rec[c_name], &rec[c_env]), ("Ingest events", "staging"));

    // show, by unique name: metadata, and "in keychain: yes".
    let out = env.keyward(&["show", "Ingest events"], "");
    out.expect_code(0, "show by unique name")
        .expect_stdout(&id, "show prints the id")
        .expect_no_value(&value, "show never prints the value");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("in keychain") && l.trim_end().ends_with("yes")),
        "show must say the value is in the keychain:\n{}",
        out.stdout
    );
    let out = env.keyward(&["show", &id, "--format", "json"], "");
    out.expect_code(0, "show json")
        .expect_no_value(&value, "show json never carries the value");
    let detail = out.json();
    assert_eq!(detail["secret_present"], Value::Bool(true), "{detail}");
    assert_eq!(id_of(&detail["key"]), id);

    // The value reaches a child of `run` (the keychain answers keyward, not only secret-tool).
    let seen = values_seen_by_run(&env, "staging", &["POSTHOG_INGEST_EVENTS"]);
    assert_eq!(
        seen,
        vec![Some(value.clone())],
        "`run` passes the stored value"
    );

    // copy (needs an X display; see clipboard.rs for the details).
    let mut copied = false;
    if let Some(display) = clipboard_display("round_trip copy") {
        let _lock = lock_clipboard(&display);
        let out = env
            .cmd(&["copy", &id, "--timeout", "1"])
            .display(&display)
            .run();
        out.expect_code(0, "copy with a display")
            .expect_no_value(&value, "copy prints no value");
        assert_eq!(
            clipboard_text(&display).as_deref(),
            Some(value.as_str()),
            "the clipboard holds the value"
        );
        env.wait_for_holders_to_exit(Duration::from_secs(8));
        copied = true;
    }

    // rm without --yes and without a terminal refuses, and changes nothing.
    let out = env.keyward(&["rm", &id], "");
    out.expect_code(1, "rm needs --yes when there is no terminal to ask on")
        .expect_stderr("--yes", "the error says how to confirm");
    assert_eq!(
        env.lookup(&id).as_deref(),
        Some(value.as_str()),
        "a refused rm keeps the value"
    );

    // rm --yes: gone from the keychain and from the inventory.
    let out = env.keyward(&["rm", "--yes", &id[..8]], "");
    out.expect_code(0, "rm --yes by id prefix")
        .expect_no_value(&value, "rm prints no value");
    assert_eq!(env.lookup(&id), None, "rm must delete the keychain entry");
    assert!(
        !env.key_accounts().contains(&id),
        "no keychain entry left for {id}"
    );
    assert_eq!(
        env.names(),
        vec!["blog reader".to_owned()],
        "rm removes the record"
    );
    let out = env.keyward(&["show", &id], "");
    out.expect_code(1, "a removed key is not found");

    // audit: created, (copied), removed — and never the value, in any format.
    let events = env.audit_json(None);
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e["key_id"].as_str() == Some(id.as_str()))
        .map(|e| str_field(e, "action"))
        .collect();
    for wanted in ["created", "removed"] {
        assert!(
            actions.contains(&wanted),
            "audit must record {wanted:?} for the key: {actions:?}"
        );
    }
    if copied {
        assert!(
            actions.contains(&"copied"),
            "audit must record the copy: {actions:?}"
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e["key_name"].as_str() == Some("Ingest events") && e["action"] == "removed"),
        "the audit trail keeps the removed key's name"
    );
    assert!(blog.get("id").is_some());
    for format in ["table", "json", "csv"] {
        let out = env.keyward(&["audit", "--format", format], "");
        out.expect_code(0, "audit")
            .expect_no_value(&value, "audit never carries values");
        if format != "json" {
            out.expect_stdout("removed", "the table and CSV show the removal");
        }
    }
}

#[test]
fn value_survives_a_restart_of_the_keyring_daemon() {
    let mut env = Env::new();
    let value = random_uuid();
    let key = env.add(
        &value,
        &[
            "--provider",
            "postmark",
            "--kind",
            "server_token",
            "--name",
            "transactional",
            "--env",
            "prod",
        ],
    );
    let id = id_of(&key);
    let before = env.keychain.keyring_pid().expect("keyring running");
    env.keychain
        .restart_daemon()
        .expect("restart gnome-keyring on the same data");
    let after = env.keychain.keyring_pid().expect("keyring running again");
    assert_ne!(before, after, "a new keyring process");

    assert_eq!(
        env.lookup(&id).as_deref(),
        Some(value.as_str()),
        "the keyring kept the value"
    );

    let out = env.keyward(&["show", "transactional"], "");
    out.expect_code(0, "show after restart")
        .expect_no_value(&value, "show prints no value");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("in keychain") && l.trim_end().ends_with("yes")),
        "show must find the value in the restarted keychain:\n{}",
        out.stdout
    );

    let (code, report) = env.doctor();
    assert_eq!(code, 0, "doctor after restart must be healthy: {report}");
    assert_eq!(report["keychain"]["state"], "ok", "{report}");
    assert_eq!(report["consistency_checked"], Value::Bool(true), "{report}");
    assert_eq!(report["missing_secrets"], serde_json::json!([]), "{report}");
    assert_eq!(
        report["orphaned_entries"],
        serde_json::json!([]),
        "{report}"
    );
    let out = env.keyward(&["doctor"], "");
    out.expect_code(0, "doctor (table)")
        .expect_stdout("consistency   ok", "doctor reports consistency ok");

    let seen = values_seen_by_run(&env, "prod", &["POSTMARK_TRANSACTIONAL"]);
    assert_eq!(
        seen,
        vec![Some(value.clone())],
        "`run` reads the value from the restarted keyring"
    );

    if let Some(display) = clipboard_display("persistence copy") {
        let _lock = lock_clipboard(&display);
        let out = env
            .cmd(&["copy", "transactional", "--timeout", "1"])
            .display(&display)
            .run();
        out.expect_code(0, "copy after restart");
        assert_eq!(clipboard_text(&display).as_deref(), Some(value.as_str()));
        env.wait_for_holders_to_exit(Duration::from_secs(8));
    }
}

#[test]
fn run_passes_an_environments_keys_and_the_childs_exit_code() {
    let env = Env::new();
    let ingest = format!("phx_{}", random_alnum(45));
    env.add(
        &ingest,
        &[
            "--name",
            "Ingest events",
            "--env",
            "dev",
            "--purpose",
            "ingest events",
        ],
    );
    let custom = format!("kw-{}", random_alnum(30));
    env.add(
        &custom,
        &[
            "--name",
            "mailer",
            "--env",
            "dev",
            "--env-var",
            "MAILER_API_KEY",
        ],
    );
    let prod = random_uuid();
    env.add(
        &prod,
        &[
            "--provider",
            "postmark",
            "--kind",
            "server_token",
            "--name",
            "mail",
            "--env",
            "prod",
        ],
    );
    // An imported .env key keeps its variable name.
    let out = env.keyward(
        &["import", path_str(&fixture("good.env")), "--env", "dev"],
        "",
    );
    out.expect_code(0, "importing the good .env fixture");

    let seen = values_seen_by_run(
        &env,
        "dev",
        &[
            "POSTHOG_INGEST_EVENTS",
            "MAILER_API_KEY",
            "POSTHOG_PERSONAL_KEY",
            "POSTMARK_SERVER_TOKEN",
            "ACME_TOKEN",
            "POSTMARK_MAIL",
        ],
    );
    assert_eq!(
        seen[0].as_deref(),
        Some(ingest.as_str()),
        "default name from provider + name"
    );
    assert_eq!(
        seen[1].as_deref(),
        Some(custom.as_str()),
        "--env-var sets the name"
    );
    assert_eq!(
        seen[2].as_deref(),
        Some("phx_FixturePersonalKey00000000000000000000000000"),
        "an imported key keeps its .env variable name"
    );
    assert_eq!(
        seen[3].as_deref(),
        Some("0f8e2b1c-3d4a-4b5c-8d6e-7f8091a2b3c4"),
        "export + double quotes"
    );
    assert_eq!(
        seen[4].as_deref(),
        Some("acme-fixture-token-0001"),
        "the trailing comment is not part of the value"
    );
    assert_eq!(seen[5], None, "a prod key must not be passed to a dev run");

    // The child's exit code comes back; a signal becomes 128 + n.
    let out = env.keyward(&["run", "--env", "dev", "--", "sh", "-c", "exit 7"], "");
    out.expect_code(7, "run passes the child's exit code on");
    let out = env.keyward(
        &["run", "--env", "dev", "--", "sh", "-c", "kill -TERM $$"],
        "",
    );
    out.expect_code(143, "a child killed by SIGTERM gives 128 + 15");

    // Unknown environment: a user error, and the command is not run.
    let marker = env.work.path().join("ran");
    let out = env.keyward(
        &[
            "run",
            "--env",
            "qa",
            "--",
            "sh",
            "-c",
            "touch \"$1\"",
            "sh",
            path_str(&marker),
        ],
        "",
    );
    out.expect_code(1, "an environment without keys is a user error")
        .expect_stderr("qa", "the error names it");
    assert!(
        !marker.exists(),
        "the command must not run when the environment is unknown"
    );
    // A command that does not exist.
    let out = env.keyward(
        &["run", "--env", "dev", "--", "/nonexistent/keyward-test-cmd"],
        "",
    );
    out.expect_code(1, "a missing program is a user error")
        .expect_stderr("cannot run", "says what failed");
    for v in [&ingest, &custom, &prod] {
        out.expect_no_value(v, "errors of run never print values");
    }
}

/// `keyward run --env ENV [ARGS…] -- sh -c 'env > FILE'`: the child's whole environment.
fn child_environment(env: &Env, run_args: &[&str]) -> (Out, String) {
    let file = env.work.path().join("child-env");
    let _ = std::fs::remove_file(&file);
    let mut full = vec!["run"];
    full.extend_from_slice(run_args);
    full.extend_from_slice(&["--", "sh", "-c", "env > \"$1\"", "sh", path_str(&file)]);
    let out = env.keyward(&full, "");
    let seen = std::fs::read_to_string(&file).unwrap_or_default();
    (out, seen)
}

#[test]
fn run_withholds_connection_admin_keys_unless_named() {
    // Hole 2 of issue 13: `connect` files the admin key (Cloudflare "API Tokens Write",
    // Postmark account token) under prod, and `run --env prod` handed it to any program.
    let env = Env::new();
    let service = random_uuid();
    env.add(
        &service,
        &[
            "--provider",
            "postmark",
            "--kind",
            "server_token",
            "--name",
            "mail",
            "--env",
            "prod",
        ],
    );
    let admin = format!("kw-canary-admin-{}", random_alnum(24));
    env.keyward(
        &[
            "connect",
            "postmark",
            "--name",
            "pm",
            "--base-url",
            "http://127.0.0.1:9",
            "--no-test",
        ],
        &admin,
    )
    .expect_code(
        0,
        "connect stores the admin key without asking the provider",
    );

    let (out, seen) = child_environment(&env, &["--env", "prod"]);
    out.expect_code(0, "run with the service keys");
    assert!(
        seen.contains(&service),
        "the ordinary prod key is passed:\n{seen}"
    );
    assert!(
        !seen.contains(&admin),
        "a connection admin key must not reach the child unless named"
    );
    out.expect_stderr(
        "left out 1 connection admin key (pm (admin))",
        "says what it left out",
    )
    .expect_stderr("--with", "and how to include it")
    .expect_no_value(&admin, "run never prints a value");
    let keys = env.list_json();
    let admin_id = keys
        .iter()
        .find(|k| k["name"] == "pm (admin)")
        .map(id_of)
        .expect("the admin key is in the inventory");
    assert!(
        env.audit_json(Some(&admin_id))
            .iter()
            .all(|e| !str_field(e, "detail").contains("keyward run")),
        "a withheld admin key is not read, so no use is recorded"
    );

    // Named explicitly (by name, or by id prefix), it is passed.
    for reference in ["pm (admin)", &admin_id[..8]] {
        let (out, seen) = child_environment(&env, &["--env", "prod", "--with", reference]);
        out.expect_code(0, "run --with an admin key");
        assert!(
            seen.contains(&admin),
            "--with {reference} passes the admin key"
        );
        assert!(seen.contains(&service), "with the service keys");
        assert!(
            !out.stderr.contains("left out"),
            "nothing is left out:\n{}",
            out.dump()
        );
    }
    // A --with that names nothing is an error, and the command does not run.
    let (out, seen) = child_environment(&env, &["--env", "prod", "--with", "nope"]);
    out.expect_code(1, "--with names no key")
        .expect_stderr("nope", "the error names the reference");
    assert!(seen.is_empty(), "the command must not run");

    // The role is listed: JSON, CSV and the table.
    let role = |keys: &[Value], name: &str| {
        keys.iter()
            .find(|k| k["name"] == name)
            .map(|k| k["role"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(role(&keys, "pm (admin)"), "connection_admin");
    assert_eq!(role(&keys, "mail"), "service");
    let csv = env.keyward(&["list", "--format", "csv"], "");
    csv.expect_code(0, "list csv");
    let mut lines = csv.stdout.lines();
    assert!(
        lines.next().unwrap_or("").ends_with(",role"),
        "csv has a role column"
    );
    assert!(
        lines.any(|l| l.contains("pm (admin)") && l.ends_with(",connection_admin")),
        "the admin key's row says its role:\n{}",
        csv.stdout
    );
    let table = env.keyward(&["list"], "");
    table.expect_code(0, "list");
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.contains("pm (admin)") && l.contains("connection admin")),
        "the table shows the role:\n{}",
        table.stdout
    );

    // The review lists it apart.
    let review = env.keyward(&["review", "--format", "md"], "");
    review.expect_code(0, "review");
    let section = review
        .stdout
        .split("## Connection admin keys")
        .nth(1)
        .unwrap_or_default();
    assert!(
        section
            .split("\n## ")
            .next()
            .unwrap_or("")
            .contains("pm (admin)"),
        "the review has a section for connection admin keys:\n{}",
        review.stdout
    );

    // Removing the connection leaves the token as powerful as before: still withheld.
    env.keyward(&["disconnect", "pm"], "")
        .expect_code(0, "disconnect");
    let (out, seen) = child_environment(&env, &["--env", "prod"]);
    out.expect_code(0, "run after disconnect");
    assert!(!seen.contains(&admin), "still withheld after disconnect");
    assert_eq!(role(&env.list_json(), "pm (admin)"), "connection_admin");
}

#[test]
fn show_resolves_id_prefix_and_unique_name_and_rejects_ambiguous_names() {
    let env = Env::new();
    let a = env.add(
        &format!("kw-{}", random_alnum(24)),
        &["--name", "shared", "--env", "dev"],
    );
    let b = env.add(
        &format!("kw-{}", random_alnum(24)),
        &["--name", "shared", "--env", "prod"],
    );
    let c = env.add(
        &format!("kw-{}", random_alnum(24)),
        &["--name", "only-one", "--env", "dev"],
    );
    let (a, b, c) = (id_of(&a), id_of(&b), id_of(&c));

    let out = env.keyward(&["show", &c[..8], "--format", "json"], "");
    out.expect_code(0, "show by 8-character id prefix");
    assert_eq!(id_of(&out.json()["key"]), c);
    let out = env.keyward(&["show", "only-one", "--format", "json"], "");
    out.expect_code(0, "show by unique name");
    assert_eq!(id_of(&out.json()["key"]), c);
    let out = env.keyward(&["show", &a, "--format", "json"], "");
    out.expect_code(0, "show by full id");
    assert_eq!(id_of(&out.json()["key"]), a);

    let out = env.keyward(&["show", "shared"], "");
    out.expect_code(1, "a name used in two environments is ambiguous")
        .expect_stderr("dev", "the error lists the candidate in dev")
        .expect_stderr("prod", "and the one in prod")
        .expect_stderr(&a[..8], "with their ids")
        .expect_stderr(&b[..8], "with their ids");
    let out = env.keyward(&["rm", "--yes", "shared"], "");
    out.expect_code(1, "rm of an ambiguous name removes nothing");
    assert_eq!(env.names(), vec!["only-one", "shared", "shared"]);

    let out = env.keyward(&["show", "no-such-key"], "");
    out.expect_code(1, "an unknown key is a user error")
        .expect_stderr("no key matches", "says so");
}

#[test]
fn import_dry_run_writes_nothing_then_import_stores_every_value() {
    let env = Env::new();
    let file = fixture("good.env");
    for format in ["table", "json"] {
        let out = env.keyward(
            &[
                "import",
                path_str(&file),
                "--env",
                "dev",
                "--dry-run",
                "--format",
                format,
            ],
            "",
        );
        out.expect_code(0, "a dry run of a good file succeeds")
            .expect_stdout("POSTHOG_PERSONAL_KEY", "the preview lists the keys")
            .expect_no_value(
                "phx_FixturePersonalKey00000000000000000000000000",
                "previews show no values",
            );
        if format == "table" {
            out.expect_stdout("nothing was written", "the dry run says so");
        } else {
            assert_eq!(
                out.json().as_array().map(Vec::len),
                Some(4),
                "four keys in the preview"
            );
        }
    }
    assert!(env.list_json().is_empty(), "a dry run must not add records");
    assert!(
        env.key_accounts().is_empty(),
        "a dry run must not write to the keychain"
    );
    assert!(
        env.audit_json(None)
            .iter()
            .all(|e| e["action"] != "imported"),
        "a dry run must not write audit events"
    );

    let out = env.keyward(&["import", path_str(&file), "--env", "dev"], "");
    out.expect_code(0, "the real import")
        .expect_stdout("Imported 4 keys", "reports the count");
    let keys = env.list_json();
    assert_eq!(keys.len(), 4);
    let expected = [
        (
            "POSTHOG_PERSONAL_KEY",
            "posthog",
            "phx_FixturePersonalKey00000000000000000000000000",
        ),
        (
            "POSTMARK_SERVER_TOKEN",
            "postmark",
            "0f8e2b1c-3d4a-4b5c-8d6e-7f8091a2b3c4",
        ),
        ("BLOG_CONTENT_KEY", "postnomic", "pk_fixture_blog_0001"),
        ("ACME_TOKEN", "custom", "acme-fixture-token-0001"),
    ];
    for (name, provider, value) in expected {
        let k = keys
            .iter()
            .find(|k| str_field(k, "name") == name)
            .unwrap_or_else(|| panic!("{name} was imported"));
        assert_eq!(
            str_field(k, "provider"),
            provider,
            "{name}'s provider is detected"
        );
        assert_eq!(
            env.lookup(&id_of(k)).as_deref(),
            Some(value),
            "{name}'s value is in the keychain"
        );
    }
    assert_eq!(
        env.key_accounts().len(),
        4,
        "one keychain entry per imported key"
    );
    // Importing the same file again clashes with every name: nothing is half-imported.
    let out = env.keyward(&["import", path_str(&file), "--env", "dev"], "");
    out.expect_code(1, "re-importing existing names is refused")
        .expect_stderr("line 2", "each clashing line is reported")
        .expect_stderr("line 6", "each clashing line is reported");
    assert_eq!(env.list_json().len(), 4);
    assert_eq!(
        env.key_accounts().len(),
        4,
        "no stray keychain entries from a refused import"
    );
}

/// Issue 16: a project's `.env` holds configuration beside its keys. `import` leaves the
/// configuration out by default, says which lines and why, and `--include-config` takes them.
#[test]
fn import_leaves_configuration_lines_out_unless_asked() {
    let env = Env::new();
    let posthog = format!("phx_{}", random_alnum(43));
    let payments = random_alnum(32);
    let file = env.write_file(
        ".env",
        &format!(
            "APP_NAME=keyward-demo\nDEBUG=true\nPORT=3000\nLOG_LEVEL=info\n\
             DATABASE_URL=postgres://db.internal:5432/app\nPOSTHOG_KEY={posthog}\n\
             PAYMENTS_SECRET={payments}\n"
        ),
    );
    let out = env.keyward(&["import", path_str(&file)], "");
    out.expect_code(0, "importing a mixed .env");
    for (line, name, why) in [
        (1, "APP_NAME", "plain word"),
        (2, "DEBUG", "yes/no"),
        (3, "PORT", "number"),
        (4, "LOG_LEVEL", "log level"),
        (5, "DATABASE_URL", "URL without credentials"),
    ] {
        out.expect_stderr(
            &format!("left out line {line}: {name} (a {why}"),
            "each configuration line is named, with its reason",
        );
    }
    out.expect_stderr("--include-config", "says how to import them anyway")
        .expect_no_value(&payments, "no value is quoted")
        .expect_no_value(&posthog, "no value is quoted");
    let mut names = env.names();
    names.sort();
    assert_eq!(
        names,
        ["PAYMENTS_SECRET", "POSTHOG_KEY"],
        "only the keys are imported"
    );

    // --include-config takes every line (into another environment: the names are taken).
    let out = env.keyward(
        &[
            "import",
            path_str(&file),
            "--include-config",
            "--env",
            "staging",
        ],
        "",
    );
    out.expect_code(0, "importing with --include-config");
    assert!(
        !out.stderr.contains("left out"),
        "nothing is left out: {}",
        out.stderr
    );
    assert_eq!(env.names().len(), 2 + 7, "all seven lines imported");

    // Configuration lines that clash with existing keys do not block the default import.
    let out = env.keyward(
        &["import", path_str(&file), "--env", "staging", "--dry-run"],
        "",
    );
    out.expect_code(1, "the two keys exist in staging already");
    assert!(
        !out.stderr.contains("'DEBUG' already exists"),
        "a clash on a line left out does not matter: {}",
        out.stderr
    );
}
