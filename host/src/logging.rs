//! Structured JSON logs on stderr (CloudWatch in Lambda). `LEE_LOG` sets the filter
//! (tracing-subscriber syntax); the default is `info` in Lambda, `warn` for the CLI, and
//! `debug` when `DEBUG=true`. Inside a Lambda invocation every line carries
//! `span.request_id` and `span.trace_id` ([`crate::lambda`]).
//!
//! Whatever the filter, the crates that see secrets on the wire are held at `info`:
//! tungstenite dumps the websocket auth frame (the Home Assistant token) at trace,
//! hyper/h2/reqwest can show headers, and the Lambda runtime client can show the event
//! (an account-linking token). Their warnings and errors still come through.

use tracing_subscriber::EnvFilter;

/// Targets that may log a token below `info`.
const SECRET_BEARING: &[&str] = &[
    "tungstenite",
    "tokio_tungstenite",
    "hyper",
    "hyper_util",
    "h2",
    "reqwest",
    "rustls",
    "lambda_runtime",
    "lambda_runtime_api_client",
];

/// The filter directives: the operator's (or the default), without any directive for a
/// secret-bearing target, then those targets pinned at `info`.
pub fn directives(requested: Option<&str>, default_level: &str) -> String {
    let requested = requested
        .filter(|f| !f.trim().is_empty())
        .unwrap_or(default_level);
    let mut kept: Vec<&str> = requested
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .filter(|d| {
            let target = d.split(['=', '[']).next().unwrap_or_default();
            let target = target.split("::").next().unwrap_or_default();
            !SECRET_BEARING.contains(&target)
        })
        .collect();
    let pins: Vec<String> = SECRET_BEARING.iter().map(|t| format!("{t}=info")).collect();
    kept.extend(pins.iter().map(String::as_str));
    kept.join(",")
}

pub fn init(default_level: &str) {
    let requested = std::env::var("LEE_LOG").ok();
    let filter = EnvFilter::try_new(directives(requested.as_deref(), default_level))
        .unwrap_or_else(|_| EnvFilter::new(directives(None, default_level)));
    let _ = tracing_subscriber::fmt()
        .json()
        // The innermost span's fields: in Lambda, the invocation's request and trace ids.
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_bearing_targets_stay_at_info() {
        let d = directives(
            Some("trace,tungstenite=trace,hyper::proto=trace,lee=debug"),
            "warn",
        );
        assert!(d.starts_with("trace,lee=debug,"), "{d}");
        assert!(
            !d.contains("tungstenite=trace") && !d.contains("hyper::proto"),
            "{d}"
        );
        assert!(
            d.contains("tungstenite=info") && d.contains("lambda_runtime=info"),
            "{d}"
        );
        assert!(directives(Some(" "), "warn").starts_with("warn,"));
        assert!(EnvFilter::try_new(directives(None, "info")).is_ok());
    }
}
