//! Property tests of the event path (issue 10): arbitrary JSON never panics the
//! classifier, and every Alexa-shaped input — directives with any namespace, name,
//! version, endpoint and payload; custom-skill requests with any type, intent and
//! slots — gets an answer in its protocol, Smart Home answers valid against Amazon's
//! schema. The gateway is the real host with the real components, in process, against a
//! generated home on 127.0.0.1 (services there change nothing, so any directive is safe).
//!
//! `LEE_PROPTEST_CASES` sets the cases per property (default 256).

use std::sync::OnceLock;

use lee::event::Event;
use lee::router;
use lee_e2e::assert_alexa_valid;
use lee_e2e::in_process::runtime;
use lee_e2e::static_home::{Shape, StaticHome, TOKEN};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn cases() -> u32 {
    std::env::var("LEE_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

struct World {
    home: StaticHome,
    gateway: lee::gateway::Gateway,
    rt: tokio::runtime::Runtime,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let home = StaticHome::start(Shape {
            entities: 160,
            padding: 0,
        });
        let url = home.url();
        let settings = lee::settings::Settings::from_lookup(|name| match name {
            "HOME_ASSISTANT_URL" => Some(url.clone()),
            "HOME_ASSISTANT_TOKEN" => Some(TOKEN.to_string()),
            _ => None,
        })
        .expect("settings");
        let gateway = lee::gateway::Gateway::new(
            settings,
            &lee_e2e::dist_components(),
            lee::capabilities::MetricsSink::Discard,
        )
        .expect("gateway");
        World {
            home,
            gateway,
            rt: runtime(),
        }
    })
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const NAMESPACES: &[&str] = &[
    "Alexa",
    "Alexa.Discovery",
    "Alexa.PowerController",
    "Alexa.BrightnessController",
    "Alexa.ColorController",
    "Alexa.ColorTemperatureController",
    "Alexa.ThermostatController",
    "Alexa.RangeController",
    "Alexa.ModeController",
    "Alexa.ToggleController",
    "Alexa.LockController",
    "Alexa.Speaker",
    "Alexa.StepSpeaker",
    "Alexa.PlaybackController",
    "Alexa.InputController",
    "Alexa.SceneController",
    "Alexa.Authorization",
    "Alexa.PercentageController",
    "Alexa.SecurityPanelController",
    "Alexa.Cooking",
];
const NAMES: &[&str] = &[
    "Discover",
    "ReportState",
    "TurnOn",
    "TurnOff",
    "SetBrightness",
    "AdjustBrightness",
    "SetColor",
    "SetColorTemperature",
    "IncreaseColorTemperature",
    "SetTargetTemperature",
    "AdjustTargetTemperature",
    "SetThermostatMode",
    "SetRangeValue",
    "AdjustRangeValue",
    "SetMode",
    "AdjustMode",
    "Lock",
    "Unlock",
    "SetVolume",
    "AdjustVolume",
    "SetMute",
    "Play",
    "Pause",
    "SelectInput",
    "Activate",
    "Deactivate",
    "AcceptGrant",
    "SetPercentage",
    "Arm",
    "Disarm",
];

/// A name from the list, or anything.
fn pick(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(list).prop_map(str::to_string),
        1 => ".{0,40}",
    ]
}

fn endpoint_id() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        (0usize..160).prop_map(|i| {
            let id = world().home.documents.entity_ids[i].clone();
            Some(id.replacen('.', "#", 1))
        }),
        // Any id Amazon could send: 1-256 of the characters its schema allows.
        "[a-zA-Z0-9_#=;:?@&-]{1,64}".prop_map(Some),
    ]
}

fn directive() -> impl Strategy<Value = Value> {
    (
        pick(NAMESPACES),
        pick(NAMES),
        prop_oneof![4 => Just("3".to_string()), 1 => ".{0,4}"],
        endpoint_id(),
        proptest::option::of(".{0,16}"),
        json_value(),
        any::<bool>(),
    )
        .prop_map(|(ns, name, version, endpoint, instance, payload, token)| {
            let mut header = json!({"namespace": ns, "name": name, "payloadVersion": version,
                "messageId": "prop", "correlationToken": "prop-token"});
            if let Some(instance) = instance {
                header["instance"] = json!(instance);
            }
            let mut directive = json!({"header": header, "payload": payload});
            if let Some(id) = endpoint {
                let mut e = json!({"endpointId": id, "cookie": {}});
                if token {
                    e["scope"] = json!({"type": "BearerToken", "token": TOKEN});
                }
                directive["endpoint"] = e;
            }
            json!({"directive": directive})
        })
}

const REQUEST_TYPES: &[&str] = &[
    "IntentRequest",
    "LaunchRequest",
    "SessionEndedRequest",
    "CanFulfillIntentRequest",
];
const INTENTS: &[&str] = &[
    "RunScript",
    "ListAutomations",
    "TriggerAutomation",
    "ControlArea",
    "ListAreas",
    "ActivateScene",
    "SetInputHelper",
    "GetInputHelper",
    "TurnOnDevice",
    "GetDeviceState",
    "ManageTimer",
    "TimerStatus",
    "GetSensorValue",
    "SetClimate",
    "GetWeather",
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.FallbackIntent",
    "OrderPizza",
];

fn skill_request() -> impl Strategy<Value = Value> {
    (
        pick(REQUEST_TYPES),
        pick(INTENTS),
        prop::collection::btree_map("[A-Za-z]{1,12}", ".{0,20}", 0..4),
        prop_oneof![Just("en-US".to_string()), ".{0,6}"],
    )
        .prop_map(|(kind, intent, slots, locale)| {
            let slots: Map<String, Value> = slots
                .into_iter()
                .map(|(k, v)| (k.clone(), json!({"name": k, "value": v})))
                .collect();
            json!({"version": "1.0",
                "session": {"new": true, "sessionId": "s", "attributes": {}},
                "request": {"type": kind, "requestId": "r", "locale": locale,
                    "intent": {"name": intent, "slots": slots}}})
        })
}

fn handle(event: Value) -> Value {
    let w = world();
    let outcome =
        w.rt.block_on(
            w.gateway
                .handle(Event::from_json(event.clone()), "prop", None),
        )
        .unwrap_or_else(|e| panic!("an Alexa-shaped event was refused ({e}): {event}"));
    outcome.response.json()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_classifier_takes_any_json_without_panicking(event in json_value()) {
        let _ = router::classify(&event);
    }

    #[test]
    fn every_directive_gets_a_schema_valid_smart_home_answer(event in directive()) {
        let answer = handle(event);
        assert_alexa_valid(&answer);
    }

    #[test]
    fn every_skill_request_gets_a_spoken_answer(event in skill_request()) {
        let answer = handle(event.clone());
        prop_assert_eq!(&answer["version"], "1.0", "{}", answer);
        prop_assert!(answer["response"].is_object(), "{} for {}", answer, event);
    }
}
