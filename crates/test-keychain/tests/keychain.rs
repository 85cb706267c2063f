//! Tests of the throwaway keychain itself, through the same tools a developer would use
//! (`secret-tool`, `dbus-send`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_keychain::TestKeychain;

fn start() -> TestKeychain {
    assert!(
        test_keychain::available(),
        "missing tools: {:?} (run scripts/setup-system.sh)",
        test_keychain::missing_tools()
    );
    TestKeychain::start().expect("start a throwaway keychain")
}

/// `secret-tool store`, the secret on stdin. Returns (success, stderr).
fn store(kc: &TestKeychain, service: &str, account: &str, secret: &str) -> (bool, String) {
    let mut child = Command::new("secret-tool")
        .args(["store", "--label", "test item", "service", service])
        .args(["username", account])
        .envs(kc.env())
        .env_remove("DISPLAY")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn secret-tool");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(secret.as_bytes()).expect("write secret");
    drop(stdin);
    let out = child.wait_with_output().expect("secret-tool store");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[test]
fn store_lookup_restart_lock_drop() {
    let mut kc = start();
    assert!(kc.bus_address().starts_with("unix:path="));
    assert_eq!(
        kc.env(),
        vec![(
            "DBUS_SESSION_BUS_ADDRESS".to_string(),
            kc.bus_address().to_string()
        )]
    );
    assert!(kc.has_secret_service().expect("NameHasOwner"));
    assert!(!kc.is_locked().expect("Locked"));

    let (ok, err) = store(&kc, "svc", "alice", "s3cret value\nwith newline");
    assert!(ok, "secret-tool store failed: {err}");
    let (ok, err) = store(&kc, "svc", "bob", "two");
    assert!(ok, "secret-tool store failed: {err}");
    let (ok, err) = store(&kc, "other", "carol", "three");
    assert!(ok, "secret-tool store failed: {err}");

    assert_eq!(
        kc.lookup("svc", "alice").expect("lookup").as_deref(),
        Some("s3cret value\nwith newline")
    );
    assert_eq!(kc.lookup("svc", "nobody").expect("lookup"), None);
    assert_eq!(kc.accounts("svc").expect("accounts"), ["alice", "bob"]);
    assert_eq!(kc.accounts("other").expect("accounts"), ["carol"]);
    assert!(kc.accounts("none").expect("accounts").is_empty());

    // Restart: a new process on the same data dir, unlocked again, items kept.
    let old = kc.keyring_pid().expect("keyring pid");
    kc.restart_daemon().expect("restart");
    let new = kc.keyring_pid().expect("keyring pid");
    assert_ne!(old, new);
    assert!(!alive(old), "old gnome-keyring-daemon {old} still there");
    assert_eq!(
        kc.lookup("svc", "bob").expect("lookup").as_deref(),
        Some("two")
    );

    // Locked: secret-tool lookup exits 1 with no output at all, exactly like a missing item;
    // attributes stay searchable; creating an item is refused. Nothing hangs on a prompt.
    kc.lock().expect("lock");
    assert!(kc.is_locked().expect("Locked"));
    let t = Instant::now();
    assert_eq!(kc.lookup("svc", "bob").expect("lookup on locked"), None);
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "lookup on a locked keyring hung"
    );
    let raw = Command::new("secret-tool")
        .args(["lookup", "service", "svc", "username", "bob"])
        .envs(kc.env())
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .output()
        .expect("secret-tool lookup");
    assert_eq!(raw.status.code(), Some(1));
    assert!(raw.stdout.is_empty() && raw.stderr.is_empty(), "{raw:?}");
    assert_eq!(kc.accounts("svc").expect("accounts"), ["alice", "bob"]);
    let (ok, err) = store(&kc, "svc", "dave", "four");
    assert!(!ok);
    assert!(err.contains("locked"), "unexpected store error: {err}");

    // A restart unlocks it again (the daemon is started with --unlock).
    kc.restart_daemon().expect("restart");
    assert_eq!(
        kc.lookup("svc", "bob").expect("lookup").as_deref(),
        Some("two")
    );

    let (bus, keyring) = (
        kc.bus_pid().expect("bus pid"),
        kc.keyring_pid().expect("keyring pid"),
    );
    // The PIDs are the daemons themselves (not a wrapper).
    assert_eq!(comm(bus), "dbus-daemon");
    assert_eq!(comm(keyring), "gnome-keyring-d");
    let dir = kc.dir().to_path_buf();
    drop(kc);
    assert!(!alive(bus), "dbus-daemon {bus} survived drop");
    assert!(
        !alive(keyring),
        "gnome-keyring-daemon {keyring} survived drop"
    );
    assert!(!dir.exists(), "{} not deleted", dir.display());
}

#[test]
fn two_keychains_are_isolated() {
    let a = start();
    let b = start();
    assert_ne!(a.bus_address(), b.bus_address());
    assert!(store(&a, "svc", "alice", "in a").0);
    assert!(store(&b, "svc", "alice", "in b").0);
    assert!(store(&b, "svc", "bob", "only b").0);
    assert_eq!(
        a.lookup("svc", "alice").expect("lookup").as_deref(),
        Some("in a")
    );
    assert_eq!(
        b.lookup("svc", "alice").expect("lookup").as_deref(),
        Some("in b")
    );
    assert_eq!(a.lookup("svc", "bob").expect("lookup"), None);
    assert_eq!(a.accounts("svc").expect("accounts"), ["alice"]);
    assert_eq!(b.accounts("svc").expect("accounts"), ["alice", "bob"]);
    // Locking one leaves the other alone.
    a.lock().expect("lock");
    assert!(!b.is_locked().expect("Locked"));
}

#[test]
fn bus_only_has_no_secret_service() {
    let kc = TestKeychain::bus_only().expect("bus only");
    assert!(kc.keyring_pid().is_none());
    assert!(!kc.has_secret_service().expect("NameHasOwner"));
    // No activation: asking for the service does not start one.
    let err = kc
        .lookup("svc", "alice")
        .expect_err("lookup without a service");
    assert!(!kc.has_secret_service().expect("NameHasOwner"));
    assert!(err.to_string().contains("secret-tool"), "{err}");
}

#[test]
fn stop_daemon_takes_the_keychain_away() {
    let mut kc = start();
    assert!(store(&kc, "svc", "alice", "x").0);
    let pid = kc.keyring_pid().expect("keyring pid");
    kc.stop_daemon().expect("stop");
    assert!(!alive(pid));
    assert!(kc.keyring_pid().is_none());
    assert!(!kc.has_secret_service().expect("NameHasOwner"));
    assert!(kc.lookup("svc", "alice").is_err());
    // Nothing restarted it behind our back (no activation).
    std::thread::sleep(Duration::from_millis(100));
    assert!(!kc.has_secret_service().expect("NameHasOwner"));
    kc.restart_daemon().expect("start again");
    assert_eq!(
        kc.lookup("svc", "alice").expect("lookup").as_deref(),
        Some("x")
    );
}

/// Not a test on its own: the body of `daemons_die_with_a_killed_test_process`.
#[test]
#[ignore = "helper run as a child process by daemons_die_with_a_killed_test_process"]
fn helper_hold_keychain() {
    if std::env::var_os("TEST_KEYCHAIN_HELPER").is_none() {
        return;
    }
    let kc = start();
    println!(
        "PIDS {} {}",
        kc.bus_pid().expect("bus pid"),
        kc.keyring_pid().expect("keyring pid")
    );
    std::io::stdout().flush().expect("flush");
    std::thread::sleep(Duration::from_secs(60));
    drop(kc);
}

#[test]
fn daemons_die_with_a_killed_test_process() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(std::env::current_exe().expect("current exe"))
        .args([
            "helper_hold_keychain",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("TEST_KEYCHAIN_HELPER", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn helper");
    let stdout = child.stdout.take().expect("stdout");
    let mut pids = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read helper output");
        if let Some(rest) = line.strip_prefix("PIDS ") {
            pids = rest
                .split_whitespace()
                .map(|p| p.parse::<u32>().expect("pid"))
                .collect();
            break;
        }
    }
    assert_eq!(pids.len(), 2, "helper printed no PIDs");
    assert!(pids.iter().all(|p| alive(*p)));
    // Orphans come to us rather than to init, so that they can be reaped here (in a container
    // whose init does not reap, they would otherwise linger as zombies).
    nix::sys::prctl::set_child_subreaper(true).expect("PR_SET_CHILD_SUBREAPER");
    child.kill().expect("SIGKILL helper"); // no Drop runs in the helper
    child.wait().expect("reap helper");
    let deadline = Instant::now() + Duration::from_secs(5);
    for pid in pids {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(pid).expect("pid"));
        loop {
            match nix::sys::wait::waitpid(pid, Some(nix::sys::wait::WaitPidFlag::WNOHANG)) {
                Ok(nix::sys::wait::WaitStatus::StillAlive) => {}
                Ok(_) | Err(nix::errno::Errno::ECHILD) => break,
                Err(e) => panic!("waitpid {pid}: {e}"),
            }
            assert!(
                Instant::now() < deadline,
                "daemon {pid} outlived its killed test process"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(pid.as_raw().unsigned_abs()), "{pid} still in /proc");
    }
}

/// Start-up and teardown times, printed (run with --nocapture to see them); not asserted.
#[test]
fn startup_and_teardown_time() {
    let mut starts = Vec::new();
    let mut drops = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let kc = start();
        starts.push(t.elapsed());
        let t = Instant::now();
        drop(kc);
        drops.push(t.elapsed());
    }
    let ms = |v: &[Duration]| {
        v.iter()
            .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
            .join(" ")
    };
    eprintln!(
        "TestKeychain::start() ms: {}; drop ms: {}",
        ms(&starts),
        ms(&drops)
    );
}
