//! PostHog: a personal key (`phx_`) may only read itself (`@current`); with `project:read`
//! it lists a project's secret keys (`phs_`), which arrive without their values.

use super::http::{Auth, Http};
use super::{error_for, parse_time, ClientError, Verification};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use reqwest::Method;

pub struct PostHogClient<'a> {
    pub http: &'a Http,
    pub base_url: &'a str,
}

/// A project secret key as listed (no value).
#[derive(Debug, Clone)]
pub struct ProjectSecretKey {
    pub id: String,
    pub label: String,
    pub mask_value: String,
    pub scopes: Vec<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_rolled_at: Option<DateTime<Utc>>,
}

fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    v.and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .map(|s| {
                    s.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| s.to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

impl PostHogClient<'_> {
    pub async fn verify_personal(&self, key: &Secret) -> Result<Verification, ClientError> {
        let reply = self
            .http
            .send(
                Method::GET,
                self.base_url,
                "/api/personal_api_keys/@current/",
                Auth::Bearer(key),
                None,
            )
            .await?;
        match reply.status.as_u16() {
            200 => {
                let v: serde_json::Value = reply.json()?;
                let mut scopes = strings(v.get("scopes"));
                if scopes.is_empty() {
                    scopes.push("*".into()); // PostHog: empty scopes = full access
                }
                let teams = strings(v.get("scoped_teams"));
                let orgs = strings(v.get("scoped_organizations"));
                // Unscoped teams and organizations widen the key; keep that visible as scopes.
                scopes.extend(teams.iter().map(|t| format!("team:{t}")));
                scopes.extend(orgs.iter().map(|o| format!("organization:{o}")));
                let mut out = Verification::valid(format!(
                    "personal key '{}'{}",
                    v.get("label").and_then(|l| l.as_str()).unwrap_or(""),
                    if teams.is_empty() && orgs.is_empty() {
                        ", not limited to teams or organizations"
                    } else {
                        ""
                    }
                ));
                out.kind = Some("personal".into());
                out.remote_id = v.get("id").and_then(|i| i.as_str()).map(str::to_owned);
                out.scopes = Some(scopes);
                out.last_used_at = parse_time(v.get("last_used_at"));
                out.last_rotated_at = parse_time(v.get("last_rolled_at"));
                Ok(out)
            }
            401 => Ok(Verification::invalid(
                "PostHog answered 401 to this personal key",
            )),
            _ => Err(error_for(&reply)),
        }
    }

    /// `GET /api/projects/{project}/project_secret_api_keys/` (needs `project:read`).
    pub async fn list_project_secret_keys(
        &self,
        personal: &Secret,
        project: &str,
    ) -> Result<Vec<ProjectSecretKey>, ClientError> {
        if project.is_empty()
            || !project
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ClientError::InvalidUrl(
                "a PostHog project id is letters, digits, '-' or '_'".into(),
            ));
        }
        let path = format!("/api/projects/{project}/project_secret_api_keys/");
        let reply = self
            .http
            .send(
                Method::GET,
                self.base_url,
                &path,
                Auth::Bearer(personal),
                None,
            )
            .await?;
        if reply.status.as_u16() != 200 {
            return Err(error_for(&reply));
        }
        let v: serde_json::Value = reply.json()?;
        let items = v
            .as_array()
            .ok_or_else(|| ClientError::Malformed("expected a JSON array of keys".into()))?;
        items
            .iter()
            .map(|k| {
                Ok(ProjectSecretKey {
                    id: k
                        .get("id")
                        .and_then(|i| i.as_str())
                        .map(str::to_owned)
                        .ok_or_else(|| ClientError::Malformed("a key without id".into()))?,
                    label: k
                        .get("label")
                        .and_then(|l| l.as_str())
                        .unwrap_or("")
                        .to_owned(),
                    mask_value: k
                        .get("mask_value")
                        .and_then(|m| m.as_str())
                        .unwrap_or("")
                        .to_owned(),
                    scopes: strings(k.get("scopes")),
                    created_at: parse_time(k.get("created_at")),
                    last_used_at: parse_time(k.get("last_used_at")),
                    last_rolled_at: parse_time(k.get("last_rolled_at")),
                })
            })
            .collect()
    }
}
