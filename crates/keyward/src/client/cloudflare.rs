//! Cloudflare API tokens: `GET /user/tokens/verify`, and `GET /user/tokens` (with a token that
//! holds "API Tokens Read/Write") listing every token with policies, expiry and last use.

use super::http::{Auth, Http};
use super::{error_for, parse_time, ClientError, Verification, VerifyOutcome};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use reqwest::Method;

pub struct CloudflareClient<'a> {
    pub http: &'a Http,
    pub base_url: &'a str,
}

#[derive(Debug, Clone)]
pub struct CloudflareToken {
    pub id: String,
    pub name: String,
    pub status: String,
    /// Permission group names across policies, plus `resource:*` markers for wildcards.
    pub scopes: Vec<String>,
    pub issued_on: Option<DateTime<Utc>>,
    pub last_used_on: Option<DateTime<Utc>>,
    pub expires_on: Option<DateTime<Utc>>,
}

/// Cloudflare wraps every answer: `{success, errors, messages, result}`.
fn result(reply: &super::http::Reply) -> Result<serde_json::Value, ClientError> {
    let v: serde_json::Value = reply.json()?;
    if v.get("success").and_then(|s| s.as_bool()) != Some(true) {
        return Err(ClientError::Malformed("success is not true".into()));
    }
    v.get("result")
        .cloned()
        .ok_or_else(|| ClientError::Malformed("no result".into()))
}

impl CloudflareClient<'_> {
    /// `account`: verify an account-owned token under `/accounts/{account}/tokens/verify`.
    pub async fn verify(
        &self,
        token: &Secret,
        account: Option<&str>,
    ) -> Result<Verification, ClientError> {
        let path = match account {
            Some(a) if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric()) => {
                format!("/accounts/{a}/tokens/verify")
            }
            Some(_) => {
                return Err(ClientError::InvalidUrl(
                    "a Cloudflare account id is letters and digits".into(),
                ))
            }
            None => "/user/tokens/verify".to_owned(),
        };
        let reply = self
            .http
            .send(Method::GET, self.base_url, &path, Auth::Bearer(token), None)
            .await?;
        match reply.status.as_u16() {
            200 => {
                let r = result(&reply)?;
                let status = r.get("status").and_then(|s| s.as_str()).unwrap_or("");
                let outcome = match status {
                    "active" => VerifyOutcome::Valid,
                    "expired" => VerifyOutcome::Expired,
                    "disabled" => VerifyOutcome::Disabled,
                    other => {
                        return Err(ClientError::Malformed(format!(
                            "unknown token status '{}'",
                            other.chars().take(20).collect::<String>()
                        )))
                    }
                };
                let mut out = Verification::valid(format!("token status: {status}"));
                out.outcome = outcome;
                out.remote_id = r.get("id").and_then(|i| i.as_str()).map(str::to_owned);
                out.expires_at = parse_time(r.get("expires_on"));
                Ok(out)
            }
            401 => Ok(Verification::invalid(
                "Cloudflare answered 401: invalid API token",
            )),
            _ => Err(error_for(&reply)),
        }
    }

    /// Every token, page by page (`result_info.total_pages`).
    pub async fn list_tokens(&self, admin: &Secret) -> Result<Vec<CloudflareToken>, ClientError> {
        let mut tokens = Vec::new();
        for page in 1..=1000u32 {
            let path = format!("/user/tokens?page={page}&per_page=50");
            let reply = self
                .http
                .send(Method::GET, self.base_url, &path, Auth::Bearer(admin), None)
                .await?;
            if reply.status.as_u16() != 200 {
                return Err(error_for(&reply));
            }
            let full: serde_json::Value = reply.json()?;
            let r = result(&reply)?;
            let items = r
                .as_array()
                .ok_or_else(|| ClientError::Malformed("result is not a list".into()))?;
            for t in items {
                tokens.push(token(t)?);
            }
            let total_pages = full
                .pointer("/result_info/total_pages")
                .and_then(|p| p.as_u64())
                .unwrap_or(1);
            if items.is_empty() || u64::from(page) >= total_pages {
                break;
            }
        }
        Ok(tokens)
    }
}

/// One token of a list, with its permission groups as scopes.
fn token(t: &serde_json::Value) -> Result<CloudflareToken, ClientError> {
    let mut scopes = Vec::new();
    for p in t
        .get("policies")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        for g in p
            .get("permission_groups")
            .and_then(|g| g.as_array())
            .into_iter()
            .flatten()
        {
            if let Some(name) = g.get("name").and_then(|n| n.as_str()) {
                scopes.push(name.to_owned());
            }
        }
        if let Some(res) = p.get("resources").and_then(|r| r.as_object()) {
            for (k, v) in res {
                if v.as_str() == Some("*") || k.ends_with(".*") {
                    scopes.push(format!("resource:{k}"));
                }
            }
        }
    }
    Ok(CloudflareToken {
        id: t
            .get("id")
            .and_then(|i| i.as_str())
            .map(str::to_owned)
            .ok_or_else(|| ClientError::Malformed("a token without id".into()))?,
        name: t
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("")
            .to_owned(),
        status: t
            .get("status")
            .and_then(|s| s.as_str())
            .unwrap_or("")
            .to_owned(),
        scopes,
        issued_on: parse_time(t.get("issued_on")),
        last_used_on: parse_time(t.get("last_used_on")),
        expires_on: parse_time(t.get("expires_on")),
    })
}
