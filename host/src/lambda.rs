//! Lambda mode: the custom-runtime `bootstrap`. The gateway is built during the init
//! phase and the Home Assistant caches are warmed in the background from then (with no
//! configured token, from the first directive's token), while the first event is
//! served; each event then goes through
//! [`Gateway::handle`](crate::gateway::Gateway::handle) with Lambda's deadline, inside a
//! span that puts the request id and the X-Ray trace id (the Runtime API's
//! `Lambda-Runtime-Trace-Id`, also `_X_AMZN_TRACE_ID`) on every log line it writes. A
//! sampled invocation's X-Ray subsegments ([`crate::aws::xray`]) are sent by a runtime
//! layer once the answer has been posted.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lambda_runtime::{LambdaEvent, Runtime, layers, service_fn};
use serde_json::value::RawValue;
use tracing::Instrument;

use crate::aws::xray;
use crate::event::Event;
use crate::gateway::{ALEXA_BUDGET, Gateway};
use crate::response::Response;

/// Budget for the cold-start cache warm-up (inside Lambda's 10 s init phase).
const WARM_BUDGET: Duration = Duration::from_secs(2);

/// Converts Lambda's deadline (ms since the epoch) to an `Instant`.
fn deadline_instant(deadline_ms: u64) -> Option<Instant> {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_millis() as u64;
    Some(Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms)))
}

/// Runs the Lambda loop. `process_start` bounds the first event's arrival: on a cold
/// start that event was already waiting, so the init phase (warm-up included) is spent
/// from its Alexa budget. A first event that comes later than a whole Alexa budget after
/// the start found a container Lambda initialised ahead of traffic: it arrived now.
pub async fn run(gateway: Gateway, process_start: Instant) -> anyhow::Result<()> {
    // The warm-up runs in the background: on a cold start the first event is already
    // waiting, and serving it with its own reads (one state for a ReportState) costs one
    // round trip where the warm-up's reads cost several (the websocket's handshake).
    gateway.warm_in_background(WARM_BUDGET);
    gateway.warm_on_first_token();
    let gateway = Arc::new(gateway);
    let first = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let daemon = xray::Daemon::from_env();
    let flush = xray::flush_after_answer(daemon.clone());
    // The payload stays text (a `RawValue` checks it is JSON without building a tree):
    // the component gets exactly what Lambda delivered.
    let handler = service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let gateway = gateway.clone();
        let trace = daemon.as_ref().and_then(|daemon| {
            let header = event
                .context
                .xray_trace_id
                .clone()
                .or_else(|| std::env::var("_X_AMZN_TRACE_ID").ok());
            daemon.trace(header.as_deref())
        });
        let first = first.swap(false, std::sync::atomic::Ordering::Relaxed);
        // Every log line of the invocation carries its request and trace ids (the span
        // is at error level so no log filter drops it while keeping the lines).
        let span = tracing::error_span!(
            "invocation",
            request_id = %event.context.request_id,
            trace_id = event.context.xray_trace_id.as_deref().unwrap_or("-"),
        );
        async move {
            let deadline = deadline_instant(event.context.deadline);
            let request_id = event.context.request_id.clone();
            let text: Box<str> = event.payload.into();
            let mut event = Event::parse(text.into())?.traced(trace);
            if first && process_start.elapsed() < ALEXA_BUDGET {
                event = event.arrived_by(process_start);
            }
            let outcome = gateway.handle(event, &request_id, deadline).await?;
            tracing::info!(request_id, timings = %serde_json::to_string(&outcome.timings).unwrap_or_default(), "invocation done");
            Ok::<Response, lambda_runtime::Error>(outcome.response)
        }
        .instrument(span)
    });
    // The flush layer is outermost: its future ends after the inner services posted the
    // answer to the Runtime API, and before the runtime asks for the next event.
    Runtime::new(handler)
        .layer(layers::TracingLayer::new())
        .layer(flush)
        .run()
        .await
        .map_err(|e| anyhow::anyhow!("Lambda runtime stopped: {e}"))
}
