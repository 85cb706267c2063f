//! For the e2e runner: starts a throwaway server, prints one JSON line
//! `{"url", "admin_user", "admin_password", "pid", "port"}`, then runs until SIGTERM/SIGINT or
//! stdin closes, and stops the server. Lines on stdin: `stop` / `start` stop and restart the
//! server on the same data dir and port (answering `ok` or `error: …`).

use std::io::{self, BufRead, Write};
use std::sync::mpsc;

use nix::sys::signal::{SigSet, Signal};

fn main() -> io::Result<()> {
    // Blocked before any thread exists, so every thread inherits the mask and only the
    // waiting thread below receives them.
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGTERM);
    signals.add(Signal::SIGINT);
    signals.thread_block().map_err(io::Error::from)?;
    let (tx, rx) = mpsc::channel::<Option<String>>();
    let signal_tx = tx.clone();
    std::thread::spawn(move || {
        if signals.wait().is_ok() {
            let _ = signal_tx.send(None);
        }
    });

    let mut pg = test_postgres::TestPostgres::start()?;
    {
        let mut out = io::stdout().lock();
        writeln!(out, "{}", pg.json_line())?;
        out.flush()?;
    }
    std::thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            let Ok(l) = line else { break };
            if tx.send(Some(l)).is_err() {
                return;
            }
        }
        let _ = tx.send(None);
    });
    for msg in rx {
        let Some(line) = msg else { break };
        let answer = match line.trim() {
            "stop" => pg.stop().map(|_| "ok".to_string()),
            "start" => pg.start_again().map(|_| "ok".to_string()),
            other => Ok(format!("error: unknown command {other:?}")),
        };
        let mut out = io::stdout().lock();
        match answer {
            Ok(a) => writeln!(out, "{a}")?,
            Err(e) => writeln!(out, "error: {e}")?,
        }
        out.flush()?;
    }
    pg.stop()
}
