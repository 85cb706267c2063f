//! Postmark: server tokens verify on `GET /server`, account tokens on `GET /servers`; an
//! account token lists every server with its server tokens in plain text (`ApiTokens`).

use super::http::{Auth, Http};
use super::{error_for, ClientError, Verification};
use crate::secret::Secret;
use reqwest::Method;

pub const SERVER_HEADER: &str = "X-Postmark-Server-Token";
pub const ACCOUNT_HEADER: &str = "X-Postmark-Account-Token";

pub struct PostmarkClient<'a> {
    pub http: &'a Http,
    pub base_url: &'a str,
}

/// One server and its tokens, as listed with an account token.
pub struct PostmarkServer {
    pub id: i64,
    pub name: String,
    pub tokens: Vec<Secret>,
}

impl PostmarkClient<'_> {
    pub async fn verify_server_token(&self, token: &Secret) -> Result<Verification, ClientError> {
        let reply = self
            .http
            .send(
                Method::GET,
                self.base_url,
                "/server",
                Auth::Header(SERVER_HEADER, token),
                None,
            )
            .await?;
        match reply.status.as_u16() {
            200 => {
                let v: serde_json::Value = reply.json()?;
                let mut out = Verification::valid(format!(
                    "server token of '{}'",
                    v.get("Name").and_then(|n| n.as_str()).unwrap_or("a server")
                ));
                out.kind = Some("server_token".into());
                out.remote_id = v.get("ID").map(|id| id.to_string());
                Ok(out)
            }
            401 => Ok(Verification::invalid(
                "Postmark answered 401 to this server token",
            )),
            _ => Err(error_for(&reply)),
        }
    }

    pub async fn verify_account_token(&self, token: &Secret) -> Result<Verification, ClientError> {
        let reply = self
            .http
            .send(
                Method::GET,
                self.base_url,
                "/servers?count=1&offset=0",
                Auth::Header(ACCOUNT_HEADER, token),
                None,
            )
            .await?;
        match reply.status.as_u16() {
            200 => {
                let _: serde_json::Value = reply.json()?;
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

    /// A UUID can be either kind: try as server token, then as account token.
    /// The kind the inventory believes is tried first, so a correct record costs one call.
    pub async fn verify_any(
        &self,
        token: &Secret,
        expected_kind: &str,
    ) -> Result<Verification, ClientError> {
        let account_first = expected_kind == "account_token";
        for as_account in [account_first, !account_first] {
            let v = if as_account {
                self.verify_account_token(token).await?
            } else {
                self.verify_server_token(token).await?
            };
            if v.outcome == super::VerifyOutcome::Valid {
                return Ok(v);
            }
        }
        Ok(Verification::invalid(
            "Postmark answered 401 as server token and as account token",
        ))
    }

    /// Every server with its tokens (pages of 100).
    pub async fn list_servers(
        &self,
        account_token: &Secret,
    ) -> Result<Vec<PostmarkServer>, ClientError> {
        let mut out = Vec::new();
        let mut offset = 0usize;
        loop {
            let path = format!("/servers?count=100&offset={offset}");
            let reply = self
                .http
                .send(
                    Method::GET,
                    self.base_url,
                    &path,
                    Auth::Header(ACCOUNT_HEADER, account_token),
                    None,
                )
                .await?;
            if reply.status.as_u16() != 200 {
                return Err(error_for(&reply));
            }
            let v: serde_json::Value = reply.json()?;
            let total = v.get("TotalCount").and_then(|t| t.as_u64()).unwrap_or(0) as usize;
            let servers = v
                .get("Servers")
                .and_then(|s| s.as_array())
                .ok_or_else(|| ClientError::Malformed("no Servers array".into()))?;
            for s in servers {
                let tokens = s
                    .get("ApiTokens")
                    .and_then(|t| t.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|t| t.as_str())
                            .map(|t| Secret::new(t.to_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(PostmarkServer {
                    id: s.get("ID").and_then(|i| i.as_i64()).unwrap_or_default(),
                    name: s
                        .get("Name")
                        .and_then(|n| n.as_str())
                        .unwrap_or("server")
                        .to_owned(),
                    tokens,
                });
            }
            offset += servers.len();
            if servers.is_empty() || offset >= total {
                return Ok(out);
            }
        }
    }
}
