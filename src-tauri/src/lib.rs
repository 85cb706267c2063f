//! Keyward's desktop shell: thin glue between the window and the core crate. Commands live in
//! [`commands`], transport types in [`dto`], the one IPC error in [`error`].

pub mod commands;
pub mod dto;
pub mod error;
pub mod files;
pub mod findings;
pub mod findings_dto;
pub mod first_load;
mod ids;
pub mod lifecycle;
pub mod lifecycle_dto;
pub mod links;
pub mod live;
pub mod notify;
pub mod pages;
pub mod reveal;
pub mod state;
pub mod team;
pub mod team_dto;
pub mod webview_tuning;
#[cfg(target_os = "linux")]
pub mod wiping_allocators;

use state::AppState;
use std::sync::Arc;
use tauri::{Manager, Runtime};

/// Registers every command; shared by the real app and the command tests' mock app.
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::keys_list,
        commands::key_show,
        commands::key_detect,
        commands::key_add,
        commands::key_update,
        commands::key_remove,
        commands::key_copy,
        commands::import_file_pick,
        commands::import_preview,
        commands::import_commit,
        commands::providers_list,
        commands::settings_get,
        commands::settings_update,
        commands::keychain_status,
        commands::audit_list,
        commands::app_ready,
        commands::connections_list,
        commands::connection_add,
        commands::connection_remove,
        commands::connection_test,
        commands::key_verify,
        commands::keys_verify_all,
        commands::sync_preview,
        commands::sync_commit,
        pages::provider_page_open,
        // create / rotate / revoke (issue 5)
        lifecycle::key_create,
        lifecycle::key_reveal,
        lifecycle::rotation_plan,
        lifecycle::key_rotate,
        lifecycle::rotation_guided_submit,
        lifecycle::rotation_guided_confirm,
        lifecycle::rotation_list,
        lifecycle::rotation_recover,
        lifecycle::key_revoke,
        // findings + team review (issue 6)
        findings::finding_acknowledge,
        findings::review_get,
        findings::review_export,
        findings::policy_get,
        findings::policy_update,
        // the window follows the inventory (issue 16)
        live::inventory_watch,
        // link / unlink in the key's detail (issue 16)
        links::key_link_candidates,
        links::key_link,
        links::key_unlink,
        findings::findings_acknowledge,
        // rotation grace defaults per environment (issue 16)
        lifecycle::rotation_grace_get,
        lifecycle::rotation_grace_update,
        // the window's first page (issue 14)
        commands::keys_page,
        // the team on PostgreSQL (issue 15)
        team::team_status,
        team::team_join,
        team::team_leave,
        team::team_sync,
        team::team_sharing_update,
        team::team_keys,
        team::team_review,
        team::team_review_export,
        team::team_events,
        team::team_watch,
        // the whole list in chunks over a Channel (issue 14)
        commands::keys_stream,
        // the full key behind a compact list row (issue 14)
        commands::key_get,
    ])
}

pub fn run() {
    let started = std::time::Instant::now();
    // Before any thread starts (set_var) and before WebKit starts (it reads these at start).
    let knobs = webview_tuning::Knobs::from_env();
    webview_tuning::set_webkit_env(knobs);
    // Before anything reads a secret; see keyward::hardening.
    let hardening = keyward::hardening::deny_memory_access();
    init_logging();
    if let Err(e) = hardening {
        tracing::warn!("{e}");
    }
    #[cfg(target_os = "linux")]
    tracing::info!(
        "freed C and WebKit memory wiped: {} (restarted for it: {})",
        wiping_allocators::active(),
        wiping_allocators::restarted()
    );
    // The inventory opens, and the first paint's answers are made, while this thread sets up
    // GTK and the window (first_load).
    let first_load = Arc::new(first_load::FirstLoad::default());
    let opening = first_load.open_inventory(started);
    let result = with_commands(tauri::Builder::default())
        // Both used from Rust only: the window's capability grants neither (see files, pages).
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .on_page_load(move |_, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                tracing::info!("page loaded after {} ms", started.elapsed().as_millis());
            }
        })
        .setup(move |app| {
            // The window is made here rather than from the config (`create: false`): its
            // document gets the first paint's answers (first_load).
            main_window(app, first_load.clone())?;
            tracing::info!("window created after {} ms", started.elapsed().as_millis());
            first_load.set_ui_font(first_load::desktop_font_family());
            webview_tuning::apply(app, knobs);
            let inventory = opening
                .wait()
                .map_err(|e| e as Box<dyn std::error::Error>)?;
            let state = AppState::new(inventory).started_at(started);
            state.files.answer_from_env();
            app.manage(state);
            spawn_catalog_load(app.handle().clone(), started);
            notify::spawn_due_check(app.handle().clone());
            live::spawn_watch(app.handle().clone());
            team::spawn_team_loop(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("keyward: cannot start the window: {e}");
        std::process::exit(1);
    }
}

/// The `main` window of the config, whose document gets the first paint's answers.
fn main_window<R: Runtime>(
    app: &tauri::App<R>,
    first_load: Arc<first_load::FirstLoad>,
) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
        .unwrap_or_default();
    tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?
        .on_web_resource_request(move |request, response| first_load.add_to(&request, response))
        .build()
        .map(drop)
}

/// The catalog loads by then even if the window never reports its first paint.
const CATALOG_LOAD_LATEST: std::time::Duration = std::time::Duration::from_secs(3);

/// Loads the in-memory catalog once the window has painted its first rows (issue 14). Loading
/// 10,000 keys takes ~140 ms of CPU, which during start-up competed with WebKit's processes
/// for a 2-core machine's cores (up to ~80 ms later to navigation at 10k with one core free).
/// The first page is answered from the store without it; the whole list, asked for right after,
/// waits for it (or loads it itself if asked first); later answers find it loaded.
fn spawn_catalog_load<R: Runtime>(app: tauri::AppHandle<R>, started: std::time::Instant) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        state.first_painted(CATALOG_LOAD_LATEST).await;
        match keyward::api::keys::preload(&state.inventory).await {
            Ok(()) => tracing::info!("catalog loaded after {} ms", started.elapsed().as_millis()),
            Err(e) => tracing::warn!(code = e.code(), "catalog not loaded ahead: {e}"),
        }
    });
}

/// Logs to stderr at `KEYWARD_LOG` level (default warn); never a secret.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYWARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
