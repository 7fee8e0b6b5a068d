//! The guest-facing side of `lee:gateway/home-assistant`: grant checks, then the call
//! through the shared [`HomeAssistant`](super::HomeAssistant) with this invocation's
//! token and deadline. A refused call is logged and never reaches Home Assistant.

use std::time::Duration;

use super::{Registry, State};
use crate::runtime::bindings::lee::gateway::home_assistant::{
    self as wit, EntityState, HaError as WitHaError, ServiceResult,
};
use crate::runtime::state::HostState;

fn to_wit(state: &State) -> EntityState {
    EntityState {
        entity_id: state.entity_id.clone(),
        state: state.state.clone(),
        attributes: state.attributes.clone(),
        last_changed: state.last_changed.clone(),
        last_updated: state.last_updated.clone(),
    }
}

fn max_age(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

impl HostState {
    fn require_read(&self, what: &str) -> Result<(), WitHaError> {
        if self.scope.grants.read_states {
            Ok(())
        } else {
            self.log_denied(what);
            Err(WitHaError::Denied(format!(
                "component {} is not granted read_states ({what})",
                self.scope.component_id
            )))
        }
    }
}

impl wit::Host for HostState {
    async fn get_states(&mut self, max_age_ms: u32) -> Result<Vec<EntityState>, WitHaError> {
        self.require_read("get-states")?;
        let ha = self.capabilities.home_assistant.clone();
        let ctx = self.ha_context()?;
        let states = ha.states(ctx, max_age(max_age_ms)).await?;
        Ok(states.iter().map(|s| to_wit(s)).collect())
    }

    async fn get_state(
        &mut self,
        entity_id: String,
        max_age_ms: u32,
    ) -> Result<Option<EntityState>, WitHaError> {
        self.require_read("get-state")?;
        let ha = self.capabilities.home_assistant.clone();
        let ctx = self.ha_context()?;
        let state = ha.state(ctx, &entity_id, max_age(max_age_ms)).await?;
        Ok(state.map(|s| to_wit(&s)))
    }

    async fn call_service(
        &mut self,
        domain: String,
        service: String,
        data: String,
        return_response: bool,
    ) -> Result<ServiceResult, WitHaError> {
        if !self.scope.grants.allows_service(&domain, &service) {
            let what = format!("{domain}.{service}");
            self.log_denied(&what);
            return Err(WitHaError::Denied(format!(
                "component {} is not granted the service {what}",
                self.scope.component_id
            )));
        }
        let ha = self.capabilities.home_assistant.clone();
        let ctx = self.ha_context()?;
        tracing::info!(
            component = %self.scope.component_id,
            request_id = %self.scope.request_id,
            service = %format!("{domain}.{service}"),
            "calling Home Assistant service"
        );
        let outcome = ha
            .call_service(ctx, &domain, &service, &data, return_response)
            .await?;
        Ok(ServiceResult {
            changed: outcome.changed.iter().map(|s| to_wit(s)).collect(),
            response: outcome.response,
        })
    }

    async fn render_template(
        &mut self,
        template: String,
        max_age_ms: u32,
    ) -> Result<String, WitHaError> {
        self.require_read("render-template")?;
        let ha = self.capabilities.home_assistant.clone();
        let ctx = self.ha_context()?;
        let text = ha
            .render_template(ctx, &template, max_age(max_age_ms))
            .await?;
        Ok(text.as_str().to_owned())
    }

    async fn list_registry(
        &mut self,
        which: wit::Registry,
        max_age_ms: u32,
    ) -> Result<String, WitHaError> {
        self.require_read("list-registry")?;
        let registry = match which {
            wit::Registry::Entity => Registry::Entity,
            wit::Registry::Area => Registry::Area,
            wit::Registry::Device => Registry::Device,
            wit::Registry::Floor => Registry::Floor,
            wit::Registry::Label => Registry::Label,
        };
        let ha = self.capabilities.home_assistant.clone();
        let ctx = self.ha_context()?;
        let text = ha.registry(ctx, registry, max_age(max_age_ms)).await?;
        Ok(text.as_str().to_owned())
    }

    async fn get_config(&mut self, max_age_ms: u32) -> Result<String, WitHaError> {
        self.require_read("get-config")?;
        let ha = self.capabilities.home_assistant.clone();
        let ctx = self.ha_context()?;
        let text = ha.core_config(ctx, max_age(max_age_ms)).await?;
        Ok(text.as_str().to_owned())
    }

    async fn converse(
        &mut self,
        text: String,
        conversation_id: Option<String>,
        language: Option<String>,
    ) -> Result<String, WitHaError> {
        if !self.scope.grants.conversation {
            self.log_denied("converse");
            return Err(WitHaError::Denied(format!(
                "component {} is not granted conversation",
                self.scope.component_id
            )));
        }
        let ha = self.capabilities.home_assistant.clone();
        let ctx = self.ha_context()?;
        ha.converse(ctx, &text, conversation_id.as_deref(), language.as_deref())
            .await
            .map_err(WitHaError::from)
    }
}
