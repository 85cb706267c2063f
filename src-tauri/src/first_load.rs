//! The answers the window's first paint needs, sent with its document (issue 14).
//!
//! The first paint needs three answers: the first page of keys, the providers and the settings.
//! Asked over IPC once the page's script ran, they arrived ~70 ms later (three fetches to the
//! `ipc:` scheme, answered while the web process was busy mounting and painting an empty list),
//! and the list was then laid out and painted a second time. The shell makes the same three
//! core calls on the thread that opens the inventory at start, while the main thread sets up GTK
//! and the window (WebKit asks for the document ~100 ms after that), and adds the answers to
//! that document as a JSON data block: `<script type="application/json">` is never run, so the
//! CSP's `script-src` does not apply to it. The page reads the block before its first render
//! and removes it (`ui/src/lib/firstload.ts`).
//!
//! They also carry the desktop's UI font family (GTK's `gtk-font-name`, read in this process,
//! where GTK is set up anyway). The page's `system-ui` resolves to the same family, but WebKit's
//! web process then sets up GTK's settings itself: ~26 ms of the first style pass, measured.
//!
//! Only the first document gets them: a reload would otherwise show answers from start-up.
//! Without them (a reload, answers not ready in time, a failed call) the page asks over IPC,
//! as it always did. The answers are metadata only (no DTO here can hold a key's value).

use crate::dto::{KeysPageDto, ProviderDto, SettingsDto};
use keyward::Inventory;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::http::header::CONTENT_TYPE;
use tauri::http::{Request, Response};

/// Rows of the first page: `FIRST_PAGE` in `ui/src/lib/store.svelte.ts` (pinned by a UI test).
pub const FIRST_PAGE: usize = 100;

/// The `id` of the data block; `FIRST_LOAD_ID` in `ui/src/lib/firstload.ts`.
pub const BLOCK_ID: &str = "keyward-first-load";

/// How long the document's request waits for answers still being made. They are normally ready
/// long before WebKit asks; past this the page is served without them and asks over IPC.
const WAIT: Duration = Duration::from_millis(250);

/// Why the inventory could not open (the configuration or the store); the window does not start.
pub type OpenError = Box<dyn std::error::Error + Send + Sync>;

/// What `keys_page(0, FIRST_PAGE)`, `providers_list` and `settings_get` answer, and the font.
#[derive(Debug, Serialize)]
pub struct FirstLoadDto {
    pub page: KeysPageDto,
    pub providers: Vec<ProviderDto>,
    pub settings: SettingsDto,
    /// The desktop's UI font family (`gtk-font-name` without its size), for the page's
    /// `--font-ui`; `None` where there is none to read (not Linux, no GTK settings).
    pub ui_font: Option<String>,
}

/// The three answers, made on the opening thread; the font is added on the main thread.
pub struct Answers {
    page: KeysPageDto,
    providers: Vec<ProviderDto>,
    settings: SettingsDto,
}

/// The answers, made once and given to the first document only.
pub struct FirstLoad {
    answers: Mutex<Option<Receiver<Answers>>>,
    sender: Mutex<Option<SyncSender<Answers>>>,
    ui_font: Mutex<Option<String>>,
}

impl Default for FirstLoad {
    fn default() -> FirstLoad {
        let (sender, receiver) = sync_channel(1);
        FirstLoad {
            answers: Mutex::new(Some(receiver)),
            sender: Mutex::new(Some(sender)),
            ui_font: Mutex::new(None),
        }
    }
}

/// The inventory being opened on its thread; [`OpeningInventory::wait`] hands it over.
pub struct OpeningInventory(Option<Receiver<Result<Inventory, OpenError>>>);

impl OpeningInventory {
    /// The opened inventory (opened here if its thread could not start).
    pub fn wait(self) -> Result<Inventory, OpenError> {
        match self.0 {
            Some(opened) => opened
                .recv()
                .map_err(|_| OpenError::from("the inventory's opening thread stopped"))?,
            None => tauri::async_runtime::block_on(open()),
        }
    }
}

impl FirstLoad {
    /// A first load whose answers are made already (tests).
    pub fn ready(answers: Answers) -> FirstLoad {
        let first = FirstLoad::default();
        if let Some(sender) = first.sender.lock().ok().and_then(|mut s| s.take()) {
            let _ = sender.send(answers);
        }
        first
    }

    /// Opens the inventory on a thread of its own, then makes the answers with it. Called first
    /// thing in `run()`: until WebKit's processes start, the main thread sets up GTK and the
    /// window alone, and on a 2-core machine the other core is idle; made in `setup()`, the same
    /// work ran while WebKit's processes started, competing with them. A failed answer leaves
    /// the page to ask over IPC, where the error is reported as usual.
    pub fn open_inventory(&self, started: Instant) -> OpeningInventory {
        let sender = self.sender.lock().ok().and_then(|mut s| s.take());
        let (opened, opening) = channel();
        let spawned = std::thread::Builder::new()
            .name("inventory-open".into())
            .spawn(move || {
                let inventory = match tauri::async_runtime::block_on(open()) {
                    Ok(inventory) => inventory,
                    Err(e) => {
                        let _ = opened.send(Err(e));
                        return;
                    }
                };
                tracing::info!("inventory open after {} ms", started.elapsed().as_millis());
                if let Some(sender) = sender {
                    match tauri::async_runtime::block_on(answers(&inventory)) {
                        Ok(answers) => {
                            tracing::info!(
                                "first load ready after {} ms",
                                started.elapsed().as_millis()
                            );
                            // The receiver is gone if the document was served already.
                            let _ = sender.send(answers);
                        }
                        Err(e) => tracing::warn!(code = e.code(), "first load not made: {e}"),
                    }
                }
                // Nobody waits if setup() failed before asking.
                let _ = opened.send(Ok(inventory));
            });
        match spawned {
            Ok(_) => OpeningInventory(Some(opening)),
            Err(e) => {
                tracing::warn!("inventory opened in setup: no thread for it ({e})");
                OpeningInventory(None)
            }
        }
    }

    /// The desktop's UI font family, sent with the answers.
    pub fn set_ui_font(&self, family: Option<String>) {
        if let Ok(mut font) = self.ui_font.lock() {
            *font = family;
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
        let Ok(Answers {
            page,
            providers,
            settings,
        }) = answers.recv_timeout(WAIT)
        else {
            tracing::info!(
                "first load not ready after {} ms: the page asks over IPC",
                waited.elapsed().as_millis()
            );
            return;
        };
        let ui_font = self.ui_font.lock().ok().and_then(|f| f.clone());
        let dto = FirstLoadDto {
            page,
            providers,
            settings,
            ui_font,
        };
        let (Ok(html), Ok(json)) = (
            std::str::from_utf8(response.body()),
            serde_json::to_string(&dto),
        ) else {
            return;
        };
        match with_block(html, &script_safe(&json)) {
            Some(html) => {
                tracing::info!(
                    "first load sent with the document ({} bytes of JSON, waited {} ms)",
                    json.len(),
                    waited.elapsed().as_millis()
                );
                *response.body_mut() = Cow::Owned(html.into_bytes());
            }
            None => tracing::warn!("first load not sent: the document has no <div id=\"app\">"),
        }
    }
}

/// The configuration, the keychain and the store, as the window uses them.
async fn open() -> Result<Inventory, OpenError> {
    let config = keyward::Config::from_env()?;
    let vault = Arc::new(keyward::vault::KeychainVault::new(
        config.keychain_service.clone(),
    ));
    // Unchecked: the window asks keychain_status after its first paint (issue 14).
    Ok(Inventory::open_unchecked(config, vault).await?)
}

/// The three answers, with the log line the `keys_page` command writes (scripts/bench-desktop.sh
/// reads it).
pub async fn answers(inventory: &Inventory) -> keyward::Result<Answers> {
    let started = Instant::now();
    let page = crate::findings::key_page(inventory, 0, FIRST_PAGE).await?;
    tracing::info!(
        "keys_page: {} of {} keys in {} ms (for the document)",
        page.keys.len(),
        page.total,
        started.elapsed().as_millis()
    );
    Ok(Answers {
        page,
        providers: keyward::api::providers::list(inventory).await?,
        settings: keyward::api::settings::get(inventory).await?,
    })
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

    /// Answers as the opening thread sends them: no keys, a hostile default owner.
    fn ready(owner: &str) -> FirstLoad {
        let settings = SettingsDto {
            clipboard_timeout_secs: 30,
            environments: vec![],
            data_dir: "/data".into(),
            default_owner: Some(owner.into()),
        };
        let page = KeysPageDto {
            total: 0,
            offset: 0,
            keys: vec![],
        };
        FirstLoad::ready(Answers {
            page,
            providers: vec![],
            settings,
        })
    }

    /// The JSON in the document's data block, parsed.
    fn block_of(html: &str) -> serde_json::Value {
        let start = html.find(&format!("id=\"{BLOCK_ID}\">")).unwrap() + BLOCK_ID.len() + 6;
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).unwrap()
    }

    #[test]
    fn a_hostile_name_cannot_end_the_block() {
        let name = "</script><script>alert(1)</script><!-- </SCRIPT >";
        let first = ready(name);
        let mut document = response("text/html", INDEX);
        first.add_to(&Request::new(()), &mut document);
        let html = body(&document);
        // Nothing of the name is markup: the only <script> tags are the block's and the page's.
        assert_eq!(html.matches("<script").count(), 2, "{html}");
        assert!(!html.contains("<!--"));
        // Parsed, the block gives the name back as the same text.
        assert_eq!(block_of(&html)["settings"]["default_owner"], name);
        // The block comes before the app's root and its module script.
        assert!(html.find(BLOCK_ID).unwrap() < html.find("<div id=\"app\">").unwrap());
    }

    #[test]
    fn only_the_first_html_document_gets_the_answers() {
        let first = ready("alice");
        first.set_ui_font(Some("Cantarell".into()));
        let request = Request::new(Vec::<u8>::new());
        let mut script = response("text/javascript", "let a = 1;");
        first.add_to(&request, &mut script);
        assert_eq!(body(&script), "let a = 1;", "a script is left alone");

        let mut document = response("text/html", INDEX);
        first.add_to(&request, &mut document);
        let html = body(&document);
        assert!(html.contains(&format!(
            "<script type=\"application/json\" id=\"{BLOCK_ID}\">{{\"page\":"
        )));
        let block = block_of(&html);
        assert_eq!(block["page"]["total"], 0);
        assert_eq!(block["settings"]["default_owner"], "alice");
        assert_eq!(block["ui_font"], "Cantarell");

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
