//! The component runtime: engine, manifest, loading and verification, the registry of
//! resident components, and per-invocation Stores.

pub mod bindings;
pub mod engine;
pub mod invoke;
pub mod loader;
pub mod manifest;
pub mod registry;
pub mod state;
