//! X-Ray across the hop that matters: the real `dist/lee lambda` against the local Runtime
//! API and the real harness Home Assistant, with `AWS_XRAY_DAEMON_ADDRESS` pointing at a
//! fake daemon on 127.0.0.1. A sampled invocation (`Sampled=1`, as with `Tracing: Active`)
//! sends one subsegment for the component run, under the Lambda function segment named by
//! the trace header's `Parent`, and one per Home Assistant round trip (REST and websocket),
//! nested in it; every datagram arrives after the Runtime API received that invocation's
//! answer; no document carries the token, the URL's userinfo or its query. An unsampled
//! invocation sends nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lee_e2e::alexa::discovery_event;
use lee_e2e::lambda_api::{LambdaProcess, Posted, RuntimeApi, trace_id_for};
use lee_e2e::lambda_process::tail;
use lee_e2e::leaks::assert_absent;
use lee_e2e::xray_daemon::{Datagram, FakeDaemon};
use lee_e2e::{HomeAssistant, Lee, directive, intent};
use serde_json::{Value, json};

const USER: &str = "lee-xray-user-5d1e";
const PASSWORD: &str = "lee-xray-pass-8b07";

fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// Root and Parent of the header the API hands out with `request_id`.
fn header_parts(request_id: &str) -> (String, String) {
    let header = trace_id_for(request_id);
    let field = |name: &str| {
        header
            .split(';')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .map(str::to_string)
            .unwrap_or_default()
    };
    (field("Root"), field("Parent"))
}

/// Runs `lee lambda` over `events` with the fake daemon; returns what was posted and the
/// datagrams received once the process went quiet.
fn run(
    trace: fn(&str) -> String,
    events: Vec<(String, Value)>,
    daemon: &FakeDaemon,
    configured_token: bool,
) -> (Vec<Posted>, Vec<Datagram>, String) {
    let ha = HomeAssistant::get();
    let url = ha.url.replacen("://", &format!("://{USER}:{PASSWORD}@"), 1);
    let lee = Lee::dist()
        .env("HOME_ASSISTANT_URL", &url)
        .env("AWS_XRAY_DAEMON_ADDRESS", &daemon.address)
        .env("LEE_LOG", "info");
    let mut lee = lee;
    if !configured_token {
        // Only the directives' own token: no cache warm-up in the init phase.
        lee.env.retain(|(name, _)| name != "HOME_ASSISTANT_TOKEN");
    }
    let expected = events.len();
    let api = RuntimeApi::start_traced(events, trace);
    let process = LambdaProcess::spawn(&lee, &api).expect("spawn lee lambda");
    let posted = api.wait_for_results(expected, Duration::from_secs(60));
    let received = daemon.settle(Duration::from_millis(300), Duration::from_secs(5));
    let stderr = process.finish();
    assert_eq!(posted.len(), expected, "{posted:?}\n{}", tail(&stderr));
    (posted, received, stderr)
}

#[test]
fn sampled_invocations_send_nested_subsegments_after_the_answer() {
    let ha = HomeAssistant::get();
    let daemon = FakeDaemon::start();
    let ids = ["req-xray-weather", "req-xray-discovery", "req-xray-turn-on"];
    let events = vec![
        (
            ids[0].to_string(),
            intent("GetWeather", &[("Day", "today")]),
        ),
        (ids[1].to_string(), discovery_event()),
        (
            ids[2].to_string(),
            directive(
                "Alexa.PowerController",
                "TurnOn",
                Some("light#bed_light"),
                json!({}),
            ),
        ),
    ];
    let started = epoch_now();
    let (posted, received, stderr) = run(trace_id_for, events, &daemon, true);
    let finished = epoch_now();
    for p in &posted {
        assert_eq!(p.kind, "response", "{p:?}");
    }

    // Every datagram is a document the daemon accepts, with nothing secret in it.
    let mut docs: Vec<(&Datagram, &Value)> = Vec::new();
    for datagram in &received {
        match &datagram.document {
            Ok(doc) => docs.push((datagram, doc)),
            Err(why) => panic!("the daemon would drop {:?}: {why}", datagram.raw),
        }
        for secret in [ha.token.as_str(), USER, PASSWORD] {
            assert_absent(&datagram.raw, secret, "an X-Ray document");
        }
        assert!(
            !datagram.raw.contains("return_response"),
            "{}",
            datagram.raw
        );
    }
    let unique: BTreeSet<&str> = docs
        .iter()
        .map(|(_, d)| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(unique.len(), docs.len(), "subsegment ids are unique");

    for id in ids {
        let (root, function_segment) = header_parts(id);
        let answered = posted
            .iter()
            .find(|p| p.request_id == id)
            .expect("posted")
            .received;
        let mine: Vec<&(&Datagram, &Value)> = docs
            .iter()
            .filter(|(_, d)| d["trace_id"] == root.as_str())
            .collect();
        // Sent after the answer reached the Runtime API, never before.
        for (datagram, doc) in &mine {
            assert!(
                datagram.at >= answered,
                "{id}: {} arrived {:?} before the answer",
                doc["name"],
                answered - datagram.at
            );
        }
        let components: Vec<&Value> = mine
            .iter()
            .map(|(_, d)| *d)
            .filter(|d| d["parent_id"] == function_segment.as_str())
            .collect();
        assert_eq!(
            components.len(),
            1,
            "{id}: one component subsegment under the function segment: {mine:?}\n{}",
            tail(&stderr)
        );
        let component = components[0];
        let (c_start, c_end) = times(component);
        assert!(
            started <= c_start && c_end <= finished && c_end > c_start,
            "{id}: component times {c_start}..{c_end} outside the run {started}..{finished}"
        );
        assert!(component["annotations"]["route"].is_string(), "{component}");
        assert!(component.get("fault").is_none(), "{id}: {component}");
        let calls: Vec<&Value> = mine
            .iter()
            .map(|(_, d)| *d)
            .filter(|d| d["parent_id"] == component["id"])
            .collect();
        assert_eq!(
            calls.len() + 1,
            mine.len(),
            "{id}: every other subsegment is a Home Assistant call in the component run"
        );
        for call in &calls {
            assert_eq!(call["name"], "Home Assistant", "{call}");
            assert_eq!(call["namespace"], "remote", "{call}");
            let url = call["http"]["request"]["url"].as_str().expect("url");
            let base = ha.url.replace("http://", "").replace("https://", "");
            assert!(
                url.contains(&base) && !url.contains('?') && !url.contains('@'),
                "{url}"
            );
            let (start, end) = times(call);
            // Nested: within the component run (1 ms for float rounding).
            assert!(
                start + 1e-3 >= c_start && end <= c_end + 1e-3 && end >= start,
                "{id}: call {start}..{end} outside the component {c_start}..{c_end}"
            );
            assert!(call.get("fault").is_none(), "{id}: {call}");
        }
        let methods: BTreeMap<String, usize> = calls.iter().fold(BTreeMap::new(), |mut m, c| {
            let key = format!(
                "{} {}",
                c["http"]["request"]["method"].as_str().unwrap_or("?"),
                c["http"]["request"]["url"]
                    .as_str()
                    .unwrap_or("?")
                    .rsplit_once(base_host(&ha.url))
                    .map(|(_, path)| path)
                    .unwrap_or("?")
            );
            *m.entry(key).or_default() += 1;
            m
        });
        match id {
            "req-xray-weather" => {
                assert_eq!(component["name"], "weather", "{component}");
                assert!(
                    !calls.is_empty(),
                    "{id}: the component called Home Assistant"
                );
                assert!(
                    methods.contains_key("POST /api/services/weather/get_forecasts"),
                    "{methods:?}"
                );
            }
            "req-xray-discovery" => {
                // Discovery reads the states and registries the init phase cached: the
                // component run may make no round trip at all.
                assert_eq!(component["name"], "alexa-smart-home", "{component}");
            }
            _ => {
                assert_eq!(component["name"], "alexa-smart-home", "{component}");
                assert!(
                    methods
                        .keys()
                        .any(|k| k.starts_with("POST /api/services/light/turn_on")),
                    "{methods:?}"
                );
            }
        }
        for call in calls.iter().filter(|c| {
            c["http"]["request"]["url"]
                .as_str()
                .unwrap_or_default()
                .starts_with("http")
        }) {
            assert!(
                call["http"]["response"]["status"]
                    .as_u64()
                    .is_some_and(|s| (200..300).contains(&s)),
                "{call}"
            );
        }
    }
    assert_eq!(
        docs.len(),
        received.len(),
        "every document belongs to one of the invocations"
    );
}

#[test]
fn unsampled_invocations_send_nothing() {
    let daemon = FakeDaemon::start();
    fn unsampled(request_id: &str) -> String {
        trace_id_for(request_id).replace("Sampled=1", "Sampled=0")
    }
    let events = vec![
        (
            "req-xray-off-weather".to_string(),
            intent("GetWeather", &[("Day", "today")]),
        ),
        ("req-xray-off-discovery".to_string(), discovery_event()),
    ];
    let (posted, received, stderr) = run(unsampled, events, &daemon, true);
    for p in &posted {
        assert_eq!(p.kind, "response", "{p:?}");
    }
    assert!(
        received.is_empty(),
        "nothing is sent when tracing is off: {received:?}\n{}",
        tail(&stderr)
    );
}

#[test]
fn a_cold_discovery_traces_its_websocket_session() {
    let ha = HomeAssistant::get();
    let daemon = FakeDaemon::start();
    let id = "req-xray-cold-discovery";
    let (posted, received, stderr) = run(
        trace_id_for,
        vec![(id.to_string(), discovery_event())],
        &daemon,
        false,
    );
    assert_eq!(posted[0].kind, "response", "{:?}", posted[0]);
    let (root, function_segment) = header_parts(id);
    let docs: Vec<&Value> = received
        .iter()
        .map(|d| match &d.document {
            Ok(doc) => doc,
            Err(why) => panic!("the daemon would drop {:?}: {why}", d.raw),
        })
        .collect();
    for datagram in &received {
        assert!(datagram.at >= posted[0].received, "sent after the answer");
        for secret in [ha.token.as_str(), USER, PASSWORD] {
            assert_absent(&datagram.raw, secret, "an X-Ray document");
        }
    }
    let component = docs
        .iter()
        .find(|d| d["parent_id"] == function_segment.as_str() && d["trace_id"] == root.as_str())
        .unwrap_or_else(|| panic!("no component subsegment: {docs:?}\n{}", tail(&stderr)));
    let websocket: Vec<&&Value> = docs
        .iter()
        .filter(|d| {
            d["parent_id"] == component["id"]
                && d["http"]["request"]["url"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("ws://") && u.ends_with("/api/websocket"))
        })
        .collect();
    assert!(
        !websocket.is_empty(),
        "the registries came over the websocket, traced: {docs:?}"
    );
    for session in websocket {
        assert_eq!(session["name"], "Home Assistant");
        assert!(session["metadata"]["lee"]["websocket_commands"].as_u64() >= Some(1));
        assert!(session.get("fault").is_none(), "{session}");
    }
}

fn times(doc: &Value) -> (f64, f64) {
    let start = doc["start_time"].as_f64().expect("start_time");
    let end = doc["end_time"].as_f64().expect("end_time");
    (start, end)
}

/// `host:port` of a base URL.
fn base_host(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split('/').next().unwrap_or(rest)
}
