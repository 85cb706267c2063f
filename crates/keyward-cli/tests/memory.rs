#![allow(clippy::unwrap_used)]
//! The memory test (issue 13): what a `keyward` process leaves in its memory once an operation
//! has finished. Each operation runs the real binary - the release build when
//! `KEYWARD_MEMORY_CLI` names it (scripts/test.sh does, after the package test built it),
//! else this build's - against a throwaway keychain and the provider simulator, stops it under
//! ptrace as it exits (after `main` returned, before the kernel frees its memory) and counts
//! each key value in every encoding (`memory_scan::needles`) in all of its readable memory.
//!
//! The goal is zero copies. A control value the process keeps on purpose (in its environment
//! block) must be found every time, and the clipboard holder, which keeps the copied value by
//! design, must hold it: so the test cannot pass by reading the wrong memory.
//!
//! Reading the memory of a non-dumpable process needs root; `make test` runs as root.
//! The counts are written to `$KEYWARD_MEMORY_REPORT` (JSON) when it is set; docs/security.md
//! shows them.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use memory_scan::{Memory, Traced};
use provider_sim::{Seed, Simulator};
use serde_json::{json, Value};
use support::*;

fn binary() -> PathBuf {
    match std::env::var_os("KEYWARD_MEMORY_CLI") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_keyward")),
    }
}

fn require_root() {
    assert!(
        nix_is_root(),
        "the memory test reads /proc/PID/mem of a non-dumpable process: run it as root \
         (make test does)"
    );
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// One operation's findings.
struct Measured {
    operation: &'static str,
    traced: Traced,
}

const CONTROL: &str = "kw-memory-control-kept-in-the-environment-6c2e";

/// Runs `keyward ARGS` traced; the control value rides in its environment.
fn traced(env: &Env, op: &'static str, args: &[&str], stdin: &str) -> Measured {
    traced_cmd(op, env.cmd(args).stdin(stdin), |_| ()).0
}

/// [`traced`] with a display, calling `inspect` at the exit stop.
fn traced_with<T>(
    env: &Env,
    op: &'static str,
    args: &[&str],
    display: Option<&str>,
    inspect: impl FnMut(i32) -> T,
) -> (Measured, T) {
    let mut cmd = env.cmd(args);
    if let Some(d) = display {
        cmd = cmd.display(d);
    }
    traced_cmd(op, cmd, inspect)
}

fn traced_cmd<T>(op: &'static str, cmd: Cmd<'_>, inspect: impl FnMut(i32) -> T) -> (Measured, T) {
    let cmd = cmd.var("KEYWARD_MEMORY_CONTROL", CONTROL);
    let (command, input, label, _) = cmd.build(&binary());
    let (traced, inspected) = memory_scan::run_to_exit_with(&command, &input, inspect)
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    assert!(
        traced.exit.success(),
        "{label} failed ({}): {}",
        traced.exit,
        String::from_utf8_lossy(&traced.stderr)
    );
    let control = traced.memory.copies(CONTROL.as_bytes());
    assert!(
        control.total() >= 1,
        "{label}: the control value in the process's environment was not found in the memory \
         read, so the scan read the wrong memory (or none): {control}"
    );
    // Every operation here handles a key value: its pages were locked (and stay locked).
    let locked_kib: u64 = traced
        .status
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    assert!(
        locked_kib > 0,
        "{label}: no memory locked (VmLck 0 kB): secrets' pages must be mlocked"
    );
    (
        Measured {
            operation: op,
            traced,
        },
        inspected,
    )
}

/// Counts each value in the memory; returns a JSON row for the report.
fn count(m: &Measured, values: &[(&str, &str)]) -> (Value, Vec<String>) {
    let mut row = serde_json::Map::new();
    let mut found = Vec::new();
    for (label, value) in values {
        let copies = m.traced.memory.copies(value.as_bytes());
        if copies.total() > 0 {
            found.push(format!("{label}: {copies}"));
        }
        row.insert((*label).to_owned(), copies.to_json());
    }
    row.insert("memory_bytes".into(), m.traced.memory.bytes().into());
    (json!({ "operation": m.operation, "copies": row }), found)
}

fn report(rows: &[Value]) {
    if let Some(path) = std::env::var_os("KEYWARD_MEMORY_REPORT") {
        let doc = json!({ "binary": binary().display().to_string(), "operations": rows });
        std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    }
    eprintln!("{}", serde_json::to_string_pretty(rows).unwrap());
}

#[test]
fn no_key_value_is_left_in_the_cli_s_memory_after_any_operation() {
    require_root();
    let env = Env::new();
    let sim = Simulator::start(Seed::demo()).expect("start provider-sim on 127.0.0.1");
    let display = clipboard_display("memory test");
    let base = sim.base_url("cloudflare");
    let admin = sim_value(&sim, "cloudflare", "Keyward admin");
    let token = sim_value(&sim, "cloudflare", "DNS edit - prod");
    // A value with the characters the encodings escape.
    let added = format!("kw-memcanary/{}+{}=", random_alnum(24), random_alnum(8));
    let mut rows = Vec::new();
    let mut leaks = Vec::new();
    let mut check = |m: Measured, values: &[(&str, &str)]| {
        let (row, found) = count(&m, values);
        rows.push(row);
        for f in found {
            leaks.push(format!("after `{}`: {f}", m.operation));
        }
    };

    let m = traced(
        &env,
        "connect (admin key on stdin)",
        &["connect", "cloudflare", "--name", "cf", "--base-url", &base],
        &admin,
    );
    check(m, &[("admin key", &admin)]);

    let m = traced(
        &env,
        "add (value on stdin)",
        &[
            "add",
            "--provider",
            "custom",
            "--name",
            "added",
            "--env",
            "dev",
            "--format",
            "json",
        ],
        &added,
    );
    check(m, &[("added key", &added)]);

    let m = traced(
        &env,
        "add linked to a connection",
        &[
            "add",
            "--provider",
            "cloudflare",
            "--kind",
            "user_token",
            "--name",
            "target",
            "--env",
            "prod",
            "--purpose",
            "edit_dns",
            "--connection",
            "cf",
        ],
        &token,
    );
    check(m, &[("token", &token), ("admin key", &admin)]);

    let m = traced(&env, "verify (reveal-free)", &["verify", "target"], "");
    check(m, &[("token", &token), ("admin key", &admin)]);

    let m = traced(&env, "verify --all", &["verify", "--all"], "");
    check(
        m,
        &[
            ("token", &token),
            ("admin key", &admin),
            ("added key", &added),
        ],
    );

    let m = traced(
        &env,
        "run (values to a child)",
        &["run", "--env", "dev", "--", "sh", "-c", "env | grep -c ="],
        "",
    );
    check(m, &[("added key", &added)]);

    if let Some(display) = display.as_deref() {
        // Positive control: the holder keeps the value on purpose until its timeout. It is
        // read while `copy` is stopped at its exit (the holder does not outlive a traced
        // parent's exit for long).
        let (m, holder_copies) = traced_with(
            &env,
            "copy (to the clipboard holder)",
            &["copy", "added", "--timeout", "3"],
            Some(display),
            |_| {
                env.clipboard_holders()
                    .into_iter()
                    .filter_map(|pid| Memory::read(i32::try_from(pid).ok()?).ok())
                    .map(|memory| memory.copies(added.as_bytes()).total())
                    .collect::<Vec<_>>()
            },
        );
        check(m, &[("added key", &added)]);
        assert!(
            holder_copies.len() == 1 && holder_copies[0] >= 1,
            "the clipboard holder keeps the value until its timeout: it must be in its memory, \
             or the scan reads the wrong memory (copies per holder: {holder_copies:?})"
        );
        env.wait_for_holders_to_exit(Duration::from_secs(10));
    }

    // prod defaults to a grace period (create + revoke); none keeps this a roll in place.
    let m = traced(
        &env,
        "rotate (native roll)",
        &["rotate", "target", "--grace", "0"],
        "",
    );
    let new_value = env
        .lookup(&id_of(
            &env.list_json()
                .into_iter()
                .find(|k| str_field(k, "name") == "target")
                .unwrap(),
        ))
        .expect("the rotated value is in the keychain");
    assert_ne!(new_value, token, "the rotation must have changed the value");
    check(
        m,
        &[
            ("old token", &token),
            ("new token", &new_value),
            ("admin key", &admin),
        ],
    );

    report(&rows);
    assert!(
        leaks.is_empty(),
        "key values left in the memory of `{}` after the operation finished:\n{}",
        binary().display(),
        leaks.join("\n")
    );
}

/// The shipped binary hardens itself (the test used to call the function inside the test
/// process, so deleting the call in `main` passed): not dumpable, zero core limit.
#[test]
fn the_shipped_cli_is_not_dumpable_and_has_no_core_limit() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(binary());
    command
        .arg("--version")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.path())
        .current_dir(dir.path());
    let hardening = memory_scan::hardening_at_exit(&command).unwrap();
    assert!(hardening.exit.success(), "keyward --version: {hardening:?}");
    assert_eq!(
        hardening.core_limit,
        ("0".to_owned(), "0".to_owned()),
        "RLIMIT_CORE of the running binary must be 0 0"
    );
    assert!(
        !hardening.dumpable,
        "the running binary did not mark itself non-dumpable"
    );
}
