//! The smallest Tauri v2 app: one window, one page, one command. The page calls `ready` after
//! its first paint, exactly like Keyward's window calls `app_ready`, so both measure the same
//! thing: process start → page loaded, script run, frame painted, one IPC round trip.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::time::{SystemTime, UNIX_EPOCH};

/// Writes the Unix time in ms to `$KEYWARD_READY_FILE` (if set).
#[tauri::command]
async fn ready() -> Result<(), String> {
    let Some(path) = std::env::var_os("KEYWARD_READY_FILE") else {
        return Ok(());
    };
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis();
    std::fs::write(path, ms.to_string()).map_err(|e| e.to_string())
}

fn main() {
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("bare-window: {e}");
        std::process::exit(1);
    }
}
