//! Test support: a throwaway, unlocked Secret Service (gnome-keyring) on a private D-Bus
//! session bus, one per [`TestKeychain`], so tests never touch the user's keychain and can
//! run in parallel.
//!
//! ```no_run
//! let kc = test_keychain::TestKeychain::start()?;
//! // Point the code under test at the private bus:
//! //   std::process::Command::new("keyward").envs(kc.env()) ...
//! // or, in-process, set DBUS_SESSION_BUS_ADDRESS to kc.bus_address() before the first
//! // keychain call (process-wide, so keep such tests serial).
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! How it is put together (see `shared/reference/keychain.md`):
//! - `dbus-daemon` with a minimal config of its own: no service activation, so a dead keyring
//!   is never auto-restarted (locked, against the real `$HOME`);
//! - `gnome-keyring-daemon --foreground --unlock --components=secrets`, fed a password on
//!   stdin, with `HOME`/`XDG_*` inside the temp dir and no `DISPLAY` (a locked keyring with a
//!   display waits forever for an unlock dialog);
//! - both are started through `setpriv --pdeathsig TERM` from one long-lived thread, so they
//!   die with the test process even when it is killed before `Drop` runs;
//! - no child inherits the test process's stdin/stdout/stderr: their output goes to log files
//!   in the temp dir, whose tail is quoted when something does not come up.

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use test_process::{log_tail, Signal};

/// How long a daemon may take to come up before [`TestKeychain::start`] gives up.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a daemon gets to exit after SIGTERM before it is sent SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(2);
/// Interval of every wait loop.
const POLL: Duration = Duration::from_millis(20);
/// Password of the throwaway `login` collection.
const PASSWORD: &str = "test-keychain";
const SECRETS_NAME: &str = "org.freedesktop.secrets";
const DEFAULT_ALIAS: &str = "/org/freedesktop/secrets/aliases/default";
/// Tools that must be on `PATH`.
const TOOLS: [&str; 4] = [
    "gnome-keyring-daemon",
    "dbus-daemon",
    "secret-tool",
    "dbus-send",
];

/// `true` when every tool a [`TestKeychain`] needs is on `PATH`.
pub fn available() -> bool {
    missing_tools().is_empty()
}

/// The tools from the list `available()` checks that are not on `PATH`
/// (packages: `gnome-keyring dbus libsecret-tools`).
pub fn missing_tools() -> Vec<&'static str> {
    TOOLS
        .into_iter()
        .filter(|t| find_in_path(t).is_none())
        .collect()
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// A private D-Bus session bus, optionally with an unlocked gnome-keyring on it. Everything
/// (daemons, data, logs) is stopped and deleted on drop.
pub struct TestKeychain {
    keyring: Option<Child>,
    bus: Option<Child>,
    address: String,
    // Declared last so it is deleted after Drop::drop has stopped the daemons.
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for TestKeychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKeychain")
            .field("dir", &self.dir.path())
            .field("address", &self.address)
            .field("bus_pid", &self.bus_pid())
            .field("keyring_pid", &self.keyring_pid())
            .finish()
    }
}

impl TestKeychain {
    /// A private bus with an unlocked gnome-keyring on it whose default collection (`login`)
    /// is unlocked. Returns once `org.freedesktop.secrets` has an owner and the default
    /// collection reports `Locked = false` (at most ~10 s, else an error quoting the log).
    pub fn start() -> io::Result<TestKeychain> {
        let mut kc = Self::bus_only()?;
        kc.start_daemon()?;
        Ok(kc)
    }

    /// Only the private bus: no Secret Service on it (for "keychain unavailable" tests).
    pub fn bus_only() -> io::Result<TestKeychain> {
        let missing = missing_tools();
        if !missing.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "test-keychain: not on PATH: {} (install the Debian packages \
                     gnome-keyring dbus libsecret-tools, or run scripts/setup-system.sh)",
                    missing.join(", ")
                ),
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("test-keychain-")
            .tempdir()?;
        for sub in ["home", "data", "config", "cache", "runtime"] {
            std::fs::create_dir(dir.path().join(sub))?;
        }
        set_mode_700(&dir.path().join("runtime"))?;
        let socket = dir.path().join("bus");
        let address = format!("unix:path={}", socket.display());
        let config = dir.path().join("bus.conf");
        std::fs::write(&config, bus_config(&address))?;

        let mut cmd = Command::new("dbus-daemon");
        cmd.arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile"]);
        let log = dir.path().join("dbus-daemon.log");
        let bus = spawn_daemon(cmd, dir.path(), &address, &log, None)?;

        let mut kc = TestKeychain {
            keyring: None,
            bus: Some(bus),
            address,
            dir,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if UnixStream::connect(&socket).is_ok() {
                return Ok(kc);
            }
            if let Some(bus) = kc.bus.as_mut() {
                if let Some(status) = bus.try_wait()? {
                    kc.bus = None;
                    return Err(kc.failure(&format!("dbus-daemon exited ({status})"), &log));
                }
            }
            if Instant::now() >= deadline {
                return Err(kc.failure(
                    &format!(
                        "dbus-daemon did not listen on {} within {START_TIMEOUT:?}",
                        socket.display()
                    ),
                    &log,
                ));
            }
            thread::sleep(POLL);
        }
    }

    /// The private bus, `unix:path=…`.
    pub fn bus_address(&self) -> &str {
        &self.address
    }

    /// What a child process needs to reach this keychain: only `DBUS_SESSION_BUS_ADDRESS`
    /// (callers choose their own data dirs).
    pub fn env(&self) -> Vec<(String, String)> {
        vec![("DBUS_SESSION_BUS_ADDRESS".to_string(), self.address.clone())]
    }

    /// The temp dir holding the bus socket, the keyring's data and the daemons' logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// PID of the private `dbus-daemon`.
    pub fn bus_pid(&self) -> Option<u32> {
        self.bus.as_ref().map(Child::id)
    }

    /// PID of `gnome-keyring-daemon`, if running.
    pub fn keyring_pid(&self) -> Option<u32> {
        self.keyring.as_ref().map(Child::id)
    }

    /// Stops gnome-keyring (SIGTERM by PID, wait) and starts it again on the same data dir
    /// and bus: stored secrets persist, and the collection is unlocked again.
    pub fn restart_daemon(&mut self) -> io::Result<()> {
        self.stop_daemon()?;
        self.start_daemon()
    }

    /// Stops only the keyring daemon (the keychain goes away mid-session). Returns once the
    /// process is reaped and `org.freedesktop.secrets` has no owner on the bus.
    pub fn stop_daemon(&mut self) -> io::Result<()> {
        if let Some(child) = self.keyring.take() {
            stop_child(child)?;
        }
        if self.bus.is_none() {
            return Ok(());
        }
        let deadline = Instant::now() + START_TIMEOUT;
        while self.has_secret_service()? {
            if Instant::now() >= deadline {
                return Err(io::Error::other(format!(
                    "test-keychain: {SECRETS_NAME} still has an owner on {} after the keyring \
                     daemon exited",
                    self.address
                )));
            }
            thread::sleep(POLL);
        }
        Ok(())
    }

    /// Locks the default collection (org.freedesktop.Secret.Service.Lock). Afterwards reading
    /// an existing item fails (libsecret/`secret-tool` see nothing, the `keyring` crate gets
    /// `NoStorageAccess`), and creating one fails with `IsLocked`. No unlock prompt can appear:
    /// the daemon has no display and the bus no prompter.
    pub fn lock(&self) -> io::Result<()> {
        self.dbus_call(&[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            &format!("array:objpath:{DEFAULT_ALIAS}"),
        ])?;
        if self.is_locked()? {
            Ok(())
        } else {
            Err(io::Error::other(
                "test-keychain: Lock returned but the default collection is still unlocked",
            ))
        }
    }

    /// `Locked` property of the default collection.
    pub fn is_locked(&self) -> io::Result<bool> {
        let out = self.dbus_call(&[
            "--dest=org.freedesktop.secrets",
            DEFAULT_ALIAS,
            "org.freedesktop.DBus.Properties.Get",
            "string:org.freedesktop.Secret.Collection",
            "string:Locked",
        ])?;
        parse_boolean(&out).ok_or_else(|| {
            io::Error::other(format!(
                "test-keychain: unexpected reply to Get(Locked): {out}"
            ))
        })
    }

    /// `true` when `org.freedesktop.secrets` has an owner on the bus.
    pub fn has_secret_service(&self) -> io::Result<bool> {
        let out = self.dbus_call(&[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{SECRETS_NAME}"),
        ])?;
        parse_boolean(&out).ok_or_else(|| {
            io::Error::other(format!(
                "test-keychain: unexpected reply to NameHasOwner: {out}"
            ))
        })
    }

    /// How many connections this bus has accepted so far: the number in the unique name
    /// (`:1.N`) it gives this probe's own connection, read from the reply's `destination`.
    /// Two probes around some code tell how many D-Bus connections that code opened
    /// (`after - before - 1`); the daemons here connect once, at start.
    pub fn connections_accepted(&self) -> io::Result<u64> {
        let out = self.dbus_call(&[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetId",
        ])?;
        parse_destination_serial(&out).ok_or_else(|| {
            io::Error::other(format!(
                "test-keychain: no unique destination in the reply to GetId: {out}"
            ))
        })
    }

    /// `secret-tool lookup service S username U` on this bus: `Some(secret)` or `None`.
    /// secret-tool cannot tell "no such item" from "collection locked": both exit 1 with no
    /// output, so both give `None` (use [`is_locked`](Self::is_locked) to tell them apart).
    /// Any other failure (bus or service unreachable) is an error.
    pub fn lookup(&self, service: &str, account: &str) -> io::Result<Option<String>> {
        let out = self.secret_tool(&["lookup", "service", service, "username", account])?;
        if out.status.success() {
            // secret-tool prints a newline after the secret only when stdout is a terminal.
            return String::from_utf8(out.stdout)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e));
        }
        if out.status.code() == Some(1) && out.stdout.is_empty() && out.stderr.is_empty() {
            return Ok(None);
        }
        Err(tool_error("secret-tool lookup", &out))
    }

    /// `secret-tool search --all service S`: the `username` attribute of every item stored for
    /// that service, sorted. Works on a locked collection too (attributes are not secret).
    pub fn accounts(&self, service: &str) -> io::Result<Vec<String>> {
        let out = self.secret_tool(&["search", "--all", "service", service])?;
        // secret-tool prints label/secret on stdout and `attribute.K = V` lines on stderr;
        // reading only stderr keeps a secret that looks like an attribute line out.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut accounts: Vec<String> = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("attribute.username = "))
            .map(str::to_string)
            .collect();
        let stdout_empty = out.stdout.is_empty();
        if !out.status.success() {
            // Exit 1 with no output at all is "nothing found".
            let nothing = out.status.code() == Some(1) && stdout_empty && stderr.trim().is_empty();
            if !nothing {
                return Err(tool_error("secret-tool search", &out));
            }
        }
        accounts.sort();
        Ok(accounts)
    }

    fn start_daemon(&mut self) -> io::Result<()> {
        if self.keyring.is_some() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "test-keychain: the keyring daemon is already running",
            ));
        }
        let log = self.dir.path().join("gnome-keyring.log");
        let mut cmd = Command::new("gnome-keyring-daemon");
        cmd.args(["--foreground", "--unlock", "--components=secrets"]);
        let child = spawn_daemon(
            cmd,
            self.dir.path(),
            &self.address,
            &log,
            Some(PASSWORD.as_bytes()),
        )?;
        self.keyring = Some(child);

        let deadline = Instant::now() + START_TIMEOUT;
        let mut last = String::from("org.freedesktop.secrets has no owner");
        loop {
            if let Some(child) = self.keyring.as_mut() {
                if let Some(status) = child.try_wait()? {
                    self.keyring = None;
                    return Err(
                        self.failure(&format!("gnome-keyring-daemon exited ({status})"), &log)
                    );
                }
            }
            match self.has_secret_service() {
                Ok(true) => match self.is_locked() {
                    Ok(false) => return Ok(()),
                    Ok(true) => last = "the default collection is locked".to_string(),
                    Err(e) => last = format!("Get(Locked) on the default collection failed: {e}"),
                },
                Ok(false) => {}
                Err(e) => last = e.to_string(),
            }
            if Instant::now() >= deadline {
                return Err(self.failure(
                    &format!(
                        "gnome-keyring-daemon did not come up unlocked within \
                         {START_TIMEOUT:?} ({last})"
                    ),
                    &log,
                ));
            }
            thread::sleep(POLL);
        }
    }

    /// An error naming what failed, with the tail of `log`.
    fn failure(&self, what: &str, log: &Path) -> io::Error {
        let mut msg = format!("test-keychain: {what}");
        let tail = log_tail(log);
        if tail.trim().is_empty() {
            let _ = write!(msg, " ({} is empty)", log.display());
        } else {
            let _ = write!(msg, "\n--- tail of {} ---\n{tail}", log.display());
        }
        io::Error::other(msg)
    }

    fn dbus_call(&self, args: &[&str]) -> io::Result<String> {
        let out = Command::new("dbus-send")
            .arg(format!("--bus={}", self.address))
            .arg("--print-reply")
            .arg("--reply-timeout=5000")
            .args(args)
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .output()?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(tool_error("dbus-send", &out))
        }
    }

    fn secret_tool(&self, args: &[&str]) -> io::Result<Output> {
        Command::new("secret-tool")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .output()
    }
}

impl Drop for TestKeychain {
    fn drop(&mut self) {
        // Signal both first so they shut down concurrently, then reap each.
        let children: Vec<Child> = [self.keyring.take(), self.bus.take()]
            .into_iter()
            .flatten()
            .collect();
        for child in &children {
            test_process::signal(child, Signal::SIGTERM);
        }
        for child in children {
            let _ = test_process::reap(child, TERM_GRACE);
        }
        // self.dir (TempDir) is removed when the fields drop, after this.
    }
}

/// The `boolean true|false` of a `dbus-send --print-reply` answer.
fn parse_boolean(reply: &str) -> Option<bool> {
    reply.lines().skip(1).find_map(|l| {
        let mut words = l.split_whitespace().skip_while(|w| *w == "variant");
        match (words.next(), words.next()) {
            (Some("boolean"), Some("true")) => Some(true),
            (Some("boolean"), Some("false")) => Some(false),
            _ => None,
        }
    })
}

/// `N` of `destination=:1.N` in a `dbus-send --print-reply` answer's header.
fn parse_destination_serial(reply: &str) -> Option<u64> {
    let header = reply.lines().next()?;
    let name = header
        .split_whitespace()
        .find_map(|w| w.strip_prefix("destination=:"))?;
    name.rsplit('.').next()?.parse().ok()
}

fn tool_error(what: &str, out: &Output) -> io::Error {
    io::Error::other(format!(
        "test-keychain: {what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim(),
        String::from_utf8_lossy(&out.stdout).trim()
    ))
}

fn bus_config(address: &str) -> String {
    // No <servicedir>, no <standard_session_servicedirs/>: nothing is ever activated.
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        xml_escape(address)
    )
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn set_mode_700(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
}

/// Starts a daemon with a hermetic environment (PATH, the bus, HOME and XDG dirs inside the
/// temp dir; no DISPLAY), stdin null (or a pipe fed `input` then closed) and stdout/stderr
/// appended to `log`.
fn spawn_daemon(
    program: Command,
    dir: &Path,
    address: &str,
    log: &Path,
    input: Option<&[u8]>,
) -> io::Result<Child> {
    let mut cmd = if let Some(setpriv) = find_in_path("setpriv") {
        // Dies with the test process even if that is SIGKILLed before Drop runs.
        let mut c = Command::new(setpriv);
        c.args(["--pdeathsig", "TERM", "--"])
            .arg(program.get_program())
            .args(program.get_args());
        c
    } else {
        program
    };
    cmd.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.env("HOME", dir.join("home"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_RUNTIME_DIR", dir.join("runtime"))
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .env("LC_ALL", "C.UTF-8")
        .current_dir(dir);
    let out = OpenOptions::new().create(true).append(true).open(log)?;
    cmd.stdout(out.try_clone()?).stderr(out);
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = test_process::spawn_from_anchor(cmd)?;
    if let Some(bytes) = input {
        if let Some(mut stdin) = child.stdin.take() {
            // Dropping stdin closes the pipe: gnome-keyring reads the password up to EOF.
            if let Err(e) = stdin.write_all(bytes) {
                drop(stdin);
                let _ = stop_child(child);
                return Err(e);
            }
        }
    }
    Ok(child)
}

fn stop_child(child: Child) -> io::Result<()> {
    test_process::stop(child, Signal::SIGTERM, TERM_GRACE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dbus_send_booleans() {
        let get = "method return time=1.2 sender=:1.1 -> destination=:1.3 serial=5 \
                   reply_serial=2\n   variant       boolean false\n";
        assert_eq!(parse_boolean(get), Some(false));
        let has = "method return time=1.2 sender=org.freedesktop.DBus -> destination=:1.2 \
                   serial=3 reply_serial=2\n   boolean true\n";
        assert_eq!(parse_boolean(has), Some(true));
        assert_eq!(parse_boolean("method return\n   string \"x\"\n"), None);
    }

    #[test]
    fn parses_the_reply_destination() {
        let reply = "method return time=1.2 sender=org.freedesktop.DBus -> destination=:1.17 \
                     serial=3 reply_serial=2\n   string \"abc\"\n";
        assert_eq!(parse_destination_serial(reply), Some(17));
        assert_eq!(parse_destination_serial("method return\n"), None);
    }

    #[test]
    fn bus_config_has_no_activation() {
        let c = bus_config("unix:path=/tmp/a&b/bus");
        assert!(c.contains("<listen>unix:path=/tmp/a&amp;b/bus</listen>"));
        assert!(!c.contains("servicedir"));
    }
}
