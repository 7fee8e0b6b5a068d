//! Where lee's Discovery differs from Home Assistant's own Alexa integration
//! (`/api/alexa/smart_home`) on purpose, and why: the discovery explanation behind
//! `lee doctor` lists these next to every entity, and the end-to-end test that compares
//! both Discoveries accepts exactly these exceptions. Everywhere else lee offers every
//! endpoint Home Assistant offers, with a superset of its interfaces.

use lee_sdk::ha::State;
use serde_json::{Value, json};

use crate::model::Attrs;

/// Home Assistant's camera feature bit: the camera can stream.
const CAMERA_STREAM: u64 = 2;

/// What Home Assistant's integration offers that lee does not, each with the reason.
pub const DIFFERENCES: &[(&str, &str)] = &[
    (
        "Alexa.PlaybackStateReporter (media players)",
        "not in Amazon's published Smart Home validation schema: a Discovery response \
         carrying it fails validation; lee reports playback through PlaybackController",
    ),
    (
        "display category VACUUM_CLEANER (vacuums)",
        "not in the validation schema's display categories: lee answers OTHER",
    ),
    (
        "display category WATER_HEATER (water heaters)",
        "not in the validation schema's display categories: lee answers THERMOSTAT",
    ),
    (
        "Alexa.CameraStreamController (cameras)",
        "Home Assistant streams cameras as HLS, which the validation schema's camera \
         streams do not accept (RTSP and WEBRTC only), and the stream URL needs Home \
         Assistant's external HTTPS URL on port 443; cameras are left out (see each \
         camera's line)",
    ),
    (
        "media players and vacuums without the features behind an interface",
        "Home Assistant offers PowerController on every media player and lists vacuums \
         with no interface at all; lee offers only what the entity's supported_features \
         can carry out",
    ),
];

/// The differences as the explanation's `differences_from_home_assistant`.
pub fn differences() -> Value {
    DIFFERENCES
        .iter()
        .map(|(what, why)| json!({"what": what, "reason": why}))
        .collect()
}

/// Why a camera is not an endpoint. `external_url` is Home Assistant's, if configured.
pub fn camera_reason(state: &State, external_url: Option<&str>) -> String {
    if !state.supports(CAMERA_STREAM) {
        return "a camera that cannot stream (no STREAM feature): Alexa shows cameras \
                only through Alexa.CameraStreamController"
            .to_string();
    }
    let url = match external_url {
        Some(u) if u.starts_with("https://") => format!("external_url {u} is HTTPS"),
        Some(u) => format!("external_url {u} is not HTTPS, which Alexa requires"),
        None => "Home Assistant has no external_url configured (Settings > System > \
                 Network): Alexa fetches the stream from it over HTTPS on port 443"
            .to_string(),
    };
    format!(
        "a streaming camera: Alexa.CameraStreamController would need Home Assistant's \
         HLS stream at its external URL ({url}); Amazon's validation schema accepts \
         RTSP and WEBRTC streams only, so lee leaves the camera out"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::st;

    #[test]
    fn a_camera_says_what_streaming_it_would_need() {
        let still = st("camera.porch", "idle", json!({"supported_features": 1}));
        assert!(camera_reason(&still, None).contains("cannot stream"));
        let streams = st("camera.porch", "idle", json!({"supported_features": 3}));
        assert!(camera_reason(&streams, None).contains("no external_url"));
        assert!(camera_reason(&streams, Some("http://ha.example")).contains("not HTTPS"));
        assert_eq!(
            differences().as_array().map(Vec::len),
            Some(DIFFERENCES.len())
        );
    }
}
