//! lee, the Lambda Execution Engine: a native host that answers Alexa Smart Home
//! directives and Alexa custom-skill requests by running one WebAssembly component per
//! Home Assistant feature, and reaches Home Assistant only on the components' behalf.
//!
//! Tree: `runtime` (engine, manifest, loading, Stores), `capabilities` (one module per
//! WIT import), `router` + `envelope` (protocols), `gateway` (the one code path),
//! `health`, `settings`, and `cli` / `lambda` (front ends).

pub mod capabilities;
pub mod cli;
pub mod envelope;
pub mod gateway;
pub mod health;
pub mod lambda;
pub mod logging;
pub mod response;
pub mod response_cache;
pub mod router;
pub mod runtime;
pub mod settings;
