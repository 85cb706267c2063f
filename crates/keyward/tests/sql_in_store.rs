//! All SQL lives in `src/store/`: the rest of the core asks the store, so the schema can change
//! (or move off SQLite) in one place. A source check, like the desktop's command checks.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Any use of sqlx but its error type (which errors may carry across modules).
fn sql_outside_store(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices("sqlx::")
        .any(|(i, _)| !code[i..].starts_with("sqlx::Error"))
        || code.contains("query_scalar(")
        || code.contains("SqlitePool")
}

#[test]
fn sqlx_query_code_appears_only_in_the_store() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let store = src.join("store");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for path in files.iter().filter(|p| !p.starts_with(&store)) {
        let text = std::fs::read_to_string(path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if sql_outside_store(line) {
                found.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL belongs in src/store/ (add a Store method and call it):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_query_code() {
    assert!(sql_outside_store(
        r#"let n = sqlx::query("SELECT 1").execute(&pool).await?;"#
    ));
    assert!(sql_outside_store("use sqlx::{Row, SqlitePool};"));
    assert!(!sql_outside_store(
        "StoreError::Database(sqlx::Error::RowNotFound) => x,"
    ));
    assert!(!sql_outside_store("// sqlx::query is fine in a comment"));
}
