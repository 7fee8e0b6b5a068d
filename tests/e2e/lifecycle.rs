//! One long-lived host (as in a warm Lambda) serving several events: components load
//! lazily and the least recently used is unloaded beyond the resident cap; Home Assistant
//! reads are served from the cache only within the age a read accepts and only for a
//! token Home Assistant has accepted.

use lee_e2e::in_process::{gateway, handle, runtime, speech};
use lee_e2e::{ComponentsDir, HomeAssistant, intent};
use serde_json::Value;

/// A skill request that carries an account-linking token.
fn with_token(mut event: Value, token: &str) -> Value {
    event["context"]["System"]["user"]["accessToken"] = Value::String(token.into());
    event
}

#[test]
fn components_load_lazily_and_lru_unloads_beyond_the_cap() {
    let dir = ComponentsDir::copy_of_dist().unwrap();
    let manifest = dir.path().join("lee.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("resident_cap = 8", "resident_cap = 1");
    std::fs::write(&manifest, text).unwrap();
    let gateway = gateway(&dir.path());
    let rt = runtime();
    assert!(!gateway.registry().is_loaded("scripts"));
    assert!(!gateway.registry().is_loaded("automations"));

    let listed = handle(&rt, &gateway, intent("ListAutomations", &[]));
    assert!(
        speech(&listed).starts_with("You have"),
        "{}",
        listed.response
    );
    assert!(gateway.registry().is_loaded("automations"));
    let asked = handle(&rt, &gateway, intent("RunScript", &[]));
    assert_eq!(speech(&asked), "Which script should I run?");
    assert!(gateway.registry().is_loaded("scripts"));
    assert!(
        !gateway.registry().is_loaded("automations"),
        "evicted beyond the cap of 1"
    );

    let again = handle(&rt, &gateway, intent("ListAutomations", &[]));
    assert!(speech(&again).starts_with("You have"));
    let counters = gateway.registry().counters.describe();
    assert_eq!(counters["loads"], 3, "{counters}");
    assert_eq!(counters["unloads"], 2, "{counters}");
    assert_eq!(counters["instantiations"], 3, "{counters}");
}

#[test]
fn reads_come_from_the_cache_only_for_an_accepted_token() {
    let ha = HomeAssistant::get();
    let gateway = gateway(&lee_e2e::dist_components());
    let rt = runtime();
    let list = intent("ListAutomations", &[]);

    let first = handle(&rt, &gateway, with_token(list.clone(), &ha.token));
    assert!(speech(&first).starts_with("You have"));
    assert_eq!(first.timings.ha_calls, 1, "cold cache: one GET /api/states");
    let second = handle(&rt, &gateway, with_token(list.clone(), &ha.token));
    assert_eq!(speech(&second), speech(&first));
    assert_eq!(second.timings.ha_calls, 0, "warm cache, accepted token");

    // A token Home Assistant never accepted must not be answered from the cache.
    let stranger = handle(
        &rt,
        &gateway,
        with_token(list.clone(), "never-accepted-token"),
    );
    assert_eq!(stranger.timings.ha_calls, 1);
    assert!(
        speech(&stranger).contains("did not accept the account link"),
        "{}",
        stranger.response
    );
    // The accepted token still is.
    let third = handle(&rt, &gateway, with_token(list, &ha.token));
    assert_eq!(third.timings.ha_calls, 0);
}

#[test]
fn a_service_call_invalidates_what_it_touched() {
    let _guard = lee_e2e::serial();
    let gateway = gateway(&lee_e2e::dist_components());
    let rt = runtime();
    let warm = handle(&rt, &gateway, intent("ListAutomations", &[]));
    assert!(speech(&warm).starts_with("You have"));
    let disable = handle(
        &rt,
        &gateway,
        intent(
            "DisableAutomation",
            &[("AutomationName", "doorbell counter")],
        ),
    );
    assert_eq!(speech(&disable), "Doorbell Counter is disabled.");
    HomeAssistant::get()
        .wait_for("automation.doorbell_counter", |s| s["state"] == "off")
        .unwrap();
    // The listing was invalidated by the write, so this reads Home Assistant again.
    let listed = handle(&rt, &gateway, intent("ListAutomations", &[]));
    assert_eq!(listed.timings.ha_calls, 1);
    assert!(
        speech(&listed).contains("Doorbell Counter"),
        "{}",
        speech(&listed)
    );
    assert!(speech(&listed).contains("disabled"), "{}", speech(&listed));
    let enable = handle(
        &rt,
        &gateway,
        intent(
            "EnableAutomation",
            &[("AutomationName", "doorbell counter")],
        ),
    );
    assert_eq!(speech(&enable), "Doorbell Counter is enabled.");
}

#[test]
fn discovery_repeats_come_from_the_response_cache_for_an_accepted_token() {
    let ha = HomeAssistant::get();
    let gateway = gateway(&lee_e2e::dist_components());
    let rt = runtime();
    let discover = lee_e2e::directive("Alexa.Discovery", "Discover", None, serde_json::json!({}));
    let endpoints =
        |o: &lee_e2e::in_process::Handled| o.response["event"]["payload"]["endpoints"].clone();

    let first = handle(&rt, &gateway, discover.clone());
    assert!(!first.timings.cached);
    assert!(first.timings.ha_calls >= 1);
    assert!(endpoints(&first).as_array().is_some_and(|e| e.len() > 50));
    let instantiations = gateway.registry().counters.describe()["instantiations"].clone();

    let second = handle(&rt, &gateway, discover.clone());
    assert!(second.timings.cached, "served from the response cache");
    assert_eq!(second.timings.ha_calls, 0);
    assert_eq!(endpoints(&second), endpoints(&first));
    assert_ne!(
        second.response["event"]["header"]["messageId"],
        first.response["event"]["header"]["messageId"],
        "per-request fields are fresh"
    );
    lee_e2e::assert_alexa_valid(&second.response);
    assert_eq!(
        gateway.registry().counters.describe()["instantiations"],
        instantiations,
        "no component ran"
    );

    // Another token is never answered from this cache.
    let stranger = lee_e2e::directive_with_token(
        "Alexa.Discovery",
        "Discover",
        None,
        serde_json::json!({}),
        "never-accepted-token",
    );
    let refused = handle(&rt, &gateway, stranger);
    assert!(!refused.timings.cached);
    assert_eq!(
        refused.response["event"]["payload"]["type"], "INVALID_AUTHORIZATION_CREDENTIAL",
        "{}",
        refused.response
    );
    assert!(!ha.token.is_empty());
}
