//! The core's error: wraps each module's error and gives every case a stable code that the
//! window and the CLI switch on (never the message text). No variant carries a secret.

use crate::clipboard::ClipboardError;
use crate::config::ConfigError;
use crate::findings::FindingsError;
use crate::import::LineError;
use crate::providers::ClientError;
use crate::providers::ProviderError;
use crate::rotation::RotationError;
use crate::store::StoreError;
use crate::vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Clipboard(#[from] ClipboardError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Rotation(#[from] RotationError),
    #[error(transparent)]
    Findings(#[from] FindingsError),
    #[error("no key matches '{0}'")]
    NotFound(String),
    #[error("'{reference}' matches {count} keys ({candidates}); use the id instead")]
    Ambiguous {
        reference: String,
        count: usize,
        candidates: String,
    },
    #[error(transparent)]
    MalformedId(#[from] crate::ids::MalformedId),
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },
    #[error("{}", import_summary(.0))]
    Import(Vec<LineError>),
    #[error("the secret of key '{0}' is missing from the keychain (run `keyward doctor`)")]
    SecretMissing(String),
    #[error("internal error: {0}")]
    Internal(String),
}

fn import_summary(errors: &[LineError]) -> String {
    let mut out = format!(
        "the file has {} problem{}; nothing was imported:",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for e in errors.iter().take(50) {
        out.push_str(&format!("\n  line {}: {}", e.line, e.message));
    }
    if errors.len() > 50 {
        out.push_str(&format!("\n  … and {} more", errors.len() - 50));
    }
    out
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Error {
        match err {
            StoreError::Database(sqlx::Error::RowNotFound) => Error::NotFound("that key".into()),
            other => Error::Store(other),
        }
    }
}

impl Error {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Error {
        Error::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Config(_) => "config",
            Error::Store(StoreError::DuplicateName { .. } | StoreError::DuplicateConnection(_)) => {
                "duplicate"
            }
            Error::Store(StoreError::EnvironmentInUse(_)) => "invalid_input",
            Error::Store(_) => "storage",
            Error::Vault(v) => v.code(),
            Error::Provider(ProviderError::UnknownProvider(_)) => "unknown_provider",
            Error::Provider(ProviderError::UnknownKind { .. }) => "unknown_kind",
            Error::Provider(ProviderError::MalformedKey { .. }) => "malformed_key",
            Error::Provider(ProviderError::InvalidCustom(_)) => "invalid_input",
            Error::Clipboard(_) => "clipboard_unavailable",
            Error::Client(c) => c.code(),
            Error::Rotation(r) => r.code(),
            Error::Findings(FindingsError::Render(_)) => "internal",
            Error::Findings(_) => "invalid_input",
            Error::NotFound(_) => "not_found",
            Error::Ambiguous { .. } => "ambiguous",
            Error::InvalidInput { .. } | Error::MalformedId(_) => "invalid_input",
            Error::Import(_) => "import_invalid",
            Error::SecretMissing(_) => "secret_missing",
            Error::Internal(_) => "internal",
        }
    }

    /// Whether a provider's API is the cause (CLI exit code 3).
    pub fn is_provider(&self) -> bool {
        matches!(
            self,
            Error::Client(_)
                | Error::Rotation(
                    RotationError::NewKeyInvalid(_)
                        | RotationError::OldKeyStillValid { .. }
                        | RotationError::LostRoll(_)
                        | RotationError::RolledNewKeyInvalid(_)
                )
        )
    }

    /// Whether the keychain is the cause (CLI exit code 2).
    pub fn is_keychain(&self) -> bool {
        matches!(self, Error::Vault(_) | Error::SecretMissing(_))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
