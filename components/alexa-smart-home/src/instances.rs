//! Multi-instance controllers (Alexa.RangeController, ModeController, ToggleController)
//! for covers, fans, humidifiers, remotes, vacuums, numbers, valves and selects: their
//! instances, friendly names, ranges, presets and open/close semantics.

use lee_sdk::ha::State;
use serde_json::{Value, json};

use crate::features::*;
use crate::model::{Attrs, Cap, Ctx, ModeCap, ModeValue, Name, RangeCap, ToggleCap, text};

fn action(actions: &[&str], name: &str, payload: Value) -> Value {
    json!({"@type": "ActionsToDirective", "actions": actions,
           "directive": {"name": name, "payload": payload}})
}

fn open_closed_range_semantics(with_open_close: bool) -> Value {
    let mut lower = vec!["Alexa.Actions.Lower"];
    let mut raise = vec!["Alexa.Actions.Raise"];
    let mut states = Vec::new();
    if with_open_close {
        lower.push("Alexa.Actions.Close");
        raise.push("Alexa.Actions.Open");
        states = vec![
            json!({"@type": "StatesToValue", "states": ["Alexa.States.Closed"], "value": 0}),
            json!({"@type": "StatesToRange", "states": ["Alexa.States.Open"],
                   "range": {"minimumValue": 1, "maximumValue": 100}}),
        ];
    }
    let mut semantics = json!({"actionMappings": [
        action(&lower, "SetRangeValue", json!({"rangeValue": 0})),
        action(&raise, "SetRangeValue", json!({"rangeValue": 100})),
    ]});
    if !states.is_empty() {
        semantics["stateMappings"] = Value::Array(states);
    }
    semantics
}

fn percent_range(instance: &str, names: Vec<Name>, precision: f64) -> RangeCap {
    RangeCap {
        instance: instance.into(),
        names,
        min: 0.0,
        max: 100.0,
        precision,
        unit: Some("Alexa.Unit.Percent"),
        presets: Vec::new(),
        semantics: None,
    }
}

fn open_close_mode(instance: &str, prefix: &str) -> ModeCap {
    let value = |v: &str, names: Vec<Name>| ModeValue {
        value: format!("{prefix}.{v}"),
        ha: v.into(),
        names,
    };
    let set = |mode: &str| json!({"mode": format!("{prefix}.{mode}")});
    ModeCap {
        instance: instance.into(),
        names: vec![text("Position"), Name::Asset("Alexa.Setting.Opening")],
        ordered: false,
        modes: vec![
            value("open", vec![Name::Asset("Alexa.Value.Open"), text("Open")]),
            value(
                "closed",
                vec![Name::Asset("Alexa.Value.Close"), text("Closed")],
            ),
        ],
        semantics: Some(json!({
            "actionMappings": [
                action(&["Alexa.Actions.Close", "Alexa.Actions.Lower"], "SetMode", set("closed")),
                action(&["Alexa.Actions.Open", "Alexa.Actions.Raise"], "SetMode", set("open")),
            ],
            "stateMappings": [
                {"@type": "StatesToValue", "states": ["Alexa.States.Closed"], "value": format!("{prefix}.closed")},
                {"@type": "StatesToValue", "states": ["Alexa.States.Open"], "value": format!("{prefix}.open")},
            ]
        })),
    }
}

pub fn cover(state: &State, _ctx: &Ctx) -> Vec<Cap> {
    let mut caps = Vec::new();
    if !matches!(state.device_class(), Some("garage") | Some("gate")) {
        caps.push(Cap::Power);
    }
    let tilt = state.supports(COVER_SET_TILT);
    if state.supports(COVER_SET) {
        let mut range = percent_range(
            "cover.position",
            vec![text("Position"), Name::Asset("Alexa.Setting.Opening")],
            1.0,
        );
        range.semantics = Some(open_closed_range_semantics(!tilt));
        caps.push(Cap::Range(range));
    } else if state.supports(COVER_OPEN | COVER_CLOSE) {
        caps.push(Cap::Mode(open_close_mode("cover.position", "position")));
    }
    if tilt {
        let mut range = percent_range(
            "cover.tilt",
            vec![
                text("Tilt"),
                text("Angle"),
                Name::Asset("Alexa.Setting.Direction"),
            ],
            1.0,
        );
        range.semantics = Some(json!({
            "actionMappings": [
                action(&["Alexa.Actions.Close"], "SetRangeValue", json!({"rangeValue": 0})),
                action(&["Alexa.Actions.Open"], "SetRangeValue", json!({"rangeValue": 100})),
            ],
            "stateMappings": [
                {"@type": "StatesToValue", "states": ["Alexa.States.Closed"], "value": 0},
                {"@type": "StatesToRange", "states": ["Alexa.States.Open"],
                 "range": {"minimumValue": 1, "maximumValue": 100}},
            ]
        }));
        caps.push(Cap::Range(range));
    }
    if state.supports(COVER_STOP | COVER_STOP_TILT) {
        caps.push(Cap::Playback {
            operations: vec!["Stop"],
            instance: Some("cover.stop"),
        });
    }
    caps
}

/// A ModeController over a list of Home Assistant values (`<attr>.<value>` mode ids).
pub fn mode_from_list(
    instance: &str,
    attr: &str,
    values: &[String],
    names: Vec<Name>,
    _ctx: &Ctx,
) -> ModeCap {
    let mut modes: Vec<ModeValue> = Vec::new();
    for v in values {
        let value = format!("{attr}.{v}");
        if modes.iter().any(|m| m.value == value) || v.trim().is_empty() {
            continue;
        }
        modes.push(ModeValue {
            value,
            ha: v.clone(),
            names: vec![Name::Text(v.replace('_', " "))],
        });
    }
    ModeCap {
        instance: instance.into(),
        names,
        ordered: false,
        modes,
        semantics: None,
    }
}

pub fn fan(state: &State, ctx: &Ctx) -> Vec<Cap> {
    let mut caps = vec![Cap::Power];
    let names = vec![text("Fan Speed"), Name::Asset("Alexa.Setting.FanSpeed")];
    if state.supports(FAN_SPEED) {
        caps.push(Cap::Percentage);
        caps.push(Cap::PowerLevel);
        let mut range = percent_range("fan.percentage", names.clone(), 1.0);
        let step = state.f64_attr("percentage_step").unwrap_or(1.0).max(1.0);
        range.presets = vec![
            (
                step.round(),
                vec![Name::Asset("Alexa.Value.Minimum"), text("Low")],
            ),
            (
                100.0,
                vec![Name::Asset("Alexa.Value.Maximum"), text("High")],
            ),
        ];
        caps.push(Cap::Range(range));
    }
    if state.supports(FAN_PRESET) {
        let mode = mode_from_list(
            "fan.preset_mode",
            "preset_mode",
            &state.list_attr("preset_modes"),
            vec![text("Preset"), Name::Asset("Alexa.Setting.Preset")],
            ctx,
        );
        if !mode.modes.is_empty() {
            caps.push(Cap::Mode(mode));
        }
    }
    if state.supports(FAN_DIRECTION) {
        caps.push(Cap::Mode(mode_from_list(
            "fan.direction",
            "direction",
            &["forward".to_string(), "reverse".to_string()],
            vec![text("Direction"), Name::Asset("Alexa.Setting.Direction")],
            ctx,
        )));
    }
    if state.supports(FAN_OSCILLATE) {
        caps.push(Cap::Toggle(ToggleCap {
            instance: "fan.oscillating".into(),
            names: vec![
                Name::Asset("Alexa.Setting.Oscillate"),
                text("Rotate"),
                text("Rotation"),
            ],
        }));
    }
    if caps.len() == 1 {
        // On/off-only fans: Alexa needs a controller besides power to treat them as fans.
        caps.push(Cap::Range(percent_range("fan.percentage", names, 100.0)));
    }
    caps
}

pub fn humidifier(state: &State, ctx: &Ctx) -> Vec<Cap> {
    let mut caps = vec![Cap::Power];
    if state.supports(HUMIDIFIER_MODES) {
        let mode = mode_from_list(
            "humidifier.mode",
            "mode",
            &state.list_attr("available_modes"),
            vec![text("Mode"), Name::Asset("Alexa.Setting.Mode")],
            ctx,
        );
        if !mode.modes.is_empty() {
            caps.push(Cap::Mode(mode));
        }
    }
    let mut range = percent_range(
        "humidifier.humidity",
        vec![text("Humidity"), text("Target Humidity")],
        1.0,
    );
    range.min = state.f64_attr("min_humidity").unwrap_or(0.0);
    range.max = state.f64_attr("max_humidity").unwrap_or(100.0);
    caps.push(Cap::Range(range));
    caps
}

pub fn remote(state: &State, ctx: &Ctx) -> Vec<Cap> {
    let mut caps = vec![Cap::Power];
    let activities = state.list_attr("activity_list");
    if state.supports(REMOTE_ACTIVITY) || !activities.is_empty() {
        let mode = mode_from_list(
            "remote.activity",
            "activity",
            &activities,
            vec![text("Activity"), Name::Asset("Alexa.Setting.Mode")],
            ctx,
        );
        if !mode.modes.is_empty() {
            caps.push(Cap::Mode(mode));
        }
    }
    caps
}

pub fn vacuum(state: &State, _ctx: &Ctx) -> Vec<Cap> {
    let mut caps = Vec::new();
    if state.supports(VACUUM_ON | VACUUM_OFF)
        || (state.supports(VACUUM_START) && state.supports(VACUUM_STOP | VACUUM_HOME))
    {
        caps.push(Cap::Power);
    }
    let speeds = state.list_attr("fan_speed_list");
    if state.supports(VACUUM_FAN_SPEED) && !speeds.is_empty() {
        let max = f64::from(u32::try_from(speeds.len() - 1).unwrap_or(0));
        caps.push(Cap::Range(RangeCap {
            instance: "vacuum.fan_speed".into(),
            names: vec![text("Fan Speed"), Name::Asset("Alexa.Setting.FanSpeed")],
            min: 0.0,
            max,
            precision: 1.0,
            unit: None,
            presets: speeds
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let i = f64::from(u32::try_from(i).unwrap_or(0));
                    (i, vec![Name::Text(s.replace('_', " "))])
                })
                .collect(),
            semantics: None,
        }));
    }
    if state.supports(VACUUM_PAUSE) {
        caps.push(Cap::TimeHold);
    }
    caps
}

/// Alexa's unit id for a Home Assistant unit of measurement.
pub fn alexa_unit(uom: Option<&str>) -> Option<&'static str> {
    match uom?.trim() {
        "%" => Some("Alexa.Unit.Percent"),
        "°C" => Some("Alexa.Unit.Temperature.Celsius"),
        "°F" => Some("Alexa.Unit.Temperature.Fahrenheit"),
        "K" => Some("Alexa.Unit.Temperature.Kelvin"),
        "°" => Some("Alexa.Unit.Angle.Degrees"),
        "m" => Some("Alexa.Unit.Distance.Meters"),
        "km" => Some("Alexa.Unit.Distance.Kilometers"),
        "L" => Some("Alexa.Unit.Volume.Liters"),
        "W" => Some("Alexa.Unit.Power.Watts"),
        _ => None,
    }
}

pub fn number(state: &State, _ctx: &Ctx) -> RangeCap {
    let min = state.f64_attr("min").unwrap_or(0.0);
    let max = state.f64_attr("max").unwrap_or(100.0).max(min);
    let step = state.f64_attr("step").filter(|s| *s > 0.0).unwrap_or(1.0);
    RangeCap {
        instance: format!("{}.value", state.domain()),
        names: vec![text("Value")],
        min,
        max,
        precision: step,
        unit: alexa_unit(state.str_attr("unit_of_measurement")),
        presets: vec![
            (
                min,
                vec![Name::Asset("Alexa.Value.Minimum"), text("Minimum")],
            ),
            (
                max,
                vec![Name::Asset("Alexa.Value.Maximum"), text("Maximum")],
            ),
        ],
        semantics: None,
    }
}

pub fn valve(state: &State, _ctx: &Ctx) -> Vec<Cap> {
    if state.supports(VALVE_SET) {
        let mut range = percent_range(
            "valve.position",
            vec![text("Position"), Name::Asset("Alexa.Setting.Opening")],
            1.0,
        );
        range.semantics = Some(open_closed_range_semantics(true));
        vec![Cap::Range(range)]
    } else if state.supports(VALVE_OPEN | VALVE_CLOSE) {
        vec![Cap::Mode(open_close_mode("valve.state", "state"))]
    } else {
        Vec::new()
    }
}

pub fn select(state: &State, ctx: &Ctx) -> ModeCap {
    mode_from_list(
        &format!("{}.option", state.domain()),
        "option",
        &state.list_attr("options"),
        vec![Name::Asset("Alexa.Setting.Mode"), text("Option")],
        ctx,
    )
}
