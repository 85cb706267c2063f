//! Keychain latency, reported not asserted: `cargo bench -p keyward --features test-support
//! --bench keychain`. Linux only (a throwaway gnome-keyring on a private bus).
//!
//! Three ways to the same keychain, in the same run, each over its own 200 entries:
//! - (a) `KeychainVault`: one kept D-Bus connection and encrypted session (issue 14);
//! - (b) before: `keyring::Entry` per call, which opens a connection and negotiates a new
//!   encrypted session every time (what `KeychainVault` did until issue 14);
//! - (c) the baseline: one raw D-Bus round trip on a kept connection (`ReadAlias("default")`),
//!   and the least a read can be on a kept connection (a search, then `GetSecret`).
//!
//! Ratios are p50 against (c) from the same run.

#[cfg(target_os = "linux")]
mod linux {
    use dbus_secret_service::{EncryptionType, SecretService};
    use keyward::vault::{KeychainVault, Vault};
    use keyward::Secret;
    use std::collections::HashMap;
    use std::time::{Duration, Instant};
    use uuid::Uuid;

    const N: usize = 200;
    const LIST_RUNS: usize = 20;

    type Stat = (f64, f64);

    fn percentiles(mut samples: Vec<Duration>) -> Stat {
        samples.sort();
        let at = |p: f64| {
            let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
            samples[i].as_secs_f64() * 1000.0
        };
        (at(0.50), at(0.95))
    }

    fn time_each(accounts: &[String], f: &mut dyn FnMut(&str)) -> (Stat, f64) {
        let start = Instant::now();
        let samples = accounts
            .iter()
            .map(|a| {
                let t = Instant::now();
                f(a);
                t.elapsed()
            })
            .collect();
        (percentiles(samples), start.elapsed().as_secs_f64() * 1000.0)
    }

    fn time_runs(runs: usize, f: &mut dyn FnMut()) -> Stat {
        percentiles(
            (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed()
                })
                .collect(),
        )
    }

    /// The old `accounts()`: a new connection and session, one search, then each item's
    /// attributes.
    fn list_per_call(service: &str) -> usize {
        let ss = SecretService::connect(EncryptionType::Dh).expect("connect");
        let found = ss
            .search_items(HashMap::from([("service", service)]))
            .expect("search");
        found
            .unlocked
            .iter()
            .chain(found.locked.iter())
            .filter(|i| {
                i.get_attributes()
                    .expect("attributes")
                    .contains_key("username")
            })
            .count()
    }

    struct Row {
        op: &'static str,
        new: Stat,
        old: Stat,
    }

    pub fn run() {
        let keychain = match test_keychain::TestKeychain::start() {
            Ok(k) => k,
            Err(e) => {
                println!("## Keychain latency\n\nskipped: no throwaway gnome-keyring could be started ({e})\n");
                return;
            }
        };
        // The bench process talks only to the throwaway keyring.
        for (k, v) in keychain.env() {
            std::env::set_var(k, v);
        }
        let run_id = Uuid::new_v4().simple().to_string();
        let accounts: Vec<String> = (0..N).map(|i| format!("acct-{i}")).collect();
        let value = Secret::new("phx_".to_owned() + &"a".repeat(44));

        // (a) the kept session.
        let vault = KeychainVault::new(format!("bench-new-{run_id}"));
        let (a_set, _) = time_each(&accounts, &mut |a| vault.set(a, &value).expect("set"));
        let (a_get, a_reads) = time_each(&accounts, &mut |a| {
            vault.get(a).expect("get").expect("present");
        });
        let a_list = time_runs(LIST_RUNS, &mut || {
            let listed = vault.refresh_accounts_snapshot().expect("list");
            assert_eq!(listed.map(|l| l.len()), Some(N));
        });
        let a_fresh = time_runs(LIST_RUNS, &mut || {
            assert_eq!(
                vault.accounts().expect("accounts").map(|l| l.len()),
                Some(N)
            );
        });

        // (c) on a kept connection, while (a)'s entries exist: one raw round trip, and the
        // least a read can be (search + GetSecret).
        let (c_trip, c_trips) = time_each(&accounts, &mut |_| vault.round_trip().expect("trip"));
        let ss = SecretService::connect(EncryptionType::Dh).expect("connect");
        let new_service = vault.service().to_owned();
        let (c_read, c_reads) = time_each(&accounts, &mut |a| {
            let found = ss
                .search_items(HashMap::from([
                    ("service", new_service.as_str()),
                    ("username", a),
                ]))
                .expect("search");
            let item = found.unlocked.first().expect("item");
            let _secret = zeroize::Zeroizing::new(item.get_secret().expect("secret"));
        });
        drop(ss);
        let (a_delete, _) = time_each(&accounts, &mut |a| vault.delete(a).expect("delete"));
        let sessions = vault.sessions_opened();

        // (b) before: keyring per call.
        let old_service = format!("bench-old-{run_id}");
        let entry = |a: &str| keyring::Entry::new(&old_service, a).expect("entry");
        let (b_set, _) = time_each(&accounts, &mut |a| {
            // EXPOSE: benchmark value written to the throwaway keyring.
            entry(a).set_password(value.expose()).expect("set");
        });
        let (b_get, b_reads) = time_each(&accounts, &mut |a| {
            let _v = zeroize::Zeroizing::new(entry(a).get_password().expect("get"));
        });
        let b_list = time_runs(LIST_RUNS, &mut || {
            assert_eq!(list_per_call(&old_service), N);
        });
        let (b_delete, _) = time_each(&accounts, &mut |a| {
            entry(a).delete_credential().expect("delete")
        });
        drop(keychain);

        let rows = [
            Row {
                op: "set (new entry)",
                new: a_set,
                old: b_set,
            },
            Row {
                op: "get",
                new: a_get,
                old: b_get,
            },
            Row {
                op: "delete",
                new: a_delete,
                old: b_delete,
            },
            Row {
                op: "list accounts (200, a search + each item's attributes)",
                new: a_list,
                old: b_list,
            },
        ];
        let ratio = |x: f64, base: f64| x / base.max(1e-9);
        println!("## Keychain latency ({N} entries each, throwaway gnome-keyring, crypto-rust)\n");
        println!(
            "Baseline (c), same run: one raw D-Bus round trip on a kept connection p50 {:.3} ms \
             (p95 {:.3}); the least a read can be on a kept connection (search + GetSecret) p50 \
             {:.3} ms (p95 {:.3}). Sessions the kept vault opened for all of this: {sessions}.\n",
            c_trip.0, c_trip.1, c_read.0, c_read.1
        );
        println!("| operation | (a) kept session p50 ms | p95 | (b) keyring per call p50 ms | p95 | (a)/(c) | (b)/(c) | (b)/(a) |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
        for r in rows {
            println!(
                "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.1}× | {:.1}× | {:.1}× |",
                r.op,
                r.new.0,
                r.new.1,
                r.old.0,
                r.old.1,
                ratio(r.new.0, c_trip.0),
                ratio(r.old.0, c_trip.0),
                ratio(r.old.0, r.new.0)
            );
        }
        println!(
            "| list accounts, snapshot fresh (`accounts()`) | {:.3} | {:.3} | | | {:.2}× | | |",
            a_fresh.0,
            a_fresh.1,
            ratio(a_fresh.0, c_trip.0)
        );
        println!(
            "\n| {N} sequential reads | total ms | per read ms | × one round trip | × search+GetSecret |"
        );
        println!("|---|---:|---:|---:|---:|");
        for (what, total) in [
            ("(a) `KeychainVault::get`, kept session", a_reads),
            ("(b) `keyring::Entry::get_password` per call", b_reads),
            ("(c) search + GetSecret on a kept connection", c_reads),
            ("(c) one raw round trip (ReadAlias)", c_trips),
        ] {
            let per = total / N as f64;
            println!(
                "| {what} | {total:.1} | {per:.3} | {:.1}× | {:.1}× |",
                ratio(total, c_trips),
                ratio(total, c_reads)
            );
        }
        println!();
    }
}

fn main() {
    // `cargo test --benches` runs this with no `--bench`: nothing to measure then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    #[cfg(target_os = "linux")]
    linux::run();
    #[cfg(not(target_os = "linux"))]
    println!("## Keychain latency\n\nskipped: the baseline needs the Linux Secret Service\n");
}
