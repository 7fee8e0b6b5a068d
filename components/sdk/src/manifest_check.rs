//! Native-only: the check behind the test [`crate::component!`] generates. A component
//! is registered once, in `components/lee.toml` (build.sh builds and ships what is listed
//! there); its crate lists its routes once, in its route table. This holds the two
//! against each other so drift fails a unit test instead of answering `unsupported` at
//! run time.

use std::collections::BTreeSet;
use std::path::Path;

use lee_contract::route::RoutePattern;

use crate::dispatch::{Routes, component_id};

/// Panics (a test failure) unless the crate's routes equal its manifest entry's routes.
pub fn assert_routes_match(crate_dir: &str, package: &str, routes: Routes) {
    let id = component_id(package);
    let path = Path::new(crate_dir).join("../lee.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let manifest: toml::Table =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()));
    let entry = manifest
        .get("component")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("id").and_then(toml::Value::as_str) == Some(id))
        .unwrap_or_else(|| {
            panic!(
                "component {id} has no [[component]] entry in {}: it would never be built or shipped",
                path.display()
            )
        });
    let in_manifest: BTreeSet<&str> = entry
        .get("routes")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_str)
        .collect();
    let in_crate: BTreeSet<&str> = routes.iter().map(|(route, _)| *route).collect();
    for route in &in_crate {
        if let Err(why) = RoutePattern::parse(route) {
            panic!("route {route:?} of {id} {why}");
        }
    }
    assert_eq!(
        in_crate,
        in_manifest,
        "routes of {id}: the crate's route table (left) and {} (right) differ",
        path.display()
    );
    assert_eq!(in_crate.len(), routes.len(), "{id} lists a route twice");
}
