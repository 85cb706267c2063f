//! The team's address: a `postgres://ROLE@HOST[:PORT]/DB[?sslmode=…]` URL without a password,
//! and the TLS policy — TLS is required except to a loopback address, decided before any
//! connection is made.

use crate::error::{Result, TeamError};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use std::net::IpAddr;
use url::Url;

const DEFAULT_PORT: u16 = 5432;

/// A parsed, policy-checked team URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamAddress {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub database: String,
    pub ssl_mode: SslMode,
    pub loopback: bool,
}

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// Whether a connection in this mode is always encrypted.
    pub fn requires_tls(self) -> bool {
        matches!(
            self,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull
        )
    }

    fn to_sqlx(self) -> PgSslMode {
        match self {
            SslMode::Disable => PgSslMode::Disable,
            SslMode::Allow => PgSslMode::Allow,
            SslMode::Prefer => PgSslMode::Prefer,
            SslMode::Require => PgSslMode::Require,
            SslMode::VerifyCa => PgSslMode::VerifyCa,
            SslMode::VerifyFull => PgSslMode::VerifyFull,
        }
    }
}

fn invalid(reason: &str) -> TeamError {
    TeamError::UrlInvalid(reason.to_string())
}

/// Whether `host` is a loopback address (or `localhost`).
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl TeamAddress {
    /// Parses `url` and applies the policy. Error messages never quote the URL (it might
    /// hold a password).
    pub fn parse(url: &str) -> Result<TeamAddress> {
        let parsed = Url::parse(url.trim()).map_err(|e| {
            invalid(&format!(
                "not a URL ({e}); expected postgres://ROLE@HOST/DATABASE"
            ))
        })?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(invalid(
                "it must start with postgres:// (expected postgres://ROLE@HOST/DATABASE)",
            ));
        }
        if parsed.password().is_some() {
            return Err(invalid(
                "it holds a password; leave it out and give the password when asked \
                 (it is kept in the OS keychain, never in the settings)",
            ));
        }
        let user = percent_encoding_decode(parsed.username())?;
        if user.is_empty() {
            return Err(invalid(
                "it names no database role; expected postgres://ROLE@HOST/DATABASE",
            ));
        }
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => {
                return Err(invalid(
                    "it names no host; expected postgres://ROLE@HOST/DATABASE",
                ))
            }
        };
        let port = parsed.port().unwrap_or(DEFAULT_PORT);
        let path = parsed.path().trim_start_matches('/');
        if path.contains('/') {
            return Err(invalid("the database name cannot contain '/'"));
        }
        let database = if path.is_empty() {
            // libpq's default: the database named like the role.
            user.clone()
        } else {
            percent_encoding_decode(path)?
        };
        let mut ssl_mode = None;
        for (name, value) in parsed.query_pairs() {
            match name.as_ref() {
                "sslmode" => {
                    ssl_mode = Some(SslMode::parse(&value).ok_or_else(|| {
                        invalid(&format!(
                            "sslmode '{value}' is not one of disable, allow, prefer, require, \
                             verify-ca, verify-full"
                        ))
                    })?)
                }
                "password" => {
                    return Err(invalid(
                        "it holds a password; leave it out and give the password when asked",
                    ))
                }
                other => {
                    return Err(invalid(&format!(
                        "the parameter '{other}' is not supported (only sslmode)"
                    )))
                }
            }
        }
        let loopback = is_loopback(&host);
        let ssl_mode = match (ssl_mode, loopback) {
            (Some(mode), false) if !mode.requires_tls() => {
                return Err(TeamError::TlsRequired(format!(
                    "sslmode={} would send the team's data unencrypted to {host}; TLS is \
                     required except to a loopback address (use sslmode=verify-full)",
                    mode.as_str()
                )))
            }
            (Some(mode), _) => mode,
            // Elsewhere: encrypted and the server's certificate checked against its name.
            (None, false) => SslMode::VerifyFull,
            (None, true) => SslMode::Prefer,
        };
        Ok(TeamAddress {
            host,
            port,
            user,
            database,
            ssl_mode,
            loopback,
        })
    }

    /// The URL as stored and shown: no password, ever.
    pub fn display_url(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let mut url = format!(
            "postgres://{}@{host}:{}/{}",
            encode(&self.user),
            self.port,
            encode(&self.database)
        );
        if !(self.loopback && self.ssl_mode == SslMode::Prefer) {
            url.push_str("?sslmode=");
            url.push_str(self.ssl_mode.as_str());
        }
        url
    }

    /// Connection options without a password (the caller adds it).
    pub fn options(&self) -> PgConnectOptions {
        PgConnectOptions::new()
            .host(&self.host)
            .port(self.port)
            .username(&self.user)
            .database(&self.database)
            .ssl_mode(self.ssl_mode.to_sqlx())
            .application_name("keyward")
    }
}

fn percent_encoding_decode(s: &str) -> Result<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|d| d.into_owned())
        .map_err(|_| invalid("it is not valid UTF-8 once percent-decoded"))
}

/// What a URL's user and path may carry unencoded (RFC 3986's unreserved characters).
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(url: &str) -> &'static str {
        TeamAddress::parse(url)
            .map(|_| "ok")
            .unwrap_or_else(|e| e.code())
    }

    #[test]
    fn loopback_may_go_without_tls() {
        let a = TeamAddress::parse("postgres://alice@127.0.0.1:5433/team").expect("parse");
        assert_eq!(
            (
                a.host.as_str(),
                a.port,
                a.user.as_str(),
                a.database.as_str()
            ),
            ("127.0.0.1", 5433, "alice", "team")
        );
        assert!(a.loopback);
        assert_eq!(a.ssl_mode, SslMode::Prefer);
        assert_eq!(a.display_url(), "postgres://alice@127.0.0.1:5433/team");
        for url in [
            "postgres://alice@localhost/team?sslmode=disable",
            "postgresql://alice@[::1]:5432/team",
            "postgres://alice@127.0.0.2/team?sslmode=require",
        ] {
            assert_eq!(code(url), "ok", "{url}");
        }
    }

    #[test]
    fn elsewhere_tls_is_required_before_connecting() {
        for url in [
            "postgres://alice@db.example.com/team?sslmode=disable",
            "postgres://alice@db.example.com/team?sslmode=prefer",
            "postgres://alice@10.0.0.5/team?sslmode=allow",
        ] {
            assert_eq!(code(url), "team_tls_required", "{url}");
        }
        let a = TeamAddress::parse("postgres://alice@db.example.com/team").expect("parse");
        assert_eq!(
            a.ssl_mode,
            SslMode::VerifyFull,
            "the default checks the certificate"
        );
        assert_eq!(
            a.display_url(),
            "postgres://alice@db.example.com:5432/team?sslmode=verify-full"
        );
        assert_eq!(
            code("postgres://alice@db.example.com/team?sslmode=require"),
            "ok"
        );
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_never_echoed() {
        for url in [
            "postgres://alice:hunter2-canary@127.0.0.1/team",
            "postgres://alice@127.0.0.1/team?password=hunter2-canary",
        ] {
            let err = TeamAddress::parse(url).expect_err("refused");
            assert_eq!(err.code(), "team_url_invalid");
            assert!(err.to_string().contains("password"), "{err}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn malformed_urls_say_what_is_wrong() {
        for (url, says) in [
            ("db.example.com/team", "not a URL"),
            ("mysql://alice@127.0.0.1/team", "postgres://"),
            ("postgres://127.0.0.1/team", "role"),
            ("postgres://alice@127.0.0.1/team?sslmode=bogus", "sslmode"),
            (
                "postgres://alice@127.0.0.1/team?connect_timeout=3",
                "connect_timeout",
            ),
        ] {
            let err = TeamAddress::parse(url).expect_err(url);
            assert_eq!(err.code(), "team_url_invalid", "{url}");
            assert!(err.to_string().contains(says), "{url}: {err}");
        }
        let a = TeamAddress::parse("postgres://alice@127.0.0.1").expect("parse");
        assert_eq!(a.database, "alice", "libpq's default database");
    }
}
