//! One invocation of one component: a fresh Store with the component's memory cap and
//! deadline, instantiate from the cached InstancePre, call `handle`, drop everything.
//! Traps, timeouts and memory-limit hits come back as errors; the host carries on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Store, Trap};

use super::bindings::{Failure, Invocation};
use super::engine::ticks_for;
use super::loader::LoadedComponent;
use super::registry::{ComponentRegistry, Counters};
use super::state::{HostState, InvocationScope};
use crate::capabilities::Capabilities;
use crate::capabilities::home_assistant::CallStats;
use crate::settings::Secret;

/// What the gateway asks the runtime to run.
pub struct InvocationRequest {
    pub request_id: Arc<str>,
    pub route: String,
    pub event: String,
    pub locale: Option<String>,
    /// The latest moment the component may still run (Lambda and Alexa limits applied).
    pub deadline: Instant,
    pub request_token: Option<Secret>,
}

/// How an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("component returned a failure: {0:?}")]
    Failure(Failure),
    #[error("component trapped: {0}")]
    Trap(String),
    #[error("component exceeded its time budget of {0} ms")]
    Timeout(u64),
    #[error("component exceeded its memory limit of {0} MiB")]
    MemoryLimit(u32),
    #[error("component could not be instantiated: {0}")]
    Instantiate(String),
}

/// Where the time went.
#[derive(Debug, Default, Clone, Copy)]
pub struct InvokeTimings {
    pub instantiate: Duration,
    pub guest: Duration,
}

/// Runs one invocation of an already loaded component.
pub async fn invoke(
    registry: &ComponentRegistry,
    capabilities: &Arc<Capabilities>,
    loaded: &LoadedComponent,
    request: InvocationRequest,
    stats: Arc<CallStats>,
) -> (Result<String, InvokeError>, InvokeTimings) {
    let mut timings = InvokeTimings::default();
    let limits = &loaded.entry.limits;
    let now = Instant::now();
    let deadline = request
        .deadline
        .min(now + Duration::from_millis(u64::from(limits.timeout_ms)));
    let budget = deadline.saturating_duration_since(now);
    if budget.is_zero() {
        return (Err(InvokeError::Timeout(0)), timings);
    }
    let scope = InvocationScope {
        component_id: Arc::from(loaded.entry.id.as_str()),
        request_id: request.request_id.clone(),
        grants: loaded.grants.clone(),
        config: loaded.settings.clone(),
        request_token: request.request_token,
        deadline,
        memory_bytes: (limits.memory_mib as usize) << 20,
    };
    let engine = registry.engine();
    let mut store = Store::new(engine, HostState::new(scope, capabilities.clone(), stats));
    store.limiter(|state| &mut state.memory);
    store.set_epoch_deadline(ticks_for(budget));
    store.epoch_deadline_trap();

    let invocation = Invocation {
        request_id: request.request_id.to_string(),
        route: request.route,
        event: request.event,
        locale: request.locale,
        deadline_ms: budget.as_millis().min(u128::from(u32::MAX)) as u32,
    };
    let started = Instant::now();
    let work = async {
        let instance = loaded
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(Phase::Instantiate)?;
        timings.instantiate = started.elapsed();
        Counters::bump(&registry.counters.instantiations);
        let called = Instant::now();
        let result = instance
            .lee_gateway_handler()
            .call_handle(&mut store, &invocation)
            .await
            .map_err(Phase::Call);
        timings.guest = called.elapsed();
        result
    };
    // The epoch deadline stops guest code; this backstop also bounds host awaits.
    let outcome = tokio::time::timeout(budget + Duration::from_millis(50), work).await;
    let result = match outcome {
        Err(_elapsed) => {
            Counters::bump(&registry.counters.timeouts);
            Err(InvokeError::Timeout(budget.as_millis() as u64))
        }
        Ok(Ok(Ok(response))) => Ok(response),
        Ok(Ok(Err(failure))) => Err(InvokeError::Failure(failure)),
        Ok(Err(Phase::Instantiate(e))) => {
            classify_trap(registry, &store, e, limits.memory_mib, budget, true)
        }
        Ok(Err(Phase::Call(e))) => {
            classify_trap(registry, &store, e, limits.memory_mib, budget, false)
        }
    };
    record_host_metrics(&mut store, &result, &timings);
    capabilities.metrics.emit(&store.data().metrics);
    if let Err(error) = &result {
        tracing::warn!(
            component = %loaded.entry.id,
            request_id = %request.request_id,
            error = %error,
            "component invocation failed"
        );
    }
    (result, timings)
}

/// The host's own per-invocation metrics, emitted with the guest's (one EMF line).
fn record_host_metrics(
    store: &mut Store<HostState>,
    result: &Result<String, InvokeError>,
    timings: &InvokeTimings,
) {
    use std::sync::atomic::Ordering::Relaxed;
    let state = store.data_mut();
    let dimensions: std::collections::BTreeMap<String, String> = [(
        "component".to_string(),
        state.scope.component_id.to_string(),
    )]
    .into();
    let ha_calls = f64::from(state.stats.calls.load(Relaxed));
    let failed = if result.is_ok() { 0.0 } else { 1.0 };
    let metrics = &mut state.metrics;
    metrics.push("Invocations", 1.0, "Count", dimensions.clone());
    metrics.push("Failures", failed, "Count", dimensions.clone());
    metrics.push("HaCalls", ha_calls, "Count", dimensions.clone());
    metrics.push(
        "GuestMs",
        timings.guest.as_secs_f64() * 1000.0,
        "Milliseconds",
        dimensions,
    );
}

enum Phase {
    Instantiate(wasmtime::Error),
    Call(wasmtime::Error),
}

fn classify_trap(
    registry: &ComponentRegistry,
    store: &Store<HostState>,
    error: wasmtime::Error,
    memory_mib: u32,
    budget: Duration,
    instantiating: bool,
) -> Result<String, InvokeError> {
    if store.data().memory.hit {
        Counters::bump(&registry.counters.memory_limits);
        Counters::bump(&registry.counters.traps);
        return Err(InvokeError::MemoryLimit(memory_mib));
    }
    if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        Counters::bump(&registry.counters.timeouts);
        Counters::bump(&registry.counters.traps);
        return Err(InvokeError::Timeout(budget.as_millis() as u64));
    }
    let stderr = store.data().captured_stderr();
    let mut message = format!("{error:#}");
    if !stderr.is_empty() {
        message.push_str(" | guest stderr: ");
        message.push_str(&stderr);
    }
    if instantiating && error.downcast_ref::<Trap>().is_none() {
        return Err(InvokeError::Instantiate(message));
    }
    Counters::bump(&registry.counters.traps);
    Err(InvokeError::Trap(message))
}
