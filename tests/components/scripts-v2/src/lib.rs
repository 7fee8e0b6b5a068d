//! A second build of the `scripts` feature with different behaviour, used by the test
//! that swaps `dist/components/scripts.*` without rebuilding the host: it always passes
//! the variable `started_by = "scripts-v2"` and says so.

use lee_sdk::ha;
use lee_sdk::resolve::{self, Lookup};
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, Guest, Invocation};
use serde_json::json;

pub struct ScriptsV2;

// Exported only for wasm: native builds (unit tests) must not carry the component ABI symbols.
#[cfg(target_arch = "wasm32")]
lee_sdk::export!(ScriptsV2);

impl Guest for ScriptsV2 {
    fn handle(invocation: Invocation) -> Result<String, Failure> {
        let request = SkillRequest::parse(&invocation.event)?;
        let spoken = request.require_slot("ScriptName")?;
        let Lookup::Found(script) = resolve::entity_by_name("script", &spoken)? else {
            return SkillResponse::say(format!("Version two could not find {spoken}."))
                .into_result();
        };
        ha::call_service(
            "script",
            "turn_on",
            &json!({"entity_id": script.entity_id, "variables": {"started_by": "scripts-v2"}}),
        )?;
        SkillResponse::say(format!("Version two started {}.", script.friendly_name())).into_result()
    }
}
