//! The vocabulary shared by discovery, properties and directives: which Alexa
//! interfaces an endpoint has ([`Cap`]), with the configuration each one needs, plus
//! typed attribute access on Home Assistant states ([`Attrs`]).

use lee_sdk::ha::State;
use serde_json::Value;

use crate::units::Scale;

/// What the handlers need to know about the installation.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Home Assistant's temperature unit (climate/water_heater attributes use it).
    pub scale: Scale,
    /// Locale of text friendly names.
    pub locale: String,
}

impl Default for Ctx {
    fn default() -> Self {
        Self {
            scale: Scale::Celsius,
            locale: "en-US".into(),
        }
    }
}

/// A friendly name: one of Alexa's catalog assets or free text.
#[derive(Debug, Clone, PartialEq)]
pub enum Name {
    Asset(&'static str),
    Text(String),
}

pub fn text(s: &str) -> Name {
    Name::Text(s.to_string())
}

/// An `Alexa.RangeController` instance.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeCap {
    /// `cover.position`, `cover.tilt`, `fan.percentage`, `humidifier.humidity`,
    /// `vacuum.fan_speed`, `input_number.value`, `number.value`, `valve.position`.
    pub instance: String,
    pub names: Vec<Name>,
    pub min: f64,
    pub max: f64,
    pub precision: f64,
    pub unit: Option<&'static str>,
    pub presets: Vec<(f64, Vec<Name>)>,
    /// Open/close/raise/lower semantics (covers and valves).
    pub semantics: Option<Value>,
}

/// An `Alexa.ModeController` instance.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeCap {
    /// `fan.preset_mode`, `fan.direction`, `humidifier.mode`, `remote.activity`,
    /// `water_heater.operation_mode`, `input_select.option`, `select.option`,
    /// `cover.position`, `valve.state`.
    pub instance: String,
    pub names: Vec<Name>,
    pub ordered: bool,
    /// (Alexa mode value, Home Assistant value, friendly names).
    pub modes: Vec<ModeValue>,
    pub semantics: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModeValue {
    pub value: String,
    pub ha: String,
    pub names: Vec<Name>,
}

impl ModeCap {
    /// The mode whose Alexa value is `value`.
    pub fn by_value(&self, value: &str) -> Option<&ModeValue> {
        self.modes.iter().find(|m| m.value == value)
    }

    /// The mode whose Home Assistant value is `ha`.
    pub fn by_ha(&self, ha: &str) -> Option<&ModeValue> {
        self.modes.iter().find(|m| m.ha == ha)
    }
}

/// An `Alexa.ToggleController` instance (`fan.oscillating`, `valve.stop`).
#[derive(Debug, Clone, PartialEq)]
pub struct ToggleCap {
    pub instance: String,
    pub names: Vec<Name>,
}

/// `Alexa.ThermostatController` configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ThermostatCap {
    /// Alexa modes (AUTO, COOL, HEAT, ECO, OFF) the device supports.
    pub modes: Vec<&'static str>,
    pub single: bool,
    pub dual: bool,
    pub min: f64,
    pub max: f64,
    pub step: f64,
}

/// One Alexa interface of an endpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum Cap {
    Power,
    Brightness,
    Color,
    ColorTemperature,
    Scene {
        deactivation: bool,
    },
    Thermostat(ThermostatCap),
    TemperatureSensor,
    Range(RangeCap),
    Mode(ModeCap),
    Toggle(ToggleCap),
    Percentage,
    PowerLevel,
    Lock,
    SecurityPanel {
        arm_states: Vec<&'static str>,
        pin: bool,
    },
    Speaker,
    StepSpeaker,
    Playback {
        operations: Vec<&'static str>,
        /// `cover.stop` on covers (as Home Assistant's integration names it).
        instance: Option<&'static str>,
    },
    Input {
        inputs: Vec<String>,
    },
    Channel,
    Seek,
    ContactSensor,
    MotionSensor,
    Doorbell,
    /// `Alexa.EventDetectionSensor` human presence (image processing, presence sensors).
    PresenceDetection,
    /// `Alexa.EventDetectionSensor` on a button, input_button or event entity: every
    /// press is a detection, so Alexa routines can start on it.
    Trigger,
    /// `Alexa.EqualizerController` modes (Alexa's MOVIE, MUSIC, NIGHT, SPORT, TV) of a
    /// media player's sound modes.
    Equalizer {
        modes: Vec<&'static str>,
    },
    TimeHold,
    EndpointHealth,
    Alexa,
}

impl Cap {
    /// The Alexa interface name.
    pub fn interface(&self) -> &'static str {
        match self {
            Cap::Power => "Alexa.PowerController",
            Cap::Brightness => "Alexa.BrightnessController",
            Cap::Color => "Alexa.ColorController",
            Cap::ColorTemperature => "Alexa.ColorTemperatureController",
            Cap::Scene { .. } => "Alexa.SceneController",
            Cap::Thermostat(_) => "Alexa.ThermostatController",
            Cap::TemperatureSensor => "Alexa.TemperatureSensor",
            Cap::Range(_) => "Alexa.RangeController",
            Cap::Mode(_) => "Alexa.ModeController",
            Cap::Toggle(_) => "Alexa.ToggleController",
            Cap::Percentage => "Alexa.PercentageController",
            Cap::PowerLevel => "Alexa.PowerLevelController",
            Cap::Lock => "Alexa.LockController",
            Cap::SecurityPanel { .. } => "Alexa.SecurityPanelController",
            Cap::Speaker => "Alexa.Speaker",
            Cap::StepSpeaker => "Alexa.StepSpeaker",
            Cap::Playback { .. } => "Alexa.PlaybackController",
            Cap::Input { .. } => "Alexa.InputController",
            Cap::Channel => "Alexa.ChannelController",
            Cap::Seek => "Alexa.SeekController",
            Cap::ContactSensor => "Alexa.ContactSensor",
            Cap::MotionSensor => "Alexa.MotionSensor",
            Cap::Doorbell => "Alexa.DoorbellEventSource",
            Cap::PresenceDetection | Cap::Trigger => "Alexa.EventDetectionSensor",
            Cap::Equalizer { .. } => "Alexa.EqualizerController",
            Cap::TimeHold => "Alexa.TimeHoldController",
            Cap::EndpointHealth => "Alexa.EndpointHealth",
            Cap::Alexa => "Alexa",
        }
    }

    /// The instance name for multi-instance controllers.
    pub fn instance(&self) -> Option<&str> {
        match self {
            Cap::Range(r) => Some(&r.instance),
            Cap::Mode(m) => Some(&m.instance),
            Cap::Toggle(t) => Some(&t.instance),
            Cap::Playback { instance, .. } => *instance,
            _ => None,
        }
    }
}

/// An endpoint-to-be: display categories and interfaces.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub categories: Vec<&'static str>,
    pub caps: Vec<Cap>,
}

impl Device {
    /// The capability for `interface` (and `instance`, for multi-instance controllers).
    pub fn cap(&self, interface: &str, instance: Option<&str>) -> Option<&Cap> {
        self.caps.iter().find(|c| {
            // A cover's Stop carries Home Assistant's `cover.stop` instance; a directive
            // without one still means it (PlaybackController is not multi-instance).
            let lenient = instance.is_none() && matches!(c, Cap::Playback { .. });
            c.interface() == interface
                && (c.instance().is_none() || c.instance() == instance || lenient)
        })
    }

    pub fn has(&self, interface: &str) -> bool {
        self.caps.iter().any(|c| c.interface() == interface)
    }
}

/// Typed attribute access.
pub trait Attrs {
    fn attr(&self, name: &str) -> Option<&Value>;
    fn f64_attr(&self, name: &str) -> Option<f64>;
    fn str_attr(&self, name: &str) -> Option<&str>;
    fn list_attr(&self, name: &str) -> Vec<String>;
    fn features(&self) -> u64;
    fn supports(&self, bit: u64) -> bool {
        self.features() & bit != 0
    }
    fn device_class(&self) -> Option<&str> {
        self.str_attr("device_class")
    }
    fn state_f64(&self) -> Option<f64>;
}

impl Attrs for State {
    fn attr(&self, name: &str) -> Option<&Value> {
        self.attributes.get(name).filter(|v| !v.is_null())
    }

    fn f64_attr(&self, name: &str) -> Option<f64> {
        match self.attr(name)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|v: &f64| v.is_finite())
    }

    fn str_attr(&self, name: &str) -> Option<&str> {
        self.attr(name).and_then(Value::as_str)
    }

    fn list_attr(&self, name: &str) -> Vec<String> {
        self.attr(name)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn features(&self) -> u64 {
        self.attr("supported_features")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }

    fn state_f64(&self) -> Option<f64> {
        self.state
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
    }
}
