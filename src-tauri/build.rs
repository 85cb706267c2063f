// Generates one permission per app command, so the capability file can grant exactly those.
const COMMANDS: &[&str] = &[
    "keys_list",
    "key_show",
    "key_detect",
    "key_add",
    "key_update",
    "key_remove",
    "key_copy",
    "import_file_pick",
    "import_preview",
    "import_commit",
    "providers_list",
    "settings_get",
    "settings_update",
    "keychain_status",
    "audit_list",
    "app_ready",
    "connections_list",
    "connection_add",
    "connection_remove",
    "connection_test",
    "key_verify",
    "keys_verify_all",
    "sync_preview",
    "sync_commit",
    "provider_page_open",
    // create / rotate / revoke (issue 5)
    "key_create",
    "key_reveal",
    "rotation_plan",
    "key_rotate",
    "rotation_guided_submit",
    "rotation_guided_confirm",
    "rotation_list",
    "rotation_recover",
    "key_revoke",
    // findings + team review (issue 6)
    "finding_acknowledge",
    "review_get",
    "review_export",
    "policy_get",
    "policy_update",
    // the window follows the inventory (issue 16)
    "inventory_watch",
    // link / unlink in the key's detail (issue 16)
    "key_link_candidates",
    "key_link",
    "key_unlink",
    // issue 16: acknowledge in bulk
    "findings_acknowledge",
    // rotation grace defaults per environment (issue 16)
    "rotation_grace_get",
    "rotation_grace_update",
    // the window's first page (issue 14)
    "keys_page",
    // the team on PostgreSQL (issue 15)
    "team_status",
    "team_join",
    "team_leave",
    "team_sync",
    "team_sharing_update",
    "team_keys",
    "team_review",
    "team_review_export",
    "team_events",
    "team_watch",
    // the whole list in chunks over a Channel (issue 14)
    "keys_stream",
    // the full key behind a compact list row (issue 14)
    "key_get",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // build scripts report through a panic; there is no caller to return to.
        #[allow(clippy::panic)]
        {
            panic!("tauri build failed: {e:#}");
        }
    }
}
