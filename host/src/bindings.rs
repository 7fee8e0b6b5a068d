//! Host-side bindings generated from `wit/gateway.wit` (world `feature`). Every import
//! is async: a capability that does I/O needs it, and one rule for all means a new
//! interface needs no line here. No `tracing` instrumentation: it would log every
//! argument at trace level, including what a component sends to its granted hosts.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "feature",
    imports: { default: async },
    exports: { default: async },
});

pub use self::lee::gateway;
pub use exports::lee::gateway::handler::{Failure, Invocation};
