//! The one Tauri test harness: the app's real command list, config and capabilities on Tauri's
//! mock runtime, over an inventory in a fresh data dir, with every answer recorded (command and
//! body) for the canary checks. Each test file wraps it with what it needs besides (a vault it
//! can fail, a simulator, a PostgreSQL server).

#![allow(dead_code)] // each test binary uses its part

use keyward::vault::Vault;
use keyward::{Config, Inventory};
use keyward_desktop::state::AppState;
use serde_json::Value;
use std::cell::{Ref, RefCell};
use std::sync::Arc;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow};

pub type Builder = tauri::Builder<MockRuntime>;

pub struct TestApp {
    app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    _dir: tempfile::TempDir,
    /// Every answer, with the command that gave it.
    answers: RefCell<Vec<(String, String)>>,
}

impl TestApp {
    pub fn new(vault: Arc<dyn Vault>) -> TestApp {
        TestApp::with_plugins(vault, |b| b)
    }

    /// The app builder also gets `plugins` (the real app registers a few).
    pub fn with_plugins(
        vault: Arc<dyn Vault>,
        plugins: impl FnOnce(Builder) -> Builder,
    ) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::at(dir.path().to_path_buf());
        let inventory = tauri::async_runtime::block_on(Inventory::open(config, vault)).unwrap();
        let app = plugins(keyward_desktop::with_commands(mock_builder()))
            .manage(AppState::new(inventory))
            .build(tauri::generate_context!())
            .unwrap();
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        TestApp {
            app,
            window,
            _dir: dir,
            answers: Default::default(),
        }
    }

    /// Invokes `cmd` as the page would; the answer (or error) is recorded.
    pub fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        let out =
            get_ipc_response(&self.window, request).map(|b| b.deserialize::<Value>().unwrap());
        let text = match &out {
            Ok(v) | Err(v) => v.to_string(),
        };
        self.answers.borrow_mut().push((cmd.to_owned(), text));
        out
    }

    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// The error's code; every error also says what went wrong in words.
    pub fn err_code(&self, cmd: &str, args: Value) -> String {
        let e = self.call(cmd, args).expect_err(cmd);
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{cmd}: an error without a message: {e}"
        );
        e["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{cmd}: error without code: {e}"))
            .to_owned()
    }

    /// Every answer so far: (command, body).
    pub fn answers(&self) -> Ref<'_, Vec<(String, String)>> {
        self.answers.borrow()
    }

    /// Every answer's body, one per line.
    pub fn answer_text(&self) -> String {
        let answers = self.answers.borrow();
        let bodies: Vec<&str> = answers.iter().map(|(_, body)| body.as_str()).collect();
        bodies.join("\n")
    }

    pub fn state(&self) -> tauri::State<'_, AppState> {
        self.app.state::<AppState>()
    }
}
