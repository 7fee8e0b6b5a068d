//! The hostile test component under exactly the grants a test names (unlike
//! [`crate::hostile_components`], which always grants `read_states` and a cache), for
//! tests of what one grant key allows: `read_states`, `templates`, `allow_private`, the
//! port of an `http` entry, a service pattern.
//!
//! hostile imports `home-assistant`, `http` and `cache`, so a manifest that loads it
//! grants something of each: [`LOADS`] is the least that does, without reaching anything.

use std::path::PathBuf;

use crate::{ComponentsDir, test_component};

/// An `http` entry that reaches nothing (TEST-NET-1 is never routed; the tests never
/// send to it) and a 4 KiB cache: with any Home Assistant grant, enough to load hostile.
pub const LOADS: &str = r#"http = ["192.0.2.1:9"]
cache_bytes = 4096"#;

/// The manifest of hostile on `lee:test-*` with `grants` as its `[component.grants]`.
pub fn manifest(grants: &str, timeout_ms: u32) -> String {
    format!(
        r#"
[[component]]
id = "hostile"
file = "hostile.wasm"
routes = ["lee:test-*"]
[component.grants]
{grants}
[component.limits]
memory_mib = 16
timeout_ms = {timeout_ms}
"#
    )
}

/// A scratch components directory with hostile under `grants` (precompiled).
pub fn under(grants: &str, timeout_ms: u32) -> ComponentsDir {
    ComponentsDir::new(&manifest(grants, timeout_ms), &[("hostile.wasm", wasm())])
        .expect("components dir")
}

/// The staged hostile.wasm.
pub fn wasm() -> PathBuf {
    test_component("hostile")
}
