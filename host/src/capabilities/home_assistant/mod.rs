//! The Home Assistant capability (`lee:gateway/home-assistant`): everything the host does
//! on a component's behalf against the user's Home Assistant. The special capability:
//! the gateway also asks it which token a request uses, whether cached answers may be
//! served for that token, and whether the circuit breaker is open ([`HomeAssistant`]'s
//! gateway API).
//!
//! - [`home`]: the facade (reads, writes, warm-up, probe) over
//! - [`client`] (REST, retries) and [`websocket`] (registries), both through
//!   [`call::guarded`] and the [`breaker`], TLS from [`tls`];
//! - [`cache`], [`tokens`]: what may be answered without a round trip; [`configured`]:
//!   the configured token (environment or SSM);
//! - [`guest`]: one invocation's context and the WIT implementation; [`grant`]: what a
//!   component may do; [`states`], [`aliases`], [`error`]: data and errors; [`writes`]:
//!   what a service call touches, and when its entity is read alongside it.

pub mod aliases;
pub mod breaker;
pub mod cache;
pub mod call;
pub mod client;
pub mod configured;
pub mod error;
pub mod grant;
pub mod guest;
pub mod home;
pub mod states;
pub mod tls;
pub mod tokens;
pub mod websocket;
pub mod writes;

use std::sync::Arc;

use serde_json::Value;
use wasmtime::component::{HasSelf, Linker};

pub use call::{CallContext, CallStats};
pub use error::HaError;
pub use grant::HaGrant;
pub use guest::HaCtx;
pub use home::{HomeAssistant, Registry};
pub use states::State;

use crate::bindings::gateway::home_assistant as wit;
use crate::capabilities::shape::{Capability, ComponentInfo, Init, Scope};

impl Capability for HomeAssistant {
    const INTERFACE: &'static str = "lee:gateway/home-assistant";
    type Grant = HaGrant;
    type Prepared = Arc<HaGrant>;
    type Ctx = HaCtx;

    fn new(init: &Init<'_>) -> anyhow::Result<Self> {
        HomeAssistant::new(init.settings)
    }

    fn granted(grant: &HaGrant) -> bool {
        grant.any()
    }

    fn add_to_linker<T: Send + 'static>(
        linker: &mut Linker<T>,
        project: fn(&mut T) -> &mut HaCtx,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasSelf<HaCtx>>(linker, project)
    }

    fn prepare(&self, _: &ComponentInfo<'_>, grant: &HaGrant) -> Result<Arc<HaGrant>, String> {
        Ok(Arc::new(grant.clone()))
    }

    fn context(self: &Arc<Self>, grant: &Arc<HaGrant>, scope: &Arc<Scope>) -> HaCtx {
        HaCtx::new(self.clone(), grant.clone(), scope.clone())
    }

    fn describe(&self) -> Value {
        HomeAssistant::describe(self)
    }
}
