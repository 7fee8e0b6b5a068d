//! `Alexa.EqualizerController` on media players: Home Assistant's sound modes that are
//! one of Alexa's equalizer modes (MOVIE, MUSIC, NIGHT, SPORT, TV, compared without
//! case), as Home Assistant's own integration offers them. Modes only: Home Assistant
//! has no equalizer bands. The interface's discovery configuration, its `mode`
//! property and its SetMode directive (`media_player.select_sound_mode`) live here.

use lee_sdk::ha::State;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::directives::Plan;
use crate::directives::plan as helpers;
use crate::errors::AlexaError;
use crate::features::MP_SOUND_MODE;
use crate::message::Directive;
use crate::model::{Attrs, Cap};

/// The equalizer modes Alexa knows.
pub const MODES: &[&str] = &["MOVIE", "MUSIC", "NIGHT", "SPORT", "TV"];

/// Alexa's mode for a Home Assistant sound mode, if it is one.
pub fn alexa_mode(sound_mode: &str) -> Option<&'static str> {
    MODES
        .iter()
        .find(|m| m.eq_ignore_ascii_case(sound_mode.trim()))
        .copied()
}

/// The interface for a media player that can select sound modes Alexa knows.
pub fn cap(state: &State) -> Option<Cap> {
    if !state.supports(MP_SOUND_MODE) {
        return None;
    }
    let mut modes: Vec<&'static str> = Vec::new();
    for m in state.list_attr("sound_mode_list") {
        if let Some(mode) = alexa_mode(&m)
            && !modes.contains(&mode)
        {
            modes.push(mode);
        }
    }
    (!modes.is_empty()).then_some(Cap::Equalizer { modes })
}

/// The `mode` property: the current sound mode when Alexa knows it.
pub fn mode(state: &State) -> Option<&'static str> {
    state.str_attr("sound_mode").and_then(alexa_mode)
}

/// `configurations` of the discovery capability: `{"modes": {"supported": [{"name"}]}}`.
pub struct Configurations<'a>(pub &'a [&'static str]);

impl Serialize for Configurations<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let supported: Vec<Value> = self.0.iter().map(|m| json!({"name": m})).collect();
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("modes", &json!({"supported": supported}))?;
        map.end()
    }
}

/// SetMode -> `media_player.select_sound_mode` with the player's own spelling of the
/// mode; bands are not offered, so their directives are refused.
pub fn plan(d: &Directive, state: &State, modes: &[&'static str]) -> Result<Plan, AlexaError> {
    if d.name != "SetMode" {
        return Err(helpers::unknown(d));
    }
    let wanted = helpers::string(&d.payload, "mode")?;
    let mode = alexa_mode(wanted)
        .filter(|m| modes.contains(m))
        .ok_or_else(|| {
            AlexaError::invalid_value(format!(
                "{wanted} is not an equalizer mode of {} ({})",
                state.entity_id,
                modes.join(", ")
            ))
        })?;
    let sound_mode = state
        .list_attr("sound_mode_list")
        .into_iter()
        .find(|m| alexa_mode(m) == Some(mode))
        .ok_or_else(|| AlexaError::invalid_value(format!("{mode} is not available")))?;
    Ok(Plan::one(helpers::call(
        "media_player",
        "select_sound_mode",
        state,
        json!({"sound_mode": sound_mode}),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::st;

    #[test]
    fn sound_modes_alexa_knows_become_equalizer_modes() {
        let s = st(
            "media_player.tv",
            "on",
            json!({"supported_features": MP_SOUND_MODE, "sound_mode": "Movie",
                   "sound_mode_list": ["Music", "Movie", "Dolby Atmos"]}),
        );
        assert_eq!(
            cap(&s),
            Some(Cap::Equalizer {
                modes: vec!["MUSIC", "MOVIE"]
            })
        );
        assert_eq!(mode(&s), Some("MOVIE"));
        let without = st(
            "media_player.tv",
            "on",
            json!({"supported_features": 0, "sound_mode_list": ["Music"]}),
        );
        assert_eq!(cap(&without), None);
        let unknown = st(
            "media_player.tv",
            "on",
            json!({"supported_features": MP_SOUND_MODE, "sound_mode_list": ["Dolby"]}),
        );
        assert_eq!(cap(&unknown), None);
    }
}
