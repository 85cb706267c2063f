//! Bad and hostile input: clear errors (exit 1), no value echoed, nothing lost, nothing
//! half-written — neither in the inventory nor in the keychain.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("fixture paths are UTF-8")
}

/// Nothing in the inventory and no key entry in the keychain (reserved accounts allowed).
fn assert_empty(env: &Env, why: &str) {
    let names = env.names();
    assert!(
        names.is_empty(),
        "{why}: the inventory must stay empty, has {names:?}"
    );
    let accounts = env.key_accounts();
    assert!(
        accounts.is_empty(),
        "{why}: the keychain must hold no key entry, has {accounts:?}"
    );
}

#[test]
fn html_name_is_stored_and_listed_verbatim() {
    let env = Env::new();
    let name = "<img src=x onerror=alert(1)>";
    let key = env.add(
        &format!("kw-{}", random_alnum(24)),
        &[
            "--name",
            name,
            "--env",
            "dev",
            "--purpose",
            "<b>bold</b> & \"quotes\"",
        ],
    );
    assert_eq!(str_field(&key, "name"), name);
    let keys = env.list_json();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        str_field(&keys[0], "name"),
        name,
        "JSON carries the name byte for byte"
    );
    assert_eq!(str_field(&keys[0], "purpose"), "<b>bold</b> & \"quotes\"");
    let out = env.keyward(&["list"], "");
    out.expect_code(0, "list")
        .expect_stdout(name, "the table shows the name as typed");
    let out = env.keyward(&["show", name, "--format", "json"], "");
    out.expect_code(0, "the name resolves as typed");
    assert_eq!(id_of(&out.json()["key"]), id_of(&key));
}

#[test]
fn names_with_control_characters_are_rejected_and_nothing_is_written() {
    let env = Env::new();
    for (what, name) in [
        ("an ESC sequence", "evil\u{1b}[31mred"),
        ("a newline", "two\nlines"),
        ("a carriage return", "over\rwrite"),
        ("a NUL-adjacent control", "bell\u{7}"),
    ] {
        let value = format!("kw-{}", random_alnum(24));
        let out = env.keyward(&["add", "--name", name, "--env", "dev"], &value);
        out.expect_code(1, &format!("a name with {what} is a user error"))
            .expect_stderr("control characters", "the error says what is wrong")
            .expect_no_value(&value, "errors never echo the value");
        assert!(
            !out.stderr.contains('\u{1b}') && !out.stdout.contains('\u{1b}'),
            "the raw ESC must not reach the terminal: {:?}",
            out.stderr
        );
    }
    // Control characters in other fields too.
    let out = env.keyward(
        &[
            "add",
            "--name",
            "ok",
            "--env",
            "dev",
            "--purpose",
            "a\u{1b}]0;title\u{7}",
        ],
        "kw-valuevalue01",
    );
    out.expect_code(1, "a purpose with control characters")
        .expect_stderr("purpose", "names the field");
    let out = env.keyward(&["add", "--name", "ok", "--env", "de v"], "kw-valuevalue02");
    out.expect_code(1, "an environment with a space")
        .expect_stderr("environment", "names the field");
    assert_empty(&env, "rejected names");
}

#[test]
fn a_ten_kilobyte_name_is_rejected() {
    let env = Env::new();
    let name = "n".repeat(10 * 1024);
    let value = format!("kw-{}", random_alnum(24));
    let out = env.keyward(&["add", "--name", &name, "--env", "dev"], &value);
    out.expect_code(1, "a 10 kB name is a user error")
        .expect_stderr("at most 256", "the error gives the limit")
        .expect_no_value(&value, "errors never echo the value");
    assert!(
        out.stderr.len() < 2048,
        "the error must not repeat the 10 kB name: {} bytes",
        out.stderr.len()
    );
    // 256 characters is fine (multi-byte characters count as one).
    let ok_name = "é".repeat(256);
    env.add(
        &format!("kw-{}", random_alnum(24)),
        &["--name", &ok_name, "--env", "dev"],
    );
    assert_eq!(env.names(), vec![ok_name]);
}

#[test]
fn unknown_provider_lists_the_known_ones() {
    let env = Env::new();
    let value = format!("kw-{}", random_alnum(24));
    let out = env.keyward(
        &[
            "add",
            "--provider",
            "stripe",
            "--name",
            "pay",
            "--env",
            "dev",
        ],
        &value,
    );
    out.expect_code(1, "an unknown provider is a user error")
        .expect_stderr("stripe", "names the provider asked for")
        .expect_no_value(&value, "errors never echo the value");
    for known in [
        "postmark",
        "postman",
        "posthog",
        "postnomic",
        "postmon",
        "cloudflare",
        "sendgrid",
        "custom",
    ] {
        out.expect_stderr(known, "lists the known providers");
    }
    let out = env.keyward(
        &[
            "add",
            "--provider",
            "posthog",
            "--kind",
            "superuser",
            "--name",
            "x",
            "--env",
            "dev",
        ],
        &format!("phx_{}", random_alnum(44)),
    );
    out.expect_code(1, "an unknown kind")
        .expect_stderr("personal", "lists the provider's kinds");
    assert_empty(&env, "unknown provider/kind");
}

#[test]
fn unusual_postman_key_is_stored_with_a_warning_that_explains_the_shape_without_echoing_it() {
    let env = Env::new();
    // Detection suggests, it never blocks: Postman decides whether a value works.
    for (i, value) in [
        format!("PMAK-{}", random_alnum(30)),
        format!("PMAK-{}-{}", random_hex(24), random_hex(10)),
        format!("pmak{}", random_hex(58)),
    ]
    .iter()
    .enumerate()
    {
        let name = format!("collections {i}");
        let out = env.keyward(
            &[
                "add",
                "--provider",
                "postman",
                "--name",
                &name,
                "--env",
                "dev",
                "--format",
                "json",
            ],
            value,
        );
        out.expect_code(0, "an unusual Postman key is stored")
            .expect_stderr("warning", "says the shape is unusual")
            .expect_stderr("stored anyway", "says it was stored all the same")
            .expect_stderr("PMAK-", "the warning explains the expected shape")
            .expect_stderr("hexadecimal", "the warning explains the expected shape")
            .expect_no_value(value, "the warning must not quote the value");
        // Not even a long piece of it.
        let tail = &value[value.len() - 12..];
        assert!(
            !out.stderr.contains(tail),
            "the warning quotes part of the value ({tail}): {}",
            out.stderr
        );
        assert_eq!(
            env.lookup(&id_of(&out.json())).as_deref(),
            Some(value.as_str())
        );
    }
}

#[test]
fn values_that_cannot_be_keys_are_rejected() {
    let env = Env::new();
    let out = env.keyward(&["add", "--name", "empty", "--env", "dev"], "");
    out.expect_code(1, "empty stdin is a user error")
        .expect_stderr("empty", "says the value is empty");
    let out = env.keyward(&["add", "--name", "blank", "--env", "dev"], "  \n");
    out.expect_code(1, "whitespace only is empty too")
        .expect_stderr("empty", "says the value is empty");
    let value = format!("kw-{}\nkw-{}", random_alnum(12), random_alnum(12));
    let out = env.keyward(&["add", "--name", "two lines", "--env", "dev"], &value);
    out.expect_code(1, "two lines are not a key")
        .expect_stderr("line break", "says why")
        .expect_no_value(&value[..15], "the error must not quote the value");
    let value = format!("kw-{}\u{7}{}", random_alnum(12), random_alnum(12));
    let out = env.keyward(&["add", "--name", "bell", "--env", "dev"], &value);
    out.expect_code(1, "a control character is not in any key")
        .expect_stderr("control", "says why")
        .expect_no_value(&value[..15], "the error must not quote the value");
    let huge = "k".repeat(17 * 1024);
    let out = env.keyward(&["add", "--name", "huge", "--env", "dev"], &huge);
    out.expect_code(1, "a 17 kB value is refused");
    assert!(
        out.stderr.len() < 2048,
        "the error must not repeat the value"
    );
    assert_empty(&env, "rejected values");
    // A trailing newline (echo … | keyward add) is not part of the value.
    let value = format!("kw-{}", random_alnum(24));
    let key = env.add(&format!("{value}\n"), &["--name", "echoed", "--env", "dev"]);
    assert_eq!(
        env.lookup(&id_of(&key)).as_deref(),
        Some(value.as_str()),
        "the newline is trimmed"
    );
}

#[test]
fn malformed_env_file_reports_every_bad_line_and_imports_nothing() {
    let env = Env::new();
    let out = env.keyward(
        &["import", path_str(&fixture("bad.env")), "--env", "dev"],
        "",
    );
    out.expect_code(1, "a .env file with bad lines is a user error");
    for line in ["line 3:", "line 4:", "line 5:", "line 6:"] {
        out.expect_stderr(line, "every bad line is reported with its number");
    }
    for good in ["line 2:", "line 7:"] {
        assert!(
            !out.stderr.contains(good),
            "good lines are not reported ({good}): {}",
            out.stderr
        );
    }
    out.expect_stderr("nothing was imported", "says nothing was imported")
        .expect_no_value("abc123abc123", "values of bad lines are not quoted")
        .expect_no_value(
            "phc_fixtureGoodProjectKey01",
            "values of good lines are not quoted",
        );
    assert_empty(&env, "a bad .env file");
}

#[test]
fn malformed_csv_reports_every_bad_line_and_imports_nothing() {
    let env = Env::new();
    let out = env.keyward(&["import", path_str(&fixture("bad.csv"))], "");
    out.expect_code(1, "a CSV file with bad rows is a user error")
        .expect_stderr("line 3: expected 6 fields, found 4", "too few fields")
        .expect_stderr("line 4:", "unknown provider")
        .expect_stderr("nosuchprovider", "names the unknown provider")
        .expect_stderr("line 5: expected 6 fields, found 7", "too many fields")
        .expect_stderr("nothing was imported", "says nothing was imported");
    // An unusual Postman value is no error (it would be imported with a warning).
    for good in ["line 2:", "line 6:", "line 7:"] {
        assert!(
            !out.stderr.contains(good),
            "good lines are not reported ({good}): {}",
            out.stderr
        );
    }
    for value in [
        "fixture-value-0003",
        "fixture-value-0004",
        "PMAK-notreallyapostmankey",
        "pk_fixture_good_0001",
    ] {
        out.expect_no_value(value, "import errors never quote values");
    }
    assert_empty(&env, "a bad CSV file");
    // Wrong header.
    let file = env.write_file("keys.csv", "label,token\nx,kw-abcdefabcdef\n");
    let out = env.keyward(&["import", path_str(&file), "--env", "dev"], "");
    out.expect_code(1, "a CSV without name/secret columns")
        .expect_stderr("line 1", "the header line");
    assert_empty(&env, "a CSV with a wrong header");
}

#[test]
fn duplicate_name_in_one_environment_is_refused_without_a_stray_keychain_entry() {
    let env = Env::new();
    let first = format!("kw-{}", random_alnum(24));
    let key = env.add(&first, &["--name", "mailer", "--env", "dev"]);
    let second = format!("kw-{}", random_alnum(24));
    let out = env.keyward(&["add", "--name", "mailer", "--env", "dev"], &second);
    out.expect_code(1, "a duplicate name in one environment is a user error")
        .expect_stderr("already exists", "says why")
        .expect_no_value(&second, "errors never echo the value");
    assert_eq!(
        env.key_accounts(),
        vec![id_of(&key)],
        "the refused add left no keychain entry"
    );
    assert_eq!(
        env.lookup(&id_of(&key)).as_deref(),
        Some(first.as_str()),
        "the first value is untouched"
    );
    let (code, report) = env.doctor();
    assert_eq!(code, 0, "doctor: {report}");
    assert_eq!(
        report["orphaned_entries"],
        Value::Array(vec![]),
        "no orphans: {report}"
    );
    // The same name in another environment is fine.
    env.add(
        &format!("kw-{}", random_alnum(24)),
        &["--name", "mailer", "--env", "prod"],
    );
    assert_eq!(env.names(), vec!["mailer", "mailer"]);
}

#[test]
fn bad_flags_are_user_errors() {
    let env = Env::new();
    let out = env.keyward(&["list", "--status", "sleeping"], "");
    out.expect_code(1, "an unknown status")
        .expect_stderr("active", "lists the valid ones");
    let out = env.keyward(&["list", "--format", "xml"], "");
    out.expect_code(1, "an unknown format is a usage error (exit 1)");
    let out = env.keyward(&["add", "--name", "x"], "kw-abcdefabcdef");
    out.expect_code(1, "a missing --env is a usage error");
    let out = env.keyward(&["copy", "nothing", "--timeout", "0"], "");
    out.expect_code(1, "no such key / zero timeout");
    let out = env.keyward(&["import", "/nonexistent/keys.env"], "");
    out.expect_code(1, "a missing import file")
        .expect_stderr("cannot read", "says why");
    assert_empty(&env, "bad flags");
}
