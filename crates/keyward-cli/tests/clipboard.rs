//! `keyward copy`: the value goes to the X clipboard, `copy` returns at once (a detached
//! `__clipboard-hold` serves it), and it is cleared after the timeout only if still ours.
//!
//! Tests that need a display use `$DISPLAY` (scripts/test.sh runs the suite under Xvfb). If it
//! is not set they FAIL when `CI=true` and are skipped with a note otherwise. The clipboard is
//! global to a display, so those tests take a cross-process lock.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use support::*;

/// Short holds keep the suite fast; every hold must have exited when a test ends.
const HOLD_SECS: u64 = 3;

fn env_with_key() -> (Env, String, String) {
    let env = Env::new();
    let value = format!("kw-clip-{}", random_alnum(24));
    let key = env.add(&value, &["--name", "clip", "--env", "dev"]);
    (env, id_of(&key), value)
}

#[test]
fn copy_returns_at_once_and_clears_the_clipboard_after_the_timeout() {
    let Some(display) =
        clipboard_display("copy_returns_at_once_and_clears_the_clipboard_after_the_timeout")
    else {
        return;
    };
    let (env, id, value) = env_with_key();
    let _lock = lock_clipboard(&display);
    let out = env
        .cmd(&["copy", &id, "--timeout", &HOLD_SECS.to_string()])
        .display(&display)
        .run();
    let copied_at = Instant::now();
    out.expect_code(0, "copy with a display")
        .expect_stdout("clipboard", "says where the value went")
        .expect_no_value(&value, "copy never prints the value");
    assert!(
        out.elapsed < Duration::from_secs(HOLD_SECS),
        "copy must return once the value is on the clipboard, not block for the {HOLD_SECS} s hold \
         (took {:?})",
        out.elapsed
    );
    assert_eq!(
        clipboard_text(&display).as_deref(),
        Some(value.as_str()),
        "right after copy the clipboard holds the value"
    );
    assert_eq!(
        env.clipboard_holders().len(),
        1,
        "one detached holder serves the value"
    );

    // Cleared after the timeout (poll: at most timeout + 4 s).
    let deadline = copied_at + Duration::from_secs(HOLD_SECS + 4);
    loop {
        let now = clipboard_text(&display);
        if now.as_deref() != Some(value.as_str()) {
            assert!(
                now.is_none(),
                "the clipboard was cleared, not replaced: {now:?}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the clipboard still holds the value {} s after a {HOLD_SECS} s timeout",
            HOLD_SECS + 4
        );
        thread::sleep(Duration::from_millis(100));
    }
    assert!(
        copied_at.elapsed() >= Duration::from_secs(HOLD_SECS - 1),
        "cleared too early ({:?} after copy, timeout {HOLD_SECS} s)",
        copied_at.elapsed()
    );
    env.wait_for_holders_to_exit(Duration::from_secs(5));
    let events = env.audit_json(Some(&id));
    assert!(
        events.iter().any(|e| e["action"] == "copied"),
        "the copy is audited: {events:?}"
    );
}

#[test]
fn copy_leaves_newer_clipboard_content_alone() {
    let Some(display) = clipboard_display("copy_leaves_newer_clipboard_content_alone") else {
        return;
    };
    let (env, id, value) = env_with_key();
    let _lock = lock_clipboard(&display);
    let out = env
        .cmd(&["copy", &id, "--timeout", &HOLD_SECS.to_string()])
        .display(&display)
        .run();
    out.expect_code(0, "copy with a display");
    assert_eq!(clipboard_text(&display).as_deref(), Some(value.as_str()));

    // The user copies something else before the timeout.
    let other = format!("something the user copied {}", random_alnum(8));
    let owner = OtherClipboardOwner::copy(&display, &other);
    // Past the timeout the holder has looked and left.
    env.wait_for_holders_to_exit(Duration::from_secs(HOLD_SECS + 5));
    assert_eq!(
        clipboard_text(&display).as_deref(),
        Some(other.as_str()),
        "the newer clipboard content must not be cleared"
    );
    drop(owner);
}

#[test]
fn two_copies_in_a_row_each_clear_only_their_own_value() {
    let Some(display) = clipboard_display("two_copies_in_a_row_each_clear_only_their_own_value")
    else {
        return;
    };
    let env = Env::new();
    let first = format!("kw-first-{}", random_alnum(20));
    let second = format!("kw-second-{}", random_alnum(20));
    env.add(&first, &["--name", "first", "--env", "dev"]);
    env.add(&second, &["--name", "second", "--env", "dev"]);
    let _lock = lock_clipboard(&display);
    env.cmd(&["copy", "first", "--timeout", "2"])
        .display(&display)
        .run()
        .expect_code(0, "first copy");
    env.cmd(&["copy", "second", "--timeout", "4"])
        .display(&display)
        .run()
        .expect_code(0, "second copy");
    assert_eq!(
        clipboard_text(&display).as_deref(),
        Some(second.as_str()),
        "the second copy wins"
    );
    // The first holder's timeout passes: it must leave the second value alone.
    thread::sleep(Duration::from_millis(2600));
    assert_eq!(
        clipboard_text(&display).as_deref(),
        Some(second.as_str()),
        "the first copy's timer must not clear the second value"
    );
    env.wait_for_holders_to_exit(Duration::from_secs(8));
    assert_eq!(
        clipboard_text(&display),
        None,
        "the second value is cleared after its own timeout"
    );
}

#[test]
fn copy_without_a_display_fails_clearly_and_prints_no_value() {
    // No display on purpose: the child gets no DISPLAY / WAYLAND_DISPLAY (cleared env).
    let (env, id, value) = env_with_key();
    let out = env.cmd(&["copy", &id, "--timeout", "1"]).run();
    assert_ne!(
        out.code(),
        0,
        "copy without any clipboard must fail\n{}",
        out.dump()
    );
    out.expect_stderr("no clipboard", "the error says there is no clipboard")
        .expect_no_value(&value, "the value is not printed as a fallback");
    env.wait_for_holders_to_exit(Duration::from_secs(5));
}

// Only a copy that reached the clipboard is audited as `copied`.
#[test]
fn failed_copy_is_not_audited_as_copied() {
    let (env, id, _value) = env_with_key();
    let out = env.cmd(&["copy", &id, "--timeout", "1"]).run();
    assert_ne!(out.code(), 0, "copy without a clipboard fails");
    let events = env.audit_json(Some(&id));
    assert!(
        events.iter().all(|e| e["action"] != "copied"),
        "the audit trail says the key was copied although the copy failed: {events:#?}"
    );
}
