//! Test support for the black-box tests of the `keyward` binary: a private keychain
//! ([`TestKeychain`]), a private data dir and home per test, a command runner with a timeout
//! guard, canary search helpers and clipboard helpers.
//!
//! Nothing here changes the test process's own environment: every `keyward` child gets a
//! cleared environment with only what the test gives it, so tests can run as threads
//! (`cargo test`) or as processes (`cargo nextest`).

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;
use test_keychain::TestKeychain;

/// The keychain service Keyward stores its secrets under (account = the key's UUID).
pub const SERVICE: &str = "dev.keyward.app";
/// Accounts Keyward keeps next to the keys; never key records.
pub const RESERVED_ACCOUNTS: [&str; 3] = [
    "keyward.fingerprint-key",
    "keyward.health-probe",
    "keyward.team-password",
];
/// Default guard: no single `keyward` command may take longer than this.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// One test's world: its own keychain (private bus + gnome-keyring), data dir and home.
pub struct Env {
    pub keychain: TestKeychain,
    /// `KEYWARD_DATA_DIR` of every command (database, WAL, logs).
    pub data: TempDir,
    /// `HOME` of every command, so nothing can fall back to the real home.
    pub home: TempDir,
    /// Scratch space for the test's own files (import files, outputs of `run` children).
    pub work: TempDir,
    /// Overrides `DBUS_SESSION_BUS_ADDRESS` (e.g. a socket that does not exist).
    bus_override: Option<String>,
}

fn tempdir(prefix: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("create a temp dir for the test")
}

fn require_tools() {
    assert!(
        test_keychain::available(),
        "these tests need a real Secret Service; not on PATH: {:?} \
         (install gnome-keyring dbus libsecret-tools, e.g. scripts/setup-system.sh)",
        test_keychain::missing_tools()
    );
}

impl Env {
    /// A private, unlocked keychain and empty data dir.
    pub fn new() -> Env {
        require_tools();
        let keychain = TestKeychain::start().expect("start a throwaway gnome-keyring");
        Env::with_keychain(keychain)
    }

    /// A private bus with NO Secret Service on it.
    pub fn without_secret_service() -> Env {
        require_tools();
        let keychain = TestKeychain::bus_only().expect("start a private D-Bus (no keyring)");
        Env::with_keychain(keychain)
    }

    fn with_keychain(keychain: TestKeychain) -> Env {
        Env {
            keychain,
            data: tempdir("keyward-data-"),
            home: tempdir("keyward-home-"),
            work: tempdir("keyward-work-"),
            bus_override: None,
        }
    }

    /// Points every later command at this bus address instead of the keychain's bus.
    pub fn set_bus_address(&mut self, address: impl Into<String>) {
        self.bus_override = Some(address.into());
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    pub fn db_path(&self) -> PathBuf {
        self.data.path().join("keyward.db")
    }

    /// A command builder: `env.cmd(&["list"]).stdin("…").run()`.
    pub fn cmd(&self, args: &[&str]) -> Cmd<'_> {
        Cmd {
            env: self,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            stdin: Vec::new(),
            vars: Vec::new(),
            display: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Runs `keyward ARGS` with `stdin` on standard input (no display).
    pub fn keyward(&self, args: &[&str], stdin: &str) -> Out {
        self.cmd(args).stdin(stdin).run()
    }

    /// `keyward add … --format json` with the value on stdin; must succeed. Returns the record.
    pub fn add(&self, value: &str, args: &[&str]) -> Value {
        let mut full = vec!["add"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["--format", "json"]);
        let out = self.keyward(&full, value);
        out.expect_code(0, "adding a well-formed key must succeed");
        let record = out.json();
        assert!(
            record.get("id").and_then(Value::as_str).is_some(),
            "`{}` printed JSON without an id: {}",
            out.label,
            out.stdout
        );
        record
    }

    /// `keyward list --format json`, parsed.
    pub fn list_json(&self) -> Vec<Value> {
        let out = self.keyward(&["list", "--format", "json"], "");
        out.expect_code(0, "`list` reads only the inventory and must work");
        match out.json() {
            Value::Array(items) => items,
            other => panic!("`list --format json` must print a JSON array, got: {other}"),
        }
    }

    /// Names of every key in the inventory (sorted).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .list_json()
            .iter()
            .map(|k| str_field(k, "name").to_owned())
            .collect();
        names.sort();
        names
    }

    /// The value stored in the keychain for `account`, read with `secret-tool` (not keyward).
    pub fn lookup(&self, account: &str) -> Option<String> {
        self.keychain
            .lookup(SERVICE, account)
            .expect("secret-tool lookup on the test keychain")
    }

    /// Keychain accounts under Keyward's service, without the reserved ones.
    pub fn key_accounts(&self) -> Vec<String> {
        self.keychain
            .accounts(SERVICE)
            .expect("secret-tool search on the test keychain")
            .into_iter()
            .filter(|a| !RESERVED_ACCOUNTS.contains(&a.as_str()))
            .collect()
    }

    /// `keyward doctor --format json`: (exit code, report).
    pub fn doctor(&self) -> (i32, Value) {
        let out = self.keyward(&["doctor", "--format", "json"], "");
        (out.code(), out.json())
    }

    /// Audit events (JSON), newest first.
    pub fn audit_json(&self, key: Option<&str>) -> Vec<Value> {
        let mut args = vec!["audit", "--format", "json"];
        if let Some(k) = key {
            args.extend_from_slice(&["--key", k]);
        }
        let out = self.keyward(&args, "");
        out.expect_code(0, "`audit` reads only the inventory and must work");
        match out.json() {
            Value::Array(items) => items,
            other => panic!("`audit --format json` must print a JSON array, got: {other}"),
        }
    }

    /// Writes `contents` to `name` in the work dir and returns the path.
    pub fn write_file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.work.path().join(name);
        std::fs::write(&path, contents).expect("write a file in the work dir");
        path
    }

    /// Every regular file under the data dir (database, -wal, -shm, logs, anything else) and
    /// under HOME (where nothing should appear at all).
    pub fn data_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        walk(self.data.path(), &mut files);
        walk(self.home.path(), &mut files);
        files.sort();
        files
    }

    /// PIDs of `keyward __clipboard-hold` processes started for this test's data dir.
    pub fn clipboard_holders(&self) -> Vec<u32> {
        clipboard_holders_for(self.data.path())
    }

    /// Waits until no clipboard holder of this test is left; panics after `limit`.
    pub fn wait_for_holders_to_exit(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let left = self.clipboard_holders();
            if left.is_empty() {
                return;
            }
            if Instant::now() >= deadline {
                panic!(
                    "`keyward __clipboard-hold` (pids {left:?}) was still running {limit:?} after \
                     the copy; the holder must exit by itself once its timeout has passed"
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn bus_address(&self) -> String {
        self.bus_override
            .clone()
            .unwrap_or_else(|| self.keychain.bus_address().to_owned())
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // A failed test may leave a clipboard holder behind: it is ours, stop it by PID.
        for pid in self.clipboard_holders() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

/// A `keyward` invocation being built.
pub struct Cmd<'a> {
    env: &'a Env,
    args: Vec<String>,
    stdin: Vec<u8>,
    vars: Vec<(String, String)>,
    display: Option<String>,
    timeout: Duration,
}

impl Cmd<'_> {
    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Self {
        self.stdin = input.as_ref().to_vec();
        self
    }

    /// An extra environment variable for the child.
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Gives the child this X display (only clipboard tests do).
    pub fn display(mut self, display: &str) -> Self {
        self.display = Some(display.to_owned());
        self
    }

    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    pub fn run(self) -> Out {
        let (command, stdin, label, timeout) = self.build(Path::new(env!("CARGO_BIN_EXE_keyward")));
        run_with_timeout(command, &stdin, timeout, label)
    }

    /// The command as `run` would start it, with `binary` as the program (the memory test
    /// runs the release build): (command, stdin, label, timeout).
    pub fn build(self, binary: &Path) -> (Command, Vec<u8>, String, Duration) {
        let label = format!("keyward {}", shown_args(&self.args));
        let mut command = Command::new(binary);
        command
            .args(&self.args)
            .env_clear()
            .env(
                "PATH",
                std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin")),
            )
            .env("HOME", self.env.home.path())
            .env("KEYWARD_DATA_DIR", self.env.data.path())
            .env("DBUS_SESSION_BUS_ADDRESS", self.env.bus_address())
            .env("LC_ALL", "C.UTF-8")
            .current_dir(self.env.work.path());
        if let Some(display) = &self.display {
            x_env(&mut command, display);
        }
        for (k, v) in &self.vars {
            command.env(k, v);
        }
        (command, self.stdin, label, self.timeout)
    }
}

/// Arguments as a shell would show them (quoted when they contain spaces or odd characters;
/// long ones cut), for messages.
fn shown_args(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            let mut s: String = a.chars().take(60).collect();
            if a.chars().count() > 60 {
                s.push('…');
            }
            let s = s.escape_debug().to_string();
            if s.is_empty() || s.contains(|c: char| c.is_whitespace() || "'\"<>;&|$`\\".contains(c))
            {
                format!("'{s}'")
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a command did.
#[derive(Debug, Clone)]
pub struct Out {
    /// `keyward ARGS`, for messages (never includes stdin).
    pub label: String,
    /// Exit code; `None` if killed by a signal.
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub raw_stdout: Vec<u8>,
    pub raw_stderr: Vec<u8>,
    pub elapsed: Duration,
}

impl Out {
    pub fn code(&self) -> i32 {
        match self.status {
            Some(c) => c,
            None => panic!("`{}` was killed by a signal\n{}", self.label, self.dump()),
        }
    }

    /// stdout and stderr, for messages.
    pub fn dump(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout, self.stderr
        )
    }

    /// Asserts the exit code; `why` says what the test expects and why.
    pub fn expect_code(&self, code: i32, why: &str) -> &Self {
        assert_eq!(
            self.status,
            Some(code),
            "`{}` exited with {:?}, expected {code}: {why}\n{}",
            self.label,
            self.status,
            self.dump()
        );
        self
    }

    /// Asserts that stderr (lower-cased) contains `needle` (lower-cased).
    pub fn expect_stderr(&self, needle: &str, why: &str) -> &Self {
        assert!(
            self.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "`{}`: stderr should contain {needle:?}: {why}\n{}",
            self.label,
            self.dump()
        );
        self
    }

    pub fn expect_stdout(&self, needle: &str, why: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "`{}`: stdout should contain {needle:?}: {why}\n{}",
            self.label,
            self.dump()
        );
        self
    }

    /// Asserts that `value` appears in neither stdout nor stderr.
    pub fn expect_no_value(&self, value: &str, why: &str) -> &Self {
        assert!(
            find_canary(&self.combined(), value).is_none(),
            "`{}` printed the key value (or an encoding of it): {why}\n{}",
            self.label,
            self.dump()
        );
        self
    }

    pub fn combined(&self) -> Vec<u8> {
        let mut all = self.raw_stdout.clone();
        all.extend_from_slice(&self.raw_stderr);
        all
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`{}` should print JSON on stdout ({e})\n{}",
                self.label,
                self.dump()
            )
        })
    }
}

/// Runs `command` (stdin fed from `input`, stdout/stderr captured), killing its whole process
/// group and failing the test if it is not done within `limit`.
pub fn run_with_timeout(mut command: Command, input: &[u8], limit: Duration, label: String) -> Out {
    use std::os::unix::process::CommandExt;
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout can stop whatever it started as well.
        .process_group(0);
    let start = Instant::now();
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{label}`: {e}"));
    let stdout = capture(child.stdout.take());
    let stderr = capture(child.stderr.take());
    if let Some(mut pipe) = child.stdin.take() {
        let input = input.to_vec();
        // A writer thread: a child that does not read stdin must not block the test.
        thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let status = wait_or_kill(&mut child, limit, &label, &stdout, &stderr);
    let elapsed = start.elapsed();
    // The pipes close when the child (and anything that inherited them) is gone.
    let raw_stdout = join_capture(stdout, Duration::from_secs(10));
    let raw_stderr = join_capture(stderr, Duration::from_secs(10));
    Out {
        label,
        status,
        stdout: String::from_utf8_lossy(&raw_stdout).into_owned(),
        stderr: String::from_utf8_lossy(&raw_stderr).into_owned(),
        raw_stdout,
        raw_stderr,
        elapsed,
    }
}

type Captured = (Arc<Mutex<Vec<u8>>>, Option<thread::JoinHandle<()>>);

fn capture(pipe: Option<impl Read + Send + 'static>) -> Captured {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let handle = pipe.map(|mut pipe| {
        let buf = Arc::clone(&buf);
        thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend_from_slice(&chunk[..n]),
                }
            }
        })
    });
    (buf, handle)
}

fn snapshot(c: &Captured) -> String {
    String::from_utf8_lossy(&c.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}

fn join_capture(c: Captured, limit: Duration) -> Vec<u8> {
    let (buf, handle) = c;
    if let Some(handle) = handle {
        let deadline = Instant::now() + limit;
        while !handle.is_finished() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        if handle.is_finished() {
            let _ = handle.join();
        }
    }
    let bytes = buf.lock().unwrap_or_else(|p| p.into_inner()).clone();
    bytes
}

fn wait_or_kill(
    child: &mut Child,
    limit: Duration,
    label: &str,
    out: &Captured,
    err: &Captured,
) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code(),
            Ok(None) => {}
            Err(e) => panic!("waiting for `{label}` failed: {e}"),
        }
        if Instant::now() >= deadline {
            // Kill the whole group we created (the child and anything it started in it).
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`{label}` did not finish within {limit:?}, so it was killed. A keychain call \
                 that waits for an unlock prompt, or a command that waits on the clipboard, \
                 hangs like this.\n--- stdout so far ---\n{}\n--- stderr so far ---\n{}",
                snapshot(out),
                snapshot(err)
            );
        }
        thread::sleep(Duration::from_millis(10));
    }
}

// ---- JSON helpers ----

pub fn str_field<'a>(v: &'a Value, field: &str) -> &'a str {
    v.get(field)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("expected a string field {field:?} in {v}"))
}

pub fn id_of(v: &Value) -> String {
    str_field(v, "id").to_owned()
}

// ---- the list table ----

/// One key row of `keyward list`'s table, with the groups it is printed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub environment: String,
    pub purpose: String,
    /// The row's cells, split on runs of two or more spaces.
    pub cells: Vec<String>,
}

/// Parses the grouped table: `env (n)` at column 0, `  purpose` at 2, rows at 4.
pub fn parse_table(table: &str) -> Vec<TableRow> {
    let mut rows = Vec::new();
    let mut env = String::new();
    let mut purpose = String::new();
    for line in table.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if let Some(row) = line.strip_prefix("    ") {
            if row.starts_with("NAME ") {
                continue;
            }
            let cells = row
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
            rows.push(TableRow {
                environment: env.clone(),
                purpose: purpose.clone(),
                cells,
            });
        } else if let Some(p) = line.strip_prefix("  ") {
            purpose = p.trim().to_owned();
        } else if let Some((name, _count)) = line.rsplit_once(" (") {
            env = name.to_owned();
        }
    }
    rows
}

// ---- randomness for canaries (no extra crates) ----

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .expect("read /dev/urandom");
    buf
}

pub fn random_from(alphabet: &[u8], n: usize) -> String {
    random_bytes(n)
        .into_iter()
        .map(|b| char::from(alphabet[usize::from(b) % alphabet.len()]))
        .collect()
}

pub fn random_alnum(n: usize) -> String {
    random_from(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        n,
    )
}

pub fn random_hex(n: usize) -> String {
    random_from(b"0123456789abcdef", n)
}

/// A random (v4-shaped) UUID, the shape of a Postmark token.
pub fn random_uuid() -> String {
    let h = random_hex(32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// The value of the simulator's key `name` of `provider` (a canary: the tests add it by value).
pub fn sim_value(sim: &provider_sim::RunningSim, provider: &str, name: &str) -> String {
    sim.state()
        .keys(Some(provider))
        .into_iter()
        .find(|k| k.name == name)
        .unwrap_or_else(|| panic!("no {provider} key {name:?} in the simulator"))
        .value
}

// ---- canary search ----

const B64_STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64 of whole 3-byte groups only (no padding).
fn base64_groups(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::new();
    for g in bytes.chunks_exact(3) {
        let n = (u32::from(g[0]) << 16) | (u32::from(g[1]) << 8) | u32::from(g[2]);
        for shift in [18, 12, 6, 0] {
            out.push(char::from(alphabet[((n >> shift) & 63) as usize]));
        }
    }
    out
}

/// The byte strings that betray `canary`: itself, its lower/upper hex, and its base64
/// (standard and URL-safe) at each of the three byte alignments it can have inside a
/// larger encoded blob.
pub fn canary_needles(canary: &str) -> Vec<(String, Vec<u8>)> {
    let bytes = canary.as_bytes();
    let mut needles = vec![("raw".to_owned(), bytes.to_vec())];
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    needles.push(("hex".into(), hex.clone().into_bytes()));
    needles.push(("HEX".into(), hex.to_uppercase().into_bytes()));
    for offset in 0..3 {
        let usable = (bytes.len().saturating_sub(offset)) / 3 * 3;
        if usable < 9 {
            continue;
        }
        let part = &bytes[offset..offset + usable];
        needles.push((
            format!("base64@{offset}"),
            base64_groups(part, B64_STD).into_bytes(),
        ));
        needles.push((
            format!("base64url@{offset}"),
            base64_groups(part, B64_URL).into_bytes(),
        ));
    }
    needles
}

/// Which encoding of `canary` occurs in `haystack`, if any.
pub fn find_canary(haystack: &[u8], canary: &str) -> Option<String> {
    canary_needles(canary)
        .into_iter()
        .find(|(_, needle)| contains(haystack, needle))
        .map(|(name, _)| name)
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Test-side base64 (standard, padded) for self-checks of the search.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = base64_groups(bytes, B64_STD);
    let rest = bytes.len() % 3;
    if rest > 0 {
        let tail = &bytes[bytes.len() - rest..];
        let mut padded = [0u8; 3];
        padded[..rest].copy_from_slice(tail);
        let enc = base64_groups(&padded, B64_STD);
        out.push_str(&enc[..rest + 1]);
        out.push_str(if rest == 1 { "==" } else { "=" });
    }
    out
}

// ---- clipboard ----

/// The X display for clipboard tests. `DISPLAY` unset: with `CI=true` the test fails (CI must
/// not skip them silently); otherwise `None` and a note is printed.
pub fn clipboard_display(test: &str) -> Option<String> {
    match std::env::var("DISPLAY") {
        Ok(d) if !d.trim().is_empty() => Some(d),
        _ => {
            let ci = std::env::var("CI")
                .map(|v| v == "true" || v == "1")
                .unwrap_or(false);
            assert!(
                !ci,
                "{test}: DISPLAY is not set but CI=true; the clipboard tests need an X display \
                 (scripts/test.sh starts Xvfb; or run `xvfb-run -a cargo test -p keyward-cli`)"
            );
            eprintln!(
                "note: {test}: DISPLAY is not set, so the clipboard part is skipped \
                 (run under `xvfb-run -a` to include it; with CI=true this fails)"
            );
            None
        }
    }
}

/// What an X client needs: the display and, where the server wants one (xvfb-run), the
/// authority file.
fn x_env(command: &mut Command, display: &str) {
    command.env("DISPLAY", display);
    if let Some(auth) = std::env::var_os("XAUTHORITY") {
        command.env("XAUTHORITY", auth);
    }
}

/// `xclip -selection clipboard -o` on `display`: `Some(text)` or `None` if nothing is there.
pub fn clipboard_text(display: &str) -> Option<String> {
    let mut command = Command::new("xclip");
    command
        .args(["-selection", "clipboard", "-o"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    x_env(&mut command, display);
    let out = run_with_timeout(command, b"", Duration::from_secs(10), "xclip -o".into());
    if out.status == Some(0) && !out.raw_stdout.is_empty() {
        Some(out.stdout)
    } else {
        None
    }
}

/// Another application owning the clipboard: `xclip -i -quiet` (stays in the foreground, so
/// the test owns the process and stops it when done).
pub struct OtherClipboardOwner {
    child: Child,
}

impl OtherClipboardOwner {
    pub fn copy(display: &str, text: &str) -> OtherClipboardOwner {
        let mut command = Command::new("xclip");
        command
            .args(["-selection", "clipboard", "-i", "-quiet"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        x_env(&mut command, display);
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start xclip -i (install xclip)");
        {
            let mut stdin = child.stdin.take().expect("xclip stdin");
            stdin.write_all(text.as_bytes()).expect("write to xclip");
        }
        // xclip takes the selection once it has read its input.
        let deadline = Instant::now() + Duration::from_secs(10);
        while clipboard_text(display).as_deref() != Some(text) {
            assert!(
                Instant::now() < deadline,
                "xclip -i did not take the clipboard within 10 s"
            );
            thread::sleep(Duration::from_millis(20));
        }
        OtherClipboardOwner { child }
    }
}

impl Drop for OtherClipboardOwner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serializes clipboard use on one X display across test threads AND test processes (the
/// clipboard is global to the display): a lock directory holding the owner's PID.
pub struct ClipboardLock {
    path: PathBuf,
}

pub fn lock_clipboard(display: &str) -> ClipboardLock {
    let tag: String = display
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let path = std::env::temp_dir().join(format!("keyward-cli-tests-clipboard-{tag}.lock"));
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        match std::fs::create_dir(&path) {
            Ok(()) => {
                let _ = std::fs::write(path.join("pid"), std::process::id().to_string());
                return ClipboardLock { path };
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if lock_is_stale(&path) {
                    let _ = std::fs::remove_dir_all(&path);
                    continue;
                }
            }
            Err(e) => panic!("cannot create the clipboard lock {}: {e}", path.display()),
        }
        assert!(
            Instant::now() < deadline,
            "waited 180 s for the clipboard lock {} (another test holds the clipboard)",
            path.display()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

fn lock_is_stale(path: &Path) -> bool {
    match std::fs::read_to_string(path.join("pid")) {
        Ok(pid) => {
            let pid = pid.trim();
            !pid.is_empty() && !Path::new("/proc").join(pid).exists()
        }
        // Being created right now, or left by a process killed in between: give it 10 s.
        Err(_) => std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(10)),
    }
}

impl Drop for ClipboardLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Processes whose command line is `… __clipboard-hold …` and whose environment has
/// `KEYWARD_DATA_DIR=<data_dir>`.
pub fn clipboard_holders_for(data_dir: &Path) -> Vec<u32> {
    let wanted = format!("KEYWARD_DATA_DIR={}", data_dir.display()).into_bytes();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if !contains(&cmdline, b"__clipboard-hold") {
            continue;
        }
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if environ
            .split(|b| *b == 0)
            .any(|var| var == wanted.as_slice())
        {
            pids.push(pid);
        }
    }
    pids
}

// ---- crash tests (rotation) ----

impl Env {
    /// The `keyward` command exactly as [`Cmd::run`] sets it up (cleared environment, this
    /// test's keychain, data dir and home), for tests that manage the child themselves:
    /// crash tests spawn it, wait for a pause point and SIGKILL it.
    pub fn raw_command(&self, args: &[&str], vars: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keyward"));
        command
            .args(args)
            .env_clear()
            .env(
                "PATH",
                std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin")),
            )
            .env("HOME", self.home.path())
            .env("KEYWARD_DATA_DIR", self.data.path())
            .env("DBUS_SESSION_BUS_ADDRESS", self.bus_address())
            .env("LC_ALL", "C.UTF-8")
            .current_dir(self.work.path());
        for (k, v) in vars {
            command.env(k, v);
        }
        command
    }
}
