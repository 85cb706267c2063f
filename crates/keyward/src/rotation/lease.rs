//! Who drives a rotation: a lease (`host:pid:nonce` + expiry) renewed by a heartbeat while
//! this process works on it, so a CLI started while the window rotates a key does not
//! "recover" that rotation. A lease whose process is gone (same host, no such pid) is free at
//! once, so a crash is recovered on the next start without waiting for the expiry.

use super::RotationJournal;
use chrono::{DateTime, Utc};
use std::sync::OnceLock;
use std::time::Duration;
use uuid::Uuid;

/// How long a lease lasts without a heartbeat.
pub(crate) const LEASE: Duration = Duration::from_secs(60);
const HEARTBEAT: Duration = Duration::from_secs(15);

fn host() -> String {
    whoami::fallible::hostname().unwrap_or_else(|_| "localhost".into())
}

/// This process's lease owner id.
pub(crate) fn this_process() -> &'static str {
    static OWNER: OnceLock<String> = OnceLock::new();
    OWNER.get_or_init(|| {
        format!(
            "{}:{}:{}",
            host().replace(':', "_"),
            std::process::id(),
            &Uuid::new_v4().simple().to_string()[..8]
        )
    })
}

pub(crate) fn until(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::from_std(LEASE).unwrap_or_else(|_| chrono::Duration::seconds(60))
}

/// Whether the process named by `owner` is certainly gone (same host, pid not running).
/// Elsewhere we cannot tell and wait for the lease to expire.
pub(crate) fn owner_dead(owner: &str) -> bool {
    let mut parts = owner.split(':');
    let (Some(h), Some(pid)) = (parts.next(), parts.next()) else {
        return true;
    };
    if owner == this_process() {
        return false;
    }
    if h != host().replace(':', "_") {
        return false;
    }
    let Ok(pid) = pid.parse::<u32>() else {
        return true;
    };
    if pid == std::process::id() {
        // Same pid, other nonce: an earlier process that had our pid.
        return true;
    }
    pid_gone(pid)
}

#[cfg(target_os = "linux")]
fn pid_gone(pid: u32) -> bool {
    // A zombie (killed, not yet reaped by its parent) still has /proc/<pid>: read its state.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

#[cfg(not(target_os = "linux"))]
fn pid_gone(_pid: u32) -> bool {
    false
}

/// Renews a lease until dropped.
pub(crate) struct Heartbeat {
    task: tokio::task::JoinHandle<()>,
}

impl Heartbeat {
    pub(crate) fn start(journal: RotationJournal, id: Uuid) -> Heartbeat {
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(HEARTBEAT).await;
                match journal
                    .renew_lease(id, this_process(), until(Utc::now()))
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => tracing::warn!(rotation = %id, error = %e, "lease heartbeat failed"),
                }
            }
        });
        Heartbeat { task }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}
