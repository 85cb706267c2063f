//! Postmark (seed 001): server tokens verify on `GET /server`, account tokens on
//! `GET /servers?count=1&offset=0`; an account token lists every server with its server
//! tokens in plain text (`ApiTokens`). No endpoint creates, rolls or deletes one token.
//!
//! Remote ids: a token has no id of its own at Postmark (the servers API documents none), so
//! a server token's remote id is `server-<server ID>-<n>`, n its 1-based place in the server's
//! `ApiTokens` — in verify (`GET /server` lists `ApiTokens` too) and in sync alike. Sync
//! matches known keys by fingerprint first, so a shifted place never makes a second record.

use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;

use super::api::{error_for, ClientError, Verification, VerifyOutcome};
use super::http::{ApiPath, Auth, Http};
use super::profile::{
    ops, purpose, KeyKindProfile,
    OpMode::{Api, Manual},
    Presentation, Privilege, ProviderProfile, PurposeProfile,
};
use super::{Admin, Endpoint, ListedKey, Provider};
use crate::secret::Secret;

pub const SERVER_HEADER: &str = "X-Postmark-Server-Token";
pub const ACCOUNT_HEADER: &str = "X-Postmark-Account-Token";

pub(super) struct Postmark;

/// `GET /server` and one entry of `GET /servers` (Postmark API: Server, "Get the server",
/// "List servers"): `ID`, `Name`, `ApiTokens` (plain text).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Server {
    #[serde(rename = "ID")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "ApiTokens")]
    pub tokens: Vec<Secret>,
}

/// `GET /servers?count=&offset=`: `{TotalCount, Servers: [...]}`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ServerList {
    total_count: usize,
    servers: Vec<Server>,
}

/// The remote id of the `index`-th (0-based) token of a server.
pub fn token_remote_id(server_id: i64, index: usize) -> String {
    format!("server-{server_id}-{}", index + 1)
}

pub async fn verify_server_token(
    at: &Endpoint<'_>,
    token: &Secret,
) -> Result<Verification, ClientError> {
    let reply = at
        .http
        .send(
            Method::GET,
            at.base_url,
            &ApiPath::new("/server"),
            Auth::Header(SERVER_HEADER, token),
            None,
        )
        .await?;
    match reply.status.as_u16() {
        200 => {
            let server: Server = reply.json()?;
            let mut out = Verification::valid(format!(
                "server token of '{}'",
                server.name.chars().take(80).collect::<String>()
            ));
            out.kind = Some("server_token".into());
            // The HTTP layer scrubs the token we sent from every reply, so its place in
            // `ApiTokens` is the scrubbed entry (or, Postmark comparing tokens
            // case-insensitively, one that differs only in case).
            // EXPOSE: comparing with the server's own list of its tokens; nothing is kept.
            out.remote_id = server
                .tokens
                .iter()
                .position(|t| {
                    t.expose() == super::http::REDACTED
                        || t.expose().eq_ignore_ascii_case(token.expose())
                })
                .map(|i| token_remote_id(server.id, i));
            Ok(out)
        }
        401 => Ok(Verification::invalid(
            "Postmark answered 401 to this server token",
        )),
        _ => Err(error_for(&reply)),
    }
}

pub async fn verify_account_token(
    at: &Endpoint<'_>,
    token: &Secret,
) -> Result<Verification, ClientError> {
    let reply = at
        .http
        .send(
            Method::GET,
            at.base_url,
            &ApiPath::new("/servers")
                .query("count", 1)
                .query("offset", 0),
            Auth::Header(ACCOUNT_HEADER, token),
            None,
        )
        .await?;
    match reply.status.as_u16() {
        200 => {
            // The answer holds server tokens in plain text: parsed into Secrets, then dropped.
            let _: ServerList = reply.json()?;
            let mut out = Verification::valid("account token (account-wide access)");
            out.kind = Some("account_token".into());
            Ok(out)
        }
        401 => Ok(Verification::invalid(
            "Postmark answered 401 to this account token",
        )),
        _ => Err(error_for(&reply)),
    }
}

/// Every server with its tokens (pages of 100).
pub async fn list_servers(
    at: &Endpoint<'_>,
    account_token: &Secret,
) -> Result<Vec<Server>, ClientError> {
    let mut out = Vec::new();
    loop {
        let path = ApiPath::new("/servers")
            .query("count", 100)
            .query("offset", out.len());
        let reply = at
            .http
            .send(
                Method::GET,
                at.base_url,
                &path,
                Auth::Header(ACCOUNT_HEADER, account_token),
                None,
            )
            .await?;
        if reply.status.as_u16() != 200 {
            return Err(error_for(&reply));
        }
        let page: ServerList = reply.json()?;
        let n = page.servers.len();
        out.extend(page.servers);
        if n == 0 || out.len() >= page.total_count {
            return Ok(out);
        }
    }
}

/// Postmark's API at one base URL, for callers that hold a token of a known kind.
pub struct PostmarkClient<'a> {
    pub http: &'a Http,
    pub base_url: &'a str,
}

impl PostmarkClient<'_> {
    fn at(&self) -> Endpoint<'_> {
        Endpoint::plain(self.http, self.base_url)
    }

    pub async fn verify_server_token(&self, token: &Secret) -> Result<Verification, ClientError> {
        verify_server_token(&self.at(), token).await
    }

    pub async fn verify_account_token(&self, token: &Secret) -> Result<Verification, ClientError> {
        verify_account_token(&self.at(), token).await
    }

    /// A UUID can be either kind: the kind the inventory believes is tried first.
    pub async fn verify_any(
        &self,
        token: &Secret,
        expected_kind: &str,
    ) -> Result<Verification, ClientError> {
        let kind = PROFILE.kind(expected_kind).unwrap_or(&POSTMARK_KINDS[0]);
        Postmark.verify(&self.at(), kind, token).await
    }

    pub async fn list_servers(&self, account_token: &Secret) -> Result<Vec<Server>, ClientError> {
        list_servers(&self.at(), account_token).await
    }
}

#[async_trait]
impl Provider for Postmark {
    fn profile(&self) -> &'static ProviderProfile {
        &PROFILE
    }

    /// A UUID can be either kind: the kind the inventory believes is tried first, so a
    /// correct record costs one call.
    async fn verify(
        &self,
        at: &Endpoint<'_>,
        kind: &'static KeyKindProfile,
        key: &Secret,
    ) -> Result<Verification, ClientError> {
        let account_first = kind.id == "account_token";
        for as_account in [account_first, !account_first] {
            let v = if as_account {
                verify_account_token(at, key).await?
            } else {
                verify_server_token(at, key).await?
            };
            if v.outcome == VerifyOutcome::Valid {
                return Ok(v);
            }
        }
        Ok(Verification::invalid(
            "Postmark answered 401 as server token and as account token",
        ))
    }

    async fn list(&self, admin: &Admin<'_>) -> Result<Vec<ListedKey>, ClientError> {
        let mut out = Vec::new();
        for server in list_servers(&admin.at, admin.key).await? {
            let many = server.tokens.len() > 1;
            for (i, token) in server.tokens.into_iter().enumerate() {
                out.push(ListedKey {
                    id: token_remote_id(server.id, i),
                    name: if many {
                        format!("{} #{}", server.name, i + 1)
                    } else {
                        server.name.clone()
                    },
                    kind: "server_token".into(),
                    value: Some(token),
                    ..ListedKey::default()
                });
            }
        }
        Ok(out)
    }

    fn broader_kind_excess(&self, kind: &'static KeyKindProfile) -> Option<Vec<String>> {
        (kind.id == "account_token").then(|| {
            [
                "account-wide: every server",
                "domains",
                "sender signatures",
                "every server token",
            ]
            .map(str::to_owned)
            .to_vec()
        })
    }
}

pub(super) const PROFILE: ProviderProfile = ProviderProfile {
    id: "postmark",
    display_name: "Postmark",
    default_base_url: Some("https://api.postmarkapp.com"),
    dashboard_url: POSTMARK_DASHBOARD,
    docs_url: "https://postmarkapp.com/developer",
    kinds: POSTMARK_KINDS,
    purposes: POSTMARK_PURPOSES,
    env_prefix: "POSTMARK",
    admin_kind: Some("account_token"),
    created_kind: None,
    regions: &[],
};
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
        reports_last_use: false,
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
        reports_last_use: false,
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
