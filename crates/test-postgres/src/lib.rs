//! A throwaway PostgreSQL server for tests: `initdb` (Debian's `postgresql` package) into a
//! temp dir, scram-sha-256 passwords, listening on 127.0.0.1 only at a free port, its socket
//! in the temp dir, stopped by PID on drop. initdb and postgres refuse to run as root: as root
//! they run as the `postgres` user (setpriv) with the temp dir handed to it.
//!
//! [`TestPostgres::stop`] and [`TestPostgres::start_again`] stop the server and start it again
//! on the same data dir and port (for "the server went away mid-publish" tests).

use std::fs::OpenOptions;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use rand::distributions::Alphanumeric;
use rand::Rng;
use test_process::{log_tail, Signal};

/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a fast shutdown may take before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(25);
/// The superuser initdb creates.
pub const ADMIN_USER: &str = "keyward_admin_test";

/// A running throwaway server.
pub struct TestPostgres {
    server: Option<Child>,
    bin: PathBuf,
    port: u16,
    admin_password: String,
    as_postgres: bool,
    // Last, so it is removed after Drop has stopped the server.
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for TestPostgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPostgres")
            .field("dir", &self.dir.path())
            .field("port", &self.port)
            .field("pid", &self.pid())
            .finish()
    }
}

/// The directory holding `initdb` and `postgres`: `$KEYWARD_PG_BIN`, else the newest
/// `/usr/lib/postgresql/*/bin`, else wherever `initdb` is on `PATH`.
pub fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KEYWARD_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .find(|d| d.join("initdb").is_file() && d.join("postgres").is_file())
}

/// `true` when a server can be started here.
pub fn available() -> bool {
    bin_dir().is_some()
}

impl TestPostgres {
    /// initdb + start; returns once the server accepts connections.
    pub fn start() -> io::Result<TestPostgres> {
        let bin = bin_dir().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "test-postgres: no PostgreSQL found (install the Debian package `postgresql`, \
                 or run scripts/setup-system.sh)",
            )
        })?;
        let as_postgres = nix::unistd::geteuid().is_root();
        let dir = tempfile::Builder::new()
            .prefix("test-postgres-")
            .tempdir()?;
        for sub in ["data", "sock"] {
            std::fs::create_dir(dir.path().join(sub))?;
        }
        let admin_password: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, format!("{admin_password}\n"))?;
        set_mode(dir.path(), 0o700)?;
        if as_postgres {
            chown_postgres(dir.path())?;
        }
        let mut pg = TestPostgres {
            server: None,
            bin,
            port: 0,
            admin_password,
            as_postgres,
            dir,
        };
        let data = pg.data_dir();
        let mut initdb = pg.command("initdb");
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", ADMIN_USER, "--auth=scram-sha-256", "-E", "UTF8"])
            .args(["--locale=C", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display()));
        let out = initdb.stdin(Stdio::null()).output()?;
        std::fs::remove_file(&pwfile)?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "test-postgres: initdb failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout)
            )));
        }
        pg.port = free_port()?;
        pg.start_again()?;
        Ok(pg)
    }

    /// Starts the server (again) on the same data dir and port.
    pub fn start_again(&mut self) -> io::Result<()> {
        if self.server.is_some() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "test-postgres: the server is already running",
            ));
        }
        let log = self.dir.path().join("postgres.log");
        let mut cmd = self.command("postgres");
        cmd.arg("-D")
            .arg(self.data_dir())
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-k")
            .arg(self.dir.path().join("sock"))
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "ssl=off"])
            // Throwaway data: durability across a power cut is not under test.
            .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
            .args(["-c", "max_connections=200", "-c", "shared_buffers=16MB"]);
        let out = OpenOptions::new().create(true).append(true).open(&log)?;
        if self.as_postgres {
            chown_postgres(&log)?;
        }
        cmd.stdout(out.try_clone()?)
            .stderr(out)
            .stdin(Stdio::null());
        self.server = Some(test_process::spawn_from_anchor(cmd)?);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.server.as_mut() {
                if let Some(status) = child.try_wait()? {
                    self.server = None;
                    return Err(io::Error::other(format!(
                        "test-postgres: postgres exited ({status})\n--- log ---\n{}",
                        log_tail(&log)
                    )));
                }
            }
            if self.ready() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(io::Error::other(format!(
                    "test-postgres: the server did not accept connections within \
                     {START_TIMEOUT:?}\n--- log ---\n{}",
                    log_tail(&log)
                )));
            }
            thread::sleep(POLL);
        }
    }

    /// Fast shutdown (SIGINT: open sessions are cut, committed data kept); waits for the exit.
    pub fn stop(&mut self) -> io::Result<()> {
        match self.server.take() {
            Some(child) => stop_child(child),
            None => Ok(()),
        }
    }

    /// `postgres://ADMIN@127.0.0.1:PORT/postgres` (no password).
    pub fn admin_url(&self) -> String {
        self.url(ADMIN_USER, "postgres")
    }

    /// `postgres://USER@127.0.0.1:PORT/DB` (no password).
    pub fn url(&self, user: &str, db: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{db}", self.port)
    }

    pub fn admin_user(&self) -> &str {
        ADMIN_USER
    }

    pub fn admin_password(&self) -> &str {
        &self.admin_password
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> Option<u32> {
        self.server.as_ref().map(Child::id)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The directory of the PostgreSQL programs (`psql`, `pg_dumpall`, …).
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// Runs `psql` as the admin with `sql` (`-v ON_ERROR_STOP=1`), returning its stdout.
    pub fn psql(&self, db: &str, sql: &str) -> io::Result<String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", ADMIN_USER, "-d", db, "-c", sql])
            .env("PGPASSWORD", &self.admin_password)
            .stdin(Stdio::null())
            .output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "test-postgres: psql failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `pg_dumpall` of the whole cluster (roles, every database), as bytes.
    pub fn dump_all(&self) -> io::Result<Vec<u8>> {
        let out = Command::new(self.bin.join("pg_dumpall"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                ADMIN_USER,
            ])
            .env("PGPASSWORD", &self.admin_password)
            .stdin(Stdio::null())
            .output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "test-postgres: pg_dumpall failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(out.stdout)
    }

    /// The JSON line the `test-postgres` binary prints.
    pub fn json_line(&self) -> String {
        serde_json::json!({
            "url": self.admin_url(),
            "admin_user": ADMIN_USER,
            "admin_password": self.admin_password,
            "pid": self.pid(),
            "port": self.port,
        })
        .to_string()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn ready(&self) -> bool {
        if TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            return false;
        }
        Command::new(self.bin.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
            .stdin(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    /// A command for one of the server's programs, as `postgres` when we are root, dying
    /// with this process.
    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        let mut cmd = Command::new("setpriv");
        cmd.args(["--pdeathsig", "TERM"]);
        if self.as_postgres {
            cmd.args(["--reuid=postgres", "--regid=postgres", "--init-groups"]);
        }
        cmd.arg("--").arg(exe);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LC_ALL", "C")
            .current_dir(self.dir.path());
        cmd
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

fn chown_postgres(path: &Path) -> io::Result<()> {
    let user = nix::unistd::User::from_name("postgres")
        .map_err(io::Error::from)?
        .ok_or_else(|| {
            io::Error::other("test-postgres: running as root but there is no `postgres` user")
        })?;
    let status = Command::new("chown")
        .arg("-R")
        .arg(format!("{}:{}", user.uid, user.gid))
        .arg(path)
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "test-postgres: chown failed ({status})"
        )))
    }
}

fn stop_child(child: Child) -> io::Result<()> {
    // setpriv execs postgres, so the child's PID is the postmaster's. SIGINT = fast shutdown.
    test_process::stop(child, Signal::SIGINT, STOP_GRACE)
}
