//! Where Keyward keeps its files, and under which name its secrets live in the keychain.

use std::path::PathBuf;

/// The app identifier: the keychain service name and the Tauri identifier.
pub const APP_IDENTIFIER: &str = "dev.keyward.app";
/// Overrides the data directory (tests, portable use).
pub const DATA_DIR_ENV: &str = "KEYWARD_DATA_DIR";
pub const DATABASE_FILE: &str = "keyward.db";

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub keychain_service: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot find a home directory for Keyward's data; set {DATA_DIR_ENV}")]
    NoDataDir,
    #[error("cannot create the data directory {path}: {source}")]
    CreateDataDir {
        path: String,
        source: std::io::Error,
    },
}

impl Config {
    /// `$KEYWARD_DATA_DIR`, else the platform's data dir (`~/.local/share/keyward` on Linux).
    pub fn from_env() -> Result<Config, ConfigError> {
        let data_dir = match std::env::var_os(DATA_DIR_ENV) {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => directories::ProjectDirs::from("dev", "keyward", "keyward")
                .map(|d| d.data_dir().to_path_buf())
                .ok_or(ConfigError::NoDataDir)?,
        };
        Ok(Config::at(data_dir))
    }

    pub fn at(data_dir: PathBuf) -> Config {
        Config {
            data_dir,
            keychain_service: APP_IDENTIFIER.to_owned(),
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE)
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// Creates the data and log directories, private to the user.
    pub fn ensure_dirs(&self) -> Result<(), ConfigError> {
        for dir in [self.data_dir.clone(), self.log_dir()] {
            std::fs::create_dir_all(&dir).map_err(|source| ConfigError::CreateDataDir {
                path: dir.display().to_string(),
                source,
            })?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
            }
        }
        Ok(())
    }
}
