//! The write side of the providers' key-management APIs: create, roll, delete, and find a key
//! by the idempotency token in its name. One connection (base URL + admin key) per call.
//! Writes are never retried here: the engine checks the provider's state (list by token,
//! verify the old value) before it tries a write again.

use crate::client::http::{Auth, Http, Reply};
use crate::client::{error_for, ClientError};
use crate::connection::Connection;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{json, Value};

/// A key as the provider lists it (no value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListedKey {
    pub id: String,
    pub name: String,
    /// PostHog `mask_value` (`phs_...abcd`), else empty.
    pub mask: String,
    pub last_rolled_at: Option<DateTime<Utc>>,
    /// Scopes as listed (PostHog), else empty.
    pub scopes: Vec<String>,
}

/// A new value from a create or roll, with the remote id it belongs to.
pub(crate) struct NewRemoteValue {
    pub remote_id: String,
    pub value: Secret,
    pub scopes: Vec<String>,
}

pub(crate) struct KeyApi<'a> {
    pub http: &'a Http,
    pub connection: &'a Connection,
    pub admin: &'a Secret,
}

fn valid_segment(s: &str) -> Result<&str, ClientError> {
    if !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(s)
    } else {
        Err(ClientError::Malformed(
            "a remote id is letters, digits, '-' or '_'".into(),
        ))
    }
}

fn str_field(v: &Value, field: &str) -> Result<String, ClientError> {
    v.get(field)
        .and_then(|x| x.as_str())
        .map(str::to_owned)
        .ok_or_else(|| ClientError::Malformed(format!("no '{field}' in the answer")))
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Cloudflare's envelope: `{success, errors, result}`.
fn cf_result(reply: &Reply) -> Result<Value, ClientError> {
    let v: Value = reply.json()?;
    if v.get("success").and_then(|s| s.as_bool()) != Some(true) {
        return Err(ClientError::Malformed("success is not true".into()));
    }
    v.get("result")
        .cloned()
        .ok_or_else(|| ClientError::Malformed("no result".into()))
}

impl KeyApi<'_> {
    fn base(&self) -> &str {
        &self.connection.base_url
    }

    fn posthog_project(&self) -> Result<&str, ClientError> {
        let p = self
            .connection
            .options
            .project_id
            .as_deref()
            .ok_or_else(|| {
                ClientError::Unsupported(
                    "a PostHog connection needs a project id for project secret keys (--project)"
                        .into(),
                )
            })?;
        valid_segment(p)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Reply, ClientError> {
        self.http
            .send(method, self.base(), path, Auth::Bearer(self.admin), body)
            .await
    }

    /// Creates a key named `name` with `scopes`; returns its id and value (shown only now).
    pub async fn create(
        &self,
        name: &str,
        scopes: &[String],
    ) -> Result<NewRemoteValue, ClientError> {
        match self.connection.provider.as_str() {
            "posthog" => {
                let project = self.posthog_project()?;
                let reply = self
                    .send(
                        Method::POST,
                        &format!("/api/projects/{project}/project_secret_api_keys/"),
                        Some(json!({"label": name, "scopes": scopes})),
                    )
                    .await?;
                if !matches!(reply.status.as_u16(), 200 | 201) {
                    return Err(error_for(&reply));
                }
                let v: Value = reply.json()?;
                Ok(NewRemoteValue {
                    remote_id: str_field(&v, "id")?,
                    value: Secret::new(str_field(&v, "value")?),
                    scopes: strings(v.get("scopes")),
                })
            }
            "cloudflare" => {
                let policies = self.cloudflare_policies(scopes).await?;
                let created = self.cloudflare_create_with(name, policies).await?;
                Ok(NewRemoteValue {
                    scopes: scopes.to_vec(),
                    ..created
                })
            }
            "sendgrid" => {
                let reply = self
                    .send(
                        Method::POST,
                        "/api_keys",
                        Some(json!({"name": name, "scopes": scopes})),
                    )
                    .await?;
                if !matches!(reply.status.as_u16(), 200 | 201) {
                    return Err(error_for(&reply));
                }
                let v: Value = reply.json()?;
                Ok(NewRemoteValue {
                    remote_id: str_field(&v, "api_key_id")?,
                    value: Secret::new(str_field(&v, "api_key")?),
                    scopes: strings(v.get("scopes")),
                })
            }
            other => Err(ClientError::Unsupported(format!(
                "{other} has no API that creates keys"
            ))),
        }
    }

    /// Cloudflare policies for permission group names: the groups' ids from
    /// `GET /user/tokens/permission_groups`, on every account of the user (`account.*`
    /// would be broader than needed, but the connection does not name accounts otherwise).
    async fn cloudflare_policies(&self, scopes: &[String]) -> Result<Value, ClientError> {
        let reply = self
            .send(Method::GET, "/user/tokens/permission_groups", None)
            .await?;
        if reply.status.as_u16() != 200 {
            return Err(error_for(&reply));
        }
        let groups = cf_result(&reply)?;
        let groups = groups
            .as_array()
            .ok_or_else(|| ClientError::Malformed("permission groups are not a list".into()))?;
        let mut picked = Vec::new();
        for s in scopes {
            let g = groups
                .iter()
                .find(|g| g.get("name").and_then(|n| n.as_str()) == Some(s.as_str()))
                .ok_or_else(|| ClientError::Rejected {
                    status: 400,
                    message: format!(
                        "Cloudflare has no permission group named '{}'",
                        s.chars().take(64).collect::<String>()
                    ),
                })?;
            picked.push(json!({"id": str_field(g, "id")?}));
        }
        if picked.is_empty() {
            return Err(ClientError::Rejected {
                status: 400,
                message: "a Cloudflare token needs at least one permission group".into(),
            });
        }
        let resource = match self.connection.options.account_id.as_deref() {
            Some(a) => format!("com.cloudflare.api.account.{}", valid_segment(a)?),
            None => "com.cloudflare.api.account.*".to_owned(),
        };
        Ok(json!([{
            "effect": "allow",
            "resources": { resource: "*" },
            "permission_groups": picked,
        }]))
    }

    /// Cloudflare: the policies of an existing token, to give its replacement the same ones.
    pub async fn cloudflare_token_policies(&self, id: &str) -> Result<Value, ClientError> {
        let reply = self
            .send(
                Method::GET,
                &format!("/user/tokens/{}", valid_segment(id)?),
                None,
            )
            .await?;
        if reply.status.as_u16() != 200 {
            return Err(error_for(&reply));
        }
        let r = cf_result(&reply)?;
        let mut policies = r
            .get("policies")
            .cloned()
            .ok_or_else(|| ClientError::Malformed("a token without policies".into()))?;
        if let Some(list) = policies.as_array_mut() {
            for p in list {
                if let Some(o) = p.as_object_mut() {
                    o.remove("id");
                }
            }
        }
        Ok(policies)
    }

    /// Cloudflare create with explicit policies (a replacement with the old token's policies).
    pub async fn cloudflare_create_with(
        &self,
        name: &str,
        policies: Value,
    ) -> Result<NewRemoteValue, ClientError> {
        let reply = self
            .send(
                Method::POST,
                "/user/tokens",
                Some(json!({"name": name, "policies": policies})),
            )
            .await?;
        if reply.status.as_u16() != 200 {
            return Err(error_for(&reply));
        }
        let r = cf_result(&reply)?;
        Ok(NewRemoteValue {
            remote_id: str_field(&r, "id")?,
            value: Secret::new(str_field(&r, "value")?),
            scopes: Vec::new(),
        })
    }

    /// Rolls a key in place: a new value, the old one dies at once.
    pub async fn roll(&self, remote_id: &str) -> Result<NewRemoteValue, ClientError> {
        let id = valid_segment(remote_id)?;
        match self.connection.provider.as_str() {
            "posthog" => {
                let project = self.posthog_project()?;
                let reply = self
                    .send(
                        Method::POST,
                        &format!("/api/projects/{project}/project_secret_api_keys/{id}/roll/"),
                        None,
                    )
                    .await?;
                if reply.status.as_u16() != 200 {
                    return Err(error_for(&reply));
                }
                let v: Value = reply.json()?;
                Ok(NewRemoteValue {
                    remote_id: id.to_owned(),
                    value: Secret::new(str_field(&v, "value")?),
                    scopes: strings(v.get("scopes")),
                })
            }
            "cloudflare" => {
                let reply = self
                    .send(
                        Method::PUT,
                        &format!("/user/tokens/{id}/value"),
                        Some(json!({})),
                    )
                    .await?;
                if reply.status.as_u16() != 200 {
                    return Err(error_for(&reply));
                }
                let r = cf_result(&reply)?;
                let value = r.as_str().ok_or_else(|| {
                    ClientError::Malformed("the new value is not a string".into())
                })?;
                Ok(NewRemoteValue {
                    remote_id: id.to_owned(),
                    value: Secret::new(value.to_owned()),
                    scopes: Vec::new(),
                })
            }
            other => Err(ClientError::Unsupported(format!(
                "{other} has no API that rolls keys"
            ))),
        }
    }

    /// Deletes (revokes) a key. Already gone (404) counts as done: deleting is idempotent.
    pub async fn delete(&self, remote_id: &str) -> Result<(), ClientError> {
        let id = valid_segment(remote_id)?;
        let path = match self.connection.provider.as_str() {
            "posthog" => format!(
                "/api/projects/{}/project_secret_api_keys/{id}/",
                self.posthog_project()?
            ),
            "cloudflare" => format!("/user/tokens/{id}"),
            "sendgrid" => format!("/api_keys/{id}"),
            other => {
                return Err(ClientError::Unsupported(format!(
                    "{other} has no API that revokes keys"
                )))
            }
        };
        let reply = self.send(Method::DELETE, &path, None).await?;
        match reply.status.as_u16() {
            200 | 202 | 204 | 404 => Ok(()),
            _ => Err(error_for(&reply)),
        }
    }

    /// Every key the connection lists (id, name, mask).
    pub async fn list(&self) -> Result<Vec<ListedKey>, ClientError> {
        match self.connection.provider.as_str() {
            "posthog" => {
                let project = self.posthog_project()?;
                let reply = self
                    .send(
                        Method::GET,
                        &format!("/api/projects/{project}/project_secret_api_keys/"),
                        None,
                    )
                    .await?;
                if reply.status.as_u16() != 200 {
                    return Err(error_for(&reply));
                }
                let v: Value = reply.json()?;
                v.as_array()
                    .ok_or_else(|| ClientError::Malformed("expected a list of keys".into()))?
                    .iter()
                    .map(|k| {
                        Ok(ListedKey {
                            id: str_field(k, "id")?,
                            name: k
                                .get("label")
                                .and_then(|l| l.as_str())
                                .unwrap_or("")
                                .to_owned(),
                            mask: k
                                .get("mask_value")
                                .and_then(|l| l.as_str())
                                .unwrap_or("")
                                .to_owned(),
                            last_rolled_at: crate::client::parse_time(k.get("last_rolled_at")),
                            scopes: strings(k.get("scopes")),
                        })
                    })
                    .collect()
            }
            "cloudflare" => {
                let http = self.http;
                Ok(crate::client::cloudflare::CloudflareClient {
                    http,
                    base_url: self.base(),
                }
                .list_tokens(self.admin)
                .await?
                .into_iter()
                .map(|t| ListedKey {
                    id: t.id,
                    name: t.name,
                    mask: String::new(),
                    last_rolled_at: None,
                    scopes: t.scopes,
                })
                .collect())
            }
            "sendgrid" => Ok(crate::client::sendgrid::SendGridClient {
                http: self.http,
                base_url: self.base(),
            }
            .list_keys(self.admin)
            .await?
            .into_iter()
            .map(|k| ListedKey {
                id: k.id,
                name: k.name,
                mask: String::new(),
                last_rolled_at: None,
                scopes: Vec::new(),
            })
            .collect()),
            other => Err(ClientError::Unsupported(format!(
                "{other} has no API that lists keys"
            ))),
        }
    }

    /// Keys whose name carries the idempotency token (orphans of an interrupted create).
    pub async fn find_by_token(&self, token: &str) -> Result<Vec<ListedKey>, ClientError> {
        let marker = token_marker(token);
        Ok(self
            .list()
            .await?
            .into_iter()
            .filter(|k| k.name.contains(&marker))
            .collect())
    }
}

/// What a remote name carries so recovery can find the key: `[kw-<token>]`.
pub(crate) fn token_marker(token: &str) -> String {
    format!("[kw-{token}]")
}

/// The remote name of a new key: the inventory name (shortened) plus the token marker.
pub(crate) fn remote_name(base: &str, token: &str) -> String {
    let base: String = base.chars().filter(|c| !c.is_control()).take(60).collect();
    format!("{} {}", base.trim(), token_marker(token))
}
