//! Every Tauri command is three lines: the state plus one argument, one `keyward::api` call,
//! `.map_err(Into::into)` (a request struct built from the page's arguments may take one more
//! line). A source check: the commands that are longer are listed below with the reason, and
//! the list must stay exact (a command that got short leaves it).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::path::Path;

/// Longer commands and why. Keep it shrinking.
const LONGER: &[(&str, &str)] = &[
    (
        "app_ready",
        "window lifecycle (AppHandle-bound), no core call",
    ),
    (
        "import_commit",
        "reads the file picked in this session (AppState.files) for keyward::api::import",
    ),
    (
        "import_file_pick",
        "AppHandle-bound: opens the native file dialog",
    ),
    (
        "import_preview",
        "reads the file picked in this session (AppState.files) for keyward::api::import",
    ),
    (
        "inventory_watch",
        "AppHandle-bound: emits change events to the window",
    ),
    (
        "key_copy",
        "the clipboard hold is the window's state (AppState), handed to keyward::api::keys::copy",
    ),
    (
        "key_create",
        "issues a one-time reveal token (AppState) for the new value keyward::api::lifecycle made",
    ),
    (
        "key_reveal",
        "the one-time reveal token is the window's state (AppState)",
    ),
    (
        "key_rotate",
        "streams progress over a Channel and issues one-time reveal tokens (AppState)",
    ),
    (
        "keychain_status",
        "keyward::api::doctor's call cannot fail: a status, never an error",
    ),
    ("keys_list", "logs its time for scripts/bench-desktop.sh"),
    (
        "keys_page",
        "the start-up page: offset and limit from the page (issue 14)",
    ),
    (
        "team_join",
        "the password arrives as Secret and the team loop is told (issue 15)",
    ),
    ("team_leave", "the team loop is told (issue 15)"),
    (
        "team_review_export",
        "save dialog and file write, as review_export (issue 15)",
    ),
    ("team_sharing_update", "the team loop is told (issue 15)"),
    ("team_watch", "a Channel bound to the app (issue 15)"),
    (
        "provider_page_open",
        "AppHandle-bound: opens the provider's dashboard (opener plugin)",
    ),
    (
        "review_export",
        "AppHandle-bound: the save dialog and writing the file are the shell's",
    ),
];

/// Each `#[tauri::command]` in the shell: name → body lines (blank lines left out).
fn command_bodies() -> BTreeMap<String, Vec<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/src");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            if lines[i].trim() != "#[tauri::command]" {
                i += 1;
                continue;
            }
            let sig = (i..lines.len())
                .find(|&j| lines[j].contains("fn "))
                .unwrap_or_else(|| panic!("{}: a command without fn", path.display()));
            let name = lines[sig]
                .split("fn ")
                .nth(1)
                .unwrap()
                .split(['(', '<'])
                .next()
                .unwrap()
                .to_owned();
            let open = (sig..lines.len())
                .find(|&j| lines[j].ends_with('{'))
                .unwrap();
            let close = (open..lines.len()).find(|&j| lines[j] == "}").unwrap();
            let body = lines[open + 1..close]
                .iter()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
                .collect();
            out.insert(name, body);
            i = close;
        }
    }
    out
}

/// Ends in `.map_err(Into::into)` after one core call; at most one `let` (the request struct
/// built from the page's arguments), which counts as one line however rustfmt wraps it.
fn three_lines(body: &[String]) -> bool {
    let mut lines: Vec<String> = Vec::new();
    let mut in_let = false;
    for line in body {
        if in_let {
            lines.last_mut().unwrap().push_str(line);
        } else {
            lines.push(line.clone());
            in_let = line.starts_with("let ");
        }
        in_let = in_let && !line.ends_with(';');
    }
    let lets = lines.iter().filter(|l| l.starts_with("let ")).count();
    lets <= 1
        && lines.len() <= 8
        && lines
            .last()
            .is_some_and(|l| l.ends_with(".map_err(Into::into)"))
}

#[test]
fn every_command_is_three_lines_or_listed_with_its_reason() {
    let bodies = command_bodies();
    assert!(bodies.len() > 20, "found the commands: {}", bodies.len());
    let listed: BTreeMap<&str, &str> = LONGER.iter().copied().collect();
    let mut wrong = Vec::new();
    for (name, body) in &bodies {
        match (three_lines(body), listed.contains_key(name.as_str())) {
            (false, false) => wrong.push(format!(
                "{name} ({} lines) is longer than state + argument → one core call → map_err(Into::into): move its logic into keyward::api, or list it with the reason",
                body.len()
            )),
            (true, true) => wrong.push(format!("{name} is three lines now: take it off the list")),
            _ => {}
        }
    }
    for name in listed.keys() {
        if !bodies.contains_key(*name) {
            wrong.push(format!("{name} is listed but is no command"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// Calls on the `Inventory` itself that the shell still makes, and why. Keep it shrinking.
const INVENTORY_CALLS: &[(&str, &str)] = &[];

/// The shell reaches the core through `keyward::api` (and `keyward_team`), never by calling
/// `Inventory` methods itself: each `inventory.<method>(` in src-tauri/src is listed above.
#[test]
fn the_shell_calls_the_core_only_through_its_api() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/src");
    let mut found = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("inventory.") {
            let rest = &text[at + "inventory.".len()..];
            let method: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !method.is_empty() && rest[method.len()..].starts_with('(') {
                found.insert(format!("{file}: inventory.{method}("));
            }
        }
    }
    let listed: std::collections::BTreeSet<String> = INVENTORY_CALLS
        .iter()
        .map(|(c, _)| (*c).to_owned())
        .collect();
    let new: Vec<_> = found.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&found).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "Inventory called directly (go through keyward::api, or list it with the reason): {new:?}; listed but no longer called: {gone:?}"
    );
}
