//! The component runtime: the engine, the manifest, loading and verification, the
//! registry of resident components, and per-invocation Stores.

pub mod canary;
pub mod engine;
pub mod invoke;
pub mod loader;
pub mod manifest;
pub mod manifest_source;
pub mod manifest_types;
#[cfg(feature = "compiler")]
pub mod precompile;
pub mod registry;
pub mod signature;
pub mod store;
