//! Canary test: unique secrets go in through every CLI path that takes a value (add with each
//! provider shape, a custom provider, detection, .env and CSV import, failing commands), then
//! their bytes — raw, hex and base64 — are searched for in every command's output, in every
//! file of the data dir (database, -wal, -shm, logs) after every command, and in a copy of
//! the database files taken while `keyward run` holds the database open (so the WAL exists).
//! Zero hits allowed. The keychain, and the child of `run`, are the only places a value may be.
//!
//! Logging runs at `KEYWARD_LOG=trace`, the most a user can turn on when debugging.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::*;

/// One canary: where it entered, its value, and the key name it is stored under (if stored).
struct Canary {
    path: String,
    value: String,
    stored_as: Option<(String, String)>, // (name, environment)
}

/// Every encoding of every canary, searched in one pass over a haystack.
struct Finder {
    needles: Vec<(usize, String, Vec<u8>)>,
    by_first: Vec<Vec<usize>>,
}

impl Finder {
    fn new(canaries: &[Canary]) -> Finder {
        let mut needles = Vec::new();
        for (i, c) in canaries.iter().enumerate() {
            for (encoding, bytes) in canary_needles(&c.value) {
                needles.push((i, encoding, bytes));
            }
        }
        let mut by_first = vec![Vec::new(); 256];
        for (n, (_, _, bytes)) in needles.iter().enumerate() {
            by_first[usize::from(bytes[0])].push(n);
        }
        Finder { needles, by_first }
    }

    /// (canary index, encoding) of every needle found in `hay`.
    fn hits(&self, hay: &[u8]) -> Vec<(usize, String)> {
        let mut found: Vec<(usize, String)> = Vec::new();
        for (pos, byte) in hay.iter().enumerate() {
            for &n in &self.by_first[usize::from(*byte)] {
                let (canary, encoding, needle) = &self.needles[n];
                if hay[pos..].starts_with(needle)
                    && !found.iter().any(|(c, e)| c == canary && e == encoding)
                {
                    found.push((*canary, encoding.clone()));
                }
            }
        }
        found
    }
}

struct Session<'a> {
    env: &'a Env,
    canaries: &'a [Canary],
    finder: Finder,
    commands: usize,
    files_scanned: Vec<PathBuf>,
}

impl Session<'_> {
    fn describe(&self, hits: &[(usize, String)]) -> String {
        hits.iter()
            .map(|(i, enc)| {
                format!(
                    "canary from '{}' ({enc}: {})",
                    self.canaries[*i].path, self.canaries[*i].value
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Runs a command with trace logging, then checks its output and the data dir.
    fn kw(&mut self, args: &[&str], stdin: &str) -> Out {
        let out = self
            .env
            .cmd(args)
            .stdin(stdin)
            .var("KEYWARD_LOG", "trace")
            .run();
        self.commands += 1;
        for (stream, bytes) in [("stdout", &out.raw_stdout), ("stderr", &out.raw_stderr)] {
            let hits = self.finder.hits(bytes);
            assert!(
                hits.is_empty(),
                "the {stream} of `{}` contains a secret: {}\n{}",
                out.label,
                self.describe(&hits),
                out.dump()
            );
        }
        let files = self.env.data_files();
        self.scan_files(&files, &format!("after `{}`", out.label));
        out
    }

    fn scan_files(&mut self, files: &[PathBuf], when: &str) {
        for file in files {
            let bytes = match std::fs::read(file) {
                Ok(b) => b,
                // The WAL comes and goes with connections.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => panic!("cannot read {}: {e}", file.display()),
            };
            let hits = self.finder.hits(&bytes);
            assert!(
                hits.is_empty(),
                "{} contains a secret {when}: {}",
                file.display(),
                self.describe(&hits)
            );
            if !self.files_scanned.contains(file) {
                self.files_scanned.push(file.clone());
            }
        }
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

#[test]
fn canary_search_finds_every_encoding() {
    // The search itself must be able to fail: plant each encoding at each alignment in noise.
    let value = format!("canary-{}", random_alnum(33));
    let canaries = [Canary {
        path: "self-test".into(),
        value: value.clone(),
        stored_as: None,
    }];
    let finder = Finder::new(&canaries);
    let noise = random_alnum(97);
    assert!(
        finder.hits(noise.as_bytes()).is_empty(),
        "noise alone is not a hit"
    );
    for prefix_len in 0..3 {
        let prefix = &noise[..prefix_len];
        let raw = format!("{noise}{value}{noise}");
        let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
        let plain = format!("{prefix}{value}{prefix}");
        let b64 = base64(plain.as_bytes());
        let b64url = b64.replace('+', "-").replace('/', "_");
        for (what, hay) in [
            ("raw", raw),
            ("hex", format!("{noise}{hex}")),
            ("HEX", format!("{}{noise}", hex.to_uppercase())),
            ("base64", format!("{noise}{b64}{noise}")),
            ("base64url", format!("x{b64url}")),
            ("json-escaped", serde_json::to_string(&value).expect("json")),
        ] {
            assert!(
                !finder.hits(hay.as_bytes()).is_empty(),
                "the search misses the {what} encoding at alignment {prefix_len}: {hay}"
            );
        }
    }
    assert!(find_canary(value.as_bytes(), &value).is_some());
    assert!(
        find_canary(&value.as_bytes()[1..], &value).is_none(),
        "a partial value is not a whole-value hit"
    );
}

#[test]
fn canary_values_are_found_only_in_the_keychain() {
    let env = Env::new();
    let c = |path: &str, value: String, stored: Option<(&str, &str)>| Canary {
        path: path.into(),
        value,
        stored_as: stored.map(|(n, e)| (n.to_owned(), e.to_owned())),
    };
    let sendgrid = format!("SG.{}.{}", random_alnum(22), random_alnum(43));
    let cloudflare = format!("cfut_{}{}", random_alnum(40), random_hex(8));
    let canaries = vec![
        // Stored through `add`.
        c(
            "add: PostHog phx_, detected",
            format!("phx_{}", random_alnum(44)),
            Some(("ph personal", "dev")),
        ),
        c(
            "add: Postman PMAK-",
            format!("PMAK-{}-{}", random_hex(24), random_hex(34)),
            Some(("postman api", "dev")),
        ),
        c(
            "add: Postmark account token (UUID)",
            random_uuid(),
            Some(("postmark account", "prod")),
        ),
        c(
            "add: Postnomic pk_",
            format!("pk_{}", random_alnum(30)),
            Some(("blog reader", "staging")),
        ),
        c(
            "add: custom value",
            format!("kwc-{}", random_alnum(32)),
            Some(("custom thing", "dev")),
        ),
        c(
            "add: custom provider acme",
            format!("acme_{}", random_alnum(32)),
            Some(("acme mail", "dev")),
        ),
        c(
            "add: custom provider acme, detected",
            format!("acme_{}", random_alnum(33)),
            Some(("acme detected", "prod")),
        ),
        // Stored through import.
        c(
            ".env import: phc_",
            format!("phc_{}", random_alnum(30)),
            Some(("PH_PROJECT", "staging")),
        ),
        c(
            ".env import: export + double quotes",
            format!("envq-{}", random_alnum(30)),
            Some(("ENV_QUOTED", "staging")),
        ),
        c(
            ".env import: plain + comment",
            format!("envc-{}", random_alnum(30)),
            Some(("ENV_PLAIN", "staging")),
        ),
        c(
            "CSV import: Postmark server token",
            random_uuid(),
            Some(("csv postmark", "prod")),
        ),
        c(
            "CSV import: SendGrid",
            sendgrid,
            Some(("csv sendgrid", "prod")),
        ),
        c(
            "CSV import: Cloudflare",
            cloudflare,
            Some(("csv cloudflare", "prod")),
        ),
        c(
            "CSV import: detected custom",
            format!("csvc-{}", random_alnum(30)),
            Some(("csv custom", "dev")),
        ),
        // Never stored.
        c("detect", format!("det-{}", random_alnum(30)), None),
        c(
            "detect --format json (phx_)",
            format!("phx_{}", random_alnum(46)),
            None,
        ),
        c(
            "detect (malformed phx_)",
            format!("phx_{}", random_alnum(20)),
            None,
        ),
        c(
            "add: duplicate name",
            format!("dup-{}", random_alnum(30)),
            None,
        ),
        c(
            // Stored with a warning: detection never blocks, the provider decides.
            "add: malformed Postman key",
            format!("PMAK-{}", random_alnum(40)),
            Some(("bad postman", "dev")),
        ),
        c(
            "add: unknown provider",
            format!("unk-{}", random_alnum(30)),
            None,
        ),
        c(
            "add: name with control characters",
            format!("ctl-{}", random_alnum(30)),
            None,
        ),
        c(
            "add: two lines",
            format!("sp-{}\nsp-{}", random_alnum(16), random_alnum(16)),
            None,
        ),
        c(
            "add: malformed phx_",
            format!("phx_{}", random_alnum(12)),
            Some(("short phx", "dev")),
        ),
        c(
            "bad .env: good line",
            format!("bg-{}", random_alnum(30)),
            None,
        ),
        c(
            "bad .env: unterminated quote",
            format!("bq-{}", random_alnum(30)),
            None,
        ),
        c(
            "bad .env: value with a space",
            format!("bs-{} {}", random_alnum(15), random_alnum(15)),
            None,
        ),
        c(
            "bad CSV: good row",
            format!("bcg-{}", random_alnum(30)),
            None,
        ),
        c(
            "bad CSV: short row",
            format!("bc-{}", random_alnum(30)),
            None,
        ),
        c(
            "bad CSV: malformed Postman row",
            format!("PMAK-{}", random_alnum(33)),
            None,
        ),
    ];
    let v = |path: &str| -> String {
        canaries
            .iter()
            .find(|c| c.path == path)
            .unwrap_or_else(|| panic!("no canary {path:?}"))
            .value
            .clone()
    };
    let mut s = Session {
        env: &env,
        canaries: &canaries,
        finder: Finder::new(&canaries),
        commands: 0,
        files_scanned: Vec::new(),
    };

    // ---- every path that takes a value ----
    s.kw(
        &[
            "provider",
            "add",
            "acme",
            "--name",
            "Acme Mail",
            "--header",
            "X-Acme-Key",
            "--prefix",
            "acme_",
        ],
        "",
    )
    .expect_code(0, "describe a custom provider");
    s.kw(
        &[
            "add",
            "--name",
            "ph personal",
            "--env",
            "dev",
            "--purpose",
            "ingest events",
        ],
        &v("add: PostHog phx_, detected"),
    )
    .expect_code(0, "add, provider detected");
    s.kw(
        &[
            "add",
            "--provider",
            "postman",
            "--name",
            "postman api",
            "--env",
            "dev",
            "--format",
            "json",
        ],
        &v("add: Postman PMAK-"),
    )
    .expect_code(0, "add postman");
    s.kw(
        &[
            "add",
            "--provider",
            "postmark",
            "--kind",
            "account_token",
            "--name",
            "postmark account",
            "--env",
            "prod",
            "--owner",
            "ops",
        ],
        &v("add: Postmark account token (UUID)"),
    )
    .expect_code(0, "add postmark");
    s.kw(
        &[
            "add",
            "--provider",
            "postnomic",
            "--name",
            "blog reader",
            "--env",
            "staging",
            "--tag",
            "web",
        ],
        &v("add: Postnomic pk_"),
    )
    .expect_code(0, "add postnomic");
    s.kw(
        &[
            "add",
            "--name",
            "custom thing",
            "--env",
            "dev",
            "--env-var",
            "CUSTOM_THING",
        ],
        &v("add: custom value"),
    )
    .expect_code(0, "add custom");
    s.kw(
        &[
            "add",
            "--provider",
            "acme",
            "--name",
            "acme mail",
            "--env",
            "dev",
            "--format",
            "json",
        ],
        &v("add: custom provider acme"),
    )
    .expect_code(0, "add with a custom provider");
    let out = s.kw(
        &[
            "add",
            "--name",
            "acme detected",
            "--env",
            "prod",
            "--format",
            "json",
        ],
        &v("add: custom provider acme, detected"),
    );
    out.expect_code(0, "add, custom provider detected by prefix");
    assert_eq!(
        str_field(&out.json(), "provider"),
        "acme",
        "the acme_ prefix is detected"
    );

    let out = s.kw(&["detect"], &v("detect"));
    out.expect_code(0, "detect");
    s.kw(
        &["detect", "--format", "json"],
        &v("detect --format json (phx_)"),
    )
    .expect_code(0, "detect json");
    s.kw(&["detect"], &v("detect (malformed phx_)"))
        .expect_code(0, "detect never fails");

    let dotenv = env.write_file(
        ".env.staging",
        &format!(
            "# canaries\nPH_PROJECT={}\nexport ENV_QUOTED=\"{}\"\nENV_PLAIN={} # a comment\n",
            v(".env import: phc_"),
            v(".env import: export + double quotes"),
            v(".env import: plain + comment")
        ),
    );
    s.kw(&["import", path_str(&dotenv), "--dry-run"], "")
        .expect_code(0, ".env dry run");
    s.kw(
        &["import", path_str(&dotenv), "--dry-run", "--format", "json"],
        "",
    )
    .expect_code(0, ".env dry run json");
    s.kw(&["import", path_str(&dotenv), "--purpose", "analytics"], "")
        .expect_code(0, ".env import");
    let csv_file = env.write_file(
        "keys.csv",
        &format!(
            "name,provider,kind,environment,purpose,secret,owner,tags\n\
             csv postmark,postmark,server_token,prod,send transactional email,{},mail-team,a;b\n\
             csv sendgrid,sendgrid,,prod,send marketing email,{},,\n\
             csv cloudflare,cloudflare,user_token,prod,manage dns,{},,\n\
             csv custom,,,dev,misc,{},,\n",
            v("CSV import: Postmark server token"),
            v("CSV import: SendGrid"),
            v("CSV import: Cloudflare"),
            v("CSV import: detected custom")
        ),
    );
    s.kw(
        &[
            "import",
            path_str(&csv_file),
            "--dry-run",
            "--format",
            "json",
        ],
        "",
    )
    .expect_code(0, "CSV dry run");
    s.kw(&["import", path_str(&csv_file), "--format", "json"], "")
        .expect_code(0, "CSV import");

    // ---- failing commands that were handed a value ----
    s.kw(
        &["add", "--name", "ph personal", "--env", "dev"],
        &v("add: duplicate name"),
    )
    .expect_code(1, "duplicate name");
    s.kw(
        &[
            "add",
            "--provider",
            "postman",
            "--name",
            "bad postman",
            "--env",
            "dev",
        ],
        &v("add: malformed Postman key"),
    )
    // Stored with a warning (Postman decides validity); the warning quotes nothing.
    .expect_code(0, "an unusual shape is stored")
    .expect_stderr("stored anyway", "warns about the shape");
    s.kw(
        &[
            "add",
            "--provider",
            "nosuchprovider",
            "--name",
            "unknown",
            "--env",
            "dev",
        ],
        &v("add: unknown provider"),
    )
    .expect_code(1, "unknown provider");
    s.kw(
        &["add", "--name", "bad\u{1b}[2Jname", "--env", "dev"],
        &v("add: name with control characters"),
    )
    .expect_code(1, "control characters in the name");
    s.kw(
        &["add", "--name", "two lines", "--env", "dev"],
        &v("add: two lines"),
    )
    .expect_code(1, "a value with a line break");
    s.kw(
        &[
            "add",
            "--provider",
            "posthog",
            "--name",
            "short phx",
            "--env",
            "dev",
        ],
        &v("add: malformed phx_"),
    )
    .expect_code(0, "an unusual phx_ is stored")
    .expect_stderr("stored anyway", "warns about the shape");
    let bad_env = env.write_file(
        "bad.env",
        &format!(
            "GOOD_ONE={}\nBROKEN=\"{}\nSPACED={}\n",
            v("bad .env: good line"),
            v("bad .env: unterminated quote"),
            v("bad .env: value with a space")
        ),
    );
    s.kw(&["import", path_str(&bad_env), "--env", "dev"], "")
        .expect_code(1, "a bad .env file");
    let bad_csv = env.write_file(
        "bad.csv",
        &format!(
            "name,provider,environment,secret\nok row,custom,dev,{}\nshort row,custom,{}\npm row,postman,dev,{}\n",
            v("bad CSV: good row"),
            v("bad CSV: short row"),
            v("bad CSV: malformed Postman row")
        ),
    );
    s.kw(&["import", path_str(&bad_csv)], "")
        .expect_code(1, "a bad CSV file");
    // A failing copy (no display here) reads the value and must not print it.
    s.kw(&["copy", "ph personal", "--timeout", "1"], "");
    env.wait_for_holders_to_exit(Duration::from_secs(5));

    // ---- run: the child gets the values; meanwhile copy the open database's files ----
    let snap = env.work.path().join("snapshot");
    std::fs::create_dir(&snap).expect("snapshot dir");
    // Every dev key, under the variable name `run` gives it (from `list`).
    let dev_vars: Vec<(String, String)> = env
        .list_json()
        .iter()
        .filter(|k| str_field(k, "environment") == "dev")
        .map(|k| {
            let (name, var) = (str_field(k, "name"), str_field(k, "env_var").to_owned());
            let canary = canaries
                .iter()
                .find(|c| {
                    c.stored_as
                        .as_ref()
                        .is_some_and(|(n, e)| n == name && e == "dev")
                })
                .unwrap_or_else(|| panic!("dev key {name:?} comes from a canary"));
            (var, canary.path.clone())
        })
        .collect();
    // Five added well-formed, two stored with a format warning.
    assert_eq!(dev_vars.len(), 7, "seven dev keys: {dev_vars:?}");
    assert!(
        dev_vars.iter().any(|(var, _)| var == "CUSTOM_THING"),
        "--env-var is kept: {dev_vars:?}"
    );
    let mut script = "cp \"$1\"/keyward.db* \"$2\"/ && ".to_owned();
    let mut args: Vec<String> = vec![
        path_str(env.data_dir()).to_owned(),
        path_str(&snap).to_owned(),
    ];
    for (i, (var, _)) in dev_vars.iter().enumerate() {
        let file = env.work.path().join(format!("run-{i}"));
        script.push_str(&format!("printf %s \"${var}\" > \"${}\" && ", i + 3));
        args.push(path_str(&file).to_owned());
    }
    script.push_str("true");
    let mut full = vec![
        "run",
        "--env",
        "dev",
        "--",
        "sh",
        "-c",
        script.as_str(),
        "sh",
    ];
    full.extend(args.iter().map(String::as_str));
    s.kw(&full, "").expect_code(0, "run with the dev keys");
    for (i, (var, path)) in dev_vars.iter().enumerate() {
        let file = env.work.path().join(format!("run-{i}"));
        let seen = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("the run child wrote {var}: {e}"));
        std::fs::remove_file(&file).expect("delete the run child's output");
        assert!(
            seen == v(path),
            "`run` must pass {var} = the value added through '{path}'"
        );
    }
    let snapshot: Vec<PathBuf> = std::fs::read_dir(&snap)
        .expect("read the snapshot")
        .map(|e| e.expect("snapshot entry").path())
        .collect();
    assert!(
        snapshot.iter().any(|p| p.to_string_lossy().ends_with("keyward.db-wal")),
        "the copy taken during `run` must include the WAL, or this check proves nothing: {snapshot:?}"
    );
    s.scan_files(
        &snapshot,
        "(copied while `keyward run` held the database open)",
    );
    s.kw(&["run", "--env", "prod", "--", "sh", "-c", "exit 3"], "")
        .expect_code(3, "exit code passes through");

    // ---- every read-only view ----
    for format in ["table", "json", "csv"] {
        s.kw(&["list", "--format", format], "")
            .expect_code(0, "list");
        s.kw(&["audit", "--format", format], "")
            .expect_code(0, "audit");
        s.kw(&["audit", "--key", "ph personal", "--format", format], "")
            .expect_code(0, "audit --key");
    }
    s.kw(&["list", "--env", "prod", "--provider", "postmark"], "")
        .expect_code(0, "list filtered");
    s.kw(&["list", "--purpose", "email", "--format", "json"], "")
        .expect_code(0, "list by purpose");
    s.kw(&["list", "--search", "csv", "--status", "active"], "")
        .expect_code(0, "list search");
    let keys = env.list_json();
    for (i, k) in keys.iter().enumerate() {
        let id = id_of(k);
        s.kw(&["show", &id], "").expect_code(0, "show");
        // JSON carries the same fields; a sample of keys (added, .env, CSV) keeps this fast.
        if i % 4 == 0 {
            s.kw(&["show", &id[..8], "--format", "json"], "")
                .expect_code(0, "show json");
        }
    }
    for format in ["table", "json"] {
        let out = s.kw(&["doctor", "--format", format], "");
        out.expect_code(0, "doctor with every key stored");
        s.kw(&["providers", "--format", format], "")
            .expect_code(0, "providers");
    }
    s.kw(&["envs"], "").expect_code(0, "envs");
    s.kw(&["envs", "dev", "staging", "prod", "qa"], "")
        .expect_code(0, "envs set");

    if let Some(display) = clipboard_display("canary copy") {
        let _lock = lock_clipboard(&display);
        let out = env
            .cmd(&["copy", "postman api", "--timeout", "1"])
            .display(&display)
            .var("KEYWARD_LOG", "trace")
            .run();
        out.expect_code(0, "copy with a display");
        for (stream, bytes) in [("stdout", &out.raw_stdout), ("stderr", &out.raw_stderr)] {
            assert!(
                s.finder.hits(bytes).is_empty(),
                "copy printed a secret on {stream}"
            );
        }
        env.wait_for_holders_to_exit(Duration::from_secs(6));
        s.scan_files(&env.data_files(), "after copy");
    }

    // ---- positive controls: every stored canary IS in the keychain, findable by the search ----
    let keys = env.list_json();
    for (i, canary) in canaries.iter().enumerate() {
        let Some((name, environment)) = &canary.stored_as else {
            continue;
        };
        let key = keys
            .iter()
            .find(|k| str_field(k, "name") == name && str_field(k, "environment") == environment)
            .unwrap_or_else(|| {
                panic!(
                    "'{}' should have stored a key {name:?} in {environment}",
                    canary.path
                )
            });
        let stored = env
            .lookup(&id_of(key))
            .unwrap_or_else(|| panic!("'{}': no keychain entry", canary.path));
        assert_eq!(
            stored, canary.value,
            "'{}': the keychain holds the value",
            canary.path
        );
        assert!(
            s.finder
                .hits(stored.as_bytes())
                .iter()
                .any(|(c, enc)| *c == i && enc == "raw"),
            "the search must find '{}' in the keychain's copy, or a miss elsewhere means nothing",
            canary.path
        );
    }
    let stored_count = canaries.iter().filter(|c| c.stored_as.is_some()).count();
    assert_eq!(
        keys.len(),
        stored_count,
        "exactly the stored canaries became keys"
    );
    assert_eq!(
        env.key_accounts().len(),
        stored_count,
        "no keychain entry from a failed command"
    );

    // rm: the value leaves the keychain too.
    let postman = keys
        .iter()
        .find(|k| str_field(k, "name") == "postman api")
        .expect("postman key");
    s.kw(&["rm", "--yes", &id_of(postman)], "")
        .expect_code(0, "rm");
    assert_eq!(
        env.lookup(&id_of(postman)),
        None,
        "rm deleted the keychain entry"
    );

    // The scans covered what they must: the database and a non-empty trace log.
    let files = env.data_files();
    s.scan_files(&files, "at the end");
    let db = env.db_path();
    assert!(
        s.files_scanned.contains(&db),
        "the database was scanned: {:?}",
        s.files_scanned
    );
    let db_bytes = std::fs::read(&db).expect("read the database");
    assert!(
        contains(&db_bytes, b"csv cloudflare"),
        "a positive control: key names are in the database file"
    );
    let log = env.data_dir().join("logs/keyward.log");
    let log_text = std::fs::read_to_string(&log).expect("the log file exists");
    assert!(
        log_text.lines().count() > 10,
        "trace logging wrote a log ({} lines)",
        log_text.lines().count()
    );
    assert!(s.files_scanned.contains(&log), "the log was scanned");
    eprintln!(
        "canary: {} canaries, {} commands, files scanned: {:?}",
        canaries.len(),
        s.commands,
        s.files_scanned
    );
}
