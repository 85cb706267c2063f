//! The `provider-sim` binary as a black box: one line on stdout, serves, stops on SIGTERM.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const BIN: &str = env!("CARGO_BIN_EXE_provider-sim");

fn seed_file(name: &str, text: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("provider-sim-{}-{name}.json", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Kills the child if a test fails before stopping it.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[tokio::test]
async fn prints_its_address_serves_and_stops_on_sigterm() {
    let seed = seed_file(
        "serve",
        r#"{
            "postman": {
                "users": [{"id": 7, "username": "seeded"}],
                "keys": [{"name": "k", "value": "PMAK-0123456789abcdef01234567-0123456789abcdef0123456789abcdef01", "user_id": 7}]
            },
            "faults": [{"route": "GET /postman/me", "status": 503, "times": 1}]
        }"#,
    );
    let child = Command::new(BIN)
        .args(["--port", "0", "--seed"])
        .arg(&seed)
        .env("PROVIDER_SIM_LOG", "provider_sim=debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut guard = Guard(child);
    let mut stdout = BufReader::new(guard.0.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim_end()
        .strip_prefix("provider-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let me = format!("{url}/postman/me");
    let key = "PMAK-0123456789abcdef01234567-0123456789abcdef0123456789abcdef01";
    assert_eq!(
        client
            .get(&me)
            .header("X-Api-Key", key)
            .send()
            .await
            .unwrap()
            .status(),
        503,
        "seeded fault"
    );
    let resp = client
        .get(&me)
        .header("X-Api-Key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["user"]["username"], "seeded");
    let counts: serde_json::Value = client
        .get(format!("{url}/_control/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counts["routes"]["GET /postman/me"], 2);

    let pid = Pid::from_raw(i32::try_from(guard.0.id()).unwrap());
    kill(pid, Signal::SIGTERM).unwrap();
    let status =
        wait_with_timeout(&mut guard.0, Duration::from_secs(10)).expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");

    // Exactly one line on stdout.
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "nothing after the address line");
    // Logs went to stderr, and never a key value.
    let mut stderr = String::new();
    guard
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("/postman/me"), "{stderr}");
    assert!(!stderr.contains(key), "a key value was logged");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    std::fs::remove_file(seed).unwrap();
}

#[test]
fn refuses_any_bind_address_but_loopback() {
    for addr in ["0.0.0.0", "192.168.1.10", "::"] {
        let out = Command::new(BIN)
            .args(["--bind", addr])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{addr}");
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).contains("127.0.0.1 only"));
    }
}

#[test]
fn a_bad_seed_file_is_reported() {
    let seed = seed_file("bad", r#"{"postman": {"kyes": []}}"#);
    let out = Command::new(BIN)
        .arg("--seed")
        .arg(&seed)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid seed"));
    std::fs::remove_file(seed).unwrap();

    let out = Command::new(BIN)
        .args(["--seed", "/nonexistent/seed.json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn prints_the_demo_seed() {
    let out = Command::new(BIN)
        .arg("--print-demo-seed")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    let seed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(seed["cloudflare"]["tokens"].as_array().unwrap().len() >= 5);
}
