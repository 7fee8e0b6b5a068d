//! The host's sandbox hardening, end to end: each test drives the real `dist/lee` (or the
//! host in process) with the hostile test component's probe routes, against the real
//! harness Home Assistant or a local server on 127.0.0.1, and checks the limit from the
//! outside (what reached Home Assistant or the server, what was logged or printed). All
//! of them fail on the host of 293e14d^ (before the hardening), on the assertion about
//! their limit or, for grant keys that host did not know, on loading the manifest.
//!
//! - [`http_rules`]: the `http` import's header, port and address rules.
//! - [`service_grants`]: the `homeassistant` meta-domain, `templates`, `read_states`.
//! - [`budgets`]: the per-invocation log budget, host metrics, the cache's entry cost.
//! - [`secrets`]: tokens under `LEE_LOG=trace`, userinfo in `HOME_ASSISTANT_URL`.
//! - [`artifacts`]: artifacts outside the components directory, `sub/` paths.
//!
//! (A test crate's root is its directory's module root, hence the `#[path]`s into
//! `hardening/`.)

#[path = "hardening/artifacts.rs"]
mod artifacts;
#[path = "hardening/budgets.rs"]
mod budgets;
#[path = "hardening/http_rules.rs"]
mod http_rules;
#[path = "hardening/secrets.rs"]
mod secrets;
#[path = "hardening/service_grants.rs"]
mod service_grants;
