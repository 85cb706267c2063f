//! `keyward copy` must outlive its own command: on X11 the clipboard's owner serves the value
//! until it exits. So `copy` starts a detached `keyward __clipboard-hold` child, hands it the
//! value through a pipe (never argv or environment), waits for "ok", and returns; the child
//! clears the clipboard after the timeout if it still holds the value, then exits.

use keyward::clipboard::ClipboardHold;
use keyward::Secret;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Parent side. Returns once the child holds the value.
pub fn spawn(secret: &Secret, timeout: Duration) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.arg("__clipboard-hold")
        .arg("--timeout")
        .arg(timeout.as_secs().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Nothing of ours may hold the caller's stderr open (CI waits for it to close).
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group: Ctrl-C in the terminal must not kill the hold early.
        cmd.process_group(0);
    }
    let mut child = cmd.spawn()?;
    {
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| anyhow::anyhow!("no pipe to the clipboard holder"))?;
        // EXPOSE: handing the value to our own child through a pipe.
        stdin.write_all(secret.expose().as_bytes())?;
    }
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no pipe from the clipboard holder"))?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let line = line.trim();
    if line == "ok" {
        return Ok(());
    }
    let _ = child.wait();
    match line.strip_prefix("error: ") {
        Some(reason) => Err(keyward::Error::Clipboard(
            keyward::clipboard::ClipboardError::Unavailable(reason.to_owned()),
        )
        .into()),
        None => anyhow::bail!("the clipboard holder exited without holding the value"),
    }
}

/// Child side: read the value from stdin, take the clipboard, report, hold, clear.
pub fn hold(timeout_secs: u64) -> std::process::ExitCode {
    let mut buf =
        zeroize::Zeroizing::new(Vec::with_capacity(keyward::inventory::MAX_SECRET_LEN + 2));
    let read = std::io::stdin()
        .take(keyward::inventory::MAX_SECRET_LEN as u64 + 1)
        .read_to_end(&mut buf);
    let secret = match (read, std::str::from_utf8(&buf)) {
        (Ok(_), Ok(text)) => Secret::new(text.to_owned()),
        _ => {
            println!("error: could not read the value");
            return std::process::ExitCode::from(1);
        }
    };
    drop(buf);
    let timeout = Duration::from_secs(timeout_secs.clamp(1, 600));
    match ClipboardHold::copy(secret, timeout) {
        Ok(holder) => {
            // The parent reads one line and exits; our end of the pipe is never written again.
            println!("ok");
            let _ = std::io::stdout().flush();
            holder.wait_and_clear();
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            println!("error: {}", e.reason());
            std::process::ExitCode::from(2)
        }
    }
}
