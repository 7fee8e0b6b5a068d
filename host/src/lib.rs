//! lee, the Lambda Execution Engine: a native host that answers Alexa Smart Home
//! directives and Alexa custom-skill requests by running one WebAssembly component per
//! Home Assistant feature, and reaches Home Assistant only on the components' behalf.
//!
//! Tree: `bindings` (the WIT, generated), `capabilities` (one module per WIT import,
//! one registration table), `runtime` (engine, manifest, loading, Stores), `event` +
//! `router` + `envelope` + `response` (protocols), `gateway` (the one code path) with
//! `health`, `doctor` and `response_cache`, `ttl_map` (every expiring map), `settings`, `logging`,
//! `aws` (SSM parameter, X-Ray without an SDK), `cli` / `lambda` (front ends), and
//! `reporter` (`lee reporter`: proactive events).

pub mod aws;
pub mod bindings;
pub mod capabilities;
pub mod cli;
pub mod doctor;
pub mod envelope;
pub mod event;
pub mod gateway;
pub mod health;
pub mod lambda;
pub mod logging;
pub mod reporter;
pub mod response;
pub mod response_cache;
pub mod router;
pub mod runtime;
pub mod scaffold;
pub mod settings;
pub mod sign;
pub mod ttl_map;
