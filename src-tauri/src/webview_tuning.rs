//! WebKitGTK's own knobs (issue 14): environment variables WebKit reads when it starts, set
//! first thing in `run()`, and view settings applied in `setup()`.
//! `KEYWARD_WEBKIT_TUNING` picks them for measuring (a comma list of knob names, or `none`);
//! unset, the default set applies. scripts/bench-desktop.sh measures each one on its own.
//!
//! - `cache-model`: `WEBKIT_CACHE_MODEL_DOCUMENT_VIEWER`, the model for a single local
//!   document: no page cache and minimal memory caches (wry leaves the browser default).
//! - `no-page-cache`: no back/forward page cache (the window never navigates).
//! - `no-gpu`: no accelerated compositing (its GL context and layer buffers): ~100 MiB less PSS
//!   at 1k keys and a faster first paint (docs/BENCHMARKS.md); a list of rows needs no GPU
//!   compositing. Two parts: `WEBKIT_DISABLE_COMPOSITING_MODE=1` in the environment before
//!   WebKit starts (WebKitGTK's documented switch, https://trac.webkit.org/wiki/EnvironmentVariables),
//!   and `WEBKIT_HARDWARE_ACCELERATION_POLICY_NEVER` on the view. The policy alone comes too
//!   late: wry creates the view, and WebKit starts its compositor threads and a software GL
//!   (Mesa's llvmpipe, on a machine without a GPU) in both processes, before the app sees it.
//!   The variable keeps them from starting: 60–85 ms less to interactive (issue 14).
//! - `no-gl` (with `no-gpu` only): no GL stack loaded in the app's own process. With compositing
//!   off, nothing there draws with GL, yet two probes load Mesa (its llvmpipe driver links LLVM)
//!   and initialize a display before the window navigates: GTK's GLX check when it opens the X
//!   display (`GDK_GL=disable` skips it; the window has no GL widget), and WebKit's look-up of the
//!   GPU device it would name to the web process, through EGL (`WEBKIT_WEB_RENDER_DEVICE_FILE`
//!   names one, `none`, so WebKit asks nothing; the DMA-BUF renderer that would use it is off too,
//!   `WEBKIT_DISABLE_DMABUF_RENDERER=1`). 55–105 ms less to interactive and ~20 MiB less PSS here
//!   (issue 14, docs/BENCHMARKS.md). The web process still sets up its own EGL display.
//! - `no-jit`: JavaScriptCore runs the page in its interpreter (`JSC_useJIT=0` for the web
//!   process, set before WebKit starts it): 11–14 MiB less in the web process at 10,000 keys
//!   (its compiled code and executable memory), and no JIT-compiled code in the process that
//!   shows key values: WebKit's Lockdown Mode makes the same trade. The window runs only its
//!   own bundle, so its code rarely gets hot enough to be compiled anyway; a list pass over
//!   10,000 rows is the slowest thing it does. An explicit `JSC_useJIT` is left alone.
//!
//! Not here: the process model (WebKitGTK ≥ 2.26 always runs one web process per view; the
//! setting is deprecated and does nothing) and memory-pressure settings (they are given when
//! a `WebKitWebContext` is created, and wry creates the context before the app sees it).

/// Selects the knobs; read once at start-up.
pub const TUNING_ENV: &str = "KEYWARD_WEBKIT_TUNING";

/// Read by WebKitGTK's UI and web processes when they start (`no-gpu`).
const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Read by GTK and WebKitGTK's UI process (`no-gl`); see the module's comment.
const NO_GL: [(&str, &str); 3] = [
    ("GDK_GL", "disable"),
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    ("WEBKIT_WEB_RENDER_DEVICE_FILE", "none"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Knobs {
    pub cache_model: bool,
    pub no_page_cache: bool,
    pub no_gpu: bool,
    pub no_gl: bool,
    pub no_jit: bool,
}

impl Knobs {
    pub const DEFAULT: Knobs = Knobs {
        cache_model: true,
        no_page_cache: true,
        no_gpu: true,
        no_gl: true,
        no_jit: true,
    };

    /// The knobs `value` names (`None`: the default set); unknown names are ignored.
    pub fn parse(value: Option<&str>) -> Knobs {
        let Some(value) = value else {
            return Knobs::DEFAULT;
        };
        let names: Vec<&str> = value.split(',').map(str::trim).collect();
        Knobs {
            cache_model: names.contains(&"cache-model"),
            no_page_cache: names.contains(&"no-page-cache"),
            no_gpu: names.contains(&"no-gpu"),
            no_gl: names.contains(&"no-gl"),
            no_jit: names.contains(&"no-jit"),
        }
    }

    /// The environment WebKit needs for these knobs, unless already set: its processes read
    /// JavaScriptCore's options, the compositing switch and the GL probes' switches (GTK too)
    /// from their environment when they start.
    pub fn webkit_env(
        self,
        already_set: impl Fn(&str) -> bool,
    ) -> Vec<(&'static str, &'static str)> {
        let mut env = Vec::new();
        if self.no_jit && !already_set("JSC_useJIT") {
            env.push(("JSC_useJIT", "0"));
        }
        if self.no_gpu && !already_set(DISABLE_COMPOSITING) {
            env.push((DISABLE_COMPOSITING, "1"));
        }
        // Only with compositing off: with it on, WebKit needs the GPU device it looks up.
        if self.no_gpu && self.no_gl {
            env.extend(NO_GL.into_iter().filter(|(name, _)| !already_set(name)));
        }
        env
    }

    pub fn from_env() -> Knobs {
        Knobs::parse(std::env::var(TUNING_ENV).ok().as_deref())
    }
}

/// Sets the environment WebKit reads for `knobs` (Linux: WebKitGTK; the other platforms'
/// webviews take no such settings). Called first thing in `run()`, before any thread or
/// webview exists: `set_var` is only sound while this process has one thread.
pub fn set_webkit_env(knobs: Knobs) {
    if cfg!(target_os = "linux") {
        let env = knobs.webkit_env(|name| std::env::var_os(name).is_some());
        for (name, value) in &env {
            std::env::set_var(name, value);
        }
        let _ = SET.set(env.into_iter().map(|(name, _)| name).collect());
    }
}

/// The variables `set_webkit_env` set (not those the user had set): meant for WebKit's
/// processes only, so a browser the window starts goes without them (pages.rs).
pub fn variables_set() -> &'static [&'static str] {
    SET.get().map(Vec::as_slice).unwrap_or(&[])
}

static SET: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();

/// Applies `knobs` to the main window's webview (Linux only; elsewhere nothing to do).
pub fn apply<R: tauri::Runtime>(app: &tauri::App<R>, knobs: Knobs) {
    use tauri::Manager;
    tracing::info!(?knobs, "WebKit tuning");
    let Some(window) = app.get_webview_window("main") else {
        tracing::warn!("no main window to tune");
        return;
    };
    if let Err(e) = window.with_webview(move |webview| platform::apply(webview, knobs)) {
        tracing::warn!("cannot tune the webview: {e}");
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use super::Knobs;
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
    };

    pub fn apply(webview: tauri::webview::PlatformWebview, knobs: Knobs) {
        let view = webview.inner();
        if knobs.cache_model {
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        }
        if let Some(settings) = WebViewExt::settings(&view) {
            if knobs.no_page_cache {
                settings.set_enable_page_cache(false);
            }
            if knobs.no_gpu {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    pub fn apply(_webview: tauri::webview::PlatformWebview, _knobs: super::Knobs) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_is_the_default_set_and_names_pick_knobs() {
        assert_eq!(Knobs::parse(None), Knobs::DEFAULT);
        let none = Knobs::parse(Some("none"));
        assert!(
            !none.cache_model && !none.no_page_cache && !none.no_gpu && !none.no_gl && !none.no_jit
        );
        let two = Knobs::parse(Some("cache-model, no-gpu"));
        assert!(two.cache_model && two.no_gpu && !two.no_page_cache && !two.no_jit);
        assert!(Knobs::parse(Some("no-jit")).no_jit);
        assert!(Knobs::parse(Some("no-gpu,no-gl")).no_gl);
    }

    #[test]
    fn knobs_set_webkit_variables_unless_the_user_did() {
        let unset = |_: &str| false;
        assert_eq!(
            Knobs::DEFAULT.webkit_env(unset),
            vec![
                ("JSC_useJIT", "0"),
                ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
                ("GDK_GL", "disable"),
                ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
                ("WEBKIT_WEB_RENDER_DEVICE_FILE", "none"),
            ]
        );
        assert!(Knobs::DEFAULT
            .webkit_env(|name| name == "JSC_useJIT"
                || name == DISABLE_COMPOSITING
                || NO_GL.iter().any(|(n, _)| *n == name))
            .is_empty());
        // The user's own value wins, one variable at a time.
        assert!(!Knobs::DEFAULT
            .webkit_env(|name| name == "GDK_GL")
            .iter()
            .any(|(name, _)| *name == "GDK_GL"));
        assert_eq!(
            Knobs::parse(Some("no-gpu")).webkit_env(unset),
            vec![("WEBKIT_DISABLE_COMPOSITING_MODE", "1")]
        );
        assert!(Knobs::parse(Some("cache-model,no-page-cache"))
            .webkit_env(unset)
            .is_empty());
        // Without no-gpu, WebKit composites with the GPU it looks up: no-gl does nothing.
        assert_eq!(
            Knobs::parse(Some("no-gl")).webkit_env(unset),
            Vec::<(&str, &str)>::new()
        );
    }
}
