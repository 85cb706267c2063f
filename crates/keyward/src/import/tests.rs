use super::*;

const CANARY: &str = "canaryZ9Q4vXk2Lm7Rt5Wp3Yb8";

fn plan(name: &str, text: &str, opts: ImportOptions) -> ImportPlan {
    parse(name, text, &opts, &[], Utc::now()).unwrap()
}

fn assert_no_canary(plan: &ImportPlan) {
    for e in &plan.errors {
        assert!(
            !e.message.contains("canary"),
            "line {} leaks the value: {}",
            e.line,
            e.message
        );
    }
}

#[test]
fn env_file_forms() {
    let text = format!(
        "# comment\n\nexport POSTHOG_KEY=phx_{a}\nPOSTMARK_TOKEN=\"0c7f1a2b-1234-4abc-9def-0123456789ab\" # prod token\nBLOG='pk_myblog_production_a1b2c3d4e5'\nOTHER={CANARY} # trailing\n",
        a = "A".repeat(44)
    );
    let p = plan(".env.production", &text, ImportOptions::default());
    assert!(
        p.errors.is_empty(),
        "{:?}",
        p.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
    );
    let rows: Vec<(usize, &str, &str, &str)> = p
        .rows
        .iter()
        .map(|r| {
            (
                r.line,
                r.record.name.as_str(),
                r.record.provider.as_str(),
                r.record.environment.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (3, "POSTHOG_KEY", "posthog", "prod"),
            (4, "POSTMARK_TOKEN", "postmark", "prod"),
            (5, "BLOG", "postnomic", "prod"),
            (6, "OTHER", "custom", "prod"),
        ]
    );
    assert_eq!(p.rows[3].secret.expose(), CANARY, "inline comment stripped");
    assert_eq!(p.rows[0].record.env_var, "POSTHOG_KEY");
    assert!(
        p.rows.iter().all(|r| r.record.fingerprint.is_none()),
        "fingerprints are added at commit"
    );
}

#[test]
fn env_errors_have_line_numbers_and_never_the_value() {
    let text = format!(
        "GOOD=phc_{ok}\nno equals sign\n1BAD={CANARY}\nEMPTY=\nOPEN=\"{CANARY}\nSPACEY={CANARY} inner\nGOOD=phc_{ok}\n",
        ok = "b".repeat(40)
    );
    let p = plan(".env", &text, ImportOptions::default());
    let lines: Vec<usize> = p.errors.iter().map(|e| e.line).collect();
    // An unquoted value runs to ' #' or the end: "CANARY inner" is a value (stored with its
    // space; only the provider can say it is no key).
    assert_eq!(lines, [2, 3, 4, 5, 7], "{:?}", p.errors);
    assert!(p.errors[0].message.contains("NAME=value"));
    assert!(p.errors[3].message.contains("unterminated"));
    assert!(
        p.errors[4].message.contains("line 1"),
        "duplicate names point at the first line"
    );
    assert_no_canary(&p);
    // A line break inside quotes is two lines pasted: refused, without the value.
    let text = format!("BROKEN=\"{CANARY}\\n{CANARY}\"\n");
    let p = plan(".env", &text, ImportOptions::default());
    assert!(p.rows.iter().all(|r| !r.secret.expose().contains('\n')));
    assert_no_canary(&p);
}

#[test]
fn env_without_environment_is_an_error_unless_given() {
    let p = plan("secrets.txt", "A=phc_abc\n", ImportOptions::default());
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].message.contains("environment"));
    let p = plan(
        "secrets.txt",
        "A=phc_abc\n",
        ImportOptions {
            environment: Some("qa".into()),
            ..Default::default()
        },
    );
    assert!(p.errors.is_empty());
    assert_eq!(p.rows[0].record.environment, "qa");
}

#[test]
fn skip_unrecognized_leaves_out_plain_config() {
    let text = "PORT=3000\nDEBUG=true\nPOSTMAN=PMAK-0123456789abcdef01234567-0123456789abcdef0123456789abcdef01\n";
    let p = plan(
        ".env",
        text,
        ImportOptions {
            skip_unrecognized: true,
            ..Default::default()
        },
    );
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].record.provider, "postman");
    assert_eq!(
        p.skipped.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        [1, 2]
    );
}

#[test]
fn csv_with_all_columns() {
    let text = format!(
        "name,provider,kind,environment,purpose,secret,owner,tags,created_at,last_rotated_at\n\
         Blog,postnomic,blog_key,prod,read blog content,pk_myblog_production_a1b2c3d4e5,bob,web;blog,2025-01-02,2025-06-01T10:00:00Z\n\
         \"Comma, name\",,,dev,\"ingest, events\",{CANARY},,,,\n"
    );
    let p = plan("keys.csv", &text, ImportOptions::default());
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.format, ImportFormat::Csv);
    let blog = &p.rows[0].record;
    assert_eq!(
        (
            blog.provider.as_str(),
            blog.kind.as_str(),
            blog.owner.as_deref()
        ),
        ("postnomic", "blog_key", Some("bob"))
    );
    assert_eq!(blog.tags, ["web", "blog"]);
    assert_eq!(blog.created_at.date_naive().to_string(), "2025-01-02");
    assert!(blog.last_rotated_at.is_some());
    assert_eq!(p.rows[1].record.name, "Comma, name");
    assert_eq!(
        p.rows[1].record.provider, "custom",
        "unknown format, no provider column value → custom"
    );
    assert_eq!(p.rows[1].line, 3);
}

#[test]
fn csv_errors_per_line() {
    let text = format!(
        "name,provider,kind,environment,purpose,secret\n\
         ok,posthog,,prod,,phc_{ok}\n\
         bad-provider,nosuch,,prod,,{CANARY}\n\
         short,postman,api_key,prod,,PMAK-{CANARY}\n\
         too,many,fields,prod,,x,extra\n\
         ,custom,,prod,,{CANARY}\n\
         dated,custom,,prod,,{CANARY}x\n",
        ok = "c".repeat(40)
    );
    let p = plan("k.csv", &text, ImportOptions::default());
    let lines: Vec<usize> = p.errors.iter().map(|e| e.line).collect();
    // A PMAK- value of the wrong shape is imported with a warning: Postman decides.
    assert_eq!(lines, [3, 5, 6], "{:?}", p.errors);
    assert!(p.errors[0].message.contains("unknown provider"));
    assert!(p.errors[1].message.contains("fields"));
    assert!(p.errors[2].message.contains("name"));
    let short = p.rows.iter().find(|r| r.line == 4).expect("row 4 imported");
    let warning = short.warning.as_deref().expect("a format warning");
    assert!(
        warning.contains("Postman") && warning.contains("stored anyway"),
        "{warning}"
    );
    assert!(!warning.contains(CANARY), "{warning}");
    assert!(p
        .rows
        .iter()
        .find(|r| r.line == 2)
        .is_some_and(|r| r.warning.is_none()));
    assert_no_canary(&p);
}

#[test]
fn csv_needs_name_and_secret_columns() {
    let p = plan("k.csv", "title,value\nx,y\n", ImportOptions::default());
    assert_eq!(p.errors.len(), 1);
    assert_eq!(p.errors[0].line, 1);
}

#[test]
fn hostile_and_huge_input_does_not_panic() {
    let big = "A=".to_owned() + &"x".repeat(20_000) + "\n";
    let p = plan(".env", &big, ImportOptions::default());
    assert_eq!(p.errors.len(), 1, "a 20 kB value is over the limit");
    let weird = "\u{0}\u{1b}[2J=\u{7f}\n=\n==\n\"\n';\n";
    let p = plan(".env", weird, ImportOptions::default());
    assert!(p.rows.is_empty());
    let csv = "name,environment,secret\n\"unterminated,prod,abc\n";
    let _ = plan("k.csv", csv, ImportOptions::default());
    let too_big = "x".repeat(MAX_IMPORT_BYTES + 1);
    assert!(parse(".env", &too_big, &ImportOptions::default(), &[], Utc::now()).is_err());
}

#[test]
fn environment_from_file_names() {
    assert_eq!(
        environment_from_file_name("/x/.env.production"),
        Some("prod")
    );
    assert_eq!(environment_from_file_name(".env.staging"), Some("staging"));
    assert_eq!(environment_from_file_name(".env"), Some("dev"));
    assert_eq!(environment_from_file_name(".env.local"), Some("dev"));
    assert_eq!(environment_from_file_name(".env.weird"), None);
    assert_eq!(environment_from_file_name("keys.csv"), None);
}

#[test]
fn dates() {
    assert!(parse_date("2025-01-02").is_ok());
    assert!(parse_date("2025-01-02T03:04:05+02:00").is_ok());
    assert!(parse_date("yesterday").is_err());
}

#[test]
fn a_bare_secret_on_a_malformed_line_is_never_quoted() {
    let text = format!("API_KEY {CANARY}=x\n{CANARY}\n");
    let p = plan(".env", &text, ImportOptions::default());
    assert_eq!(p.errors.len(), 2);
    assert_no_canary(&p);
}

/// The `.env` of issue 16: configuration beside two keys.
fn mixed_env() -> String {
    format!(
        "APP_NAME=keyward-demo\nDEBUG=true\nPORT=3000\nLOG_LEVEL=info\nDATABASE_URL=postgres://db.internal:5432/app\nPOSTHOG_KEY=phx_{a}\nPAYMENTS_SECRET={CANARY}\n",
        a = "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kL9nP2q"
    )
}

#[test]
fn env_rows_are_classified_as_keys_or_configuration() {
    let p = plan(".env", &mixed_env(), ImportOptions::default());
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let got: Vec<(&str, bool)> = p
        .rows
        .iter()
        .map(|r| (r.record.name.as_str(), r.suggestion.import))
        .collect();
    assert_eq!(
        got,
        [
            ("APP_NAME", false),
            ("DEBUG", false),
            ("PORT", false),
            ("LOG_LEVEL", false),
            ("DATABASE_URL", false),
            ("POSTHOG_KEY", true),
            ("PAYMENTS_SECRET", true),
        ]
    );
    for r in &p.rows {
        assert!(
            !r.suggestion.reason.is_empty(),
            "{} has a reason",
            r.record.name
        );
        assert!(
            !r.suggestion.reason.contains("canary"),
            "reasons never quote values"
        );
    }
}

#[test]
fn csv_rows_are_all_suggested() {
    let p = plan(
        "keys.csv",
        "name,secret,environment\nport,3000,dev\n",
        ImportOptions::default(),
    );
    assert!(
        p.rows.iter().all(|r| r.suggestion.import),
        "a CSV key list says what is a key"
    );
}

#[test]
fn select_keeps_the_chosen_rows_and_drops_their_errors() {
    let mut p = plan(".env", &mixed_env(), ImportOptions::default());
    // A clash on a row the user leaves out must not block the import.
    p.errors.push(LineError {
        line: 2,
        message: "a key named 'DEBUG' already exists in 'dev'".into(),
    });
    let left = p.select(&RowChoice::Suggested).unwrap();
    assert!(p.errors.is_empty(), "the error on DEBUG went with its row");
    assert_eq!(
        p.rows
            .iter()
            .map(|r| r.record.name.as_str())
            .collect::<Vec<_>>(),
        ["POSTHOG_KEY", "PAYMENTS_SECRET"]
    );
    assert_eq!(left.len(), 5);
    assert_eq!(left[1].name, "DEBUG");
    assert!(left[1].reason.contains("yes/no"), "{}", left[1].reason);

    let mut p = plan(".env", &mixed_env(), ImportOptions::default());
    p.select(&RowChoice::Lines(vec![1, 7])).unwrap();
    assert_eq!(
        p.rows
            .iter()
            .map(|r| r.record.name.as_str())
            .collect::<Vec<_>>(),
        ["APP_NAME", "PAYMENTS_SECRET"],
        "the user's choice wins over the suggestion"
    );

    let mut p = plan(".env", &mixed_env(), ImportOptions::default());
    assert_eq!(p.select(&RowChoice::All).unwrap().len(), 0);
    assert_eq!(p.rows.len(), 7);

    let mut p = plan(".env", &mixed_env(), ImportOptions::default());
    let err = p.select(&RowChoice::Lines(vec![6, 42])).unwrap_err();
    assert!(err.to_string().contains("line 42"), "{err}");
}

#[test]
fn errors_on_malformed_lines_still_block_after_select() {
    let mut p = plan(
        ".env",
        "PORT=3000\nnot a line\nAPI_KEY=abc\n",
        ImportOptions::default(),
    );
    p.select(&RowChoice::Suggested).unwrap();
    assert_eq!(
        p.errors.len(),
        1,
        "the malformed line has no row to leave out"
    );
}
