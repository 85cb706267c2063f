//! Provider pages opened in the system browser: the window names a provider and a page, never
//! a URL, and the backend opens the address the provider's profile (or the user's description
//! of a custom provider) gives. The window's capability grants no opener permission, so a
//! script in the page cannot send the browser anywhere else (an exfiltration channel).

use crate::error::AppError;
use crate::state::AppState;
use keyward::api::providers::{self, ProviderPage};
use tauri::{AppHandle, Runtime, State};
#[cfg(not(target_os = "linux"))]
use tauri_plugin_opener::OpenerExt;

/// Opens a provider's dashboard or docs in the system browser.
#[tauri::command]
pub async fn provider_page_open<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    provider: String,
    kind: Option<String>,
    page: ProviderPage,
) -> Result<(), AppError> {
    let url = providers::page(&state.inventory, &provider, kind.as_deref(), page).await?;
    tracing::info!(provider, ?page, %url, "opening a provider page");
    let failed = |e: &dyn std::fmt::Display| AppError {
        code: "open_failed",
        message: format!("cannot open {url} in the browser: {e}"),
    };
    #[cfg(target_os = "linux")]
    {
        let _ = app;
        let address = url.to_string();
        tauri::async_runtime::spawn_blocking(move || browser::open(&address))
            .await
            .map_err(|e| failed(&e))?
            .map_err(|e| failed(&e))
    }
    #[cfg(not(target_os = "linux"))]
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| failed(&e))
}

/// The desktop's URL opener (Linux), started without the WebKit switches Keyward set for its own
/// window (`webview_tuning::variables_set`): a browser it starts (GNOME Web is WebKit too) keeps
/// its JIT and its GPU. The launchers are the `open` crate's (xdg-open first), in its order.
#[cfg(target_os = "linux")]
mod browser {
    use std::io;
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    /// A launcher that has not failed by then counts as started (the `open` crate's figure).
    const FAILS_WITHIN: Duration = Duration::from_millis(250);

    pub fn open(url: &str) -> io::Result<()> {
        launch_first(open::commands(url), crate::webview_tuning::variables_set())
    }

    /// Starts the first of `launchers` that does not fail at once, without the `unset`
    /// variables, in its own process group (it outlives the window); reaps it on a thread.
    pub fn launch_first(launchers: Vec<Command>, unset: &[&str]) -> io::Result<()> {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no URL opener (xdg-open) found");
        for mut launcher in launchers {
            for name in unset {
                launcher.env_remove(name);
            }
            launcher
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0);
            let mut child = match launcher.spawn() {
                Ok(child) => child,
                Err(e) => {
                    last = e;
                    continue;
                }
            };
            let started = Instant::now();
            loop {
                match child.try_wait() {
                    Ok(Some(status)) if status.success() => return Ok(()),
                    Ok(Some(status)) => {
                        let program = launcher.get_program().to_string_lossy().into_owned();
                        last = io::Error::other(format!("{program} failed ({status})"));
                        break;
                    }
                    Ok(None) if started.elapsed() >= FAILS_WITHIN => {
                        std::thread::spawn(move || child.wait());
                        return Ok(());
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                    Err(e) => {
                        last = e;
                        break;
                    }
                }
            }
        }
        Err(last)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn shell(script: &str) -> Command {
            let mut command = Command::new("sh");
            command.args(["-c", script]);
            command
        }

        #[test]
        fn the_launcher_runs_without_the_windows_webkit_switches() {
            let dir = tempfile::tempdir().expect("temp dir");
            let out = dir.path().join("env");
            let mut launcher = shell(&format!("env > '{}'", out.display()));
            launcher.env("JSC_useJIT", "0").env("KEYWARD_KEPT", "yes");
            launch_first(vec![launcher], &["JSC_useJIT", "GDK_GL"]).expect("launched");
            let deadline = Instant::now() + Duration::from_secs(5);
            while !out.exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            let env = std::fs::read_to_string(&out).expect("the launcher wrote its environment");
            assert!(env.contains("KEYWARD_KEPT=yes"), "{env}");
            assert!(!env.contains("JSC_useJIT"), "{env}");
        }

        #[test]
        fn a_missing_or_failing_launcher_falls_back_to_the_next() {
            let missing = Command::new("/nonexistent/xdg-open");
            launch_first(vec![missing, shell("exit 3"), shell("exit 0")], &[])
                .expect("the third one");
            // One that runs past the failure window counts as started.
            launch_first(vec![shell("sleep 1")], &[]).expect("still running");
            let error = launch_first(
                vec![Command::new("/nonexistent/xdg-open"), shell("exit 3")],
                &[],
            )
            .expect_err("every launcher failed");
            assert!(error.to_string().contains("sh failed"), "{error}");
            assert!(launch_first(Vec::new(), &[]).is_err());
        }
    }
}
