//! Host-side bindings generated from `wit/gateway.wit` (world `feature`).
//! The Home Assistant and HTTP imports are async because they do network I/O; the
//! others are plain synchronous calls.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "feature",
    imports: {
        "lee:gateway/home-assistant": async,
        "lee:gateway/http": async,
        default: tracing,
    },
    exports: { default: async },
});

pub use exports::lee::gateway::handler::{Failure, Invocation};
