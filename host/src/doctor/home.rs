//! The Home Assistant checks: URL (shown without userinfo), TLS (how the certificate is
//! checked, whether it verifies with lee's own TLS configuration, client certificate
//! included, and when it expires), five pings of `GET /api/` (latency), the token, Home
//! Assistant's version and unit system, the websocket API, and the proactive-events
//! state. Every call goes through the same client, retries and TLS as an invocation's;
//! failures do not feed the circuit breaker.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use serde_json::{Value, json};

use super::report::{Check, Report, Status};
use crate::capabilities::home_assistant::call::Feed;
use crate::capabilities::home_assistant::{
    CallContext, CallStats, HaError, HomeAssistant, Registry, tls,
};

/// Pings of `GET /api/` for the latency figure.
const PINGS: usize = 5;
/// A certificate expiring sooner than this is worth a warning.
const EXPIRY_WARNING_DAYS: i64 = 14;
/// Longest the configured token may take to arrive from SSM.
const TOKEN_BUDGET: Duration = Duration::from_secs(2);

/// What to tell the operator about a failed call.
fn advice(error: &HaError) -> String {
    match error {
        HaError::Unauthorized(403) => "Home Assistant (or a proxy in front of it) refused the \
             request (HTTP 403): behind Cloudflare Access or a similar proxy, check \
             HOME_ASSISTANT_HEADERS; otherwise the token lacks the rights (an admin user's \
             long-lived access token is needed)"
            .to_string(),
        HaError::Unauthorized(status) => format!(
            "Home Assistant rejected the token (HTTP {status}): create a long-lived access \
             token in your Home Assistant profile (Security tab) and set it again"
        ),
        HaError::Unreachable(why) => format!(
            "cannot reach Home Assistant: {why}; check HOME_ASSISTANT_URL, that Home Assistant \
             runs, and that it is reachable from where lee runs"
        ),
        other => other.to_string(),
    }
}

pub async fn checks(report: &mut Report, ha: &HomeAssistant, deadline: Instant) {
    let Some((base_url, tls_config)) = ha.endpoint() else {
        report.checks.push(Check::new(
            "home assistant",
            Status::Fail,
            "HOME_ASSISTANT_URL (or BASE_URL) is not set",
        ));
        return;
    };
    let base_url = base_url.to_string();
    report.checks.push(Check::new(
        "home assistant url",
        Status::Ok,
        base_url.clone(),
    ));
    let tls_ok = certificate(report, ha, &base_url, tls_config, deadline).await;
    let source = ha.token_source();
    let budget = deadline
        .saturating_duration_since(Instant::now())
        .min(TOKEN_BUDGET);
    let Some(token) = ha.configured_token(budget).await else {
        let detail = match source["parameter"].as_str() {
            Some(name) => format!(
                "the token could not be read from SSM parameter {name}: {}",
                ha.token_source()["last_error"]
                    .as_str()
                    .unwrap_or("unknown error")
            ),
            None => "no token configured: set HOME_ASSISTANT_TOKEN or HOME_ASSISTANT_TOKEN_SSM \
                     (the doctor checks with the configured token; account-linking tokens come \
                     only with Alexa's requests)"
                .to_string(),
        };
        report
            .checks
            .push(Check::new("token", Status::Fail, detail).with(ha.token_source()));
        return;
    };
    if !tls_ok {
        report.checks.push(Check::new(
            "token",
            Status::Skip,
            "not checked: the TLS connection failed",
        ));
        return;
    }
    let stats = CallStats::default();
    let ctx = CallContext {
        token,
        deadline,
        stats: &stats,
        breaker: Feed::SuccessOnly,
    };
    if !pings(report, ha, ctx, &source).await {
        return;
    }
    version(report, ha, ctx).await;
    match ha.registry(ctx, Registry::Area, Duration::ZERO).await {
        Ok(text) => {
            let areas = serde_json::from_str::<Vec<Value>>(&text).map_or(0, |a| a.len());
            report.checks.push(Check::new(
                "websocket",
                Status::Ok,
                format!("authenticated; the area registry lists {areas} areas"),
            ));
        }
        Err(e) => report.checks.push(Check::new(
            "websocket",
            Status::Fail,
            format!(
                "{}; Discovery needs the websocket API (/api/websocket) for the entity registry",
                advice(&e)
            ),
        )),
    }
    report.checks.push(Check::new(
        "proactive events",
        Status::Info,
        "off: lee sends no ChangeReport (it holds no Alexa event gateway credentials); Alexa \
         asks with ReportState. Leave \"Send Alexa Events\" off in the skill's permissions",
    ));
}

/// Five pings of `GET /api/`: reachability, the token, latency. Returns whether Home
/// Assistant answered with the token accepted.
async fn pings(
    report: &mut Report,
    ha: &HomeAssistant,
    ctx: CallContext<'_>,
    source: &Value,
) -> bool {
    let mut times = Vec::with_capacity(PINGS);
    for _ in 0..PINGS {
        let started = Instant::now();
        match ha.get(ctx, "/api/").await {
            Ok(body)
                if serde_json::from_slice::<Value>(&body)
                    .is_ok_and(|v| v.get("message").is_some()) =>
            {
                times.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            Ok(_) => {
                report.checks.push(Check::new(
                    "reachable",
                    Status::Fail,
                    "GET /api/ answered, but not like Home Assistant: is HOME_ASSISTANT_URL the \
                     Home Assistant itself (not a login page of a proxy in front of it)?",
                ));
                return false;
            }
            Err(e @ HaError::Unauthorized(_)) => {
                report.checks.push(Check::new(
                    "reachable",
                    Status::Ok,
                    "Home Assistant answered",
                ));
                report
                    .checks
                    .push(Check::new("token", Status::Fail, advice(&e)).with(source.clone()));
                return false;
            }
            Err(e) => {
                let name = if matches!(e, HaError::Certificate(_)) {
                    "tls"
                } else {
                    "reachable"
                };
                report
                    .checks
                    .push(Check::new(name, Status::Fail, advice(&e)));
                return false;
            }
        }
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    report.checks.push(
        Check::new(
            "reachable",
            Status::Ok,
            format!(
                "{PINGS} pings of GET /api/: median {median:.1} ms (min {:.1}, max {:.1})",
                sorted[0],
                sorted[sorted.len() - 1]
            ),
        )
        .with(json!({"latency_ms": times})),
    );
    let from = source["source"].as_str().unwrap_or("environment");
    report.checks.push(
        Check::new(
            "token",
            Status::Ok,
            format!("accepted by Home Assistant (from {from}; not shown)"),
        )
        .with(source.clone()),
    );
    true
}

async fn version(report: &mut Report, ha: &HomeAssistant, ctx: CallContext<'_>) {
    match ha.core_config(ctx, Duration::ZERO).await {
        Ok(text) => {
            let config: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let version = config["version"].as_str().unwrap_or("unknown");
            let units = &config["unit_system"];
            let system = match units["temperature"].as_str() {
                Some("°F") => "US customary",
                Some(_) => "metric",
                None => "unknown",
            };
            report.checks.push(
                Check::new(
                    "home assistant version",
                    Status::Ok,
                    format!(
                        "{version}; units {system} ({}, {}); time zone {}",
                        units["temperature"].as_str().unwrap_or("?"),
                        units["length"].as_str().unwrap_or("?"),
                        config["time_zone"].as_str().unwrap_or("?")
                    ),
                )
                .with(json!({
                    "version": version,
                    "unit_system": units,
                    "location_name": config["location_name"],
                    "time_zone": config["time_zone"],
                })),
            );
        }
        Err(e) => report.checks.push(Check::new(
            "home assistant version",
            Status::Fail,
            advice(&e),
        )),
    }
}

/// The TLS check: handshakes with lee's own configuration (roots, extra CA or pin, client
/// certificate) and reads the server certificate's expiry. Returns false when the
/// connection cannot be set up (nothing else can then work).
async fn certificate(
    report: &mut Report,
    ha: &HomeAssistant,
    base_url: &str,
    config: Arc<rustls::ClientConfig>,
    deadline: Instant,
) -> bool {
    let Ok(url) = url::Url::parse(base_url) else {
        report.checks.push(Check::new(
            "tls",
            Status::Fail,
            format!("{base_url} is not a URL"),
        ));
        return false;
    };
    if url.scheme() != "https" {
        report.checks.push(Check::new(
            "tls",
            Status::Warn,
            "plain http: the token crosses the network unencrypted; use https outside a \
             private network",
        ));
        return true;
    }
    let host = url.host_str().unwrap_or_default().to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let mode = ha.tls_mode();
    let budget = deadline
        .saturating_duration_since(Instant::now())
        .min(Duration::from_secs(10));
    let handshake = async {
        let name = ServerName::try_from(host.trim_matches(['[', ']']).to_string())
            .map_err(|e| format!("{host} is not a TLS server name: {e}"))?;
        let stream = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, stream)
            .await
            .map_err(|e| {
                tls::refused_client_certificate(&e)
                    .or_else(|| {
                        tls::rejected_certificate(&e).map(|r| {
                            format!(
                                "Home Assistant's certificate was rejected: {r}; a \
                                     self-signed certificate can be pinned with \
                                     HOME_ASSISTANT_CERT_SHA256"
                            )
                        })
                    })
                    .unwrap_or_else(|| format!("TLS handshake with {host}:{port} failed: {e}"))
            })?;
        let (_, session) = tls.get_ref();
        Ok::<_, String>(
            session
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|leaf| leaf.as_ref().to_vec()),
        )
    };
    let leaf = match tokio::time::timeout(budget, handshake).await {
        Err(_) => Err(format!("TLS handshake with {host}:{port} timed out")),
        Ok(result) => result,
    };
    let leaf = match leaf {
        Ok(leaf) => leaf,
        Err(why) => {
            report.checks.push(Check::new("tls", Status::Fail, why));
            return false;
        }
    };
    let expiry = leaf.as_deref().and_then(not_after);
    let days = expiry.map(|at| (at - now_unix()) / 86_400);
    let checked = match mode {
        "pinned" => "pinned certificate (HOME_ASSISTANT_CERT_SHA256) matched",
        "off" => {
            "verification OFF (HOME_ASSISTANT_VERIFY_SSL=false): anyone on the path can read the token"
        }
        _ => "certificate verified",
    };
    let status = match (mode, days) {
        ("off", _) => Status::Warn,
        (_, Some(d)) if d < 0 => Status::Fail,
        (_, Some(d)) if d < EXPIRY_WARNING_DAYS => Status::Warn,
        _ => Status::Ok,
    };
    let expires = match days {
        Some(d) if d < 0 => format!("expired {} days ago", -d),
        Some(d) => format!("expires in {d} days"),
        None => "expiry unknown".to_string(),
    };
    report.checks.push(
        Check::new("tls", status, format!("{checked}; {expires}")).with(json!({
            "mode": mode,
            "expires_unix": expiry,
            "days_left": days,
        })),
    );
    true
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The certificate's notAfter (seconds since the epoch).
fn not_after(der: &[u8]) -> Option<i64> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(cert.validity().not_after.timestamp())
}
