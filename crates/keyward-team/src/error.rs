//! The team's one error type, with a stable `code()` for the IPC boundary. No variant carries
//! a password or a key's value: the URL is never quoted (it might hold a password), and
//! PostgreSQL's messages are about roles, tables and policies.

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("invalid team URL: {0}")]
    UrlInvalid(String),
    #[error("the team's server refused the password of role '{0}'")]
    AuthFailed(String),
    #[error("the team's password is not in the OS keychain; join the team again")]
    PasswordMissing,
    #[error("{0}")]
    TlsRequired(String),
    #[error(
        "the team's schema is version {server}, this Keyward needs version {needed}; whoever \
         set up the team must run `keyward team init` with this version of Keyward"
    )]
    SchemaOutdated { server: i64, needed: i64 },
    #[error(
        "the team's schema is version {server}, newer than this Keyward knows ({needed}); \
         update Keyward"
    )]
    SchemaNewer { server: i64, needed: i64 },
    #[error("cannot reach the team's server: {0}")]
    Unreachable(String),
    #[error("the team's database refused this: {0}")]
    PermissionDenied(String),
    #[error("not in a team")]
    NotJoined,
    #[error("team database error: {0}")]
    Database(String),
    #[error("team report: {0}")]
    Render(String),
    #[error(transparent)]
    Core(#[from] keyward::Error),
}

impl TeamError {
    /// The stable code the window and the CLI switch on.
    pub fn code(&self) -> &'static str {
        match self {
            TeamError::UrlInvalid(_) => "team_url_invalid",
            TeamError::AuthFailed(_) | TeamError::PasswordMissing => "team_auth_failed",
            TeamError::TlsRequired(_) => "team_tls_required",
            TeamError::SchemaOutdated { .. } => "team_schema_outdated",
            TeamError::SchemaNewer { .. } => "team_schema_newer",
            TeamError::Unreachable(_) => "team_unreachable",
            TeamError::PermissionDenied(_) => "team_permission_denied",
            TeamError::NotJoined => "team_not_joined",
            TeamError::Database(_) => "team_database",
            TeamError::Render(_) => "internal",
            TeamError::Core(e) => e.code(),
        }
    }

    /// Whether the server could not be reached at all (the queue keeps the changes).
    pub fn is_offline(&self) -> bool {
        matches!(self, TeamError::Unreachable(_))
    }

    /// Maps a PostgreSQL client error; `role` names the role in an authentication failure.
    pub fn from_sqlx(err: sqlx::Error, role: &str) -> TeamError {
        match err {
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
                let message = db.message().to_string();
                match code.as_str() {
                    // invalid_password, invalid_authorization_specification
                    "28P01" | "28000" => TeamError::AuthFailed(role.to_string()),
                    // insufficient_privilege: row-level security or a missing GRANT.
                    "42501" => TeamError::PermissionDenied(message),
                    // invalid_catalog_name: no such database.
                    "3D000" => TeamError::UrlInvalid(message),
                    // undefined_table / invalid_schema_name: `team init` never ran here.
                    "42P01" | "3F000" => TeamError::SchemaOutdated {
                        server: 0,
                        needed: crate::SCHEMA_VERSION,
                    },
                    // Too many connections, shutting down, cannot connect now.
                    "53300" | "57P01" | "57P02" | "57P03" => TeamError::Unreachable(message),
                    _ => TeamError::Database(message),
                }
            }
            sqlx::Error::Tls(e) => TeamError::TlsRequired(format!(
                "TLS to the team's server failed: {e} (TLS is required: the server must offer \
                 it, or use a loopback address)"
            )),
            sqlx::Error::Io(e) => TeamError::Unreachable(e.to_string()),
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
                TeamError::Unreachable(err.to_string())
            }
            sqlx::Error::Protocol(m) => TeamError::Unreachable(format!("protocol error: {m}")),
            other => TeamError::Database(other.to_string()),
        }
    }
}

impl From<keyward::store::StoreError> for TeamError {
    fn from(e: keyward::store::StoreError) -> TeamError {
        TeamError::Core(keyward::Error::from(e))
    }
}

pub type Result<T, E = TeamError> = std::result::Result<T, E>;
