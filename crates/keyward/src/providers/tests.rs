use std::collections::HashSet;

use regex::Regex;

use super::*;

// Realistic-looking but fake values, built from repeated characters.
fn rep(c: &str, n: usize) -> String {
    c.repeat(n)
}

fn phx() -> String {
    format!("phx_{}", rep("aB3_", 11)) // 44 body chars
}
fn pmak() -> String {
    format!("PMAK-{}-{}", rep("a1", 12), rep("f0", 17))
}
fn cfut() -> String {
    format!("cfut_{}{}", rep("Ab1", 13) + "x", rep("c", 8))
}
fn cfat() -> String {
    format!("cfat_{}{}", rep("Zz9", 13) + "q", "0123abcd")
}
fn sendgrid() -> String {
    format!("SG.{}.{}", rep("a", 22), rep("B-_", 14) + "x")
}
const UUID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

fn custom_spec(id: &str, prefix: Option<&str>) -> CustomProviderSpec {
    CustomProviderSpec {
        id: id.into(),
        display_name: "Acme".into(),
        presentation: Presentation::Header,
        presentation_name: "X-Acme-Key".into(),
        prefix: prefix.map(Into::into),
        verify_url: Some("https://api.acme.test/v1/me".into()),
        dashboard_url: None,
    }
}

#[test]
fn every_prefix_detects_its_provider_and_kind() {
    let cases: Vec<(String, &str, &str, Confidence)> = vec![
        (phx(), "posthog", "personal", Confidence::High),
        (
            format!("phc_{}", rep("x", 43)),
            "posthog",
            "project_key",
            Confidence::High,
        ),
        // phs_ is also the older feature-flags secure key: a guess to confirm.
        (
            format!("phs_{}", rep("y", 40)),
            "posthog",
            "project_secret",
            Confidence::Medium,
        ),
        (
            format!("pha_{}", rep("z", 40)),
            "posthog",
            "oauth_access",
            Confidence::High,
        ),
        (
            format!("phr_{}", rep("w", 40)),
            "posthog",
            "oauth_refresh",
            Confidence::High,
        ),
        (pmak(), "postman", "api_key", Confidence::High),
        (cfut(), "cloudflare", "user_token", Confidence::High),
        (cfat(), "cloudflare", "account_token", Confidence::High),
        (
            format!("cfk_{}", rep("k", 37)),
            "cloudflare",
            "global_api_key",
            Confidence::High,
        ),
        (sendgrid(), "sendgrid", "api_key", Confidence::High),
        (
            "pk_myblog_production_a1b2c3d4e5".into(),
            "postnomic",
            "blog_key",
            Confidence::Medium,
        ),
        // Stripe-looking pk_ keys still suggest Postnomic, with low confidence.
        (
            format!("pk_live_{}", rep("q", 24)),
            "postnomic",
            "blog_key",
            Confidence::Low,
        ),
        // Right prefix, wrong body: provider suggested, confidence low.
        ("phx_short".into(), "posthog", "personal", Confidence::Low),
        ("PMAK-nothex".into(), "postman", "api_key", Confidence::Low),
        (
            "cfut_tooshort".into(),
            "cloudflare",
            "user_token",
            Confidence::Low,
        ),
        ("SG.abc.def".into(), "sendgrid", "api_key", Confidence::Low),
        // Today's phx_ keys: 48 characters after the prefix, about 3 % 49; older ones 42–47.
        (
            format!("phx_{}", rep("A", 49)),
            "posthog",
            "personal",
            Confidence::High,
        ),
        (
            format!("phx_{}", rep("A", 42)),
            "posthog",
            "personal",
            Confidence::High,
        ),
        // Surrounding whitespace is trimmed.
        (
            format!("  {}\n", phx()),
            "posthog",
            "personal",
            Confidence::High,
        ),
    ];
    for (value, provider, kind, confidence) in cases {
        let d = detect(&value, &[]);
        assert_eq!(
            (d.provider.as_str(), d.kind.as_str(), d.confidence),
            (provider, kind, confidence),
            "case {provider}/{kind}: {}",
            d.reason
        );
        assert_eq!(d.needs_confirmation, confidence != Confidence::High);
        assert!(!d.reason.contains(value.trim()), "reason leaks the value");
        if confidence == Confidence::Low && !value.starts_with("pk_live_") {
            assert!(d.reason.contains("shape"), "{}", d.reason);
        }
    }
}

#[test]
fn uuid_suggests_postmark_server_token_with_confirmation() {
    for v in [UUID, &UUID.to_uppercase(), &format!(" {UUID} ")] {
        let d = detect(v, &[]);
        assert_eq!(d.provider, "postmark");
        assert_eq!(d.kind, "server_token");
        assert_eq!(d.confidence, Confidence::Medium);
        assert!(d.needs_confirmation);
        assert_eq!(d.alternatives, vec!["account_token".to_string()]);
        assert!(!d.reason.to_lowercase().contains(&UUID.to_lowercase()));
    }
}

#[test]
fn custom_prefixes_come_after_builtins_and_before_uuid() {
    let specs = vec![
        custom_spec("acme", Some("acme_")),
        custom_spec("acme-live", Some("acme_live_")),
    ];
    let d = detect("acme_live_0123456789", &specs);
    assert_eq!(
        (d.provider.as_str(), d.kind.as_str()),
        ("acme-live", "api_key")
    );
    assert_eq!(d.confidence, Confidence::High);
    let d = detect("acme_0123456789", &specs);
    assert_eq!(d.provider, "acme");
    // A built-in prefix wins over a custom spec claiming the same prefix.
    let clash = vec![custom_spec("mine", Some("phx_"))];
    assert_eq!(detect(&phx(), &clash).provider, "posthog");
    // Two specs with the same prefix: ambiguous.
    let twins = vec![
        custom_spec("one", Some("tw_")),
        custom_spec("two", Some("tw_")),
    ];
    let d = detect("tw_0123456789", &twins);
    assert_eq!(d.confidence, Confidence::Medium);
    assert!(d.needs_confirmation);
    // The bare prefix alone is not a key of that spec.
    assert_eq!(detect("acme_", &specs).provider, "custom");
}

#[test]
fn unknown_and_hostile_input_falls_back_to_custom() {
    let huge = "x".repeat(100 * 1024);
    let huge_prefixed = format!("phx_{huge}");
    let cases: Vec<String> = vec![
        String::new(),
        "   \n\t ".into(),
        "hello".into(),
        "sk-proj-abcdef".into(),
        huge.clone(),
        "ключ-🔑-鍵".into(),
        "\u{0}\u{1}\u{7f}abc\u{1b}[31m".into(),
        "abc\r\ndef".into(),
        "0f8fad5b-d9cb-469f-a165-70867728950".into(), // UUID minus one digit
    ];
    for v in cases {
        let d = detect(&v, &[]);
        assert_eq!(
            (d.provider.as_str(), d.kind.as_str()),
            ("custom", "api_key")
        );
        assert_eq!(d.confidence, Confidence::Low);
        assert!(d.needs_confirmation);
        assert!(d.reason.len() < 300);
        let hint = masked_hint(&v);
        assert!(hint.chars().count() <= 5 + 4);
    }
    let d = detect(&huge_prefixed, &[]);
    assert_eq!(
        (d.provider.as_str(), d.confidence),
        ("posthog", Confidence::Low)
    );
}

#[test]
fn masked_hint_examples() {
    let cases: Vec<(String, String)> = vec![
        (format!("phx_{}abcd", rep("Q", 40)), "phx_…abcd".into()),
        (
            format!("{}1f2e", &pmak()[..pmak().len() - 4]),
            "PMAK-…1f2e".into(),
        ),
        (format!("SG.{}wxyz", rep("a", 60)), "SG.…wxyz".into()),
        (UUID.into(), "…950e".into()),
        ("pk_myblog_production_a1b2c3d4e5".into(), "pk_…d4e5".into()),
        ("abcdefghijkl".into(), "…ijkl".into()), // 12 chars
        ("abcdefghijk".into(), "…jk".into()),    // 11 chars: at most 2
        ("abcd".into(), "…cd".into()),
        ("abc".into(), "…c".into()),
        ("a".into(), "…".into()),
        (String::new(), "…".into()),
        ("phx_ab".into(), "…ab".into()), // prefix + tail would reveal it all
    ];
    for (v, want) in cases {
        assert_eq!(masked_hint(&v), want);
    }
}

/// xorshift64*: deterministic randomness without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn masked_hint_never_reveals_too_much() {
    let prefixes = [
        "", "phx_", "phc_", "phs_", "pha_", "phr_", "PMAK-", "pk_", "cfut_", "cfat_", "cfk_", "SG.",
    ];
    let alphabet: Vec<char> = "abcXYZ019_-.é🔑 \t\u{0}".chars().collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..5000 {
        let prefix = prefixes[rng.below(prefixes.len())];
        let len = rng.below(70);
        let body: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let value = format!("{prefix}{body}");
        let hint = masked_hint(&value);
        let trimmed = value.trim();
        let (shown_prefix, tail) = hint
            .split_once('…')
            .unwrap_or_else(|| panic!("no ellipsis"));
        assert!(tail.chars().count() <= 4, "tail too long");
        let n = trimmed.chars().count();
        if n < 12 {
            assert!(tail.chars().count() <= 2);
        }
        let revealed = shown_prefix.chars().count() + tail.chars().count();
        assert!(n == 0 || revealed < n, "reveals whole value");
        assert!(revealed * 2 <= n.max(1), "reveals more than half");
        if n > 0 {
            assert_ne!(hint, trimmed);
            assert!(!hint.contains(trimmed));
        }
    }
}

#[test]
fn check_format_accepts_good_values() {
    let cases: Vec<(&str, &str, String)> = vec![
        ("posthog", "personal", phx()),
        ("postman", "api_key", pmak()),
        ("cloudflare", "user_token", cfut()),
        ("cloudflare", "account_token", cfat()),
        ("sendgrid", "api_key", sendgrid()),
        ("postmark", "server_token", UUID.into()),
        ("postmark", "account_token", UUID.to_uppercase()),
        (
            "postnomic",
            "blog_key",
            "pk_myblog_production_a1b2c3d4e5".into(),
        ),
        ("postmon", "project_key", rep("a1B2", 8)),
        ("custom", "api_key", "anything-goes.123".into()),
    ];
    for (p, k, v) in cases {
        let (provider, kind) = lookup_kind(p, k).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            check_format(provider, kind, &v).ok(),
            Some(FormatCheck::Fits),
            "{p}/{k}"
        );
    }
}

#[test]
fn check_format_refuses_only_what_cannot_be_a_key_and_never_quotes_it() {
    let canary = "CANARY_zq7";
    let all_kinds = profiles().flat_map(|p| p.kinds.iter().map(move |k| (p, k)));
    for (provider, kind) in all_kinds {
        let prefix = kind.prefix.unwrap_or_default();
        // Not a key at all: a line break (two lines pasted), control characters, no value,
        // a whole file.
        let refused = [
            format!("{canary}\n"),
            format!("{prefix}{canary}\r\n{canary}"),
            format!("{prefix}{canary}\u{7}"),
            String::new(),
            format!("{prefix}{canary}{}", "z".repeat(9000)),
        ];
        for v in &refused {
            let e = check_format(provider, kind, v).expect_err("must be refused");
            let msg = e.to_string();
            assert!(
                !msg.contains(canary),
                "{}/{} leaks: {msg}",
                provider.id,
                kind.id
            );
            assert!(matches!(e, ProviderError::MalformedKey { .. }));
        }
        // Odd shapes are stored with a warning: the provider decides validity.
        let unusual = [
            format!("{prefix}{canary} {canary}"),
            format!("{prefix}{canary}é"),
            format!("{prefix}{canary}!{canary}"),
            canary.to_string(),
        ];
        for v in &unusual {
            match check_format(provider, kind, v) {
                Ok(FormatCheck::Unusual(w)) => {
                    assert!(
                        !w.contains(canary),
                        "{}/{} leaks: {w}",
                        provider.id,
                        kind.id
                    );
                    assert!(w.contains("stored anyway"), "{w}");
                }
                Ok(FormatCheck::Fits) => assert!(
                    kind.pattern.is_none(),
                    "{}/{} says a mismatch fits",
                    provider.id,
                    kind.id
                ),
                Err(e) => panic!("{}/{} refused an unusual value: {e}", provider.id, kind.id),
            }
        }
    }
}

#[test]
fn check_format_rejects_kind_of_other_provider() {
    let posthog = profile("posthog").unwrap_or_else(|| panic!("posthog"));
    let sg = profile("sendgrid")
        .and_then(|p| p.kind("api_key"))
        .unwrap_or_else(|| panic!("sg"));
    let r = check_format(posthog, sg, &sendgrid());
    assert!(matches!(r, Err(ProviderError::UnknownKind { .. })));
}

#[test]
fn profile_ids_are_exact_and_lookup_is_case_insensitive() {
    let ids: Vec<&str> = profiles().map(|p| p.id).collect();
    assert_eq!(
        ids,
        [
            "postmon",
            "postmark",
            "postman",
            "posthog",
            "postnomic",
            "cloudflare",
            "sendgrid",
            "custom"
        ]
    );
    assert_eq!(profile("PostHog").map(|p| p.id), Some("posthog"));
    assert!(profile("stripe").is_none());
    assert_eq!(
        profile("postmark")
            .and_then(|p| p.kind("SERVER_TOKEN"))
            .map(|k| k.id),
        Some("server_token")
    );
}

#[test]
fn ids_are_unique_and_data_is_consistent() {
    let mut provider_ids = HashSet::new();
    for p in profiles() {
        assert!(provider_ids.insert(p.id), "duplicate provider {}", p.id);
        assert!(!p.kinds.is_empty() && !p.purposes.is_empty(), "{}", p.id);
        assert!(p
            .env_prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_'));
        for url in [p.dashboard_url, p.docs_url]
            .into_iter()
            .chain(p.default_base_url)
        {
            assert!(
                (url.is_empty() && p.id == "custom") || url.starts_with("https://"),
                "{url}"
            );
        }
        let mut kind_ids = HashSet::new();
        for k in p.kinds {
            assert!(kind_ids.insert(k.id), "duplicate kind {}/{}", p.id, k.id);
            assert!(!k.notes.is_empty());
            if k.presentation == Presentation::Bearer {
                assert_eq!(k.presentation_name, "Authorization");
            }
            if let (Some(pre), Some(pat)) = (k.prefix, k.pattern) {
                let pre = pre.replace('.', "\\.");
                // Either the prefix, or a group whose first form is the prefix (Cloudflare's
                // unprefixed legacy tokens are the second form).
                assert!(
                    pat.starts_with(&format!("^{pre}")) || pat.starts_with(&format!("^(?:{pre}")),
                    "{}/{}",
                    p.id,
                    k.id
                );
            }
            // A client-safe kind must not be the most privileged one of a multi-kind provider
            // unless it is the only kind (Postmon).
            if k.client_safe && p.kinds.len() > 1 {
                assert!(k.privilege <= Privilege::Scoped);
            }
        }
        let mut purpose_ids = HashSet::new();
        for purpose in p.purposes {
            assert!(
                purpose_ids.insert(purpose.id),
                "duplicate purpose {}/{}",
                p.id,
                purpose.id
            );
            assert!(
                p.kind(purpose.minimal_kind).is_some(),
                "{}/{}",
                p.id,
                purpose.id
            );
        }
    }
    assert!(Privilege::Public < Privilege::ReadOnly);
    assert!(Privilege::ReadOnly < Privilege::Scoped);
    assert!(Privilege::Scoped < Privilege::Full);
}

#[test]
fn every_pattern_compiles_and_is_anchored() {
    for p in profiles() {
        for k in p.kinds {
            if let Some(pat) = k.pattern {
                assert!(Regex::new(pat).is_ok(), "{}/{} pattern", p.id, k.id);
                assert!(
                    pat.starts_with('^') && pat.ends_with('$'),
                    "{}/{} anchoring",
                    p.id,
                    k.id
                );
                assert!(detect::kind_regex(k).is_some());
                assert!(!k.shape.is_empty());
            }
        }
    }
}

#[test]
fn serde_names_are_snake_case() {
    let json = serde_json::to_value(profile("posthog")).unwrap_or_default();
    assert_eq!(json["kinds"][1]["presentation"], "bearer");
    assert_eq!(json["kinds"][0]["privilege"], "public");
    assert_eq!(json["kinds"][0]["operations"]["roll"], "api");
    let d = serde_json::to_value(detect(UUID, &[])).unwrap_or_default();
    assert_eq!(d["confidence"], "medium");
    let spec = custom_spec("acme", None);
    let back: CustomProviderSpec =
        serde_json::from_str(&serde_json::to_string(&spec).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, spec);
}

#[test]
fn error_messages_list_choices_and_hide_key_like_names() {
    let e = lookup_kind("stripe", "x")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("'stripe'") && e.contains("postmark") && e.contains("custom"),
        "{e}"
    );
    let e = lookup_kind("posthog", "secret")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("personal") && e.contains("project_secret") && e.contains("'secret'"),
        "{e}"
    );
    // A key pasted where a name belongs is not echoed.
    for leaked in [phx(), UUID.to_string(), "a8F3k2L9q0Z7x1C5v6B4n".into()] {
        let e = lookup_kind(&leaked, "x")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!e.contains(&leaked), "{e}");
        let e = lookup_kind("posthog", &leaked)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!e.contains(&leaked), "{e}");
    }
}

#[test]
fn custom_spec_validation() {
    assert!(custom_spec("acme", Some("acme_")).validate().is_ok());

    let ok_cases: Vec<CustomProviderSpec> = vec![
        CustomProviderSpec {
            verify_url: Some("http://127.0.0.1:8080/verify".into()),
            ..custom_spec("sim", None)
        },
        CustomProviderSpec {
            verify_url: Some("http://localhost/verify".into()),
            ..custom_spec("sim", None)
        },
        CustomProviderSpec {
            verify_url: Some("http://[::1]:9000/".into()),
            ..custom_spec("sim", None)
        },
        CustomProviderSpec {
            verify_url: Some("http://127.8.9.10".into()),
            ..custom_spec("sim", None)
        },
        CustomProviderSpec {
            dashboard_url: Some("https://dash.acme.test/keys?tab=1".into()),
            ..custom_spec("a", None)
        },
        CustomProviderSpec {
            presentation: Presentation::Bearer,
            presentation_name: "Authorization".into(),
            ..custom_spec("my-service-2", None)
        },
        CustomProviderSpec {
            presentation: Presentation::Query,
            presentation_name: "api_key".into(),
            ..custom_spec("q", None)
        },
        CustomProviderSpec {
            verify_url: None,
            ..custom_spec(&"x".repeat(40), Some(&"!".repeat(32)))
        },
    ];
    for spec in ok_cases {
        assert!(spec.validate().is_ok(), "{spec:?}: {:?}", spec.validate());
    }

    let bad_cases: Vec<(CustomProviderSpec, &str)> = vec![
        (custom_spec("postmark", None), "built-in"),
        (custom_spec("PostHog", None), "id"),
        (custom_spec("custom", None), "built-in"),
        (custom_spec("", None), "id"),
        (custom_spec(&"x".repeat(41), None), "id"),
        (custom_spec("-lead", None), "id"),
        (custom_spec("a_b", None), "id"),
        (
            CustomProviderSpec {
                display_name: "  ".into(),
                ..custom_spec("a", None)
            },
            "display name",
        ),
        (
            CustomProviderSpec {
                presentation_name: "X Api Key".into(),
                ..custom_spec("a", None)
            },
            "header",
        ),
        (
            CustomProviderSpec {
                presentation_name: "X-Key:".into(),
                ..custom_spec("a", None)
            },
            "header",
        ),
        (
            CustomProviderSpec {
                presentation_name: String::new(),
                ..custom_spec("a", None)
            },
            "header",
        ),
        (
            CustomProviderSpec {
                presentation_name: "Host".into(),
                ..custom_spec("a", None)
            },
            "reserved",
        ),
        (
            CustomProviderSpec {
                presentation: Presentation::Query,
                presentation_name: "a&b=c".into(),
                ..custom_spec("a", None)
            },
            "parameter",
        ),
        (custom_spec("a", Some("")), "prefix"),
        (custom_spec("a", Some("has space")), "prefix"),
        (custom_spec("a", Some(&"p".repeat(33))), "prefix"),
        (custom_spec("a", Some("ключ")), "prefix"),
        (
            CustomProviderSpec {
                verify_url: Some("http://example.com/v".into()),
                ..custom_spec("a", None)
            },
            "https",
        ),
        (
            CustomProviderSpec {
                verify_url: Some("http://127.0.0.1.evil.test/".into()),
                ..custom_spec("a", None)
            },
            "https",
        ),
        (
            CustomProviderSpec {
                verify_url: Some("http://localhost.evil.test/".into()),
                ..custom_spec("a", None)
            },
            "https",
        ),
        (
            CustomProviderSpec {
                verify_url: Some("http://[::ffff:8.8.8.8]/".into()),
                ..custom_spec("a", None)
            },
            "https",
        ),
        (
            CustomProviderSpec {
                verify_url: Some("ftp://files.acme.test".into()),
                ..custom_spec("a", None)
            },
            "https",
        ),
        (
            CustomProviderSpec {
                verify_url: Some("api.acme.test/v1".into()),
                ..custom_spec("a", None)
            },
            "https",
        ),
        (
            CustomProviderSpec {
                verify_url: Some("https://user:pw@acme.test/".into()),
                ..custom_spec("a", None)
            },
            "password",
        ),
        (
            CustomProviderSpec {
                verify_url: Some("https://acme.test:99999/".into()),
                ..custom_spec("a", None)
            },
            "port",
        ),
        (
            CustomProviderSpec {
                verify_url: Some("https:///nohost".into()),
                ..custom_spec("a", None)
            },
            "host",
        ),
        (
            CustomProviderSpec {
                verify_url: Some("https://acme .test/".into()),
                ..custom_spec("a", None)
            },
            "spaces",
        ),
        (
            CustomProviderSpec {
                dashboard_url: Some("http://example.com".into()),
                ..custom_spec("a", None)
            },
            "dashboard URL",
        ),
    ];
    for (spec, needle) in bad_cases {
        match spec.validate() {
            Err(ProviderError::InvalidCustom(msg)) => {
                assert!(msg.contains(needle), "{spec:?}: {msg}");
                for url in [&spec.verify_url, &spec.dashboard_url]
                    .into_iter()
                    .flatten()
                {
                    assert!(!msg.contains(url.as_str()), "echoes the URL: {msg}");
                }
            }
            other => panic!("{spec:?} should be rejected, got {other:?}"),
        }
    }
    assert_eq!(custom_spec("my-svc-2", None).env_prefix(), "MY_SVC_2");
}

#[test]
fn legacy_cloudflare_formats_fit_and_no_format_refuses_a_storable_value() {
    let (p, user) = lookup_kind("cloudflare", "user_token").unwrap();
    let global = p.kind("global_api_key").unwrap();
    // Tokens made before 2026: 40 of [A-Za-z0-9_-], no prefix; legacy Global keys: 37–45 hex.
    let legacy_token = format!("{}-_{}", "Ab3".repeat(12), "x9");
    assert_eq!(legacy_token.len(), 40);
    assert_eq!(
        check_format(p, user, &legacy_token).unwrap(),
        FormatCheck::Fits
    );
    for n in [37, 45] {
        let key = "0123456789abcdef".repeat(3)[..n].to_owned();
        assert_eq!(
            check_format(p, global, &key).unwrap(),
            FormatCheck::Fits,
            "{n}"
        );
    }
    // Anything else storable is a warning, never a refusal.
    assert!(matches!(
        check_format(p, user, "not-a-cloudflare-token"),
        Ok(FormatCheck::Unusual(_))
    ));
}
