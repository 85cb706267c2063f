//! What the window's commands share: the core inventory, the clipboard holder, the files
//! picked in dialogs, and when the process started (for the start-up benchmark's "interactive" signal).

use keyward::clipboard::ClipboardHold;
use keyward::{Inventory, Secret};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// If set, `app_ready` writes the Unix time in ms to this file (scripts/bench-desktop.sh).
pub const READY_FILE_ENV: &str = "KEYWARD_READY_FILE";

pub struct AppState {
    pub inventory: Inventory,
    /// One-time "Show once" permissions for keys just created or rotated in the window.
    pub reveal: crate::reveal::RevealTokens,
    /// The native file dialogs and the import files picked through them.
    pub files: crate::files::FileDialogs,
    /// Changes other processes make, passed to the page (issue 16).
    pub live: crate::live::LiveUpdates,
    /// Team changes passed to the page, and the team loop's wake-up call (issue 15).
    pub team: crate::team::TeamUpdates,
    started: Instant,
    /// Raised by `mark_ready`: background work that would compete with start-up waits for it.
    first_paint: FirstPaint,
}

/// The window has painted its first rows: a one-way signal that background work waits for.
#[derive(Default)]
pub struct FirstPaint(tokio::sync::Notify);

impl FirstPaint {
    pub fn mark(&self) {
        // Stored if nobody waits yet: the next `wait` returns at once.
        self.0.notify_one();
    }

    /// Returns once marked (before or during the call) or after `latest`; whether it was marked.
    pub async fn wait(&self, latest: Duration) -> bool {
        tokio::time::timeout(latest, self.0.notified())
            .await
            .is_ok()
    }
}

impl AppState {
    /// State whose start-up clock starts now (the app passes its real start to `started_at`).
    pub fn new(inventory: Inventory) -> AppState {
        AppState {
            inventory,
            reveal: Default::default(),
            files: Default::default(),
            live: Default::default(),
            team: Default::default(),
            started: Instant::now(),
            first_paint: FirstPaint::default(),
        }
    }

    pub fn started_at(self, started: Instant) -> AppState {
        AppState { started, ..self }
    }

    /// Waits until the window has painted its first rows, or `latest` at most (a page that
    /// failed before its first paint never says so).
    pub async fn first_painted(&self, latest: Duration) {
        self.first_paint.wait(latest).await;
    }

    /// The window shows the inventory: logs the time since start-up and, for benchmarks,
    /// writes the Unix time in ms to `$KEYWARD_READY_FILE`. Never fails the window.
    pub fn mark_ready(&self, timings: Option<PageTimings>) {
        let elapsed = self.started.elapsed().as_millis();
        self.first_paint.mark();
        tracing::info!("window interactive after {elapsed} ms");
        if let Some(t) = timings {
            tracing::info!(
                "page phases: script started {:.0} ms after navigation, first page ({} of {} keys) \
                 received after {:.0} ms ({}), derived and painted in {:.0} ms",
                t.script_ms,
                t.rows,
                t.total,
                t.page_ms,
                if t.with_document {
                    "sent with the document"
                } else {
                    "over IPC"
                },
                t.render_ms
            );
            tracing::info!(
                "page boot: document received {:.0} ms, parsed {:.0} ms ({} scripts and styles), \
                 script evaluating {:.0} ms, mounted {:.0} ms, first contentful paint {:.0} ms \
                 after navigation",
                t.html_ms,
                t.parsed_ms,
                t.assets,
                t.evaluated_ms,
                t.mounted_ms,
                t.first_paint_ms
            );
            // Where the page's clock starts on the process's: web process start and navigation.
            if let Ok(now) = SystemTime::now().duration_since(UNIX_EPOCH) {
                let run_at =
                    now.as_secs_f64() * 1000.0 - self.started.elapsed().as_secs_f64() * 1000.0;
                if t.time_origin > 0.0 {
                    tracing::info!(
                        "navigation started {:.0} ms after run()",
                        t.time_origin - run_at
                    );
                }
            }
        }
        if let Some(path) = std::env::var_os(READY_FILE_ENV).filter(|p| !p.is_empty()) {
            if let Err(e) = write_unix_ms(Path::new(&path)) {
                tracing::warn!("cannot write {READY_FILE_ENV}: {e}");
            }
        }
    }

    /// Puts the secret on the clipboard and clears it after `timeout` on a background thread
    /// (the app process owns the X11 selection for as long as it holds it).
    pub fn hold_on_clipboard(
        &self,
        secret: Secret,
        timeout: Duration,
    ) -> Result<(), keyward::Error> {
        let hold = ClipboardHold::copy(secret, timeout)?;
        std::thread::Builder::new()
            .name("clipboard-clear".into())
            .spawn(move || {
                let outcome = hold.wait_and_clear();
                tracing::debug!(?outcome, "clipboard hold ended");
            })
            .map_err(|e| {
                keyward::Error::Internal(format!("cannot start the clipboard timer: {e}"))
            })?;
        Ok(())
    }
}

/// What the page measured of its own start-up (`performance.now()` differences, ms), for the
/// log and scripts/bench-desktop.sh.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct PageTimings {
    /// Navigation start → the page's script started loading the inventory.
    pub script_ms: f64,
    /// The script's start → the first page of keys received (IPC, JSON parse included).
    pub page_ms: f64,
    /// The first page received → Svelte derived the list and the browser painted it.
    pub render_ms: f64,
    pub rows: u64,
    pub total: u64,
    /// The first page came with the document (`first_load`), not over IPC.
    #[serde(default)]
    pub with_document: bool,
    /// The page's boot (perf-firstpaint), ms since navigation start; 0 from pages that do
    /// not send it. The HTML document fully received.
    #[serde(default)]
    pub html_ms: f64,
    /// The document parsed (its module scripts are fetched from here and run after it).
    #[serde(default)]
    pub parsed_ms: f64,
    /// Scripts, module preloads and style sheets in the document at the first paint.
    #[serde(default)]
    pub assets: u64,
    /// The entry chunk started evaluating (after its fetch, parse and compile).
    #[serde(default)]
    pub evaluated_ms: f64,
    /// Svelte's mount of the first-paint components returned.
    #[serde(default)]
    pub mounted_ms: f64,
    /// The browser's first contentful paint.
    #[serde(default)]
    pub first_paint_ms: f64,
    /// Navigation start, Unix time in ms (`performance.timeOrigin`).
    #[serde(default)]
    pub time_origin: f64,
}

/// Writes the current Unix time in milliseconds (decimal, no newline) to `path`.
pub fn write_unix_ms(path: &Path) -> std::io::Result<()> {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(std::io::Error::other)?
        .as_millis();
    std::fs::write(path, ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::FirstPaint;
    use std::sync::Arc;
    use std::time::Duration;

    const LONG: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn a_paint_before_the_wait_is_kept() {
        let paint = FirstPaint::default();
        paint.mark();
        let waited = tokio::time::timeout(Duration::from_secs(5), paint.wait(LONG)).await;
        assert_eq!(waited, Ok(true), "the wait returned at once, marked");
    }

    #[tokio::test]
    async fn a_paint_during_the_wait_ends_it() {
        let paint = Arc::new(FirstPaint::default());
        let waiter = tokio::spawn({
            let paint = paint.clone();
            async move { paint.wait(LONG).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        paint.mark();
        let waited = tokio::time::timeout(Duration::from_secs(5), waiter).await;
        assert!(matches!(waited, Ok(Ok(true))), "{waited:?}");
    }

    #[tokio::test]
    async fn without_a_paint_the_wait_ends_at_its_limit() {
        let paint = FirstPaint::default();
        assert!(!paint.wait(Duration::from_millis(20)).await);
    }
}
