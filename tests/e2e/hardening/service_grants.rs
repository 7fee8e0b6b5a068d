//! What the Home Assistant grant keys allow, checked on the real Home Assistant: wildcard
//! service patterns never reach the `homeassistant` meta-domain (a switch the guest tried
//! to toggle through it keeps its state), `render-template` needs `templates` and takes
//! at most 8 KiB, and the states a service call changed go back only to a component
//! that may read states. `homeassistant.stop` is tried against a recording stand-in,
//! never against the harness.

use std::time::Duration;

use lee_e2e::echo_server::{EchoServer, Reply};
use lee_e2e::in_process::{self, Handled, gateway_at, runtime};
use lee_e2e::{ComponentsDir, HomeAssistant, hostile, serial};
use serde_json::{Value, json};

const SWITCH: &str = "switch.decorative_lights";

/// The host (in process) with hostile under the Home Assistant grant lines `grants`.
struct Probe {
    rt: tokio::runtime::Runtime,
    gateway: lee::gateway::Gateway,
    _dir: ComponentsDir,
}

impl Probe {
    fn new(grants: &str) -> Self {
        Self::at(grants, &HomeAssistant::get().url)
    }

    /// Against Home Assistant at `url`.
    fn at(grants: &str, url: &str) -> Self {
        let dir = hostile::under(&format!("{grants}\n{}", hostile::LOADS), 5000);
        Self {
            rt: runtime(),
            gateway: gateway_at(&dir.path(), url),
            _dir: dir,
        }
    }

    fn run(&self, event: Value) -> Handled {
        in_process::handle(&self.rt, &self.gateway, event)
    }

    /// `lee:test-call` of `domain.service` on `entity_id`.
    fn call(&self, domain: &str, service: &str, entity_id: &str) -> Handled {
        self.run(json!({
            "lee": "test-call",
            "domain": domain,
            "service": service,
            "data": {"entity_id": entity_id},
        }))
    }

    fn template(&self, template: &str) -> Handled {
        self.run(json!({"lee": "test-template", "template": template}))
    }
}

fn switch_state() -> String {
    HomeAssistant::get().state(SWITCH).expect("switch state")["state"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn set_switch(on: bool) {
    let ha = HomeAssistant::get();
    let (service, state) = if on {
        ("turn_on", "on")
    } else {
        ("turn_off", "off")
    };
    ha.call_service("switch", service, json!({"entity_id": SWITCH}))
        .expect("switch service");
    ha.wait_for(SWITCH, |s| s["state"] == state)
        .expect("switch reached its state");
}

fn assert_denied(outcome: &Handled, what: &str) {
    assert_eq!(
        outcome.response["called"], false,
        "{what}: {}",
        outcome.response
    );
    assert_eq!(
        outcome.response["outcome"]["error"], "denied",
        "{what}: {}",
        outcome.response
    );
    assert_eq!(
        outcome.timings.ha_calls, 0,
        "{what}: nothing reached Home Assistant"
    );
}

#[test]
fn wildcards_never_grant_homeassistant_toggle_only_the_full_name_does() {
    let _guard = serial();
    set_switch(true);
    for patterns in [r#"["*.toggle"]"#, r#"["*"]"#, r#"["homeassistant.*"]"#] {
        let probe = Probe::new(&format!("services = {patterns}"));
        assert_denied(&probe.call("homeassistant", "toggle", SWITCH), patterns);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(switch_state(), "on", "the switch was not toggled");

    // The same wildcard does grant the domain's own service: the probe really calls.
    let star_toggle = Probe::new(r#"services = ["*.toggle"]"#);
    let toggled = star_toggle.call("switch", "toggle", SWITCH);
    assert_eq!(toggled.response["called"], true, "{}", toggled.response);
    HomeAssistant::get()
        .wait_for(SWITCH, |s| s["state"] == "off")
        .expect("switch.toggle toggled it");

    let named = Probe::new(r#"services = ["homeassistant.toggle"]"#);
    let toggled = named.call("homeassistant", "toggle", SWITCH);
    assert_eq!(toggled.response["called"], true, "{}", toggled.response);
    HomeAssistant::get()
        .wait_for(SWITCH, |s| s["state"] == "on")
        .expect("homeassistant.toggle, granted by name, toggled it");
}

#[test]
fn star_does_not_grant_homeassistant_stop_only_the_full_name_does() {
    // A stand-in that answers every service call with no changed states.
    let stand_in = EchoServer::start(Reply::json("[]"));
    let stop_calls = || {
        stand_in
            .requests()
            .iter()
            .filter(|r| r.path == "/api/services/homeassistant/stop")
            .count()
    };
    let star = Probe::at(r#"services = ["*"]"#, &stand_in.url());
    assert_denied(&star.call("homeassistant", "stop", "all"), "*");
    assert_eq!(stop_calls(), 0, "{:?}", stand_in.requests());
    // `*` still reaches every ordinary domain.
    let light = star.call("light", "turn_on", "light.kitchen");
    assert_eq!(light.response["called"], true, "{}", light.response);
    assert!(
        stand_in
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.path == "/api/services/light/turn_on"),
        "{:?}",
        stand_in.requests()
    );

    let named = Probe::at(r#"services = ["homeassistant.stop"]"#, &stand_in.url());
    let stopped = named.call("homeassistant", "stop", "all");
    assert_eq!(stopped.response["called"], true, "{}", stopped.response);
    assert_eq!(stop_calls(), 1, "{:?}", stand_in.requests());
}

#[test]
fn render_template_needs_the_templates_grant() {
    let reader = Probe::new("read_states = true");
    let refused = reader.template("{{ 6 * 7 }}");
    assert_eq!(refused.response["error"], "denied", "{}", refused.response);
    assert!(
        refused.response["message"]
            .as_str()
            .unwrap_or_default()
            .contains("templates"),
        "{}",
        refused.response
    );
    assert_eq!(refused.timings.ha_calls, 0);

    // templates alone is enough, and Home Assistant renders it.
    let templater = Probe::new("templates = true");
    let rendered =
        templater.template("{{ 6 * 7 }} {{ states('input_boolean.guest_mode') in ['on', 'off'] }}");
    assert_eq!(
        rendered.response["rendered"], "42 True",
        "{}",
        rendered.response
    );
    assert_eq!(rendered.timings.ha_calls, 1);
}

#[test]
fn templates_over_8_kib_are_refused_without_reaching_home_assistant() {
    let probe = Probe::new("templates = true");
    let head = "{{ 'ok' }}";
    let at_limit = format!("{head}{}", "a".repeat(8192 - head.len()));
    assert_eq!(at_limit.len(), 8192);
    let rendered = probe.template(&at_limit);
    let text = rendered.response["rendered"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("okaaa") && text.len() == 8192 - head.len() + 2,
        "{}",
        rendered.response
    );
    assert_eq!(rendered.timings.ha_calls, 1);

    let over = format!("{at_limit}a");
    let refused = probe.template(&over);
    assert_eq!(
        refused.response["error"], "bad-request",
        "{}",
        refused.response
    );
    assert!(
        refused.response["message"]
            .as_str()
            .unwrap_or_default()
            .contains("limited to 8192 bytes (this one has 8193)"),
        "{}",
        refused.response
    );
    assert_eq!(
        refused.timings.ha_calls, 0,
        "nothing reached Home Assistant"
    );
}

#[test]
fn changed_states_go_back_only_to_a_component_that_may_read_states() {
    let _guard = serial();
    set_switch(true);
    let blind = Probe::new(r#"services = ["switch.*"]"#);
    let called = blind.call("switch", "toggle", SWITCH);
    assert_eq!(called.response["called"], true, "{}", called.response);
    assert_eq!(called.timings.ha_calls, 1);
    HomeAssistant::get()
        .wait_for(SWITCH, |s| s["state"] == "off")
        .expect("the call reached Home Assistant and toggled the switch");
    assert_eq!(called.response["changed"], 0, "{}", called.response);

    // The same call with read_states gets the switch's new state back.
    let reader = Probe::new("services = [\"switch.*\"]\nread_states = true");
    let called = reader.call("switch", "toggle", SWITCH);
    assert_eq!(called.response["called"], true, "{}", called.response);
    assert!(
        called.response["changed_ids"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|id| id == SWITCH)),
        "{}",
        called.response
    );
    HomeAssistant::get()
        .wait_for(SWITCH, |s| s["state"] == "on")
        .expect("toggled back on");
}
