//! The Discover.Response wire format: endpoints and capability objects serialised
//! straight from [`Cap`] with serde, without building a JSON tree first. Discovery of
//! a large home produces several hundred kilobytes of JSON; a `serde_json::Value` tree
//! of it cost one allocation per key and made discovery allocation-bound inside wasm.

use std::borrow::Cow;
use std::cell::Cell;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::json;

use crate::model::{Cap, ModeCap, Name, RangeCap, ThermostatCap};

thread_local! {
    /// Whether proactive events are on while endpoints are serialised (see
    /// [`with_proactive`]).
    static PROACTIVE: Cell<bool> = const { Cell::new(false) };
}

/// Serialises with `proactivelyReported` telling the truth: true for every reported
/// property (and the doorbell) when `lee reporter` holds the grant, false otherwise. A
/// scoped setting rather than a field, so every serialiser deep inside an endpoint sees
/// it without threading a flag through each of them.
pub fn with_proactive<T>(on: bool, f: impl FnOnce() -> T) -> T {
    let before = PROACTIVE.with(|p| p.replace(on));
    let out = f();
    PROACTIVE.with(|p| p.set(before));
    out
}

fn proactive() -> bool {
    PROACTIVE.with(Cell::get)
}

/// One discovery endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint<'a> {
    pub endpoint_id: String,
    pub friendly_name: String,
    pub description: String,
    pub display_categories: Vec<&'static str>,
    pub interfaces: Vec<Cap>,
    /// Locale of text friendly names in capability resources.
    pub locale: &'a str,
}

impl Serialize for Endpoint<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(7))?;
        m.serialize_entry("endpointId", &self.endpoint_id)?;
        m.serialize_entry("friendlyName", &self.friendly_name)?;
        m.serialize_entry("description", &self.description)?;
        m.serialize_entry("manufacturerName", "Home Assistant")?;
        m.serialize_entry("displayCategories", &self.display_categories)?;
        m.serialize_entry("cookie", &Empty {})?;
        m.serialize_entry("capabilities", &Interfaces(&self.interfaces, self.locale))?;
        m.end()
    }
}

#[derive(Serialize)]
struct Empty {}

struct Interfaces<'a>(&'a [Cap], &'a str);

impl Serialize for Interfaces<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for cap in self.0 {
            seq.serialize_element(&Interface {
                cap,
                locale: self.1,
            })?;
        }
        seq.end()
    }
}

/// One interface of an endpoint (Amazon's wire name: a "capability" object).
pub struct Interface<'a> {
    pub cap: &'a Cap,
    pub locale: &'a str,
}

/// The properties an interface reports: retrievable, and proactively reported exactly
/// when proactive events are on (the reporter sends a ChangeReport for each of them).
fn reported(cap: &Cap) -> Cow<'static, [&'static str]> {
    let fixed: &'static [&'static str] = match cap {
        Cap::Power => &["powerState"],
        Cap::Brightness => &["brightness"],
        Cap::Color => &["color"],
        Cap::ColorTemperature => &["colorTemperatureInKelvin"],
        Cap::TemperatureSensor => &["temperature"],
        Cap::Range(_) => &["rangeValue"],
        Cap::Mode(_) => &["mode"],
        Cap::Toggle(_) => &["toggleState"],
        Cap::Percentage => &["percentage"],
        Cap::PowerLevel => &["powerLevel"],
        Cap::Lock => &["lockState"],
        Cap::SecurityPanel { .. } => &["armState", "burglaryAlarm"],
        Cap::Speaker => &["volume", "muted"],
        Cap::Input { .. } => &["input"],
        Cap::ContactSensor | Cap::MotionSensor => &["detectionState"],
        Cap::PresenceDetection | Cap::Trigger => &["humanPresenceDetectionState"],
        Cap::Equalizer { .. } => &["mode"],
        Cap::EndpointHealth => &["connectivity"],
        Cap::Thermostat(t) => {
            let mut names = Vec::new();
            if t.single {
                names.push("targetSetpoint");
            }
            if t.dual {
                names.extend(["lowerSetpoint", "upperSetpoint"]);
            }
            if !t.modes.is_empty() {
                names.push("thermostatMode");
            }
            return Cow::Owned(names);
        }
        _ => &[],
    };
    Cow::Borrowed(fixed)
}

impl Serialize for Interface<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (cap, locale) = (self.cap, self.locale);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", "AlexaInterface")?;
        m.serialize_entry("interface", cap.interface())?;
        m.serialize_entry("version", "3")?;
        if let Some(instance) = cap.instance() {
            m.serialize_entry("instance", instance)?;
        }
        let properties = reported(cap);
        if !properties.is_empty() || matches!(cap, Cap::Thermostat(_)) {
            m.serialize_entry("properties", &Reportable(&properties))?;
        }
        match cap {
            Cap::Scene { deactivation } => {
                m.serialize_entry("supportsDeactivation", deactivation)?;
                m.serialize_entry("proactivelyReported", &false)?;
            }
            Cap::Thermostat(t) => m.serialize_entry("configuration", &ThermostatConfig(t))?,
            Cap::Range(r) => {
                m.serialize_entry("capabilityResources", &Resources(&r.names, locale))?;
                m.serialize_entry("configuration", &RangeConfig(r, locale))?;
                if let Some(semantics) = &r.semantics {
                    m.serialize_entry("semantics", semantics)?;
                }
            }
            Cap::Mode(mode) => {
                m.serialize_entry("capabilityResources", &Resources(&mode.names, locale))?;
                m.serialize_entry("configuration", &ModeConfig(mode, locale))?;
                if let Some(semantics) = &mode.semantics {
                    m.serialize_entry("semantics", semantics)?;
                }
            }
            Cap::Toggle(t) => {
                m.serialize_entry("capabilityResources", &Resources(&t.names, locale))?
            }
            Cap::SecurityPanel { arm_states, pin } => m.serialize_entry(
                "configuration",
                &SecurityConfig {
                    arm_states,
                    pin: *pin,
                },
            )?,
            Cap::Playback { operations, .. } => {
                m.serialize_entry("supportedOperations", operations)?
            }
            Cap::Equalizer { modes } => {
                m.serialize_entry("configurations", &crate::equalizer::Configurations(modes))?
            }
            Cap::Input { inputs } => m.serialize_entry("inputs", &Inputs(inputs))?,
            Cap::Doorbell => m.serialize_entry("proactivelyReported", &proactive())?,
            Cap::PresenceDetection => m.serialize_entry(
                "configuration",
                &json!({"detectionMethods": ["VIDEO"], "detectionModes": {
                    "humanPresence": {"featureAvailability": "ENABLED", "supportsNotDetected": true}}}),
            )?,
            // A press is a detection and there is no "not detected" (Home Assistant's
            // integration says the same for buttons).
            Cap::Trigger => m.serialize_entry(
                "configuration",
                &json!({"detectionMethods": ["AUDIO", "VIDEO"], "detectionModes": {
                    "humanPresence": {"featureAvailability": "ENABLED", "supportsNotDetected": false}}}),
            )?,
            Cap::TimeHold => {
                m.serialize_entry("configuration", &json!({"allowRemoteResume": true}))?
            }
            _ => {}
        }
        m.end()
    }
}

/// `{"supported": [{"name": ..}], "proactivelyReported": <mode>, "retrievable": true}`.
struct Reportable<'a>(&'a [&'static str]);

impl Serialize for Reportable<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Named {
            name: &'static str,
        }
        struct Supported<'a>(&'a [&'static str]);
        impl Serialize for Supported<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(|&name| Named { name }))
            }
        }
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("supported", &Supported(self.0))?;
        m.serialize_entry("proactivelyReported", &proactive())?;
        m.serialize_entry("retrievable", &true)?;
        m.end()
    }
}

/// Friendly names: catalog assets or text in the endpoint's locale.
struct Names<'a>(&'a [Name], &'a str);

impl Serialize for Names<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(tag = "@type", content = "value", rename_all = "lowercase")]
        enum Wire<'a> {
            Asset {
                #[serde(rename = "assetId")]
                asset_id: &'a str,
            },
            Text {
                text: &'a str,
                locale: &'a str,
            },
        }
        s.collect_seq(self.0.iter().map(|name| match name {
            Name::Asset(id) => Wire::Asset { asset_id: id },
            Name::Text(text) => Wire::Text {
                text,
                locale: self.1,
            },
        }))
    }
}

/// `{"friendlyNames": [...]}` (capability, mode and preset resources).
struct Resources<'a>(&'a [Name], &'a str);

impl Serialize for Resources<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("friendlyNames", &Names(self.0, self.1))?;
        m.end()
    }
}

struct ThermostatConfig<'a>(&'a ThermostatCap);

impl Serialize for ThermostatConfig<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("supportsScheduling", &false)?;
        if !self.0.modes.is_empty() {
            m.serialize_entry("supportedModes", &self.0.modes)?;
        }
        m.end()
    }
}

struct RangeConfig<'a>(&'a RangeCap, &'a str);

impl Serialize for RangeConfig<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Supported {
            minimum_value: f64,
            maximum_value: f64,
            precision: f64,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Preset<'a> {
            range_value: f64,
            preset_resources: Resources<'a>,
        }
        struct Presets<'a>(&'a [(f64, Vec<Name>)], &'a str);
        impl Serialize for Presets<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(|(value, names)| Preset {
                    range_value: *value,
                    preset_resources: Resources(names, self.1),
                }))
            }
        }
        let r = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(
            "supportedRange",
            &Supported {
                minimum_value: r.min,
                maximum_value: r.max,
                precision: r.precision,
            },
        )?;
        if let Some(unit) = r.unit {
            m.serialize_entry("unitOfMeasure", unit)?;
        }
        if !r.presets.is_empty() {
            m.serialize_entry("presets", &Presets(&r.presets, self.1))?;
        }
        m.end()
    }
}

struct ModeConfig<'a>(&'a ModeCap, &'a str);

impl Serialize for ModeConfig<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Mode<'a> {
            value: &'a str,
            mode_resources: Resources<'a>,
        }
        struct Modes<'a>(&'a ModeCap, &'a str);
        impl Serialize for Modes<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.modes.iter().map(|v| Mode {
                    value: &v.value,
                    mode_resources: Resources(&v.names, self.1),
                }))
            }
        }
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("ordered", &self.0.ordered)?;
        m.serialize_entry("supportedModes", &Modes(self.0, self.1))?;
        m.end()
    }
}

struct SecurityConfig<'a> {
    arm_states: &'a [&'static str],
    pin: bool,
}

impl Serialize for SecurityConfig<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Valued {
            value: &'static str,
        }
        #[derive(Serialize)]
        struct Typed {
            r#type: &'static str,
        }
        let states: Vec<Valued> = self
            .arm_states
            .iter()
            .map(|&value| Valued { value })
            .collect();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("supportedArmStates", &states)?;
        if self.pin {
            m.serialize_entry(
                "supportedAuthorizationTypes",
                &[Typed {
                    r#type: "FOUR_DIGIT_PIN",
                }],
            )?;
        }
        m.end()
    }
}

struct Inputs<'a>(&'a [String]);

impl Serialize for Inputs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Input<'a> {
            name: &'a str,
        }
        s.collect_seq(self.0.iter().map(|name| Input { name }))
    }
}
