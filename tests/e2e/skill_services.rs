//! The `timers` and `notifications` components (built to
//! `target/test-components/<name>.wasm`, staged by `./build.sh test`) in a scratch components directory with
//! the manifest entries proposed for `components/lee.toml`, run by the real `lee` binary
//! against the real harness Home Assistant. Every check reads Home Assistant afterwards:
//! timer states and `finishes_at`, the media player the announcement went to, the notify
//! entity's last-sent time, the persistent notifications over the websocket API. Also:
//! a component granted only `timer.*` cannot turn off a light.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lee_e2e::{
    ComponentsDir, HOSTILE_HTTP_GRANT, HomeAssistant, Lee, assert_light_off_is_denied,
    hostile_components_granted, intent, serial, test_component,
};
use serde_json::{Value, json};

/// The timers and notifications manifest entries (notifications with a test config: the
/// harness has the demo TTS platform's `tts.demo_say` and the demo `notify.notifier`).
const MANIFEST: &str = r#"
[[component]]
id = "timers"
file = "timers.wasm"
version = "0.1.0"
routes = ["skill:ManageTimer", "skill:TimerStatus"]
[component.grants]
services = ["timer.start", "timer.pause", "timer.cancel", "timer.finish"]
read_states = true
[component.limits]
memory_mib = 32
timeout_ms = 5000

[[component]]
id = "notifications"
file = "notifications.wasm"
version = "0.1.0"
routes = [
    "skill:MakeAnnouncement",
    "skill:SendNotification",
    "skill:CreatePersistentNotification",
    "skill:DismissNotifications",
]
[component.grants]
services = [
    "tts.demo_say",
    "notify.send_message",
    "persistent_notification.create",
    "persistent_notification.dismiss_all",
]
read_states = true
[component.limits]
memory_mib = 32
timeout_ms = 5000
[component.config]
tts_service = "tts.demo_say"
announce_players = ["media_player.bedroom"]
notify_service = "notify.send_message"
notify_entity = ["notify.notifier"]
"#;

fn components() -> &'static ComponentsDir {
    static DIR: OnceLock<ComponentsDir> = OnceLock::new();
    DIR.get_or_init(|| {
        ComponentsDir::new(
            MANIFEST,
            &[
                ("timers.wasm", test_component("timers")),
                ("notifications.wasm", test_component("notifications")),
            ],
        )
        .expect("components dir")
    })
}

fn say(name: &str, slots: &[(&str, &str)]) -> String {
    say_with(components().lee(), name, slots)
}

fn say_with(lee: Lee, name: &str, slots: &[(&str, &str)]) -> String {
    let run = lee.invoke(&intent(name, slots)).expect("lee invoke");
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        !run.speech().is_empty(),
        "no speech: {} / {}",
        run.response,
        run.stderr
    );
    run.speech()
}

/// Unix seconds of an ISO-8601 timestamp with an offset, as Home Assistant writes them.
fn unix_seconds(text: &str) -> f64 {
    let days = {
        let (y, m, d): (i64, i64, i64) = (
            text[0..4].parse().expect("year"),
            text[5..7].parse().expect("month"),
            text[8..10].parse().expect("day"),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    };
    let clock = &text[11..];
    let end = clock.find(['+', '-', 'Z']).unwrap_or(clock.len());
    let parts: Vec<f64> = clock[..end]
        .split(':')
        .map(|p| p.parse().expect("clock part"))
        .collect();
    let offset = match clock.get(end..end + 6) {
        Some(o) if o.len() == 6 => {
            let sign = if o.starts_with('-') { -1.0 } else { 1.0 };
            sign * (o[1..3].parse::<f64>().expect("h") * 3600.0
                + o[4..6].parse::<f64>().expect("m") * 60.0)
        }
        _ => 0.0,
    };
    days as f64 * 86_400.0 + parts[0] * 3600.0 + parts[1] * 60.0 + parts[2] - offset
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64()
}

fn reset_timers(ha: &HomeAssistant) {
    for timer in ["timer.laundry", "timer.tea"] {
        ha.call_service("timer", "cancel", json!({"entity_id": timer}))
            .expect("cancel");
        ha.wait_for(timer, |s| s["state"] == "idle").expect("idle");
    }
}

#[test]
fn start_status_pause_resume_cancel_a_timer() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    reset_timers(ha);

    let started = now();
    let answer = say(
        "ManageTimer",
        &[
            ("TimerAction", "start"),
            ("TimerName", "laundry"),
            ("Duration", "PT1H30M"),
        ],
    );
    assert_eq!(
        answer,
        "Started the Laundry timer for 1 hour and 30 minutes."
    );
    let state = ha
        .wait_for("timer.laundry", |s| s["state"] == "active")
        .unwrap();
    assert_eq!(state["attributes"]["duration"], "1:30:00", "{state}");
    let finishes = unix_seconds(state["attributes"]["finishes_at"].as_str().unwrap());
    let left = finishes - started;
    assert!((5390.0..=5401.0).contains(&left), "{left} s left: {state}");

    let status = say("TimerStatus", &[("TimerName", "the laundry")]);
    assert_eq!(status, "The Laundry timer has 1 hour and 30 minutes left.");

    let paused = say(
        "ManageTimer",
        &[("TimerAction", "pause"), ("TimerName", "Laundry")],
    );
    assert_eq!(
        paused,
        "Paused the Laundry timer with 1 hour and 30 minutes left."
    );
    let state = ha
        .wait_for("timer.laundry", |s| s["state"] == "paused")
        .unwrap();
    let remaining = state["attributes"]["remaining"].as_str().unwrap();
    assert!(
        remaining.starts_with("1:29:") || remaining == "1:30:00",
        "{state}"
    );

    // No name: the only paused timer is meant.
    assert_eq!(
        say("TimerStatus", &[]),
        "The Laundry timer is paused with 1 hour and 30 minutes left."
    );
    let resumed = say("ManageTimer", &[("TimerAction", "resume")]);
    assert_eq!(
        resumed,
        "Resumed the Laundry timer with 1 hour and 30 minutes left."
    );
    ha.wait_for("timer.laundry", |s| s["state"] == "active")
        .unwrap();

    let cancelled = say(
        "ManageTimer",
        &[("TimerAction", "stop"), ("TimerName", "laundry")],
    );
    assert_eq!(cancelled, "Cancelled the Laundry timer.");
    ha.wait_for("timer.laundry", |s| s["state"] == "idle")
        .unwrap();
    assert_eq!(say("TimerStatus", &[]), "No timers are running.");
}

#[test]
fn durations_in_every_form_reach_home_assistant() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    for (spoken, expected, speech) in [
        ("5 minutes", "0:05:00", "5 minutes"),
        ("1 hour 30 minutes", "1:30:00", "1 hour and 30 minutes"),
        ("PT45M", "0:45:00", "45 minutes"),
        ("00:02:30", "0:02:30", "2 minutes and 30 seconds"),
        ("an hour and a half", "1:30:00", "1 hour and 30 minutes"),
    ] {
        reset_timers(ha);
        let answer = say(
            "ManageTimer",
            &[
                ("TimerAction", "start"),
                ("TimerName", "tea"),
                ("Duration", spoken),
            ],
        );
        assert_eq!(answer, format!("Started the Tea timer for {speech}."));
        let state = ha
            .wait_for("timer.tea", |s| s["state"] == "active")
            .unwrap();
        assert_eq!(
            state["attributes"]["duration"], expected,
            "{spoken}: {state}"
        );
    }
    // Finish: the only running timer, no name needed.
    assert_eq!(
        say("ManageTimer", &[("TimerAction", "finish")]),
        "Finished the Tea timer."
    );
    ha.wait_for("timer.tea", |s| s["state"] == "idle").unwrap();
    // A duration alone starts the timer; an unknown duration changes nothing.
    let answer = say("ManageTimer", &[("TimerName", "tea"), ("Duration", "soon")]);
    assert_eq!(answer, "Sorry, I didn't understand soon as a duration.");
    assert_eq!(ha.state("timer.tea").unwrap()["state"], "idle");
    reset_timers(ha);
}

#[test]
fn unknown_timer_and_missing_action_change_nothing() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    reset_timers(ha);
    let answer = say(
        "ManageTimer",
        &[("TimerAction", "start"), ("TimerName", "rocket launch")],
    );
    assert_eq!(answer, "I couldn't find a timer called rocket launch.");
    let run = components()
        .lee()
        .invoke(&intent("ManageTimer", &[("TimerName", "tea")]))
        .unwrap();
    assert_eq!(
        run.speech(),
        "I can start, pause, cancel or finish a timer. Which one?"
    );
    assert_eq!(run.response["response"]["shouldEndSession"], false);
    // No name and two idle timers: the skill asks which.
    let run = components()
        .lee()
        .invoke(&intent("ManageTimer", &[("TimerAction", "start")]))
        .unwrap();
    assert_eq!(run.speech(), "Which timer, Laundry or Tea?");
    assert_eq!(run.response["response"]["shouldEndSession"], false);
    assert_eq!(
        say(
            "ManageTimer",
            &[("TimerAction", "pause"), ("TimerName", "tea")]
        ),
        "The Tea timer isn't running."
    );
    for timer in ["timer.laundry", "timer.tea"] {
        assert_eq!(ha.state(timer).unwrap()["state"], "idle");
    }
}

#[test]
fn a_component_granted_only_timers_cannot_turn_off_a_light() {
    let _guard = serial();
    // hostile imports the http and cache interfaces: it needs some grant for each to load.
    let dir = hostile_components_granted(r#"["timer.*"]"#, HOSTILE_HTTP_GRANT, 2000);
    assert_light_off_is_denied(&dir);
}

/// Home Assistant's persistent notifications, over its websocket API.
fn persistent_notifications() -> Vec<Value> {
    use lee::capabilities::home_assistant::breaker::CircuitBreaker;
    use lee::capabilities::home_assistant::call::{CallContext, CallStats, Feed};
    use lee::capabilities::home_assistant::websocket::run_commands;
    let ha = HomeAssistant::get();
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("tls")
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let token = lee::settings::Secret::new(ha.token.clone());
    let stats = CallStats::default();
    let ctx = CallContext {
        token: &token,
        deadline: Instant::now() + Duration::from_secs(10),
        stats: &stats,
        breaker: Feed::Breaker,
    };
    let rt = lee_e2e::in_process::runtime();
    let results = rt
        .block_on(run_commands(
            &ha.url,
            std::sync::Arc::new(tls),
            &Default::default(),
            &CircuitBreaker::default(),
            ctx,
            &[json!({"type": "persistent_notification/get"})],
            None,
        ))
        .expect("persistent_notification/get");
    serde_json::from_str::<Vec<Value>>(results[0].get()).unwrap_or_default()
}

fn nonce() -> String {
    format!("{}", (now() * 1000.0) as u64 % 1_000_000_000)
}

#[test]
fn announcements_play_on_the_configured_or_named_speaker() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let message = format!("dinner is ready {}", nonce());
    let answer = say("MakeAnnouncement", &[("Message", &message)]);
    assert_eq!(answer, format!("Announced {message} on Bedroom."));
    let encoded = message.replace(' ', "+");
    ha.wait_for("media_player.bedroom", |s| {
        s["attributes"]["media_content_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("media-source://tts/demo") && id.contains(&encoded))
    })
    .unwrap();

    let message = format!("bedtime {}", nonce());
    let answer = say(
        "MakeAnnouncement",
        &[("Message", &message), ("Target", "the bedroom")],
    );
    assert_eq!(answer, format!("Announced {message} on Bedroom."));
    let encoded = message.replace(' ', "+");
    ha.wait_for("media_player.bedroom", |s| {
        s["attributes"]["media_content_id"]
            .as_str()
            .is_some_and(|id| id.contains(&encoded))
    })
    .unwrap();

    // The kitchen player cannot play media: refused before any call; nothing changes.
    let kitchen_before = ha.state("media_player.kitchen").unwrap()["attributes"].clone();
    assert_eq!(
        say(
            "MakeAnnouncement",
            &[("Message", "hello"), ("Target", "kitchen")]
        ),
        "Kitchen can't play announcements."
    );
    assert_eq!(
        ha.state("media_player.kitchen").unwrap()["attributes"]["media_content_id"],
        kitchen_before["media_content_id"]
    );
    assert_eq!(
        say(
            "MakeAnnouncement",
            &[("Message", "hello"), ("Target", "the garage")]
        ),
        "I couldn't find a speaker or room called the garage."
    );
    let run = components()
        .lee()
        .invoke(&intent("MakeAnnouncement", &[]))
        .unwrap();
    assert_eq!(run.speech(), "What should I announce?");
    assert_eq!(run.response["response"]["shouldEndSession"], false);
}

#[test]
fn notifications_reach_the_notify_entity_or_the_notification_panel() {
    let _guard = serial();
    let ha = HomeAssistant::get();
    let before = ha.state("notify.notifier").unwrap()["state"].clone();
    let message = format!("the laundry is done {}", nonce());
    assert_eq!(
        say("SendNotification", &[("Message", &message)]),
        format!("Sent the notification: {message}.")
    );
    // A notify entity's state is the time it last sent a message.
    ha.wait_for("notify.notifier", |s| s["state"] != before)
        .unwrap();

    // Without a notify service the notification goes to Home Assistant's panel.
    let fallback = components()
        .lee()
        .env("LEE_NOTIFICATIONS_NOTIFY_SERVICE", "");
    let message = format!("buy milk {}", nonce());
    assert_eq!(
        say_with(fallback, "SendNotification", &[("Message", &message)]),
        format!("Added a notification in Home Assistant: {message}.")
    );
    let found = persistent_notifications();
    let ours = found
        .iter()
        .find(|n| n["message"] == message)
        .unwrap_or_else(|| panic!("{message:?} not among {found:?}"));
    assert_eq!(ours["title"], "Alexa");

    let message = format!("water the plants {}", nonce());
    assert_eq!(
        say("CreatePersistentNotification", &[("Message", &message)]),
        format!("Added a notification in Home Assistant: {message}.")
    );
    assert!(
        persistent_notifications()
            .iter()
            .any(|n| n["message"] == message)
    );

    assert_eq!(
        say("DismissNotifications", &[]),
        "Cleared the notifications in Home Assistant."
    );
    let left = persistent_notifications();
    assert!(left.is_empty(), "still there: {left:?}");
}

#[test]
fn lee_components_lists_each_components_grants() {
    let dir = components().path();
    let listing = Lee::command(&["components", &dir.to_string_lossy()]).unwrap();
    assert_eq!(listing.status.code(), Some(0));
    let text = String::from_utf8_lossy(&listing.stdout);
    for expected in [
        r#""services":["timer.start","timer.pause","timer.cancel","timer.finish"]"#,
        r#""services":["tts.demo_say","notify.send_message","persistent_notification.create","persistent_notification.dismiss_all"]"#,
        r#"routes:  ["skill:ManageTimer","skill:TimerStatus"]"#,
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
}
