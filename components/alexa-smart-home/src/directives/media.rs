//! Media players (and covers' Stop): Alexa.Speaker, StepSpeaker, PlaybackController,
//! InputController, ChannelController and SeekController.

use lee_sdk::ha::State;
use serde_json::{Value, json};

use super::plan::{Plan, Reply, ServiceCall, boolean, call, in_range, number, string, unknown};
use crate::clock;
use crate::errors::AlexaError;
use crate::features::{COVER_STOP, COVER_STOP_TILT};
use crate::message::Directive;
use crate::model::{Attrs, Cap, Device};

/// At most this many repeated step calls for one directive.
const MAX_STEPS: i64 = 10;
/// How far Rewind / FastForward jump.
const SKIP_MS: i64 = 10_000;

fn volume_percent(state: &State) -> f64 {
    state.f64_attr("volume_level").unwrap_or(0.0) * 100.0
}

fn set_volume(state: &State, percent: f64) -> Plan {
    let level = (percent.clamp(0.0, 100.0)).round() / 100.0;
    Plan::one(call(
        "media_player",
        "volume_set",
        state,
        json!({"volume_level": level}),
    ))
}

fn mute(state: &State, p: &Value) -> Result<Plan, AlexaError> {
    Ok(Plan::one(call(
        "media_player",
        "volume_mute",
        state,
        json!({"is_volume_muted": boolean(p, "mute")?}),
    )))
}

fn repeat(call: ServiceCall, times: i64) -> Plan {
    let times = usize::try_from(times.clamp(1, MAX_STEPS)).unwrap_or(1);
    Plan::many(vec![call; times])
}

/// Normalises an input name for matching ("HDMI 1" == "hdmi1").
fn input_key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The playback position now, in milliseconds (extrapolated while playing).
pub fn position_ms(state: &State, now_ms: i64) -> i64 {
    let base = state.f64_attr("media_position").unwrap_or(0.0) * 1000.0;
    let elapsed = if state.state == "playing" {
        state
            .str_attr("media_position_updated_at")
            .and_then(clock::parse_iso8601)
            .map_or(0, |at| (now_ms - at).max(0))
    } else {
        0
    };
    base as i64 + elapsed
}

/// The position `delta_ms` from now, within the media's duration.
fn seek_target(state: &State, delta_ms: i64) -> i64 {
    let mut target = (position_ms(state, clock::now_millis()) + delta_ms).max(0);
    if let Some(duration) = state.f64_attr("media_duration") {
        target = target.min((duration * 1000.0) as i64);
    }
    target
}

fn playback(d: &Directive, state: &State, device: &Device) -> Result<Plan, AlexaError> {
    let supported = match device.cap("Alexa.PlaybackController", None) {
        Some(Cap::Playback { operations, .. }) => operations.contains(&d.name.as_str()),
        _ => false,
    };
    if !supported {
        return Err(AlexaError::invalid_directive(format!(
            "{} does not support {}",
            state.entity_id, d.name
        )));
    }
    let none = json!({});
    if state.domain() == "cover" {
        let mut calls = Vec::new();
        if state.supports(COVER_STOP) {
            calls.push(call("cover", "stop_cover", state, none.clone()));
        }
        if state.supports(COVER_STOP_TILT) {
            calls.push(call("cover", "stop_cover_tilt", state, none));
        }
        return Ok(Plan::many(calls));
    }
    let (service, data) = match d.name.as_str() {
        "Play" => ("media_play", none),
        "Pause" => ("media_pause", none),
        "Stop" => ("media_stop", none),
        "Next" => ("media_next_track", none),
        "Previous" => ("media_previous_track", none),
        "StartOver" => ("media_seek", json!({"seek_position": 0})),
        "Rewind" | "FastForward" => {
            let step = if d.name == "Rewind" {
                -SKIP_MS
            } else {
                SKIP_MS
            };
            let target = seek_target(state, step);
            (
                "media_seek",
                json!({"seek_position": target as f64 / 1000.0}),
            )
        }
        _ => return Err(unknown(d)),
    };
    Ok(Plan::one(call("media_player", service, state, data)))
}

pub fn plan(d: &Directive, state: &State, device: &Device) -> Result<Plan, AlexaError> {
    let p = &d.payload;
    match (d.namespace.as_str(), d.name.as_str()) {
        ("Alexa.Speaker", "SetVolume") => Ok(set_volume(
            state,
            in_range(number(p, "volume")?, 0.0, 100.0)?,
        )),
        ("Alexa.Speaker", "AdjustVolume") => {
            let delta = in_range(number(p, "volume")?, -100.0, 100.0)?;
            Ok(set_volume(state, volume_percent(state) + delta))
        }
        ("Alexa.Speaker" | "Alexa.StepSpeaker", "SetMute") => mute(state, p),
        ("Alexa.StepSpeaker", "AdjustVolume") => {
            let steps = number(p, "volumeSteps")?.round() as i64;
            let is_default = p
                .get("volumeStepsDefault")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let steps = if is_default { steps.signum() } else { steps };
            if steps == 0 {
                return Ok(Plan::many(Vec::new()));
            }
            let service = if steps > 0 {
                "volume_up"
            } else {
                "volume_down"
            };
            Ok(repeat(
                call("media_player", service, state, json!({})),
                steps.abs(),
            ))
        }
        ("Alexa.PlaybackController", _) => playback(d, state, device),
        ("Alexa.InputController", "SelectInput") => {
            let wanted = string(p, "input")?;
            let Some(Cap::Input { inputs }) = device.cap("Alexa.InputController", None) else {
                return Err(unknown(d));
            };
            let source = inputs
                .iter()
                .find(|i| input_key(i) == input_key(wanted))
                .ok_or_else(|| {
                    AlexaError::invalid_value(format!(
                        "{wanted} is not an input of {}",
                        state.entity_id
                    ))
                })?;
            Ok(Plan::one(call(
                "media_player",
                "select_source",
                state,
                json!({"source": source}),
            )))
        }
        ("Alexa.ChannelController", "ChangeChannel") => {
            let channel = p.get("channel").cloned().unwrap_or(Value::Null);
            let id = ["number", "callSign", "affiliateCallSign", "uri"]
                .iter()
                .find_map(|k| channel.get(*k).and_then(Value::as_str))
                .or_else(|| p.pointer("/channelMetadata/name").and_then(Value::as_str))
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| AlexaError::invalid_value("no channel number or name"))?;
            Ok(Plan::one(call(
                "media_player",
                "play_media",
                state,
                json!({"media_content_id": id, "media_content_type": "channel"}),
            )))
        }
        ("Alexa.ChannelController", "SkipChannels") => {
            let count = number(p, "channelCount")?.round() as i64;
            if count == 0 {
                return Ok(Plan::many(Vec::new()));
            }
            let service = if count > 0 {
                "media_next_track"
            } else {
                "media_previous_track"
            };
            Ok(repeat(
                call("media_player", service, state, json!({})),
                count.abs(),
            ))
        }
        ("Alexa.SeekController", "AdjustSeekPosition") => {
            let delta = number(p, "deltaPositionMilliseconds")?.round() as i64;
            let target = seek_target(state, delta);
            Ok(Plan::one(call(
                "media_player",
                "media_seek",
                state,
                json!({"seek_position": target as f64 / 1000.0}),
            ))
            .reply(Reply::Seek {
                position_ms: target,
            }))
        }
        _ => Err(unknown(d)),
    }
}

/// SetMode -> `media_player.select_sound_mode` with the player's own spelling of the
/// mode; bands are not offered, so their directives are refused.
pub fn equalizer(d: &Directive, state: &State, modes: &[&'static str]) -> Result<Plan, AlexaError> {
    if d.name != "SetMode" {
        return Err(unknown(d));
    }
    let wanted = string(&d.payload, "mode")?;
    let mode = crate::equalizer::alexa_mode(wanted)
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
        .find(|m| crate::equalizer::alexa_mode(m) == Some(mode))
        .ok_or_else(|| AlexaError::invalid_value(format!("{mode} is not available")))?;
    Ok(Plan::one(call(
        "media_player",
        "select_sound_mode",
        state,
        json!({"sound_mode": sound_mode}),
    )))
}
