//! Structured JSON logs on stderr (CloudWatch in Lambda). `LEE_LOG` sets the filter
//! (`target=level` directives, comma-separated, as tracing-subscriber's `Targets` parses
//! them: no span or field filters, which would bring a regex engine into the Lambda
//! bootstrap); the default is `info` in Lambda, `warn` for the CLI, and
//! `debug` when `DEBUG=true`. Inside a Lambda invocation every line carries
//! `span.request_id` and `span.trace_id` ([`crate::lambda`]).
//!
//! Whatever the filter, the crates that see secrets on the wire are held at `info`:
//! tungstenite dumps the websocket auth frame (the Home Assistant token) at trace,
//! hyper/h2/reqwest can show headers, and the Lambda runtime client can show the event
//! (an account-linking token). Their warnings and errors still come through.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

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
    let filter = filter(requested.as_deref(), default_level);
    let format = tracing_subscriber::fmt::layer()
        .json()
        // The innermost span's fields: in Lambda, the invocation's request and trace ids.
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = tracing_subscriber::registry()
        .with(format)
        .with(filter)
        .try_init();
}

/// The operator's filter with the secret-bearing targets pinned; an unparsable one falls
/// back to the default level (with the same pins).
fn filter(requested: Option<&str>, default_level: &str) -> Targets {
    directives(requested, default_level)
        .parse()
        .or_else(|_| directives(None, default_level).parse())
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO))
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
        assert!(directives(None, "info").parse::<Targets>().is_ok());
    }

    #[test]
    fn the_filter_keeps_secret_bearing_targets_at_info() {
        use tracing::Level;
        let f = filter(Some("trace,tungstenite=trace"), "warn");
        assert!(f.would_enable("lee::home", &Level::TRACE));
        assert!(!f.would_enable("tungstenite::protocol", &Level::DEBUG));
        assert!(f.would_enable("tungstenite::protocol", &Level::INFO));
        // Not a directive: the default level, still with the pins.
        let f = filter(Some("lee=[span{x=1}]"), "warn");
        assert!(f.would_enable("lee", &Level::WARN));
        assert!(!f.would_enable("lee", &Level::INFO));
        assert!(!f.would_enable("hyper", &Level::DEBUG));
    }
}
