//! ColorController's `color.brightness` is the colour's own value (Amazon's interface
//! documentation), independent of BrightnessController's brightness: after SetColor red
//! and SetBrightness 50 the colour stays `{0, 1, 1}` and the brightness is 50.
//!
//! Home Assistant's `hs_color` has no value component, so the value has to be kept
//! somewhere else. Not in the entity's attributes: they belong to the light's
//! integration (a `POST /api/states` write would be replaced at the integration's next
//! update, and would fire a state change no device made). It is kept in the component's
//! own host cache (`lee:gateway/cache`, 24 hours per entity): what Alexa last set, else
//! 1.0. The cache lives as long as the container, so a new container reports 1.0 until
//! Alexa sets a colour again; without a `cache_bytes` grant every light reports 1.0.

use serde_json::{Value, json};

use crate::home::Home;

/// What a colour reports when Alexa never set its brightness.
pub const DEFAULT_BRIGHTNESS: f64 = 1.0;
/// How long a set colour brightness is remembered.
const REMEMBER_MS: u32 = 24 * 3600 * 1000;

fn key(entity_id: &str) -> String {
    format!("color.brightness/{entity_id}")
}

/// The colour brightness Alexa last set for `entity_id`, else 1.0.
pub fn recall(home: &dyn Home, entity_id: &str) -> f64 {
    home.recall(&key(entity_id))
        .and_then(|text| text.parse::<f64>().ok())
        .filter(|b| (0.0..=1.0).contains(b))
        .unwrap_or(DEFAULT_BRIGHTNESS)
}

/// Remembers the colour brightness Alexa set (a SetColor's `color.brightness`).
pub fn remember(home: &dyn Home, entity_id: &str, brightness: f64) {
    home.keep(
        &key(entity_id),
        &brightness.clamp(0.0, 1.0).to_string(),
        REMEMBER_MS,
    );
}

/// Puts `brightness` into every `Alexa.ColorController` `color` property of `props`.
pub fn apply(props: &mut [Value], brightness: f64) {
    for p in props.iter_mut() {
        if p["namespace"] == "Alexa.ColorController" && p["name"] == "color" {
            p["value"]["brightness"] = json!((brightness * 1000.0).round() / 1000.0);
        }
    }
}

/// The properties of `entity_id` with its colour's own brightness.
pub fn with_brightness(home: &dyn Home, entity_id: &str, mut props: Vec<Value>) -> Vec<Value> {
    if props
        .iter()
        .any(|p| p["namespace"] == "Alexa.ColorController")
    {
        apply(&mut props, recall(home, entity_id));
    }
    props
}
