//! The team (issue 15): thin commands over `keyward_team`, and the background loop that keeps a
//! joined member's window in step with the team while it is open — it publishes the local
//! outbox (filled by the core's triggers on every write, the window's own included), retries
//! with backoff while the server is away, pulls on each LISTEN/NOTIFY and tells the page.
//! Like `live.rs`, changes reach the page over the Channel it handed to `team_watch`.

use crate::error::AppError;
use crate::findings_dto::ReviewExportDto;
use crate::state::AppState;
use crate::team_dto::{TeamChangedDto, TeamJoinInput};
use keyward::findings::ReportFormat;
use keyward_team::{
    Sharing, SyncReport, TeamEvent, TeamFilter, TeamKeys, TeamListener, TeamReview,
    TeamReviewQuery, TeamStatus,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use tokio::sync::Notify;

type Result<T> = std::result::Result<T, AppError>;

/// How often the loop looks at the outbox when nothing else woke it (a local write fills the
/// outbox through a trigger; this process's own writes raise no change event).
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// The same while not in a team.
const NOT_JOINED_LOOK_EVERY: Duration = Duration::from_secs(5);
/// The first wait after a failed publish or LISTEN; doubled on each failure up to `BACKOFF_MAX`.
const BACKOFF_MIN: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// The most team events the window asks for at once.
const EVENTS_MAX: u32 = 500;

/// Where team changes go (the page that asked last), and the loop's wake-up call.
#[derive(Default)]
pub struct TeamUpdates {
    page: Mutex<Option<Channel<TeamChangedDto>>>,
    changes: AtomicU64,
    /// Joined, left, sharing changed or "Sync now": the loop looks again at once.
    wake: Notify,
}

impl TeamUpdates {
    fn subscribe(&self, channel: Channel<TeamChangedDto>) {
        *self.page.lock().unwrap_or_else(|p| p.into_inner()) = Some(channel);
    }

    /// Tells the page that the team data or the membership changed.
    pub fn changed(&self) {
        let change = self.changes.fetch_add(1, Ordering::SeqCst) + 1;
        let page = self.page.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(channel) = page.as_ref() {
            if let Err(e) = channel.send(TeamChangedDto { change }) {
                tracing::debug!("the page missed a team change: {e}");
            }
        }
    }

    fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Exponential backoff between failed attempts: 1 s, 2 s, 4 s, … 60 s; reset on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: BACKOFF_MIN }
    }
}

impl Backoff {
    /// The wait after one more failure.
    pub fn failed(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(BACKOFF_MAX);
        wait
    }

    pub fn succeeded(&mut self) {
        self.next = BACKOFF_MIN;
    }
}

#[tauri::command]
pub async fn team_status(state: State<'_, AppState>) -> Result<Option<TeamStatus>> {
    keyward_team::status(&state.inventory)
        .await
        .map_err(Into::into)
}

/// The password comes from the page's password field straight into a `Secret`.
#[tauri::command]
pub async fn team_join(state: State<'_, AppState>, input: TeamJoinInput) -> Result<TeamStatus> {
    let (url, password) = input.into_parts()?;
    let status = keyward_team::join(&state.inventory, &url, password).await?;
    state.team.wake();
    Ok(status)
}

#[tauri::command]
pub async fn team_leave(state: State<'_, AppState>) -> Result<()> {
    keyward_team::leave(&state.inventory).await?;
    state.team.wake();
    Ok(())
}

/// "Sync now": publish what is queued, pull the rest.
#[tauri::command]
pub async fn team_sync(state: State<'_, AppState>) -> Result<SyncReport> {
    keyward_team::sync(&state.inventory)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn team_sharing_update(
    state: State<'_, AppState>,
    sharing: Sharing,
) -> Result<TeamStatus> {
    let status = keyward_team::sharing_update(&state.inventory, sharing).await?;
    state.team.wake();
    Ok(status)
}

#[tauri::command]
pub async fn team_keys(state: State<'_, AppState>, filter: Option<TeamFilter>) -> Result<TeamKeys> {
    keyward_team::keys(&state.inventory, &filter.unwrap_or_default())
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn team_review(
    state: State<'_, AppState>,
    query: Option<TeamReviewQuery>,
) -> Result<TeamReview> {
    keyward_team::review(&state.inventory, &query.unwrap_or_default())
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn team_events(state: State<'_, AppState>, limit: Option<u32>) -> Result<Vec<TeamEvent>> {
    let limit = limit.unwrap_or(100).min(EVENTS_MAX);
    keyward_team::events(&state.inventory, limit)
        .await
        .map_err(Into::into)
}

/// Renders the team review in `format` and writes it where the user says in the save dialog
/// this command opens (`null` when cancelled), like `review_export`. Metadata only.
#[tauri::command]
pub async fn team_review_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    format: String,
    query: Option<TeamReviewQuery>,
) -> Result<Option<ReviewExportDto>> {
    let format = ReportFormat::parse(&format).map_err(keyward::Error::from)?;
    let render = async {
        let review = keyward_team::review(&state.inventory, &query.unwrap_or_default()).await?;
        keyward_team::review_render(&review, format)
    };
    state
        .files
        .save_report(
            &app,
            "Export team review",
            "keyward-team-review",
            format,
            render,
        )
        .await
}

/// The page asks to be told when the team's data changes (another member published, this
/// window's changes were published, the membership changed).
#[tauri::command]
pub fn team_watch(state: State<'_, AppState>, on_change: Channel<TeamChangedDto>) -> Result<()> {
    state.team.subscribe(on_change);
    Ok(())
}

/// Keeps a joined member in step with the team for as long as the app runs.
pub fn spawn_team_loop<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let inv = &state.inventory;
        let updates = &state.team;
        let mut listener: Option<TeamListener> = None;
        let mut publish = Backoff::default();
        let mut listen = Backoff::default();
        // Nothing is retried before this instant (after a failure).
        let mut publish_after = tokio::time::Instant::now();
        let mut listen_after = tokio::time::Instant::now();
        let mut joined_before = false;
        loop {
            let now = tokio::time::Instant::now();
            let status = match keyward_team::status(inv).await {
                Ok(status) => status,
                Err(e) => {
                    tracing::warn!(code = e.code(), "team status: {e}");
                    None
                }
            };
            let Some(status) = status else {
                listener = None;
                if joined_before {
                    joined_before = false;
                    updates.changed();
                }
                // Not in a team: look now and then (the CLI may join in this data dir).
                wait(updates, None, NOT_JOINED_LOOK_EVERY).await;
                continue;
            };
            if !joined_before {
                joined_before = true;
                publish_after = now;
                listen_after = now;
                // Pull at once after joining (the queue may be empty).
                sync_and_tell(inv, updates, &mut publish, &mut publish_after).await;
            }
            if listener.is_none() && now >= listen_after {
                match keyward_team::listen(inv).await {
                    Ok(l) => {
                        listen.succeeded();
                        listener = Some(l);
                        // Changes made while not listening: pull them now.
                        sync_and_tell(inv, updates, &mut publish, &mut publish_after).await;
                    }
                    Err(e) => {
                        listen_after = now + listen.failed();
                        tracing::debug!(code = e.code(), "team LISTEN: {e}");
                    }
                }
            }
            if status.queued > 0 && tokio::time::Instant::now() >= publish_after {
                // Then wait as usual: a queue that does not empty is looked at once a tick.
                sync_and_tell(inv, updates, &mut publish, &mut publish_after).await;
            }
            match wait(updates, listener.as_mut(), LOOK_EVERY).await {
                Woke::Look => {}
                Woke::TeamChanged => {
                    sync_and_tell(inv, updates, &mut publish, &mut publish_after).await;
                }
                Woke::LostListener => {
                    listener = None;
                    listen_after = tokio::time::Instant::now() + listen.failed();
                }
            }
        }
    });
}

/// Why the loop woke up.
#[derive(Debug, PartialEq, Eq)]
enum Woke {
    /// The tick, or a command asked.
    Look,
    /// A member (maybe this one) published: pull.
    TeamChanged,
    /// The LISTEN connection failed.
    LostListener,
}

async fn wait(updates: &TeamUpdates, listener: Option<&mut TeamListener>, every: Duration) -> Woke {
    let tick = tokio::time::sleep(every);
    match listener {
        None => {
            tokio::select! {
                _ = tick => Woke::Look,
                _ = updates.wake.notified() => Woke::Look,
            }
        }
        Some(l) => {
            tokio::select! {
                _ = tick => Woke::Look,
                _ = updates.wake.notified() => Woke::Look,
                changed = l.changed() => match changed {
                    Ok(()) => Woke::TeamChanged,
                    Err(e) => {
                        tracing::debug!(code = e.code(), "team LISTEN ended: {e}");
                        Woke::LostListener
                    }
                },
            }
        }
    }
}

/// Publishes and pulls; tells the page on success, backs off on failure (the status keeps the
/// error for the window).
async fn sync_and_tell(
    inv: &keyward::Inventory,
    updates: &TeamUpdates,
    backoff: &mut Backoff,
    retry_after: &mut tokio::time::Instant,
) {
    match keyward_team::sync(inv).await {
        Ok(report) => {
            backoff.succeeded();
            tracing::debug!(
                published = report.published,
                pulled = report.pulled,
                "team sync"
            );
        }
        Err(e) => {
            *retry_after = tokio::time::Instant::now() + backoff.failed();
            tracing::info!(code = e.code(), "team sync failed, retrying later: {e}");
        }
    }
    // Either way the page's "as of" / queue / error changed.
    updates.changed();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_minute_and_resets() {
        let mut b = Backoff::default();
        let waits: Vec<u64> = (0..8).map(|_| b.failed().as_secs()).collect();
        assert_eq!(waits, vec![1, 2, 4, 8, 16, 32, 60, 60]);
        b.succeeded();
        assert_eq!(b.failed().as_secs(), 1);
    }
}
