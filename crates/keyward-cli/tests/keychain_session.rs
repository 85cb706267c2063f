//! Issue 14: one D-Bus connection and one encrypted Secret Service session per process, not
//! one per keychain call. Counted on the test keychain's private bus: every connection gets
//! the next unique name (`:1.N`), so two probes around a command tell how many it opened.

mod support;

use support::*;

/// Connections `args` opened on the keychain's bus (the probes' own two excluded).
fn connections_opened_by(env: &Env, args: &[&str]) -> (u64, Out) {
    let before = env.keychain.connections_accepted().expect("probe the bus");
    let out = env.keyward(args, "");
    let after = env.keychain.connections_accepted().expect("probe the bus");
    (after - before - 1, out)
}

#[test]
fn run_and_doctor_read_every_value_over_one_kept_connection() {
    let env = Env::new();
    let mut values = Vec::new();
    for i in 0..5 {
        let value = format!("kw-{}", random_alnum(30));
        env.add(&value, &["--name", &format!("svc{i}"), "--env", "dev"]);
        values.push(value);
    }
    // `run` checks the keychain (a probe written, read, deleted) and reads five values.
    let out_file = env.work.path().join("env.txt");
    let (opened, out) = connections_opened_by(
        &env,
        &[
            "run",
            "--env",
            "dev",
            "--",
            "sh",
            "-c",
            "env > \"$1\"",
            "sh",
            out_file.to_str().expect("utf-8 path"),
        ],
    );
    out.expect_code(0, "run with five keys");
    let seen = std::fs::read_to_string(&out_file).expect("the child wrote its environment");
    for value in &values {
        assert!(
            seen.contains(value.as_str()),
            "every value reached the child"
        );
    }
    let _ = std::fs::remove_file(&out_file);
    assert_eq!(
        opened, 1,
        "`keyward run` must open one D-Bus connection for all its keychain calls"
    );

    // doctor: the health check plus the listing.
    let (opened, out) = connections_opened_by(&env, &["doctor", "--format", "json"]);
    out.expect_code(0, "doctor is clean");
    assert_eq!(opened, 1, "`keyward doctor` must open one D-Bus connection");
}
