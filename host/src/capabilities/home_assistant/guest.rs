//! One invocation's view of Home Assistant: the context the Store holds for a component
//! and its implementation of `lee:gateway/home-assistant`. Every call is checked against
//! the component's grant first; a refused call is logged and never reaches Home
//! Assistant. The token is chosen here (the request's, else the configured one) and
//! stays on the host side.

use std::sync::Arc;
use std::time::Duration;

use super::call::{CallContext, CallStats, Feed};
use super::error::HaError;
use super::grant::HaGrant;
use super::home::prefetch::Prefetch;
use super::home::{HomeAssistant, Registry};
use super::states::{State, StateQuery};
use crate::bindings::gateway::home_assistant::{
    self as wit, EntityState, HaError as WitHaError, ServiceResult,
};
use crate::capabilities::shape::Scope;

/// Most domains, entity ids or attributes one state query may name.
pub const MAX_QUERY_ITEMS: usize = 10_000;

/// Longest template a component may send: Home Assistant renders it on its event loop.
pub const MAX_TEMPLATE_BYTES: usize = 8 * 1024;

/// The Store's Home Assistant context for one invocation.
pub struct HaCtx {
    home: Arc<HomeAssistant>,
    grant: Arc<HaGrant>,
    scope: Arc<Scope>,
    stats: CallStats,
    /// The reads this invocation's prefetch could not make, with why.
    failed: Vec<(Prefetch, HaError)>,
}

impl HaCtx {
    pub fn new(home: Arc<HomeAssistant>, grant: Arc<HaGrant>, scope: Arc<Scope>) -> Self {
        Self {
            home,
            grant,
            stats: CallStats::traced(scope.trace.clone()),
            scope,
            failed: Vec::new(),
        }
    }

    /// The round trips this invocation made.
    pub fn stats(&self) -> &CallStats {
        &self.stats
    }

    fn call(&self) -> Result<CallContext<'_>, HaError> {
        let token = self
            .home
            .choose_token(self.scope.request_token.as_ref())
            .ok_or(HaError::NotConfigured)?;
        Ok(CallContext {
            token,
            deadline: self.scope.deadline,
            stats: &self.stats,
            breaker: Feed::Breaker,
        })
    }

    fn require(&self, granted: bool, what: &str, why: &str) -> Result<(), WitHaError> {
        if granted {
            Ok(())
        } else {
            Err(WitHaError::Denied(self.scope.deny(what, why)))
        }
    }

    fn require_read(&self, what: &str) -> Result<(), WitHaError> {
        self.require(
            self.grant.read_states,
            what,
            &format!("read_states ({what})"),
        )
    }

    /// The error `read` failed with in this invocation's prefetch, if it did.
    fn prefetch_failed(&self, read: Prefetch) -> Result<(), WitHaError> {
        match self.failed.iter().find(|(r, _)| *r == read) {
            Some((_, e)) => Err(e.clone().into()),
            None => Ok(()),
        }
    }
}

fn to_wit(state: &State) -> EntityState {
    EntityState {
        entity_id: state.entity_id.clone(),
        state: state.state.clone(),
        attributes: state.attributes.clone(),
        last_changed: state.last_changed.clone(),
        last_updated: state.last_updated.clone(),
    }
}

fn registry(which: wit::Registry) -> Registry {
    match which {
        wit::Registry::Entity => Registry::Entity,
        wit::Registry::Area => Registry::Area,
        wit::Registry::Device => Registry::Device,
        wit::Registry::Floor => Registry::Floor,
        wit::Registry::Label => Registry::Label,
    }
}

fn max_age(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

impl wit::Host for HaCtx {
    async fn get_states(&mut self, max_age_ms: u32) -> Result<Vec<EntityState>, WitHaError> {
        self.require_read("get-states")?;
        self.prefetch_failed(Prefetch::States)?;
        let states = self.home.states(self.call()?, max_age(max_age_ms)).await?;
        Ok(states.iter().map(|s| to_wit(s)).collect())
    }

    async fn get_states_of(
        &mut self,
        query: wit::StateQuery,
        max_age_ms: u32,
    ) -> Result<Vec<EntityState>, WitHaError> {
        self.require_read("get-states-of")?;
        self.prefetch_failed(Prefetch::States)?;
        let sizes = [
            query.domains.len(),
            query.entity_ids.len(),
            query.attributes.as_ref().map_or(0, Vec::len),
        ];
        if sizes.iter().any(|n| *n > MAX_QUERY_ITEMS) {
            return Err(WitHaError::BadRequest(format!(
                "a state query names at most {MAX_QUERY_ITEMS} domains, entities or attributes"
            )));
        }
        let query = StateQuery {
            domains: query.domains,
            entity_ids: query.entity_ids,
            attributes: query.attributes,
        };
        let states = self
            .home
            .states_of(self.call()?, &query, max_age(max_age_ms))
            .await?;
        Ok(states
            .iter()
            .map(|s| EntityState {
                entity_id: s.entity_id.clone(),
                state: s.state.clone(),
                attributes: query.attributes_of(s),
                last_changed: s.last_changed.clone(),
                last_updated: s.last_updated.clone(),
            })
            .collect())
    }

    async fn get_state(
        &mut self,
        entity_id: String,
        max_age_ms: u32,
    ) -> Result<Option<EntityState>, WitHaError> {
        self.require_read("get-state")?;
        let state = self
            .home
            .state(self.call()?, &entity_id, max_age(max_age_ms))
            .await?;
        Ok(state.map(|s| to_wit(&s)))
    }

    async fn call_service(
        &mut self,
        domain: String,
        service: String,
        data: String,
        return_response: bool,
    ) -> Result<ServiceResult, WitHaError> {
        let what = format!("{domain}.{service}");
        self.require(
            self.grant.allows_service(&domain, &service),
            &what,
            &format!("the service {what}"),
        )?;
        tracing::info!(
            component = %self.scope.component_id,
            request_id = %self.scope.request_id,
            service = %what,
            "calling Home Assistant service"
        );
        let outcome = self
            .home
            .call_service(self.call()?, &domain, &service, &data, return_response)
            .await?;
        // The changed states are state data: only a component that may read states
        // gets them.
        let changed = if self.grant.read_states {
            outcome.changed.iter().map(|s| to_wit(s)).collect()
        } else {
            Vec::new()
        };
        Ok(ServiceResult {
            changed,
            response: outcome.response,
        })
    }

    async fn render_template(
        &mut self,
        template: String,
        max_age_ms: u32,
    ) -> Result<String, WitHaError> {
        self.require(
            self.grant.templates,
            "render-template",
            "templates (render-template)",
        )?;
        if template.len() > MAX_TEMPLATE_BYTES {
            return Err(WitHaError::BadRequest(format!(
                "templates are limited to {MAX_TEMPLATE_BYTES} bytes (this one has {})",
                template.len()
            )));
        }
        let text = self
            .home
            .render_template(self.call()?, &template, max_age(max_age_ms))
            .await?;
        Ok(text.as_str().to_owned())
    }

    async fn list_registry(
        &mut self,
        which: wit::Registry,
        max_age_ms: u32,
    ) -> Result<String, WitHaError> {
        self.require_read("list-registry")?;
        self.prefetch_failed(Prefetch::Registry(registry(which)))?;
        Ok(self
            .home
            .registry(self.call()?, registry(which), max_age(max_age_ms))
            .await?)
    }

    async fn list_registry_of(
        &mut self,
        which: wit::Registry,
        fields: Vec<String>,
        max_age_ms: u32,
    ) -> Result<String, WitHaError> {
        self.require_read("list-registry-of")?;
        self.prefetch_failed(Prefetch::Registry(registry(which)))?;
        if fields.len() > MAX_QUERY_ITEMS {
            return Err(WitHaError::BadRequest(format!(
                "a registry query names at most {MAX_QUERY_ITEMS} fields"
            )));
        }
        Ok(self
            .home
            .registry_of(self.call()?, registry(which), &fields, max_age(max_age_ms))
            .await?)
    }

    async fn get_config(&mut self, max_age_ms: u32) -> Result<String, WitHaError> {
        self.require_read("get-config")?;
        self.prefetch_failed(Prefetch::Config)?;
        Ok(self
            .home
            .core_config(self.call()?, max_age(max_age_ms))
            .await?)
    }

    async fn list_exposure(&mut self, max_age_ms: u32) -> Result<String, WitHaError> {
        self.require_read("list-exposure")?;
        Ok(self
            .home
            .registry(self.call()?, Registry::Exposure, max_age(max_age_ms))
            .await?)
    }

    async fn prefetch(
        &mut self,
        reads: Vec<wit::PrefetchRead>,
        max_age_ms: u32,
    ) -> Result<(), WitHaError> {
        self.require_read("prefetch")?;
        let reads: Vec<Prefetch> = reads
            .into_iter()
            .take(MAX_QUERY_ITEMS)
            .map(|read| match read {
                wit::PrefetchRead::States => Prefetch::States,
                wit::PrefetchRead::Registry(which) => Prefetch::Registry(registry(which)),
                wit::PrefetchRead::Config => Prefetch::Config,
            })
            .collect();
        let failed = self
            .home
            .prefetch(self.call()?, &reads, max_age(max_age_ms))
            .await;
        let first = failed.first().map(|(_, e)| e.clone());
        // A read that just failed fails again at once in this invocation, instead of
        // costing a second round trip (or a second timeout) when the component reads it.
        self.failed.extend(failed);
        match first {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    async fn converse(
        &mut self,
        text: String,
        conversation_id: Option<String>,
        language: Option<String>,
    ) -> Result<String, WitHaError> {
        self.require(self.grant.conversation, "converse", "conversation")?;
        let answer = self
            .home
            .converse(
                self.call()?,
                &text,
                conversation_id.as_deref(),
                language.as_deref(),
            )
            .await?;
        Ok(answer)
    }
}
