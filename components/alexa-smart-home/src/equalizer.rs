//! `Alexa.EqualizerController` on media players: Home Assistant's sound modes that are
//! one of Alexa's equalizer modes (MOVIE, MUSIC, NIGHT, SPORT, TV, compared without
//! case), as Home Assistant's own integration offers them. Modes only: Home Assistant
//! has no equalizer bands. The interface's discovery configuration, its `mode`
//! property and its SetMode directive (`media_player.select_sound_mode`) live here.

use lee_sdk::ha::State;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::features::MP_SOUND_MODE;
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
