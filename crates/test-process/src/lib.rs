//! How the throwaway daemons of the tests (gnome-keyring and D-Bus in `test-keychain`,
//! PostgreSQL in `test-postgres`) are started and stopped: forked from one thread that lives as
//! long as the process, and stopped by PID with a signal, a grace period, then SIGKILL; always
//! reaped, so nothing is left holding a test run's output open.

use nix::sys::signal::kill;
pub use nix::sys::signal::Signal;
use nix::unistd::Pid;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{mpsc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// Interval while waiting for a signalled child to exit (usually a few ms).
const EXIT_POLL: Duration = Duration::from_millis(2);

/// Spawns `cmd` from one thread that lives as long as the process. `--pdeathsig` (setpriv)
/// fires when the *thread* that forked the child exits, so forking from a short-lived test
/// thread would kill a daemon kept (say, in a static) beyond that test.
pub fn spawn_from_anchor(cmd: Command) -> io::Result<Child> {
    type Job = (Command, mpsc::Sender<io::Result<Child>>);
    static ANCHOR: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let sender = ANCHOR.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let spawned = thread::Builder::new()
            .name("test-process-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            });
        if let Err(e) = spawned {
            // Leave a sender whose receiver is gone: every spawn then reports this.
            eprintln!("test-process: could not start the spawner thread: {e}");
        }
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    sender
        .lock()
        .map_err(|_| io::Error::other("test-process: spawner lock poisoned"))?
        .send((cmd, reply_tx))
        .map_err(|_| io::Error::other("test-process: the spawner thread is gone"))?;
    reply_rx
        .recv()
        .map_err(|_| io::Error::other("test-process: the spawner thread did not answer"))?
}

/// Sends `signal` to the child. A child that already exited (ESRCH, not yet reaped) is fine:
/// [`reap`] collects it.
pub fn signal(child: &Child, signal: Signal) {
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = kill(Pid::from_raw(pid), signal);
    }
}

/// Waits up to `grace` for a signalled child to exit, then SIGKILLs it; always reaps it.
pub fn reap(mut child: Child, grace: Duration) -> io::Result<()> {
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        thread::sleep(EXIT_POLL);
    }
    child.kill()?;
    child.wait().map(drop)
}

/// [`signal`], then [`reap`]. To stop several at once, signal each first, then reap each.
pub fn stop(child: Child, sig: Signal, grace: Duration) -> io::Result<()> {
    signal(&child, sig);
    reap(child, grace)
}

/// The last ~4 KiB of a daemon's log file, for an error message, or a note saying it cannot
/// be read.
pub fn log_tail(path: &Path) -> String {
    const TAIL: u64 = 4096;
    let read = || -> io::Result<String> {
        let mut f = File::open(path)?;
        let len = f.metadata()?.len();
        f.seek(SeekFrom::Start(len.saturating_sub(TAIL)))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    };
    read().unwrap_or_else(|e| format!("(cannot read {}: {e})", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_that_ignores_the_signal_is_killed_after_the_grace_and_reaped() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let child = spawn_from_anchor(cmd).unwrap();
        let pid = child.id();
        let started = Instant::now();
        // SIGCHLD's default action is to ignore it: the child outlives the grace period.
        stop(child, Signal::SIGCHLD, Duration::from_millis(200)).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(started.elapsed() < Duration::from_secs(10));
        // Reaped: no process with that PID is left (not even a zombie).
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    }

    #[test]
    fn a_child_that_already_exited_is_reaped() {
        let child = spawn_from_anchor(Command::new("true")).unwrap();
        thread::sleep(Duration::from_millis(100));
        stop(child, Signal::SIGTERM, Duration::from_secs(1)).unwrap();
    }
}
