//! A component's entry point: its routes, each with a handler, written once. The host
//! picked the component by the manifest's routes; [`dispatch`] picks the handler by the
//! same grammar and precedence (the contract's [`best_match`]). [`crate::component!`]
//! exports a component from its route table and generates the unit test that holds the
//! table against `components/lee.toml`.

use lee_contract::route::{RoutePattern, best_match};

use crate::bindings::exports::lee::gateway::handler::{Failure, Invocation};
use crate::skill::SkillRequest;

/// How a route is handled.
#[derive(Clone, Copy)]
pub enum Handler {
    /// A custom-skill request, parsed for the handler.
    Skill(fn(&SkillRequest) -> Result<String, Failure>),
    /// Anything else: the invocation as the host sent it.
    Invocation(fn(&Invocation) -> Result<String, Failure>),
}

/// A component's routes: manifest route patterns with their handlers.
pub type Routes = &'static [(&'static str, Handler)];

/// Runs the handler whose route claims `invocation.route`; `unsupported` when none does.
pub fn dispatch(
    component: &str,
    invocation: &Invocation,
    routes: Routes,
) -> Result<String, Failure> {
    let patterns: Vec<(RoutePattern, Handler)> = routes
        .iter()
        .filter_map(|(text, handler)| RoutePattern::parse(text).ok().map(|p| (p, *handler)))
        .collect();
    let handler =
        best_match(&invocation.route, patterns.iter().map(|(p, h)| (p, *h))).ok_or_else(|| {
            Failure::Unsupported(format!("{component} does not handle {}", invocation.route))
        })?;
    match handler {
        Handler::Skill(handle) => handle(&SkillRequest::parse(&invocation.event)?),
        Handler::Invocation(handle) => handle(invocation),
    }
}

/// The component id for a crate name (`lee-scripts` -> `scripts`).
pub fn component_id(package: &str) -> &str {
    package.strip_prefix("lee-").unwrap_or(package)
}

/// Exports `$component` (a unit struct of the crate) with the route table `$routes`
/// ([`Routes`]), and adds a unit test that fails when the table and the component's
/// routes in `components/lee.toml` differ.
///
/// ```ignore
/// pub struct Scripts;
/// const ROUTES: Routes = &[("skill:RunScript", Handler::Skill(run_script))];
/// lee_sdk::component!(Scripts, ROUTES);
/// ```
#[macro_export]
macro_rules! component {
    ($component:ident, $routes:expr) => {
        // Exported only for wasm: a native build (the unit tests) must not carry the
        // component ABI symbols.
        #[cfg(target_arch = "wasm32")]
        $crate::export!($component);

        impl $crate::Guest for $component {
            fn handle(
                invocation: $crate::Invocation,
            ) -> ::core::result::Result<::std::string::String, $crate::Failure> {
                $crate::dispatch::dispatch(
                    $crate::dispatch::component_id(env!("CARGO_PKG_NAME")),
                    &invocation,
                    $routes,
                )
            }
        }

        #[cfg(all(test, not(target_arch = "wasm32")))]
        #[test]
        fn routes_match_the_manifest() {
            $crate::manifest_check::assert_routes_match(
                env!("CARGO_MANIFEST_DIR"),
                env!("CARGO_PKG_NAME"),
                $routes,
            );
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invocation(route: &str) -> Invocation {
        Invocation {
            request_id: "r".into(),
            route: route.into(),
            event: r#"{"request": {"type": "IntentRequest", "intent": {"name": "A"}}}"#.into(),
            locale: None,
            deadline_ms: 1000,
        }
    }

    fn skill(_: &SkillRequest) -> Result<String, Failure> {
        Ok("skill".into())
    }

    fn any(_: &Invocation) -> Result<String, Failure> {
        Ok("any".into())
    }

    #[test]
    fn picks_by_the_contract_grammar() {
        let routes: Routes = &[
            ("skill:A", Handler::Skill(skill)),
            ("skill:*", Handler::Invocation(any)),
        ];
        assert_eq!(
            dispatch("x", &invocation("skill:A"), routes).unwrap(),
            "skill"
        );
        assert_eq!(
            dispatch("x", &invocation("skill:B"), routes).unwrap(),
            "any"
        );
        let err = dispatch("x", &invocation("alexa:Alexa/ReportState"), routes).unwrap_err();
        assert!(
            matches!(err, Failure::Unsupported(m) if m == "x does not handle alexa:Alexa/ReportState")
        );
        assert_eq!(component_id("lee-scripts"), "scripts");
    }
}
