//! The built-in provider profiles, as static data.
//!
//! Patterns taken from gitleaks/trufflehog rules (Postman, PostHog `phx_`, Cloudflare
//! `cfut_`/`cfat_`, SendGrid) are strict. Where no public source gives a format, the pattern
//! only checks the prefix and a generous character set/length, so a real key is never
//! rejected for a shape we guessed.

use super::{
    KeyKindProfile, OpMode, Operations, Presentation, Privilege, ProviderProfile, PurposeProfile,
};

const fn ops(
    list: OpMode,
    create: OpMode,
    roll: OpMode,
    revoke: OpMode,
    verify: OpMode,
) -> Operations {
    Operations {
        list,
        create,
        roll,
        revoke,
        verify,
    }
}

use OpMode::{Api, Manual, Unsupported};

const ALL_MANUAL: Operations = ops(Manual, Manual, Manual, Manual, Manual);

const fn purpose(
    id: &'static str,
    label: &'static str,
    minimal_kind: &'static str,
    scopes: &'static [&'static str],
) -> PurposeProfile {
    PurposeProfile {
        id,
        label,
        minimal_kind,
        scopes,
    }
}

// ---------------------------------------------------------------------------------------
// Postmon (seed 000)

const POSTMON_DASHBOARD: &str = "https://postmon.io";

const POSTMON_KINDS: &[KeyKindProfile] = &[KeyKindProfile {
    id: "project_key",
    display_name: "Project API key",
    presentation: Presentation::BodyField,
    presentation_name: "api_key",
    prefix: None,
    pattern: Some(r"^[A-Za-z0-9]{8,512}$"),
    shape: "is a long string of letters and digits (the exact length is not documented)",
    // The seed has one key for ingestion, data retrieval and management of the project.
    privilege: Privilege::Full,
    client_safe: true,
    operations: ALL_MANUAL,
    dashboard_url: POSTMON_DASHBOARD,
    notes:
        "One key per project for everything (ingestion, data retrieval, management); no prefix, \
            no scopes. It may sit in client-side code only for tracking (the JavaScript SDK needs \
            it); proxy anything else through your backend. Sent as the JSON body field `api_key` \
            on `POST /v1/event`; other endpoints take it in a header or query parameter. All \
            management is in the dashboard (Project Settings → API Keys). There is no documented \
            verify endpoint: verification is a probe against a URL you configure (401 = bad key), \
            so it is marked manual.",
}];

const POSTMON_PURPOSES: &[PurposeProfile] = &[
    purpose(
        "ingest_events",
        "Ingest events from a backend",
        "project_key",
        &[],
    ),
    purpose(
        "track_web_app",
        "Track from a web or mobile app",
        "project_key",
        &[],
    ),
    purpose(
        "read_analytics",
        "Retrieve analytics data",
        "project_key",
        &[],
    ),
];

// ---------------------------------------------------------------------------------------
// Postmark (seed 001)

const POSTMARK_DASHBOARD: &str = "https://postmarkapp.com";
const UUID_PATTERN: &str = r"^(?i:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$";
const UUID_SHAPE: &str = "is a UUID (8-4-4-4-12 hexadecimal digits)";

const POSTMARK_KINDS: &[KeyKindProfile] = &[
    KeyKindProfile {
        id: "server_token",
        display_name: "Server API token",
        presentation: Presentation::Header,
        presentation_name: "X-Postmark-Server-Token",
        prefix: None,
        pattern: Some(UUID_PATTERN),
        shape: UUID_SHAPE,
        privilege: Privilege::Scoped,
        client_safe: false,
        // Listed (in plain text) through `GET /servers` with an account token.
        operations: ops(Api, Manual, Manual, Manual, Api),
        dashboard_url: POSTMARK_DASHBOARD,
        notes: "Scoped to one server: send email, templates, stats. A server can hold several \
                tokens. Same UUID format as an account token, so a pasted UUID needs \
                confirmation. Listed through the account token's `GET /servers` (`ApiTokens`, in \
                plain text); no endpoint creates, rolls or deletes one token, so rotation is \
                manual: generate in the server's API Tokens tab, deploy, delete the old one. \
                Verify: `GET /server` (200 valid, 401 invalid).",
    },
    KeyKindProfile {
        id: "account_token",
        display_name: "Account API token",
        presentation: Presentation::Header,
        presentation_name: "X-Postmark-Account-Token",
        prefix: None,
        pattern: Some(UUID_PATTERN),
        shape: UUID_SHAPE,
        privilege: Privilege::Full,
        client_safe: false,
        operations: ops(Manual, Manual, Manual, Manual, Api),
        dashboard_url: POSTMARK_DASHBOARD,
        notes: "Account-wide: servers, domains, sender signatures, and it can read every server \
                token — the crown jewel; use it only for administration. Shown once at creation. \
                Managed in the account settings only. Verify: `GET /servers?count=1&offset=0` \
                (200 valid, 401 invalid).",
    },
];

const POSTMARK_PURPOSES: &[PurposeProfile] = &[
    purpose(
        "send_transactional_email",
        "Send transactional email",
        "server_token",
        &[],
    ),
    purpose(
        "send_broadcast_email",
        "Send broadcast email",
        "server_token",
        &[],
    ),
    purpose(
        "manage_templates",
        "Manage email templates",
        "server_token",
        &[],
    ),
    purpose(
        "read_email_stats",
        "Read sending statistics",
        "server_token",
        &[],
    ),
    purpose(
        "manage_servers_and_domains",
        "Manage servers, domains and senders",
        "account_token",
        &[],
    ),
    purpose(
        "import_server_tokens",
        "Import server tokens into Keyward",
        "account_token",
        &[],
    ),
];

// ---------------------------------------------------------------------------------------
// Postman (seed 002)

const POSTMAN_DASHBOARD: &str = "https://www.postman.com";

const POSTMAN_KINDS: &[KeyKindProfile] = &[KeyKindProfile {
    id: "api_key",
    display_name: "API key",
    presentation: Presentation::Header,
    presentation_name: "X-Api-Key",
    prefix: Some("PMAK-"),
    // gitleaks: PMAK-(?i)[a-f0-9]{24}\-[a-f0-9]{34}
    pattern: Some(r"^PMAK-(?i:[a-f0-9]{24}-[a-f0-9]{34})$"),
    shape:
        "starts with PMAK- followed by 24 hexadecimal digits, a hyphen and 34 hexadecimal digits",
    privilege: Privilege::Full,
    client_safe: false,
    operations: ops(Manual, Manual, Manual, Manual, Api),
    dashboard_url: POSTMAN_DASHBOARD,
    notes: "Carries the user's full access (no scopes). No key-management API: generate, \
            regenerate, rename, delete and expiry are dashboard only (API Keys page). Verify: \
            `GET /me` (401 = invalid). Rate limit 300 requests/min per user, reported in \
            `X-RateLimit-RetryAfter` rather than `Retry-After`. OAuth 2.0 access tokens \
            (`Authorization: Bearer`) are not API keys and have no recognisable format.",
}];

const POSTMAN_PURPOSES: &[PurposeProfile] = &[
    purpose(
        "manage_collections",
        "Manage collections and environments",
        "api_key",
        &[],
    ),
    purpose(
        "run_in_ci",
        "Run collections and monitors from CI",
        "api_key",
        &[],
    ),
    purpose("read_workspaces", "Read workspace data", "api_key", &[]),
];

// ---------------------------------------------------------------------------------------
// PostHog (seed 003)

const POSTHOG_DASHBOARD: &str = "https://us.posthog.com";

const POSTHOG_KINDS: &[KeyKindProfile] = &[
    KeyKindProfile {
        id: "project_key",
        display_name: "Project API key",
        presentation: Presentation::BodyField,
        presentation_name: "api_key",
        prefix: Some("phc_"),
        pattern: Some(r"^phc_[A-Za-z0-9_-]{8,128}$"),
        shape: "starts with phc_ followed by letters, digits, underscores or hyphens",
        privilege: Privilege::Public,
        client_safe: true,
        // One per project, always present: nothing to list, create or revoke.
        operations: ops(Unsupported, Unsupported, Api, Unsupported, Unsupported),
        dashboard_url: POSTHOG_DASHBOARD,
        notes: "Public by design, ingestion only; SDKs send it with each captured event. One per \
                project: it can only be reset (`PATCH /api/projects/{id}/reset_token/`, project \
                admin), which replaces it at once. No verify endpoint was found. The body length \
                is not documented, so the format check is loose.",
    },
    KeyKindProfile {
        id: "personal",
        display_name: "Personal API key",
        presentation: Presentation::Bearer,
        presentation_name: "Authorization",
        prefix: Some("phx_"),
        // trufflehog: \b(phx_[a-zA-Z0-9_]{43,48})\b
        pattern: Some(r"^phx_[A-Za-z0-9_]{43,48}$"),
        shape: "starts with phx_ and has 43–48 more letters, digits or underscores",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(Manual, Manual, Manual, Manual, Api),
        dashboard_url: POSTHOG_DASHBOARD,
        notes: "Scopes `<object>:<read|write>`; empty scopes mean `*` (full access of the user). \
                Only `GET /api/personal_api_keys/@current/` accepts a personal key (verify, and it \
                reports `last_used_at` and `scopes`); listing, creating, rolling and deleting \
                need a browser login (403 to a personal key), so they are manual. At most 10 per \
                user, no expiry. Never in client-side code.",
    },
    KeyKindProfile {
        id: "project_secret",
        display_name: "Project secret API key",
        presentation: Presentation::Bearer,
        presentation_name: "Authorization",
        prefix: Some("phs_"),
        pattern: Some(r"^phs_[A-Za-z0-9_-]{8,128}$"),
        shape: "starts with phs_ followed by letters, digits, underscores or hyphens",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(Api, Api, Api, Api, Unsupported),
        dashboard_url: POSTHOG_DASHBOARD,
        notes: "Managed with a personal key holding `project:read`/`project:write` (caller must \
                be a project admin) under `/api/environments/{env_id}/project_secret_api_keys/`. \
                Only an allow-list of read scopes (e.g. `feature_flag:read`); `*` is rejected. \
                The value is shown once (create, roll); roll kills the old value at once. At most \
                10 per project. No verify endpoint was found; `last_used_at` comes from the list. \
                The body length is not documented, so the format check is loose.",
    },
    KeyKindProfile {
        id: "oauth_access",
        display_name: "OAuth access token",
        presentation: Presentation::Bearer,
        presentation_name: "Authorization",
        prefix: Some("pha_"),
        pattern: Some(r"^pha_[A-Za-z0-9_-]{8,256}$"),
        shape: "starts with pha_ followed by letters, digits, underscores or hyphens",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(
            Unsupported,
            Unsupported,
            Unsupported,
            Unsupported,
            Unsupported,
        ),
        dashboard_url: POSTHOG_DASHBOARD,
        notes: "Issued to an OAuth app by PostHog's OAuth flow, not managed as an API key; \
                Keyward can track it but no management or verify call was found.",
    },
    KeyKindProfile {
        id: "oauth_refresh",
        display_name: "OAuth refresh token",
        presentation: Presentation::BodyField,
        presentation_name: "refresh_token",
        prefix: Some("phr_"),
        pattern: Some(r"^phr_[A-Za-z0-9_-]{8,256}$"),
        shape: "starts with phr_ followed by letters, digits, underscores or hyphens",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(
            Unsupported,
            Unsupported,
            Unsupported,
            Unsupported,
            Unsupported,
        ),
        dashboard_url: POSTHOG_DASHBOARD,
        notes: "Exchanged at the OAuth token endpoint for new access tokens; Keyward can track \
                it but no management or verify call was found.",
    },
];

const POSTHOG_PURPOSES: &[PurposeProfile] = &[
    purpose("ingest_events", "Ingest events", "project_key", &[]),
    purpose(
        "track_web_app",
        "Track from a web or mobile app",
        "project_key",
        &[],
    ),
    purpose(
        "evaluate_feature_flags",
        "Evaluate feature flags server-side",
        "project_secret",
        &["feature_flag:read"],
    ),
    purpose(
        "read_insights",
        "Read insights and dashboards",
        "personal",
        &["insight:read", "dashboard:read"],
    ),
    purpose(
        "query_data",
        "Query and export event data",
        "personal",
        &["query:read"],
    ),
    purpose(
        "manage_batch_exports",
        "Manage batch exports",
        "personal",
        &["batch_export:write"],
    ),
    purpose(
        "manage_feature_flags",
        "Create and edit feature flags",
        "personal",
        &["feature_flag:write"],
    ),
    purpose(
        "read_persons",
        "Read persons and cohorts",
        "personal",
        &["person:read", "cohort:read"],
    ),
    purpose(
        "read_session_recordings",
        "Read session recordings",
        "personal",
        &["session_recording:read"],
    ),
    purpose(
        "manage_project_secret_keys",
        "Manage project secret keys (Keyward connection)",
        "personal",
        &["project:write"],
    ),
];

// ---------------------------------------------------------------------------------------
// Postnomic (seed 004)

const POSTNOMIC_DASHBOARD: &str = "https://postnomic.com";

const POSTNOMIC_KINDS: &[KeyKindProfile] = &[KeyKindProfile {
    id: "blog_key",
    display_name: "Blog API key",
    presentation: Presentation::Header,
    presentation_name: "X-Api-Key",
    prefix: Some("pk_"),
    // Documented only as "pk_ + unique identifier", e.g. pk_myblog_production_a1b2c3d4e5.
    pattern: Some(r"^pk_[A-Za-z0-9_-]{4,256}$"),
    shape: "starts with pk_ followed by an identifier of letters, digits, underscores or hyphens",
    privilege: Privilege::ReadOnly,
    client_safe: false,
    operations: ALL_MANUAL,
    dashboard_url: POSTNOMIC_DASHBOARD,
    notes: "Read-only access to one blog's published content. Created and revoked in the \
            dashboard (Settings → API Keys), shown once in full; revocation is immediate. \
            Management uses a JWT (Auth0), not an API key. No verify endpoint is documented: \
            verification is a probe against a URL you configure (401 = bad key), so it is \
            marked manual. The docs say to keep it server-side. The public site and API base \
            URL are not documented; the dashboard link is a best guess.",
}];

const POSTNOMIC_PURPOSES: &[PurposeProfile] = &[purpose(
    "read_blog_content",
    "Read published blog content",
    "blog_key",
    &[],
)];

// ---------------------------------------------------------------------------------------
// Cloudflare

const CLOUDFLARE_DASHBOARD: &str = "https://www.cloudflare.com";
const CF_TOKEN_NOTES: &str = "Policies of permission groups on resources, optional IP \
    conditions and `expires_on`. Full API: list/create `…/tokens`, roll `PUT …/tokens/{id}/value` \
    (the old value dies at once), delete, verify `GET …/tokens/verify` (status active, disabled \
    or expired). The value is shown only on create and roll; `last_used_on` comes from the list. \
    Managing tokens needs a token holding \"API Tokens Write\". 429 carries `Retry-After`.";

const CLOUDFLARE_KINDS: &[KeyKindProfile] = &[
    KeyKindProfile {
        id: "user_token",
        display_name: "User API token",
        presentation: Presentation::Bearer,
        presentation_name: "Authorization",
        prefix: Some("cfut_"),
        pattern: Some(r"^cfut_[a-zA-Z0-9]{40}[a-f0-9]{8}$"),
        shape: "starts with cfut_ followed by 40 letters or digits and an 8-hex-digit checksum",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(Api, Api, Api, Api, Api),
        dashboard_url: CLOUDFLARE_DASHBOARD,
        notes: CF_TOKEN_NOTES,
    },
    KeyKindProfile {
        id: "account_token",
        display_name: "Account API token",
        presentation: Presentation::Bearer,
        presentation_name: "Authorization",
        prefix: Some("cfat_"),
        pattern: Some(r"^cfat_[a-zA-Z0-9]{40}[a-f0-9]{8}$"),
        shape: "starts with cfat_ followed by 40 letters or digits and an 8-hex-digit checksum",
        privilege: Privilege::Scoped,
        client_safe: false,
        operations: ops(Api, Api, Api, Api, Api),
        dashboard_url: CLOUDFLARE_DASHBOARD,
        notes: CF_TOKEN_NOTES,
    },
    KeyKindProfile {
        id: "global_api_key",
        display_name: "Global API key",
        presentation: Presentation::Header,
        presentation_name: "X-Auth-Key",
        prefix: Some("cfk_"),
        pattern: Some(r"^cfk_[A-Za-z0-9_-]{8,128}$"),
        shape: "starts with cfk_ followed by letters, digits, underscores or hyphens",
        privilege: Privilege::Full,
        client_safe: false,
        // One per user: nothing to list, create or revoke; changing it is a dashboard action.
        operations: ops(Unsupported, Unsupported, Manual, Unsupported, Manual),
        dashboard_url: CLOUDFLARE_DASHBOARD,
        notes: "Warning: full access to everything the user can do, with no scopes, IP \
                conditions or expiry. Replace it with scoped API tokens wherever possible. \
                Sent with the account e-mail (`X-Auth-Email`). No management or verify API was \
                found for it; its exact length is not documented, so the format check is loose.",
    },
];

const CLOUDFLARE_PURPOSES: &[PurposeProfile] = &[
    purpose(
        "purge_cache",
        "Purge cache",
        "account_token",
        &["Cache Purge"],
    ),
    purpose(
        "edit_dns",
        "Edit DNS records",
        "account_token",
        &["DNS Write"],
    ),
    purpose(
        "read_analytics",
        "Read analytics",
        "account_token",
        &["Analytics Read"],
    ),
    purpose(
        "deploy_workers",
        "Deploy Workers",
        "account_token",
        &["Workers Scripts Write"],
    ),
    purpose(
        "manage_api_tokens",
        "Manage API tokens (Keyward connection)",
        "user_token",
        &["API Tokens Write"],
    ),
];

// ---------------------------------------------------------------------------------------
// SendGrid

const SENDGRID_DASHBOARD: &str = "https://sendgrid.com";

const SENDGRID_KINDS: &[KeyKindProfile] = &[KeyKindProfile {
    id: "api_key",
    display_name: "API key",
    presentation: Presentation::Bearer,
    presentation_name: "Authorization",
    prefix: Some("SG."),
    pattern: Some(r"^SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$"),
    shape: "starts with SG. followed by 22 characters, a dot and 43 characters (letters, digits, \
            underscores or hyphens)",
    privilege: Privilege::Scoped,
    client_safe: false,
    operations: ops(Api, Api, Unsupported, Api, Api),
    dashboard_url: SENDGRID_DASHBOARD,
    notes: "Scoped (`scopes[]`). List/create/update/delete through `/api_keys`; the value is \
            shown once at creation. There is no roll: rotate by creating a new key, deploying it \
            and deleting the old one. Verify and read the granted scopes with `GET /v3/scopes`. \
            No last-used information was found.",
}];

const SENDGRID_PURPOSES: &[PurposeProfile] = &[
    purpose("send_email", "Send email", "api_key", &["mail.send"]),
    purpose(
        "read_stats",
        "Read email statistics",
        "api_key",
        &["stats.read"],
    ),
    purpose(
        "manage_templates",
        "Manage templates",
        "api_key",
        &[
            "templates.create",
            "templates.read",
            "templates.update",
            "templates.delete",
        ],
    ),
    purpose(
        "manage_api_keys",
        "Manage API keys (Keyward connection)",
        "api_key",
        &[
            "api_keys.create",
            "api_keys.read",
            "api_keys.update",
            "api_keys.delete",
        ],
    ),
];

// ---------------------------------------------------------------------------------------
// Custom: any service the user describes (see `CustomProviderSpec`).

const CUSTOM_KINDS: &[KeyKindProfile] = &[KeyKindProfile {
    id: "api_key",
    display_name: "API key",
    presentation: Presentation::Header,
    presentation_name: "X-Api-Key",
    prefix: None,
    pattern: None,
    shape: "",
    privilege: Privilege::Scoped,
    client_safe: false,
    operations: ALL_MANUAL,
    dashboard_url: "",
    notes: "A service you describe: header, bearer, body field or query parameter, an optional \
            prefix, verify URL and dashboard URL. Everything is guided; verify calls your verify \
            URL when you give one.",
}];

const CUSTOM_PURPOSES: &[PurposeProfile] = &[purpose("call_api", "Call the API", "api_key", &[])];

pub(super) const PROFILES: &[ProviderProfile] = &[
    ProviderProfile {
        id: "postmon",
        display_name: "Postmon",
        default_base_url: Some("https://api.postmon.io"),
        dashboard_url: POSTMON_DASHBOARD,
        docs_url: POSTMON_DASHBOARD,
        kinds: POSTMON_KINDS,
        purposes: POSTMON_PURPOSES,
        env_prefix: "POSTMON",
    },
    ProviderProfile {
        id: "postmark",
        display_name: "Postmark",
        default_base_url: Some("https://api.postmarkapp.com"),
        dashboard_url: POSTMARK_DASHBOARD,
        docs_url: "https://postmarkapp.com/developer",
        kinds: POSTMARK_KINDS,
        purposes: POSTMARK_PURPOSES,
        env_prefix: "POSTMARK",
    },
    ProviderProfile {
        id: "postman",
        display_name: "Postman",
        default_base_url: Some("https://api.getpostman.com"),
        dashboard_url: POSTMAN_DASHBOARD,
        docs_url: "https://learning.postman.com/docs/developer/postman-api/intro-api/",
        kinds: POSTMAN_KINDS,
        purposes: POSTMAN_PURPOSES,
        env_prefix: "POSTMAN",
    },
    ProviderProfile {
        id: "posthog",
        display_name: "PostHog",
        default_base_url: Some("https://us.posthog.com"),
        dashboard_url: POSTHOG_DASHBOARD,
        docs_url: "https://posthog.com/docs/api",
        kinds: POSTHOG_KINDS,
        purposes: POSTHOG_PURPOSES,
        env_prefix: "POSTHOG",
    },
    ProviderProfile {
        id: "postnomic",
        display_name: "Postnomic",
        // Not documented: the verify/probe URL is configured by the user.
        default_base_url: None,
        dashboard_url: POSTNOMIC_DASHBOARD,
        docs_url: POSTNOMIC_DASHBOARD,
        kinds: POSTNOMIC_KINDS,
        purposes: POSTNOMIC_PURPOSES,
        env_prefix: "POSTNOMIC",
    },
    ProviderProfile {
        id: "cloudflare",
        display_name: "Cloudflare",
        default_base_url: Some("https://api.cloudflare.com/client/v4"),
        dashboard_url: CLOUDFLARE_DASHBOARD,
        docs_url: "https://developers.cloudflare.com/api/",
        kinds: CLOUDFLARE_KINDS,
        purposes: CLOUDFLARE_PURPOSES,
        env_prefix: "CLOUDFLARE",
    },
    ProviderProfile {
        id: "sendgrid",
        display_name: "SendGrid",
        default_base_url: Some("https://api.sendgrid.com/v3"),
        dashboard_url: SENDGRID_DASHBOARD,
        docs_url: "https://www.twilio.com/docs/sendgrid/api-reference",
        kinds: SENDGRID_KINDS,
        purposes: SENDGRID_PURPOSES,
        env_prefix: "SENDGRID",
    },
    ProviderProfile {
        id: "custom",
        display_name: "Custom",
        default_base_url: None,
        dashboard_url: "",
        docs_url: "",
        kinds: CUSTOM_KINDS,
        purposes: CUSTOM_PURPOSES,
        env_prefix: "CUSTOM",
    },
];
