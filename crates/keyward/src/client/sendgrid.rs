//! SendGrid: `GET /scopes` verifies a key and tells its scopes; `GET /api_keys` lists keys.

use super::http::{Auth, Http};
use super::{error_for, ClientError, Verification};
use crate::secret::Secret;
use reqwest::Method;

pub struct SendGridClient<'a> {
    pub http: &'a Http,
    pub base_url: &'a str,
}

#[derive(Debug, Clone)]
pub struct SendGridKey {
    pub id: String,
    pub name: String,
}

impl SendGridClient<'_> {
    pub async fn verify(&self, key: &Secret) -> Result<Verification, ClientError> {
        let reply = self
            .http
            .send(
                Method::GET,
                self.base_url,
                "/scopes",
                Auth::Bearer(key),
                None,
            )
            .await?;
        match reply.status.as_u16() {
            200 => {
                let v: serde_json::Value = reply.json()?;
                let scopes: Vec<String> = v
                    .get("scopes")
                    .and_then(|s| s.as_array())
                    .ok_or_else(|| ClientError::Malformed("no scopes array".into()))?
                    .iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect();
                let mut out = Verification::valid(format!("{} scopes", scopes.len()));
                out.scopes = Some(scopes);
                // `SG.<api_key_id>.<secret>`: the middle part is the key's public id, which
                // `GET /api_keys` lists — so the key is recognised there.
                // EXPOSE: reading the id part of the value, not the secret part.
                out.remote_id = key
                    .expose()
                    .strip_prefix("SG.")
                    .and_then(|rest| rest.split('.').next())
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned);
                Ok(out)
            }
            401 => Ok(Verification::invalid("SendGrid answered 401 to this key")),
            _ => Err(error_for(&reply)),
        }
    }

    pub async fn list_keys(&self, admin: &Secret) -> Result<Vec<SendGridKey>, ClientError> {
        let reply = self
            .http
            .send(
                Method::GET,
                self.base_url,
                "/api_keys",
                Auth::Bearer(admin),
                None,
            )
            .await?;
        if reply.status.as_u16() != 200 {
            return Err(error_for(&reply));
        }
        let v: serde_json::Value = reply.json()?;
        v.get("result")
            .and_then(|r| r.as_array())
            .ok_or_else(|| ClientError::Malformed("no result array".into()))?
            .iter()
            .map(|k| {
                Ok(SendGridKey {
                    id: k
                        .get("api_key_id")
                        .and_then(|i| i.as_str())
                        .map(str::to_owned)
                        .ok_or_else(|| ClientError::Malformed("a key without api_key_id".into()))?,
                    name: k
                        .get("name")
                        .and_then(|n| n.as_str())
                        .unwrap_or("")
                        .to_owned(),
                })
            })
            .collect()
    }
}
