//! The team's one error type. No variant carries a password or a key's value; messages from
//! PostgreSQL are passed through only after the URL's password (there is none) could not be in
//! them.

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("invalid team URL: {0}")]
    UrlInvalid(String),
    #[error("the server refused the password of role '{0}'")]
    AuthFailed(String),
    #[error("{0}")]
    TlsRequired(String),
    #[error("the team's schema is version {server}, this Keyward needs {needed}: ask whoever set up the team to run `keyward team init` with this version")]
    SchemaOutdated { server: i64, needed: i64 },
    #[error("cannot reach the team's server: {0}")]
    Unreachable(String),
    #[error("the team's database refused this change (row-level security): {0}")]
    PermissionDenied(String),
    #[error("not in a team")]
    NotJoined,
    #[error("team database error: {0}")]
    Database(String),
    #[error("not implemented yet")]
    Unfinished,
    #[error(transparent)]
    Core(#[from] keyward::Error),
}

impl TeamError {
    /// The stable code the window and the CLI switch on.
    pub fn code(&self) -> &'static str {
        match self {
            TeamError::UrlInvalid(_) => "team_url_invalid",
            TeamError::AuthFailed(_) => "team_auth_failed",
            TeamError::TlsRequired(_) => "team_tls_required",
            TeamError::SchemaOutdated { .. } => "team_schema_outdated",
            TeamError::Unreachable(_) => "team_unreachable",
            TeamError::PermissionDenied(_) => "team_permission_denied",
            TeamError::NotJoined => "team_not_joined",
            TeamError::Database(_) => "team_database",
            TeamError::Unfinished => "internal",
            TeamError::Core(e) => e.code(),
        }
    }
}

pub type Result<T, E = TeamError> = std::result::Result<T, E>;
