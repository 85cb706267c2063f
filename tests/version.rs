//! Keyward's version has one source, `[workspace.package] version` in the root Cargo.toml.
//! tauri.conf.json carries none (Tauri then takes the package's), the desktop app, the CLI
//! and the window's About box (`@tauri-apps/api/app` getVersion through the real
//! capabilities) all report it. These tests fail if any of them drifts.
#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `version = "…"` under `[workspace.package]`, read from the file itself.
fn workspace_version() -> String {
    let manifest = std::fs::read_to_string(format!("{ROOT}/Cargo.toml")).unwrap();
    let mut in_section = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == "[workspace.package]";
        } else if in_section {
            if let Some(v) = line.strip_prefix("version") {
                let v = v.trim_start().strip_prefix('=').unwrap().trim();
                return v.trim_matches('"').to_owned();
            }
        }
    }
    panic!("no version under [workspace.package] in Cargo.toml");
}

#[test]
fn the_workspace_version_is_every_crates_version() {
    let version = workspace_version();
    assert_eq!(
        env!("CARGO_PKG_VERSION"),
        version,
        "keyward-desktop must take `version.workspace = true`"
    );
    for krate in ["keyward", "keyward-cli"] {
        let manifest =
            std::fs::read_to_string(format!("{ROOT}/crates/{krate}/Cargo.toml")).unwrap();
        assert!(
            manifest.contains("version.workspace = true"),
            "crates/{krate}/Cargo.toml must take its version from the workspace"
        );
    }
}

#[test]
fn tauri_conf_has_no_version_of_its_own() {
    let conf: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{ROOT}/tauri.conf.json")).unwrap())
            .unwrap();
    // A version here would override Cargo's in the bundles and the About box.
    assert!(
        conf.get("version").is_none(),
        "tauri.conf.json must not set \"version\"; it comes from Cargo.toml: {:?}",
        conf.get("version")
    );
}

/// The window's IPC, as the About box calls it: the real config and capabilities.
fn ipc(
    context: tauri::Context<tauri::test::MockRuntime>,
) -> impl Fn(&str) -> Result<Value, String> {
    let app = keyward_desktop::with_commands(mock_builder())
        .build(context)
        .unwrap();
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    move |cmd: &str| {
        let _app = &app; // the window lives as long as its app
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(serde_json::json!({})),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&window, request)
            .map(|b| b.deserialize::<Value>().unwrap())
            .map_err(|e| e.to_string())
    }
}

#[test]
fn the_about_box_reads_the_workspace_version_through_ipc() {
    let context = tauri::generate_context!();
    assert_eq!(
        context.package_info().version.to_string(),
        workspace_version()
    );
    assert_eq!(context.package_info().name, "Keyward");

    let call = ipc(context);
    assert_eq!(
        call("plugin:app|version"),
        Ok(Value::from(workspace_version()))
    );
    assert_eq!(call("plugin:app|name"), Ok(Value::from("Keyward")));
}

#[test]
fn the_window_may_not_call_other_app_plugin_commands() {
    // Only name and version are granted, not the rest of the app plugin (e.g. Tauri's version).
    let call = ipc(tauri::generate_context!());
    let refused = call("plugin:app|tauri_version").expect_err("tauri_version must be refused");
    assert!(
        refused.contains("not allowed"),
        "refused for another reason than the capabilities: {refused}"
    );
}
