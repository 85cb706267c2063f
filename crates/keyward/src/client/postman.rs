//! Postman: `GET /me` with `X-Api-Key`; rate limits use `X-RateLimit-RetryAfter`.

use super::http::{Auth, Http};
use super::{error_for, ClientError, Verification};
use crate::secret::Secret;
use reqwest::Method;

pub struct PostmanClient<'a> {
    pub http: &'a Http,
    pub base_url: &'a str,
}

impl PostmanClient<'_> {
    pub async fn verify(&self, key: &Secret) -> Result<Verification, ClientError> {
        let reply = self
            .http
            .send(
                Method::GET,
                self.base_url,
                "/me",
                Auth::Header("X-Api-Key", key),
                None,
            )
            .await?;
        match reply.status.as_u16() {
            200 => {
                let v: serde_json::Value = reply.json()?;
                let user = v
                    .pointer("/user/username")
                    .and_then(|u| u.as_str())
                    .ok_or_else(|| ClientError::Malformed("no user in /me".into()))?;
                let mut out = Verification::valid(format!(
                    "API key of Postman user '{user}' (the user's full access)"
                ));
                out.remote_id = v.pointer("/user/id").map(|id| id.to_string());
                Ok(out)
            }
            401 => Ok(Verification::invalid(
                "Postman answered 401: invalid API key",
            )),
            _ => Err(error_for(&reply)),
        }
    }
}
