//! The throwaway server starts, answers, restarts on the same data and port, and is gone
//! (process and files) after drop.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use test_postgres::TestPostgres;

#[test]
fn starts_restarts_keeps_data_and_stops_by_pid() {
    let mut pg = TestPostgres::start().expect("start");
    assert!(pg
        .admin_url()
        .starts_with("postgres://keyward_admin_test@127.0.0.1:"));
    assert!(
        !pg.admin_url().contains(pg.admin_password()),
        "no password in the URL"
    );
    pg.psql(
        "postgres",
        "CREATE TABLE t (v int); INSERT INTO t VALUES (42)",
    )
    .unwrap();
    let (port, first_pid) = (pg.port(), pg.pid().unwrap());
    pg.stop().unwrap();
    assert!(pg.pid().is_none());
    assert!(pg.psql("postgres", "SELECT 1").is_err(), "stopped");
    pg.start_again().unwrap();
    assert_eq!(pg.port(), port);
    assert_ne!(pg.pid().unwrap(), first_pid);
    assert_eq!(pg.psql("postgres", "SELECT v FROM t").unwrap().trim(), "42");
    let line: serde_json::Value = serde_json::from_str(&pg.json_line()).unwrap();
    assert_eq!(line["port"], port);
    let (dir, pid) = (pg.dir().to_path_buf(), pg.pid().unwrap());
    drop(pg);
    assert!(!dir.exists(), "the temp dir is removed");
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the server is gone"
    );
}
