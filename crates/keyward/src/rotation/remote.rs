//! The rotation engine's handle on one connection's key-management API: the provider's
//! [`Provider`](crate::providers::Provider) port, the connection and its admin key, and the
//! kind of key being worked on. Writes are never retried here: the engine checks the
//! provider's state (list by token, verify the old value) before it tries a write again.

use crate::connection::Connection;
use crate::providers::http::Http;
use crate::providers::{
    self, Admin, ClientError, Endpoint, ListedKey, NewKeySpec, NewRemoteValue, Provider,
    Verification,
};
use crate::secret::Secret;
use chrono::{DateTime, Utc};

pub(crate) struct KeyApi<'a> {
    provider: &'static dyn Provider,
    admin: Admin<'a>,
    /// The kind of the key worked on (Cloudflare keeps user and account tokens apart).
    kind: &'a str,
}

impl<'a> KeyApi<'a> {
    pub fn new(
        http: &'a Http,
        connection: &'a Connection,
        admin: &'a Secret,
        kind: &'a str,
    ) -> Result<KeyApi<'a>, ClientError> {
        Ok(KeyApi {
            provider: providers::require(&connection.provider)?,
            admin: Admin {
                at: Endpoint {
                    http,
                    base_url: &connection.base_url,
                    options: &connection.options,
                    region_guessed: false,
                },
                key: admin,
            },
            kind,
        })
    }

    /// Creates a key named `name` with `scopes`; returns its id and value (shown only now).
    pub async fn create(
        &self,
        name: &str,
        scopes: &[String],
    ) -> Result<NewRemoteValue, ClientError> {
        self.provider
            .create(
                &self.admin,
                &NewKeySpec {
                    name,
                    kind: self.kind,
                    scopes,
                    replaces: None,
                },
            )
            .await
    }

    /// Creates the replacement of `old`: its restrictions carry over (see [`NewKeySpec`]).
    pub(crate) async fn create_replacement(
        &self,
        name: &str,
        scopes: &[String],
        old: &str,
    ) -> Result<NewRemoteValue, ClientError> {
        self.provider
            .create(
                &self.admin,
                &NewKeySpec {
                    name,
                    kind: self.kind,
                    scopes,
                    replaces: Some(old),
                },
            )
            .await
    }

    pub async fn roll(&self, remote_id: &str) -> Result<NewRemoteValue, ClientError> {
        self.provider.roll(&self.admin, self.kind, remote_id).await
    }

    pub async fn delete(&self, remote_id: &str) -> Result<(), ClientError> {
        self.provider
            .delete(&self.admin, self.kind, remote_id)
            .await
    }

    pub async fn list(&self) -> Result<Vec<ListedKey>, ClientError> {
        self.provider.list(&self.admin).await
    }

    /// Verification through the connection, where the provider's only evidence is there.
    pub async fn verify_managed(
        &self,
        remote_id: Option<&str>,
        value: &Secret,
    ) -> Option<Result<Verification, ClientError>> {
        let kind = self.provider.profile().kind(self.kind)?;
        self.provider
            .verify_managed(&self.admin, kind, remote_id, value)
            .await
    }

    pub async fn rolled_since(
        &self,
        remote_id: &str,
        since: DateTime<Utc>,
        old_tail: &str,
    ) -> Option<Result<bool, ClientError>> {
        self.provider
            .rolled_since(&self.admin, remote_id, since, old_tail)
            .await
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

/// The remote name of a new key: the inventory name (shortened) plus the token marker, 40
/// characters at most (PostHog's `label` limit, the smallest of the providers').
pub(crate) fn remote_name(base: &str, token: &str) -> String {
    let room = 40usize.saturating_sub(token_marker(token).chars().count() + 1);
    let base: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(room)
        .collect();
    format!("{} {}", base.trim(), token_marker(token))
}
