//! Tests of [`crate::equalizer`].

use serde_json::json;

use crate::equalizer::*;
use crate::features::MP_SOUND_MODE;
use crate::model::Cap;
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
