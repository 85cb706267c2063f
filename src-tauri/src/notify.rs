//! Desktop notification when keys become due: once shortly after start, then once a day
//! while the window runs. It names counts only — never a key's name or value — and is off
//! when the user turns it off in Settings. No notification daemon (CI, Xvfb) is not an error:
//! the failure is logged and the window carries on.

use crate::findings::notify_due;
use crate::state::AppState;
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

/// Wait after start-up, so the first check does not compete with the window's first paint.
const FIRST_CHECK_AFTER: Duration = Duration::from_secs(20);
const CHECK_EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// Overrides both delays (seconds), for tests: `KEYWARD_DUE_CHECK_SECS=1`.
pub const CHECK_SECS_ENV: &str = "KEYWARD_DUE_CHECK_SECS";

/// The notification's text, or `None` when nothing is due.
pub fn due_message(overdue: usize, due_soon: usize) -> Option<String> {
    let keys = |n: usize| {
        if n == 1 {
            "1 key".to_owned()
        } else {
            format!("{n} keys")
        }
    };
    match (overdue, due_soon) {
        (0, 0) => None,
        (o, 0) => Some(format!("{} overdue for rotation or expired.", keys(o))),
        (0, s) => Some(format!("{} due for rotation or expiring soon.", keys(s))),
        (o, s) => Some(format!(
            "{} overdue for rotation or expired, {s} more due soon.",
            keys(o)
        )),
    }
}

fn delays() -> (Duration, Duration) {
    match std::env::var(CHECK_SECS_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| *s > 0)
    {
        Some(secs) => (Duration::from_secs(secs), Duration::from_secs(secs)),
        None => (FIRST_CHECK_AFTER, CHECK_EVERY),
    }
}

/// Starts the daily check on the app's async runtime.
pub fn spawn_due_check<R: Runtime>(app: AppHandle<R>) {
    let (first, every) = delays();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(first).await;
        loop {
            check_once(&app).await;
            tokio::time::sleep(every).await;
        }
    });
}

async fn check_once<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    match notify_due(&state.inventory).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!("due check skipped: {}", e.message);
            return;
        }
    }
    let review = match keyward::api::findings::review(&state.inventory).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(code = e.code(), "due check skipped: {e}");
            return;
        }
    };
    let Some(body) = due_message(review.overdue_count, review.due_soon_count) else {
        tracing::info!("due check: nothing due");
        return;
    };
    tracing::info!(
        overdue = review.overdue_count,
        due_soon = review.due_soon_count,
        "due check: notifying"
    );
    let app = app.clone();
    // Showing talks to the session bus synchronously; keep it off the async workers.
    let shown = tauri::async_runtime::spawn_blocking(move || {
        app.notification()
            .builder()
            .title("Keyward: keys need rotation")
            .body(body)
            .show()
    })
    .await;
    match shown {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!("cannot show the due-key notification: {e}"),
        Err(e) => tracing::warn!("due-key notification task failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::due_message;

    #[test]
    fn names_counts_only() {
        assert_eq!(due_message(0, 0), None);
        assert_eq!(
            due_message(1, 0).as_deref(),
            Some("1 key overdue for rotation or expired.")
        );
        assert_eq!(
            due_message(0, 3).as_deref(),
            Some("3 keys due for rotation or expiring soon.")
        );
        assert_eq!(
            due_message(2, 5).as_deref(),
            Some("2 keys overdue for rotation or expired, 5 more due soon.")
        );
    }
}
