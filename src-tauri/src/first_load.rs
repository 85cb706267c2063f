//! The answers the window's first paint needs, sent with its document (issue 14).
//!
//! The first paint needs three answers: the first page of keys, the providers and the settings.
//! Asked over IPC once the page's script ran, they arrived ~70 ms later (three fetches to the
//! `ipc:` scheme, answered while the web process was busy mounting and painting an empty list),
//! and the list was then laid out and painted a second time. The shell makes the same three
//! core calls on a thread of its own while WebKit starts (its web process asks for the document
//! ~100 ms after the window is created), and adds the answers to that document as a JSON data
//! block: `<script type="application/json">` is never run, so the CSP's `script-src` does not
//! apply to it. The page reads the block before its first render and removes it
//! (`ui/src/lib/firstload.ts`).
//!
//! They also carry the desktop's UI font family (GTK's `gtk-font-name`, read in this process,
//! where GTK is set up anyway). The page's `system-ui` resolves to the same family, but WebKit's
//! web process then sets up GTK's settings itself: ~26 ms of the first style pass, measured.
//!
//! Only the first document gets them: a reload would otherwise show answers from start-up.
//! Without them (a reload, answers not ready in time, a failed call) the page asks over IPC,
//! as it always did. The answers are metadata only (no DTO here can hold a key's value).

use crate::dto::{KeysPageDto, ProviderDto, SettingsDto};
use crate::state::AppState;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tauri::http::header::CONTENT_TYPE;
use tauri::http::{Request, Response};
use tauri::{Manager, Runtime};

/// Rows of the first page: `FIRST_PAGE` in `ui/src/lib/store.svelte.ts` (pinned by a UI test).
pub const FIRST_PAGE: usize = 100;

/// The `id` of the data block; `FIRST_LOAD_ID` in `ui/src/lib/firstload.ts`.
pub const BLOCK_ID: &str = "keyward-first-load";

/// How long the document's request waits for answers still being made. They are normally ready
/// long before WebKit asks; past this the page is served without them and asks over IPC.
const WAIT: Duration = Duration::from_millis(250);

/// What `keys_page(0, FIRST_PAGE)`, `providers_list` and `settings_get` answer.
#[derive(Debug, Serialize)]
pub struct FirstLoadDto {
    pub page: KeysPageDto,
    pub providers: Vec<ProviderDto>,
    pub settings: SettingsDto,
    /// The desktop's UI font family (`gtk-font-name` without its size), for the page's
    /// `--font-ui`; `None` where there is none to read (not Linux, no GTK settings).
    pub ui_font: Option<String>,
}

/// The answers, made once and given to the first document only.
pub struct FirstLoad {
    answers: Mutex<Option<Receiver<String>>>,
    sender: Mutex<Option<SyncSender<String>>>,
}

impl Default for FirstLoad {
    fn default() -> FirstLoad {
        let (sender, receiver) = sync_channel(1);
        FirstLoad {
            answers: Mutex::new(Some(receiver)),
            sender: Mutex::new(Some(sender)),
        }
    }
}

impl FirstLoad {
    /// Makes the answers on a thread of its own (the async runtime's workers stay free, and the
    /// document's request can wait for them without holding one up). A failed call leaves the
    /// page to ask over IPC, where the error is reported as usual.
    pub fn spawn_answers<R: Runtime>(
        &self,
        app: tauri::AppHandle<R>,
        started: Instant,
        ui_font: Option<String>,
    ) {
        let Some(sender) = self.sender.lock().ok().and_then(|mut s| s.take()) else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("first-load".into())
            .spawn(move || {
                let state = app.state::<AppState>();
                match tauri::async_runtime::block_on(answers(&state.inventory, ui_font)) {
                    Ok(json) => {
                        tracing::info!(
                            "first load ready after {} ms",
                            started.elapsed().as_millis()
                        );
                        // The receiver is gone if the document was served already.
                        let _ = sender.send(json);
                    }
                    Err(e) => tracing::warn!(code = e.code(), "first load not made: {e}"),
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("first load not made: {e}");
        }
    }

    /// Adds the answers to the app's HTML document, the first time it is served; leaves every
    /// other response alone. For `on_web_resource_request`, which runs after Tauri has set the
    /// document's CSP.
    pub fn add_to<B>(&self, _request: &Request<B>, response: &mut Response<Cow<'static, [u8]>>) {
        let is_html = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if !is_html {
            return;
        }
        let Some(answers) = self.answers.lock().ok().and_then(|mut a| a.take()) else {
            return;
        };
        let waited = Instant::now();
        let Ok(json) = answers.recv_timeout(WAIT) else {
            tracing::info!(
                "first load not ready after {} ms: the page asks over IPC",
                waited.elapsed().as_millis()
            );
            return;
        };
        let Ok(html) = std::str::from_utf8(response.body()) else {
            return;
        };
        match with_block(html, &json) {
            Some(html) => {
                tracing::info!(
                    "first load sent with the document ({} bytes, waited {} ms)",
                    json.len(),
                    waited.elapsed().as_millis()
                );
                *response.body_mut() = Cow::Owned(html.into_bytes());
            }
            None => tracing::warn!("first load not sent: the document has no <div id=\"app\">"),
        }
    }
}

/// The three answers as one JSON object, escaped for a data block, with the same log line the
/// `keys_page` command writes (scripts/bench-desktop.sh reads it).
async fn answers(
    inventory: &keyward::Inventory,
    ui_font: Option<String>,
) -> keyward::Result<String> {
    let started = Instant::now();
    let page = crate::findings::key_page(inventory, 0, FIRST_PAGE).await?;
    let page_ms = started.elapsed().as_millis();
    let providers = keyward::api::providers::list(inventory).await?;
    let settings = keyward::api::settings::get(inventory).await?;
    let (rows, total) = (page.keys.len(), page.total);
    let json = serde_json::to_string(&FirstLoadDto {
        page,
        providers,
        settings,
        ui_font,
    })
    .map_err(|e| keyward::Error::Internal(e.to_string()))?;
    tracing::info!(
        "keys_page: {rows} of {total} keys in {page_ms} ms, {} bytes of JSON (with the document; \
         providers and settings too)",
        json.len()
    );
    Ok(script_safe(&json))
}

/// The family of the desktop's UI font, as GTK's settings name it ("Cantarell 11" →
/// "Cantarell"): what WebKit makes of `system-ui`. Main thread only (GTK).
#[cfg(target_os = "linux")]
pub fn desktop_font_family() -> Option<String> {
    use gtk::prelude::GtkSettingsExt;
    let name = gtk::Settings::default()?.gtk_font_name()?;
    let family = gtk::pango::FontDescription::from_string(&name).family()?;
    let family = family.trim();
    (!family.is_empty()).then(|| family.to_owned())
}

#[cfg(not(target_os = "linux"))]
pub fn desktop_font_family() -> Option<String> {
    None
}

/// JSON that cannot end or comment out the data block: every `<` (only ever inside a JSON
/// string, where `\u003c` means the same) is escaped, so no `</script>` or `<!--` can appear,
/// whatever a key's name holds.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// The document with the data block just before the app's root element.
fn with_block(html: &str, json: &str) -> Option<String> {
    const ROOT: &str = "<div id=\"app\">";
    let at = html.find(ROOT)?;
    let block = format!("<script type=\"application/json\" id=\"{BLOCK_ID}\">{json}</script>");
    let mut out = String::with_capacity(html.len() + block.len());
    out.push_str(&html[..at]);
    out.push_str(&block);
    out.push_str(&html[at..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = "<!doctype html><html><head><title>Keyward</title></head><body>\
        <div id=\"app\"></div><script type=\"module\" src=\"/assets/index.js\"></script></body></html>";

    fn response(content_type: &str, body: &str) -> Response<Cow<'static, [u8]>> {
        Response::builder()
            .header(CONTENT_TYPE, content_type)
            .body(Cow::Owned(body.as_bytes().to_vec()))
            .unwrap()
    }

    fn body(response: &Response<Cow<'static, [u8]>>) -> String {
        String::from_utf8(response.body().to_vec()).unwrap()
    }

    fn ready(json: &str) -> FirstLoad {
        let first = FirstLoad::default();
        let sender = first.sender.lock().unwrap().take().unwrap();
        sender.send(json.to_owned()).unwrap();
        first
    }

    #[test]
    fn a_hostile_name_cannot_end_the_block() {
        let name = "</script><script>alert(1)</script><!-- </SCRIPT >";
        let json = script_safe(&serde_json::json!({ "name": name }).to_string());
        assert!(!json.contains('<'), "{json}");
        let html = with_block(INDEX, &json).unwrap();
        // The block holds the JSON as written; parsed, the name is the same text.
        let start = html.find(&format!("id=\"{BLOCK_ID}\">")).unwrap() + BLOCK_ID.len() + 6;
        let end = start + html[start..].find("</script>").unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(parsed["name"], name);
        // The block comes before the app's root and its module script.
        assert!(end < html.find("<div id=\"app\">").unwrap());
    }

    #[test]
    fn only_the_first_html_document_gets_the_answers() {
        let first = ready("{\"page\":1}");
        let request = Request::new(Vec::<u8>::new());
        let mut script = response("text/javascript", "let a = 1;");
        first.add_to(&request, &mut script);
        assert_eq!(body(&script), "let a = 1;", "a script is left alone");

        let mut document = response("text/html", INDEX);
        first.add_to(&request, &mut document);
        let html = body(&document);
        assert!(html.contains(&format!(
            "<script type=\"application/json\" id=\"{BLOCK_ID}\">{{\"page\":1}}</script><div id=\"app\">"
        )));

        let mut reloaded = response("text/html", INDEX);
        first.add_to(&request, &mut reloaded);
        assert_eq!(
            body(&reloaded),
            INDEX,
            "a reload asks over IPC: fresh answers"
        );
    }

    #[test]
    fn answers_not_made_leave_the_document_as_it_is() {
        // The thread failed (its sender dropped): the document is served at once, unchanged.
        let first = FirstLoad::default();
        drop(first.sender.lock().unwrap().take());
        let mut document = response("text/html", INDEX);
        let waited = Instant::now();
        first.add_to(&Request::new(()), &mut document);
        assert_eq!(body(&document), INDEX);
        assert!(waited.elapsed() < WAIT, "a failed thread is not waited for");
    }
}
