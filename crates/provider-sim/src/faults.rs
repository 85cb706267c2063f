//! Fault injection: per route (method + path pattern) or provider-wide, for the next N
//! requests or until cleared.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::util::glob_match;

/// One fault rule.
///
/// `route` is `"METHOD /path"` with `*` as a wildcard anywhere (`"GET /posthog/api/*"`,
/// `"* /postman/me"`), a bare path (any method), or `"*"` (everything). Paths include the
/// provider prefix (`/posthog`, `/cloudflare/client/v4`, …) and never the query string.
/// `provider` narrows the rule to one provider.
///
/// Effects, in order: `latency_ms` delays the request (and lets it go on unless the rule
/// also has a terminal effect); then at most one terminal effect: `drop_connection`
/// (close the connection with no response), `rate_limit` (the provider's 429 with its
/// retry header set to this many seconds), `status` (the provider's own error body for
/// that status, or `body` if given), `malformed_body` (200 with the handler's JSON cut
/// short). `after_handler` runs the real handler first (its state change happens) and then
/// replaces its response: a roll whose answer is lost, for example. `times` limits the rule
/// to the next N matching requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fault {
    pub route: String,
    pub provider: Option<String>,
    pub latency_ms: Option<u64>,
    pub status: Option<u16>,
    pub body: Option<Value>,
    /// Retry-after seconds of the injected 429.
    pub rate_limit: Option<u64>,
    pub malformed_body: bool,
    pub drop_connection: bool,
    pub after_handler: bool,
    pub times: Option<u32>,
}

impl Fault {
    /// A rule for `route` with no effect yet (builder style, for tests).
    pub fn on(route: &str) -> Fault {
        Fault {
            route: route.to_owned(),
            ..Fault::default()
        }
    }

    pub fn latency_ms(mut self, ms: u64) -> Fault {
        self.latency_ms = Some(ms);
        self
    }

    pub fn status(mut self, status: u16) -> Fault {
        self.status = Some(status);
        self
    }

    pub fn rate_limit(mut self, retry_after_secs: u64) -> Fault {
        self.rate_limit = Some(retry_after_secs);
        self
    }

    pub fn malformed_body(mut self) -> Fault {
        self.malformed_body = true;
        self
    }

    pub fn drop_connection(mut self) -> Fault {
        self.drop_connection = true;
        self
    }

    pub fn after_handler(mut self) -> Fault {
        self.after_handler = true;
        self
    }

    pub fn times(mut self, n: u32) -> Fault {
        self.times = Some(n);
        self
    }

    pub fn for_provider(mut self, provider: &str) -> Fault {
        self.provider = Some(provider.to_owned());
        self
    }

    /// Whether the rule ends the request (anything beyond latency).
    pub fn is_terminal(&self) -> bool {
        self.drop_connection
            || self.rate_limit.is_some()
            || self.status.is_some()
            || self.malformed_body
    }

    /// Whether the rule applies to this request.
    pub fn matches(&self, provider: Option<&str>, method: &str, path: &str) -> bool {
        if self.times == Some(0) {
            return false;
        }
        if let Some(p) = &self.provider {
            if provider != Some(p.as_str()) {
                return false;
            }
        }
        let route = self.route.trim();
        if route.is_empty() || route == "*" {
            return true;
        }
        match route.split_once(' ') {
            Some((m, p)) => {
                (m == "*" || m.eq_ignore_ascii_case(method)) && glob_match(p.trim(), path)
            }
            None => glob_match(route, path),
        }
    }
}

/// What the middleware does for one request, decided under the state lock.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    pub latency_ms: u64,
    pub terminal: Option<Fault>,
}

/// Picks the faults for a request and uses up one of each rule's `times`.
pub(crate) fn plan(
    faults: &mut Vec<Fault>,
    provider: Option<&str>,
    method: &str,
    path: &str,
) -> FaultPlan {
    let mut plan = FaultPlan::default();
    for fault in faults.iter_mut() {
        if !fault.matches(provider, method, path) {
            continue;
        }
        if let Some(n) = fault.times.as_mut() {
            *n -= 1;
        }
        plan.latency_ms += fault.latency_ms.unwrap_or(0);
        if fault.is_terminal() {
            plan.terminal = Some(fault.clone());
            break;
        }
    }
    faults.retain(|f| f.times != Some(0));
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        let f = Fault::on("GET /posthog/api/personal_api_keys/@current/");
        assert!(f.matches(
            Some("posthog"),
            "GET",
            "/posthog/api/personal_api_keys/@current/"
        ));
        assert!(!f.matches(
            Some("posthog"),
            "POST",
            "/posthog/api/personal_api_keys/@current/"
        ));
        let any = Fault::on("*").for_provider("postman");
        assert!(any.matches(Some("postman"), "GET", "/postman/me"));
        assert!(!any.matches(Some("posthog"), "GET", "/posthog/x"));
        assert!(Fault::on("/postman/*").matches(None, "DELETE", "/postman/me"));
        assert!(Fault::on("get /postman/me").matches(None, "GET", "/postman/me"));
    }

    #[test]
    fn times_run_out_and_latency_adds_up() {
        let mut faults = vec![
            Fault::on("*").latency_ms(10),
            Fault::on("GET /a").status(503).times(1),
            Fault::on("GET /a").status(500),
        ];
        let p = plan(&mut faults, None, "GET", "/a");
        assert_eq!(p.latency_ms, 10);
        assert_eq!(p.terminal.and_then(|f| f.status), Some(503));
        assert_eq!(faults.len(), 2);
        let p = plan(&mut faults, None, "GET", "/a");
        assert_eq!(p.terminal.and_then(|f| f.status), Some(500));
    }
}
