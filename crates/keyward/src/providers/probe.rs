//! Verify by use, for providers without a management API (Postmon, Postnomic) and for custom
//! providers: call one URL with the key presented the provider's way; 2xx = valid, 401/403 =
//! invalid. Which URL is configurable (the seeds document no verify endpoint).

use super::api::{error_for, ClientError, Verification};
use super::http::{ApiPath, Auth, Http};
use super::Presentation;
use crate::secret::Secret;
use reqwest::Method;

pub struct Probe<'a> {
    pub http: &'a Http,
    pub base_url: &'a str,
    pub method: Method,
    pub path: &'a str,
    pub presentation: Presentation,
    pub name: &'a str,
}

/// A seed provider's probe: `default_path` unless the connection configures its own.
pub(super) async fn verify_at(
    at: &super::Endpoint<'_>,
    method: Method,
    default_path: &str,
    presentation: Presentation,
    name: &str,
    key: &Secret,
) -> Result<Verification, ClientError> {
    Probe {
        http: at.http,
        base_url: at.base_url,
        method,
        path: at.options.probe_path.as_deref().unwrap_or(default_path),
        presentation,
        name,
    }
    .verify(key)
    .await
}

impl Probe<'_> {
    pub async fn verify(&self, key: &Secret) -> Result<Verification, ClientError> {
        // A user's probe path is parsed into segments here, at every use: a connection
        // saved before the path was checked cannot reach another host either.
        let path = ApiPath::probe(self.path)?;
        let (auth, body) = match self.presentation {
            Presentation::Header => (Auth::Header(self.name, key), None),
            Presentation::Bearer => (Auth::Bearer(key), None),
            Presentation::Query => (Auth::Query(self.name, key), None),
            Presentation::BodyField => {
                (Auth::BodyField(self.name, key), Some(serde_json::json!({})))
            }
        };
        let reply = self
            .http
            .send(self.method.clone(), self.base_url, &path, auth, body)
            .await?;
        match reply.status.as_u16() {
            200..=299 => Ok(Verification::valid(format!(
                "the probe answered {}",
                reply.status.as_u16()
            ))),
            401 | 403 => Ok(Verification::invalid(format!(
                "the probe answered {}",
                reply.status.as_u16()
            ))),
            _ => Err(error_for(&reply)),
        }
    }
}
