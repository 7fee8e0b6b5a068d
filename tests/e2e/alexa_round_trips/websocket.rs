//! The websocket session the registries are read over, pipelined (auth and commands
//! sent together): its round trips, and that a refused token is still reported as one.

use std::time::{Duration, Instant};

use lee_e2e::in_process::runtime;
use lee_e2e::{HomeAssistant, serial};
use serde_json::Value;

/// The registries' websocket session sends the auth message and its commands at once
/// (not each after Home Assistant's answer): the real Home Assistant reads them in
/// order and answers; a token it refuses is still reported as refused (auth_invalid),
/// not as a closed connection.
#[test]
fn the_pipelined_websocket_session_answers_and_still_reports_a_refused_token() {
    use lee::capabilities::home_assistant::call::Feed;
    use lee::capabilities::home_assistant::{CallContext, CallStats, HaError, Registry};
    use lee::settings::{Secret, Settings};
    let _guard = serial();
    let ha = HomeAssistant::get();
    let settings = Settings::from_lookup(|name| match name {
        "HOME_ASSISTANT_URL" => Some(ha.url.clone()),
        _ => None,
    })
    .expect("settings");
    let home = lee::capabilities::home_assistant::HomeAssistant::new(&settings).expect("home");
    let rt = runtime();
    let read = |token: &str, which: Registry| {
        let (token, stats) = (Secret::new(token), CallStats::default());
        let ctx = CallContext {
            token: &token,
            deadline: Instant::now() + Duration::from_secs(10),
            stats: &stats,
            breaker: Feed::Breaker,
        };
        let result = rt.block_on(home.registry(ctx, which, Duration::ZERO));
        (result, stats.round_trips())
    };
    let (areas, trips) = read(&ha.token, Registry::Area);
    let areas: Value = serde_json::from_str(&areas.expect("area registry")).expect("JSON");
    let names: Vec<&str> = areas
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(names.contains(&"Kitchen"), "{names:?}");
    assert_eq!(trips, 1);
    // The entity registry has a follow-up (aliases) on the same session.
    let (entities, _) = read(&ha.token, Registry::Entity);
    assert!(
        entities
            .expect("entity registry")
            .contains("light.bed_light")
    );
    let (refused, _) = read("not-a-valid-token", Registry::Device);
    assert!(
        matches!(refused, Err(HaError::Unauthorized(401))),
        "{refused:?}"
    );
}
