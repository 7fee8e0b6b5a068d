//! Structured JSON logs on stderr (CloudWatch in Lambda). `LEE_LOG` sets the filter
//! (tracing-subscriber syntax); the default is `info` in Lambda, `warn` for the CLI, and
//! `debug` when `DEBUG=true`.

use tracing_subscriber::EnvFilter;

pub fn init(default_level: &str) {
    let filter = std::env::var("LEE_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .try_init();
}
