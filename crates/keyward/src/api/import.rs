//! Importing a file of keys (.env, CSV, JSON exports) as the front ends do it: a preview that
//! writes nothing, then the rows the user chose, each with its findings.

use super::keys::{self, KeyView};
use crate::import::{ImportOptions, ImportPlan, RowChoice};
use crate::inventory::Inventory;
use crate::Result;
use std::path::Path;
use zeroize::Zeroizing;

/// A file read for import: its name (shown, and the source in the audit trail) and its text,
/// which holds values and is wiped when dropped.
pub struct ImportFile {
    pub name: String,
    pub text: Zeroizing<String>,
}

impl ImportFile {
    /// Reads `path` (size-checked, UTF-8).
    pub fn read(path: &Path) -> Result<ImportFile> {
        let (name, text) = crate::import::read_file(path)?;
        Ok(ImportFile { name, text })
    }
}

/// What importing the file would do: every row, detected, with what it would become and why a
/// row is refused. Nothing is written.
pub async fn preview(
    inv: &Inventory,
    file: &ImportFile,
    options: &ImportOptions,
) -> Result<ImportPlan> {
    inv.import_plan(&file.name, &file.text, options).await
}

/// Imports the chosen rows (the values to the keychain, the records in one transaction);
/// answers the new keys with their findings.
pub async fn commit(
    inv: &Inventory,
    file: &ImportFile,
    options: &ImportOptions,
    choice: &RowChoice,
) -> Result<Vec<KeyView>> {
    let mut plan = preview(inv, file, options).await?;
    plan.select(choice)?;
    let records = inv.import_commit(plan, &file.name).await?;
    Ok(keys::views(inv, records).await)
}
