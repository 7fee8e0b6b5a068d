//! What the host and every component must agree on beyond the WIT types, written once
//! and compiled into both sides (natively into the host, to wasm into the guest SDK):
//!
//! - [`route`]: the route grammar (`alexa:Alexa.PowerController/TurnOn`, `skill:RunScript`,
//!   `lee:health`), route patterns (`alexa:*`) and which pattern wins a route.
//! - [`alexa`]: how a Home Assistant failure becomes an Alexa error type, so an error the
//!   host answers and one a component answers never disagree.
//! - [`wit_version`]: the version of the `lee:gateway` package, read from the WIT itself.
//!
//! No dependencies: it has to build for `wasm32-wasip2` and stay tiny there.

pub mod alexa;
pub mod route;

/// The WIT package text this crate was built with.
const GATEWAY_WIT: &str = include_str!("../../gateway.wit");

/// The semver of the `lee:gateway` package (`0.1.1` from `package lee:gateway@0.1.1;`).
pub fn wit_version() -> &'static str {
    GATEWAY_WIT
        .lines()
        .find_map(|line| line.trim().strip_prefix("package lee:gateway@"))
        .and_then(|rest| rest.strip_suffix(';'))
        .unwrap_or("unknown")
}

/// `lee:gateway@<version>`.
pub fn wit_package() -> String {
    format!("lee:gateway@{}", wit_version())
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_comes_from_the_wit() {
        let version = super::wit_version();
        assert_eq!(version.split('.').count(), 3, "{version}");
        assert!(super::wit_package().starts_with("lee:gateway@0."));
    }
}
