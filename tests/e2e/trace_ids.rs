//! Every log line of a Lambda invocation carries that invocation's X-Ray trace id (the
//! Runtime API's `Lambda-Runtime-Trace-Id`) and request id, so an operator can go from a
//! CloudWatch line to the X-Ray trace and back. The real `dist/lee lambda` runs against
//! the local Runtime API, which hands out a distinct trace id per event, and the real
//! harness Home Assistant; log lines of the host and of the components alike are checked.

use std::time::Duration;

use lee_e2e::alexa::discovery_event;
use lee_e2e::lambda_api::trace_id_for;
use lee_e2e::lambda_process::{run_lambda, tail};
use lee_e2e::{HomeAssistant, dist_components, intent};
use serde_json::Value;

#[test]
fn every_line_of_an_invocation_carries_its_trace_id() {
    let ha = HomeAssistant::get();
    let env = [
        ("HOME_ASSISTANT_URL", ha.url.as_str()),
        ("HOME_ASSISTANT_TOKEN", ha.token.as_str()),
        ("LEE_LOG", "debug"),
    ];
    let ids = ["req-trace-skill", "req-trace-discovery", "req-trace-health"];
    let events = vec![
        (ids[0].to_string(), intent("ListAutomations", &[])),
        (ids[1].to_string(), discovery_event()),
        (ids[2].to_string(), serde_json::json!({"lee": "health"})),
    ];
    let run = run_lambda(&dist_components(), &env, events, Duration::from_secs(60));
    let lines: Vec<Value> = run
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(!lines.is_empty(), "{}", tail(&run.stderr));
    for id in ids {
        let expected = trace_id_for(id);
        // Lines that name the request (the host's and the components' own) ...
        let named: Vec<&Value> = lines
            .iter()
            .filter(|l| l["fields"]["request_id"] == id)
            .collect();
        assert!(
            named
                .iter()
                .any(|l| l["fields"]["message"] == "invocation done"),
            "{id}: {}",
            tail(&run.stderr)
        );
        // ... and every line written inside the invocation carry its trace id.
        let inside: Vec<&Value> = lines
            .iter()
            .filter(|l| l["span"]["request_id"] == id)
            .collect();
        for line in named.iter().chain(inside.iter()) {
            assert_eq!(
                line["span"]["trace_id"].as_str(),
                Some(expected.as_str()),
                "{id}: {line}"
            );
        }
        assert!(
            inside.len() >= named.len() && inside.len() >= 2,
            "{id}: the debug lines of the invocation are in its span: {}",
            tail(&run.stderr)
        );
    }
    // A component's own log line (alexa-smart-home's "discovery") is inside the span too.
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["component"] == "alexa-smart-home"
                && l["span"]["trace_id"] == trace_id_for(ids[1])),
        "{}",
        tail(&run.stderr)
    );
}
