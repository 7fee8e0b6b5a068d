//! Test fixtures: Home Assistant states shaped like the demo integration's.

use lee_sdk::ha::State;
use serde_json::{Value, json};

pub fn st(entity_id: &str, state: &str, attributes: Value) -> State {
    State {
        entity_id: entity_id.into(),
        state: state.into(),
        attributes,
        last_changed: "2026-11-28T08:00:00+00:00".into(),
        last_updated: "2026-11-28T08:00:00+00:00".into(),
    }
}

/// A home with one entity of (almost) every supported kind.
pub fn demo_home() -> Vec<State> {
    vec![
        st(
            "light.bed_light",
            "off",
            json!({"friendly_name": "Bed Light",
            "supported_color_modes": ["color_temp", "hs"], "min_color_temp_kelvin": 2000,
            "max_color_temp_kelvin": 6535, "supported_features": 4}),
        ),
        st(
            "light.kitchen_lights",
            "on",
            json!({"friendly_name": "Kitchen Lights",
            "supported_color_modes": ["color_temp", "hs"], "color_mode": "hs", "brightness": 180,
            "hs_color": [345.0, 75.0], "min_color_temp_kelvin": 2000, "max_color_temp_kelvin": 6535}),
        ),
        st(
            "switch.ac",
            "off",
            json!({"friendly_name": "AC", "device_class": "outlet"}),
        ),
        st(
            "input_boolean.guest_mode",
            "off",
            json!({"friendly_name": "Guest Mode"}),
        ),
        st(
            "automation.welcome_home",
            "on",
            json!({"friendly_name": "Welcome Home"}),
        ),
        st("scene.relax", "unknown", json!({"friendly_name": "Relax"})),
        st(
            "script.good_night",
            "off",
            json!({"friendly_name": "Good Night"}),
        ),
        st(
            "input_button.doorbell_test",
            "unknown",
            json!({"friendly_name": "Doorbell Test"}),
        ),
        st(
            "climate.hvac",
            "cool",
            json!({"friendly_name": "Hvac",
            "hvac_modes": ["off", "heat", "cool", "auto", "dry", "fan_only"], "min_temp": 7,
            "max_temp": 35, "target_temp_step": 1, "current_temperature": 22, "temperature": 21,
            "target_temp_high": null, "target_temp_low": null, "supported_features": 943}),
        ),
        st(
            "climate.ecobee",
            "heat_cool",
            json!({"friendly_name": "Ecobee",
            "hvac_modes": ["off", "cool", "heat_cool", "auto", "dry", "fan_only"],
            "preset_modes": ["home", "eco", "away"], "preset_mode": "home", "min_temp": 7,
            "max_temp": 35, "current_temperature": 23, "temperature": null,
            "target_temp_high": 24, "target_temp_low": 21, "supported_features": 442}),
        ),
        st(
            "water_heater.demo_water_heater",
            "eco",
            json!({"friendly_name": "Demo Water Heater",
            "min_temp": 43.3, "max_temp": 60, "temperature": 48.9, "current_temperature": 48.9,
            "operation_mode": "eco", "operation_list": ["eco", "electric", "gas", "off"],
            "supported_features": 15}),
        ),
        st(
            "cover.kitchen_window",
            "closed",
            json!({"friendly_name": "Kitchen Window",
            "supported_features": 11}),
        ),
        st(
            "cover.living_room_window",
            "open",
            json!({"friendly_name": "Living Room Window",
            "current_position": 70, "current_tilt_position": 50, "supported_features": 255}),
        ),
        st(
            "cover.garage_door",
            "closed",
            json!({"friendly_name": "Garage Door",
            "device_class": "garage", "supported_features": 3}),
        ),
        st(
            "fan.living_room_fan",
            "on",
            json!({"friendly_name": "Living Room Fan",
            "percentage": 67, "percentage_step": 33.333333333333336, "oscillating": false,
            "direction": "forward", "preset_mode": null,
            "preset_modes": ["auto", "smart", "sleep", "on"], "supported_features": 63}),
        ),
        st(
            "fan.ceiling_fan",
            "off",
            json!({"friendly_name": "Ceiling Fan", "supported_features": 48}),
        ),
        st(
            "humidifier.hygrostat",
            "on",
            json!({"friendly_name": "Hygrostat", "humidity": 54,
            "min_humidity": 0, "max_humidity": 100, "mode": "home",
            "available_modes": ["home", "eco"], "supported_features": 1}),
        ),
        st(
            "remote.tv",
            "on",
            json!({"friendly_name": "TV Remote",
            "activity_list": ["Watch TV", "Play Game"], "current_activity": "Watch TV",
            "supported_features": 4}),
        ),
        st(
            "vacuum.0_ground_floor",
            "docked",
            json!({"friendly_name": "0 Ground Floor",
            "fan_speed": "medium", "fan_speed_list": ["min", "medium", "high", "max"],
            "supported_features": 16380}),
        ),
        st(
            "lock.front_door",
            "locked",
            json!({"friendly_name": "Front Door"}),
        ),
        st(
            "alarm_control_panel.security",
            "disarmed",
            json!({"friendly_name": "Security",
            "code_format": "number", "code_arm_required": false, "supported_features": 63}),
        ),
        st(
            "media_player.living_room",
            "playing",
            json!({"friendly_name": "Living Room",
            "volume_level": 1.0, "is_volume_muted": false, "media_position": 10,
            "media_duration": 300, "media_position_updated_at": "2026-11-28T08:00:00+00:00",
            "supported_features": 119743}),
        ),
        st(
            "media_player.lounge_room",
            "playing",
            json!({"friendly_name": "Lounge Room",
            "device_class": "tv", "source": "dvd", "source_list": ["dvd", "youtube"],
            "supported_features": 121265}),
        ),
        st(
            "sensor.outside_temperature",
            "15.6",
            json!({"friendly_name": "Outside Temperature",
            "device_class": "temperature", "unit_of_measurement": "°C"}),
        ),
        st(
            "sensor.outside_humidity",
            "54",
            json!({"friendly_name": "Outside Humidity",
            "device_class": "humidity", "unit_of_measurement": "%"}),
        ),
        st(
            "binary_sensor.movement_backyard",
            "on",
            json!({"friendly_name": "Movement Backyard",
            "device_class": "motion"}),
        ),
        st(
            "binary_sensor.front_door",
            "off",
            json!({"friendly_name": "Front Door Contact",
            "device_class": "door"}),
        ),
        st(
            "binary_sensor.basement_floor_wet",
            "off",
            json!({"friendly_name": "Basement Floor Wet",
            "device_class": "moisture"}),
        ),
        st(
            "event.doorbell",
            "unknown",
            json!({"friendly_name": "Doorbell",
            "device_class": "doorbell", "event_types": ["ring"]}),
        ),
        st(
            "input_number.target_humidity",
            "45.0",
            json!({"friendly_name": "Target Humidity",
            "min": 30, "max": 70, "step": 5, "unit_of_measurement": "%"}),
        ),
        st(
            "number.volume",
            "42.0",
            json!({"friendly_name": "Volume", "min": 0, "max": 100, "step": 1}),
        ),
        st(
            "timer.laundry",
            "idle",
            json!({"friendly_name": "Laundry", "duration": "0:45:00"}),
        ),
        st(
            "valve.front_garden",
            "open",
            json!({"friendly_name": "Front Garden", "supported_features": 3}),
        ),
        st(
            "valve.back_garden",
            "open",
            json!({"friendly_name": "Back Garden",
            "current_position": 40, "supported_features": 15}),
        ),
        st(
            "input_select.house_mode",
            "Home",
            json!({"friendly_name": "House Mode",
            "options": ["Home", "Away", "Night"]}),
        ),
        st(
            "select.speed",
            "ridiculous_speed",
            json!({"friendly_name": "Speed",
            "options": ["light_speed", "ridiculous_speed", "ludicrous_speed"]}),
        ),
        st(
            "group.all_lights",
            "on",
            json!({"friendly_name": "All Lights",
            "entity_id": ["light.bed_light"]}),
        ),
        st("sun.sun", "above_horizon", json!({"friendly_name": "Sun"})),
    ]
}

pub fn find(id: &str) -> State {
    demo_home()
        .into_iter()
        .find(|s| s.entity_id == id)
        .unwrap_or_else(|| panic!("no fixture {id}"))
}

use std::cell::RefCell;

use lee_sdk::HaError;
use lee_sdk::ha::Freshness;

use crate::config::Config;
use crate::handler::handle;
use crate::home::Home;
use crate::message::Directive;

/// An in-memory Home Assistant: service calls are recorded and, for a few services,
/// applied to the stored state so post-command reports can be checked.
pub struct FakeHome {
    pub states: RefCell<Vec<State>>,
    pub calls: RefCell<Vec<(String, String, Value)>>,
    pub reads: RefCell<Vec<(String, u32)>>,
    pub fail: Option<HaError>,
    pub fail_calls: Option<HaError>,
    pub config: Config,
    pub registry: Vec<Value>,
    /// The device registry (`id`, `labels`, ...).
    pub devices: Vec<Value>,
    /// What `homeassistant/expose_entity/list` answers (`None`: refused, as for a
    /// non-administrator).
    pub exposure: Option<Value>,
    /// Home Assistant's unit system temperature unit (`None`: not readable).
    pub unit: Option<String>,
    /// Report the changed entity in the call result (as HA does when state changes).
    pub report_changed: bool,
    /// What the component kept in its host cache.
    pub memory: RefCell<std::collections::HashMap<String, String>>,
}

impl FakeHome {
    pub fn new() -> Self {
        Self {
            states: RefCell::new(demo_home()),
            calls: RefCell::new(Vec::new()),
            reads: RefCell::new(Vec::new()),
            fail: None,
            fail_calls: None,
            config: Config::default(),
            registry: Vec::new(),
            devices: Vec::new(),
            exposure: None,
            unit: None,
            report_changed: true,
            memory: RefCell::default(),
        }
    }

    pub fn set(&self, id: &str, state: &str, attrs: Value) {
        let mut states = self.states.borrow_mut();
        if let Some(s) = states.iter_mut().find(|s| s.entity_id == id) {
            s.state = state.into();
            if let (Some(a), Some(new)) = (s.attributes.as_object_mut(), attrs.as_object()) {
                for (k, v) in new {
                    a.insert(k.clone(), v.clone());
                }
            }
        }
    }

    fn apply(&self, domain: &str, service: &str, data: &Value) -> Option<String> {
        let id = data.get("entity_id")?.as_str()?.to_string();
        let current = self
            .states
            .borrow()
            .iter()
            .find(|s| s.entity_id == id)?
            .clone();
        match (domain, service) {
            (_, "turn_on") | ("cover", "open_cover") => {
                let mut extra = json!({});
                if let Some(b) = data.get("brightness_pct").and_then(Value::as_f64) {
                    extra["brightness"] = json!((b * 2.55).round());
                }
                for key in ["hs_color", "color_temp_kelvin"] {
                    if let Some(v) = data.get(key) {
                        extra[key] = v.clone();
                    }
                }
                let on = if domain == "cover" { "open" } else { "on" };
                self.set(&id, on, extra);
            }
            (_, "turn_off") | ("cover", "close_cover") => {
                let off = if domain == "cover" { "closed" } else { "off" };
                self.set(&id, off, json!({}));
            }
            ("climate", "set_temperature") => self.set(&id, &current.state, data.clone()),
            ("climate", "set_hvac_mode") => {
                let mode = data["hvac_mode"].as_str().unwrap_or("off").to_string();
                self.set(&id, &mode, json!({}));
            }
            (_, "select_option") => {
                let option = data["option"].as_str().unwrap_or_default().to_string();
                self.set(&id, &option, json!({}));
            }
            (_, "set_value") => self.set(&id, &data["value"].to_string(), json!({})),
            ("lock", "lock") => self.set(&id, "locked", json!({})),
            ("lock", "unlock") => self.set(&id, "unlocked", json!({})),
            _ => return None,
        }
        Some(id)
    }

    /// A Discovery directive (with a bearer token) through the handler.
    pub fn discover(&self) -> Value {
        self.run(&json!({"directive": {
            "header": {"namespace": "Alexa.Discovery", "name": "Discover",
                       "payloadVersion": "3", "messageId": "m"},
            "payload": {"scope": {"type": "BearerToken", "token": "tok"}}
        }}))
    }

    /// PowerController TurnOn of `endpoint` through the handler.
    pub fn turn_on(&self, endpoint: &str) -> Value {
        self.run(&directive(
            "Alexa.PowerController",
            "TurnOn",
            Some(endpoint),
            json!({}),
        ))
    }

    /// Runs one directive through the handler.
    pub fn run(&self, event: &Value) -> Value {
        let d = Directive::parse(&event.to_string()).expect("a directive");
        serde_json::from_str(&handle(&d, self)).expect("the handler answers JSON")
    }
}

impl Home for FakeHome {
    fn states(&self, f: Freshness) -> Result<Vec<State>, HaError> {
        if let Some(e) = &self.fail {
            return Err(e.clone());
        }
        self.reads.borrow_mut().push(("*".into(), f.max_age_ms()));
        Ok(self.states.borrow().clone())
    }

    fn state(&self, id: &str, f: Freshness) -> Result<Option<State>, HaError> {
        if let Some(e) = &self.fail {
            return Err(e.clone());
        }
        self.reads.borrow_mut().push((id.into(), f.max_age_ms()));
        Ok(self
            .states
            .borrow()
            .iter()
            .find(|s| s.entity_id == id)
            .cloned())
    }

    fn call(&self, domain: &str, service: &str, data: &Value) -> Result<Vec<State>, HaError> {
        if let Some(e) = self.fail.as_ref().or(self.fail_calls.as_ref()) {
            return Err(e.clone());
        }
        self.calls
            .borrow_mut()
            .push((domain.into(), service.into(), data.clone()));
        let changed = self.apply(domain, service, data);
        Ok(match changed {
            Some(id) if self.report_changed => self
                .states
                .borrow()
                .iter()
                .filter(|s| s.entity_id == id)
                .cloned()
                .collect(),
            _ => Vec::new(),
        })
    }

    fn entity_registry(&self, _: Freshness) -> Result<String, HaError> {
        Ok(Value::Array(self.registry.clone()).to_string())
    }

    fn registry_listing(
        &self,
        which: lee_sdk::ha::Registry,
        fields: &[&str],
        _: Freshness,
    ) -> Result<String, HaError> {
        let entries = match which {
            lee_sdk::ha::Registry::Entity => &self.registry,
            lee_sdk::ha::Registry::Device => &self.devices,
            _ => return Ok("[]".into()),
        };
        let projected: Vec<Value> = entries
            .iter()
            .map(|e| {
                let kept = fields
                    .iter()
                    .filter_map(|f| e.get(*f).map(|v| (f.to_string(), v.clone())));
                Value::Object(kept.collect())
            })
            .collect();
        Ok(Value::Array(projected).to_string())
    }

    fn exposure_settings(&self, _: Freshness) -> Result<String, HaError> {
        self.exposure
            .as_ref()
            .map(Value::to_string)
            .ok_or_else(|| HaError::Unauthorized("admin required".into()))
    }

    fn temperature_unit(&self) -> Option<String> {
        self.unit.clone()
    }

    fn config(&self) -> Config {
        self.config.clone()
    }

    fn warn(&self, _: &str, _: &[(&str, &str)]) {}

    fn info(&self, _: &str, _: &[(&str, &str)]) {}

    fn recall(&self, key: &str) -> Option<String> {
        self.memory.borrow().get(key).cloned()
    }

    fn keep(&self, key: &str, value: &str, _: u32) {
        self.memory.borrow_mut().insert(key.into(), value.into());
    }
}

/// A directive event like Alexa sends.
pub fn directive(namespace: &str, name: &str, endpoint: Option<&str>, payload: Value) -> Value {
    let mut d = json!({"directive": {
        "header": {"namespace": namespace, "name": name, "payloadVersion": "3",
                   "messageId": "msg-1", "correlationToken": "corr-1"},
        "payload": payload,
    }});
    if let Some(id) = endpoint {
        d["directive"]["endpoint"] = json!({"scope": {"type": "BearerToken", "token": "tok"},
            "endpointId": id, "cookie": {}});
    }
    d
}

/// Like [`directive`] for a multi-instance controller.
pub fn directive_instance(
    namespace: &str,
    name: &str,
    instance: &str,
    endpoint: &str,
    payload: Value,
) -> Value {
    let mut d = directive(namespace, name, Some(endpoint), payload);
    d["directive"]["header"]["instance"] = json!(instance);
    d
}
