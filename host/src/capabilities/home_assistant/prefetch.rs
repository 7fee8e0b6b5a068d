//! Several reads in one round trip: the states listing, registries (one websocket
//! session for all of them) and the core configuration, fetched concurrently into the
//! cache, so the reads a component makes next are answered from it. Discovery needs all
//! three; fetched one after the other they cost three sequential round trips. The
//! cold-start warm-up is the same prefetch with the configured token, or (Lambda with
//! account linking only) with the first directive's token.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use super::{HomeAssistant, Registry};
use crate::capabilities::home_assistant::call::{CallContext, CallStats, Feed};
use crate::capabilities::home_assistant::error::HaError;
use crate::settings::Secret;

/// One read a prefetch makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefetch {
    States,
    Registry(Registry),
    Config,
}

/// What the cold-start warm-up reads: what Discovery and the directives after it need.
const WARM_UP: &[Prefetch] = &[
    Prefetch::States,
    Prefetch::Registry(Registry::Entity),
    Prefetch::Registry(Registry::Area),
    Prefetch::Registry(Registry::Device),
    Prefetch::Config,
];

impl HomeAssistant {
    /// Reads what of `reads` the cache cannot answer within `max_age`, concurrently (the
    /// registries in one websocket session), into the cache. Returns the reads that
    /// failed, with why; what succeeded stays cached. While a warm-up runs (it reads the
    /// same, started earlier), waits for it first, up to the call's deadline.
    pub async fn prefetch(
        &self,
        ctx: CallContext<'_>,
        reads: &[Prefetch],
        max_age: Duration,
    ) -> Vec<(Prefetch, HaError)> {
        let mut warming = self.warming.subscribe();
        let deadline = tokio::time::Instant::from_std(ctx.deadline);
        let _ = tokio::time::timeout_at(deadline, warming.wait_for(|running| !*running)).await;
        self.fetch_missing(ctx, reads, max_age).await
    }

    async fn fetch_missing(
        &self,
        ctx: CallContext<'_>,
        reads: &[Prefetch],
        max_age: Duration,
    ) -> Vec<(Prefetch, HaError)> {
        let usable = self.cache_usable(&ctx, max_age);
        let states =
            reads.contains(&Prefetch::States) && !(usable && self.cache.has_all_states(max_age));
        let mut registries: Vec<Registry> = Vec::new();
        for read in reads {
            if let Prefetch::Registry(r) = read
                && !registries.contains(r)
                && !(usable && self.cache.has_registry(r.command(), max_age))
            {
                registries.push(*r);
            }
        }
        let config = reads.contains(&Prefetch::Config)
            && !(usable && self.cache.has_registry(super::CORE_CONFIG_KEY, max_age));
        let (states, listed, config) = tokio::join!(
            async {
                if states {
                    self.states(ctx, Duration::ZERO).await.err()
                } else {
                    None
                }
            },
            async {
                if registries.is_empty() {
                    None
                } else {
                    self.fetch_registries(ctx, &registries).await.err()
                }
            },
            async {
                if config {
                    self.core_config(ctx, Duration::ZERO).await.err()
                } else {
                    None
                }
            }
        );
        let mut failed = Vec::new();
        if let Some(e) = states {
            failed.push((Prefetch::States, e));
        }
        if let Some(e) = listed {
            failed.extend(
                registries
                    .iter()
                    .map(|r| (Prefetch::Registry(*r), e.clone())),
            );
        }
        if let Some(e) = config {
            failed.push((Prefetch::Config, e));
        }
        failed
    }

    /// Cold-start warm-up with the configured token (states, registries and the core
    /// configuration, concurrently), within `budget`. Without a configured token there is
    /// nothing to warm with (see [`HomeAssistant::warm_up_with`]).
    pub async fn warm_up(&self, budget: Duration) {
        let Some(token) = self.configured_token.ensure(budget).await else {
            return;
        };
        self.warmed.store(true, Relaxed);
        self.warm_with(token, budget).await;
    }

    /// The cold-start warm-up in the background (Lambda mode): the first event is served
    /// at once, with its own reads, while the warm-up runs; a prefetch (Discovery) that
    /// comes meanwhile waits for it instead of reading the same again.
    pub fn warm_up_in_background(self: &Arc<Self>, budget: Duration) {
        if self.http.is_none() || !self.configured_token.is_configured() {
            return;
        }
        let running = Running::start(self.clone());
        tokio::spawn(async move { running.0.warm_up(budget).await });
    }

    async fn warm_with(&self, token: &Secret, budget: Duration) {
        let stats = CallStats::default();
        let ctx = CallContext {
            token,
            deadline: Instant::now() + budget,
            stats: &stats,
            breaker: Feed::SuccessOnly,
        };
        if let Some((_, e)) = self
            .fetch_missing(ctx, WARM_UP, Duration::ZERO)
            .await
            .first()
        {
            tracing::warn!(error = %e, "cache warm-up failed; continuing cold");
        }
    }

    /// Without a configured token (account linking only) the first request's token
    /// warms the caches, in the background: the request itself does not wait for it.
    /// Once per process; `false` when there was nothing to start.
    pub fn warm_up_with(self: &Arc<Self>, token: &Secret, budget: Duration) -> bool {
        if self.configured_token.is_configured()
            || self.http.is_none()
            || self.warmed.swap(true, Relaxed)
        {
            return false;
        }
        // Not marked as running: the request that brought the token makes its own reads
        // (traced, counted in its timings), as it would have without the warm-up.
        let (home, token) = (self.clone(), token.clone());
        tokio::spawn(async move { home.warm_with(&token, budget).await });
        true
    }
}

/// A warm-up running: marked at once (before its task is first polled, so an event
/// that comes next finds it), cleared when the task ends however it ends.
struct Running(Arc<HomeAssistant>);

impl Running {
    fn start(home: Arc<HomeAssistant>) -> Self {
        home.warming.send_replace(true);
        Self(home)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.warming.send_replace(false);
    }
}
