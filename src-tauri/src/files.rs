//! The files the window may have read or written: only those the user chose in a native
//! dialog that the backend opened itself. The page never names a path (an XSS must not turn
//! into a file-read or file-write channel): picking an import file gives it an opaque handle,
//! and the review export opens its own save dialog.

use crate::error::AppError;
use crate::findings_dto::ReviewExportDto;
use keyward::findings::ReportFormat;
use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;
use uuid::Uuid;

/// Answers every file dialog with this path instead of showing it, for the e2e tests, which
/// cannot click a GTK dialog. For a save dialog, a directory means "the proposed file name in
/// this folder". Read once at launch: the page cannot set the process's environment, so this
/// opens no hole (whoever can set it can run any program as the user already).
pub const DIALOG_ANSWER_ENV: &str = "KEYWARD_DIALOG_ANSWER";

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("the file dialog failed: {0}")]
    Dialog(String),
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
}

impl From<FileError> for crate::error::AppError {
    fn from(e: FileError) -> Self {
        let code = match e {
            FileError::Dialog(_) => "dialog_failed",
            FileError::Write { .. } => "export_failed",
        };
        crate::error::AppError {
            code,
            message: e.to_string(),
        }
    }
}

/// How the dialogs are answered: by the user, or by [`DIALOG_ANSWER_ENV`].
#[derive(Debug, Default)]
pub struct FileDialogs {
    answer: Mutex<Option<PathBuf>>,
    /// Import files picked in this session, by handle.
    picked: Mutex<HashMap<String, PathBuf>>,
}

/// What a save dialog proposes.
pub struct SaveRequest<'a> {
    pub title: &'a str,
    pub file_name: &'a str,
    pub filter_name: &'a str,
    pub extension: &'a str,
}

impl FileDialogs {
    /// At launch: dialogs are answered by [`DIALOG_ANSWER_ENV`] if it is set.
    pub fn answer_from_env(&self) {
        if let Some(path) = std::env::var_os(DIALOG_ANSWER_ENV).filter(|p| !p.is_empty()) {
            tracing::warn!("{DIALOG_ANSWER_ENV} is set: file dialogs are answered without asking");
            self.answer_with(Some(PathBuf::from(path)));
        }
    }

    /// Answers the following dialogs with `path` (`None`: show them). For tests and
    /// [`FileDialogs::answer_from_env`]; no command calls it.
    pub fn answer_with(&self, path: Option<PathBuf>) {
        *lock(&self.answer) = path;
    }

    fn answer(&self) -> Option<PathBuf> {
        lock(&self.answer).clone()
    }

    /// Asks which file to import; `None` when cancelled. The path stays here: the window
    /// gets a random handle (and the file's name), valid for this session.
    pub async fn pick_import<R: Runtime>(
        &self,
        app: &AppHandle<R>,
    ) -> Result<Option<(String, String)>, FileError> {
        let path = match self.answer() {
            Some(path) => Some(path),
            None => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                app.dialog()
                    .file()
                    .set_title("Import keys")
                    .add_filter("Environment or CSV files", &["env", "csv"])
                    .add_filter("All files", &["*"])
                    .pick_file(move |picked| {
                        let _ = tx.send(picked);
                    });
                let picked = rx.await.map_err(|e| FileError::Dialog(e.to_string()))?;
                picked
                    .map(|p| p.into_path().map_err(|e| FileError::Dialog(e.to_string())))
                    .transpose()?
            }
        };
        Ok(path.map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let handle = Uuid::new_v4().simple().to_string();
            lock(&self.picked).insert(handle.clone(), path);
            (handle, name)
        }))
    }

    /// The file picked under `handle` in this session, if any.
    pub fn picked(&self, handle: &str) -> Option<PathBuf> {
        lock(&self.picked).get(handle).cloned()
    }

    /// Asks where to save; `None` when cancelled. The GTK dialog asks before overwriting an
    /// existing file (rfd sets `do_overwrite_confirmation`), so a path it returns has consent.
    pub async fn pick_save<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        request: &SaveRequest<'_>,
    ) -> Result<Option<PathBuf>, FileError> {
        if let Some(path) = self.answer() {
            return Ok(Some(if path.is_dir() {
                path.join(request.file_name)
            } else {
                path
            }));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        app.dialog()
            .file()
            .set_title(request.title)
            .set_file_name(request.file_name)
            .add_filter(request.filter_name, &[request.extension])
            .save_file(move |picked| {
                let _ = tx.send(picked);
            });
        let picked = rx.await.map_err(|e| FileError::Dialog(e.to_string()))?;
        picked
            .map(|p| p.into_path().map_err(|e| FileError::Dialog(e.to_string())))
            .transpose()
    }
}

impl FileDialogs {
    /// Asks where to save a report in `format` (`None`: cancelled), renders it only then, and
    /// writes it with [`write_replacing`]. The window names no path. Reports are metadata only.
    pub async fn save_report<R: Runtime, E>(
        &self,
        app: &AppHandle<R>,
        title: &str,
        file_stem: &str,
        format: ReportFormat,
        render: impl Future<Output = Result<String, E>>,
    ) -> Result<Option<ReviewExportDto>, AppError>
    where
        AppError: From<E>,
    {
        let ext = format.extension();
        let file_name = format!(
            "{file_stem}-{}.{ext}",
            chrono::Utc::now().format("%Y-%m-%d")
        );
        let filter_name = format!("{} report", ext.to_uppercase());
        let request = SaveRequest {
            title,
            file_name: &file_name,
            filter_name: &filter_name,
            extension: ext,
        };
        let Some(path) = self.pick_save(app, &request).await? else {
            return Ok(None);
        };
        let text = render.await?;
        let bytes = text.len();
        let target = path.clone();
        tauri::async_runtime::spawn_blocking(move || write_replacing(&target, text.as_bytes()))
            .await
            .map_err(|e| AppError {
                code: "export_failed",
                message: format!("cannot write {}: {e}", path.display()),
            })??;
        tracing::info!(format = ext, bytes, "{file_stem} exported");
        Ok(Some(ReviewExportDto {
            path: path.display().to_string(),
            bytes,
        }))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing here can be left half-updated by a panic: keep using the value.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes `bytes` to `path` without ever writing through it: into a new temporary file in the
/// same folder, then renamed over `path`. A rename replaces a symlink (or any file) at `path`
/// instead of following it, so a link planted there cannot redirect the write elsewhere, and
/// a reader never sees a half-written file.
pub fn write_replacing(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let failed = |reason: String| FileError::Write {
        path: path.display().to_string(),
        reason,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .ok_or_else(|| failed("no folder to write into".into()))?;
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| failed(e.to_string()))?;
    file.write_all(bytes).map_err(|e| failed(e.to_string()))?;
    file.as_file()
        .sync_all()
        .map_err(|e| failed(e.to_string()))?;
    file.persist(path)
        .map_err(|e| failed(e.error.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn write_replacing_replaces_a_symlink_instead_of_following_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let link = dir.path().join("review.csv");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        write_replacing(&link, b"report").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "report");
    }
}
