//! One invocation of one component: a fresh Store with the component's memory cap,
//! deadline and capability contexts, instantiate from the cached InstancePre, call
//! `handle`, let the capabilities finish (metrics), drop everything. Traps, timeouts and
//! memory-limit hits come back as errors; the host carries on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Store, Trap};

use super::engine::ticks_for;
use super::loader::LoadedComponent;
use super::registry::{ComponentRegistry, Counters};
use super::store::StoreData;
use crate::bindings::{Failure, Invocation};
use crate::capabilities::{Report, Scope};
use crate::settings::Secret;

/// What the gateway asks the runtime to run.
pub struct InvocationRequest {
    pub request_id: Arc<str>,
    pub route: String,
    /// The event's text exactly as the host received it.
    pub event: String,
    pub locale: Option<String>,
    /// The latest moment the component may still run (Lambda and Alexa limits applied).
    pub deadline: Instant,
    pub request_token: Option<Secret>,
    /// The component run's X-Ray subsegment (a sampled invocation only).
    pub trace: Option<crate::aws::xray::Parent>,
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

/// Where the time went, and the Home Assistant round trips made.
#[derive(Debug, Default, Clone, Copy)]
pub struct InvokeTimings {
    pub instantiate: Duration,
    pub guest: Duration,
    pub ha_calls: u32,
    /// The sequential depth of those calls (concurrent ones count once).
    pub ha_round_trips: u32,
    pub ha_us: u64,
    /// The guest's largest linear memory.
    pub guest_memory_bytes: usize,
}

/// Runs one invocation of an already loaded component.
pub async fn invoke(
    registry: &ComponentRegistry,
    loaded: &LoadedComponent,
    request: InvocationRequest,
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
    let scope = Arc::new(Scope {
        component_id: Arc::from(loaded.entry.id.as_str()),
        request_id: request.request_id.clone(),
        deadline,
        request_token: request.request_token,
        trace: request.trace,
    });
    let capabilities = registry.capabilities();
    let contexts = capabilities.contexts(&loaded.prepared, &scope);
    let memory_bytes = (limits.memory_mib as usize) << 20;
    let mut store = Store::new(registry.engine(), StoreData::new(contexts, memory_bytes));
    store.limiter(|data| &mut data.memory);
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
    timings.guest_memory_bytes = store.data().memory.total_bytes;
    let stats = store.data().contexts_ref().home_assistant.stats();
    timings.ha_calls = stats.calls();
    timings.ha_round_trips = stats.round_trips();
    timings.ha_us = stats.micros();
    let report = Report {
        failed: result.is_err(),
        guest: timings.guest,
        ha_calls: timings.ha_calls,
    };
    capabilities.finish(store.into_data().into_contexts(), &report);
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

enum Phase {
    Instantiate(wasmtime::Error),
    Call(wasmtime::Error),
}

fn classify_trap(
    registry: &ComponentRegistry,
    store: &Store<StoreData>,
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
