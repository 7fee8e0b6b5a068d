//! The `notifications` feature component: announcements on speakers, notifications to
//! people, and Home Assistant's own (persistent) notifications, for the custom-skill
//! intents
//!
//! - `MakeAnnouncement{Message, Target}`: speaks `Message` through the configured TTS
//!   service on the media player(s) `Target` names (a player's name, else an area's
//!   players), or — without a target or for "everywhere" — on the configured players;
//! - `SendNotification{Message}`: through the configured notify service; when none is
//!   configured, as a persistent notification in Home Assistant (so it is never lost);
//! - `CreatePersistentNotification{Message}`: always a persistent notification;
//! - `DismissNotifications`: clears Home Assistant's persistent notifications.
//!
//! Config (manifest `config` table):
//! - `tts_service` (default `tts.speak`): `tts.speak` (with `tts_entity`, default the
//!   first `tts.*` entity), a legacy `tts.<platform>_say`, a `notify.<name>` service (e.g.
//!   `notify.alexa_media`, players passed as `target`), or `assist_satellite.announce`;
//! - `announce_players`: media player ids for "everywhere" (default: every available
//!   media player that can play media);
//! - `announce_extra`: a table merged into the announcement's service data (e.g.
//!   `{ data = { type = "announce" } }` for Alexa Media Player);
//! - `notify_service` (e.g. `notify.send_message` with `notify_entity`, default every
//!   `notify.*` entity; or a legacy `notify.mobile_app_phone`).
//!
//! Grants needed: the configured TTS and notify services, `persistent_notification.create`,
//! `persistent_notification.dismiss_all`, `read_states`.

pub mod speech;

use lee_sdk::areas::Directory;
use lee_sdk::dispatch::{Handler, Routes};
use lee_sdk::ha::{self, Freshness, State};
use lee_sdk::locale::{Phrases, fill, phrases};
use lee_sdk::matching::{Match, spoken_list};
use lee_sdk::resolve::{self, Lookup};
use lee_sdk::skill::{SkillRequest, SkillResponse};
use lee_sdk::{Failure, clock, config, log};
use serde_json::{Map, Value, json};

use crate::speech::Speech;

pub struct Notifications;

const ROUTES: Routes = &[
    ("skill:MakeAnnouncement", Handler::Skill(announce)),
    ("skill:SendNotification", Handler::Skill(send)),
    (
        "skill:CreatePersistentNotification",
        Handler::Skill(create_persistent),
    ),
    ("skill:DismissNotifications", Handler::Skill(dismiss)),
];

lee_sdk::component!(Notifications, ROUTES);

/// `MediaPlayerEntityFeature.PLAY_MEDIA`.
const FEATURE_PLAY_MEDIA: u64 = 512;

/// A service to call: domain, service, data.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub domain: String,
    pub service: String,
    pub data: Value,
}

/// `"tts.speak"` -> ("tts", "speak").
pub fn split_service(text: &str) -> Option<(String, String)> {
    let (domain, service) = text.trim().split_once('.')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    (ok(domain) && ok(service)).then(|| (domain.to_string(), service.to_string()))
}

/// The service call that announces `message` on `players` through `service`.
pub fn announcement_call(
    service: &str,
    tts_entity: Option<&str>,
    players: &[String],
    message: &str,
    extra: Option<&Map<String, Value>>,
) -> Option<Call> {
    let (domain, name) = split_service(service)?;
    let mut data = match (domain.as_str(), name.as_str()) {
        ("tts", "speak") => json!({
            "entity_id": tts_entity?,
            "media_player_entity_id": players,
            "message": message,
        }),
        ("notify", _) => json!({"message": message, "target": players}),
        _ => json!({"entity_id": players, "message": message}),
    };
    if let (Some(extra), Some(object)) = (extra, data.as_object_mut()) {
        for (key, value) in extra {
            object.insert(key.clone(), value.clone());
        }
    }
    Some(Call {
        domain,
        service: name,
        data,
    })
}

/// The service call that sends `message` to people through `service`.
pub fn notify_call(service: &str, targets: &[String], message: &str, title: &str) -> Option<Call> {
    let (domain, name) = split_service(service)?;
    let data = if domain == "notify" && name == "send_message" {
        json!({"entity_id": targets, "message": message, "title": title})
    } else {
        json!({"message": message, "title": title})
    };
    Some(Call {
        domain,
        service: name,
        data,
    })
}

/// Can this media player play media (and so announcements)?
pub fn plays_media(state: &State) -> bool {
    state
        .attributes
        .get("supported_features")
        .and_then(Value::as_u64)
        .is_some_and(|f| f & FEATURE_PLAY_MEDIA != 0)
}

/// Media players an announcement may go to by default.
pub fn default_players(states: &[State]) -> Vec<String> {
    states
        .iter()
        .filter(|s| s.domain() == "media_player" && s.is_available() && plays_media(s))
        .map(|s| s.entity_id.clone())
        .collect()
}

fn say(text: String) -> Result<String, Failure> {
    SkillResponse::say(text).into_result()
}

fn ask(text: &str) -> Result<String, Failure> {
    SkillResponse::ask(text, text).into_result()
}

fn ask_which(names: &[String], shared: &Phrases) -> Result<String, Failure> {
    ask(&shared.did_you_mean(names))
}

fn call(call: &Call) -> Result<(), Failure> {
    ha::call_service(&call.domain, &call.service, &call.data)?;
    log::info(
        "notification sent",
        &[("service", &format!("{}.{}", call.domain, call.service))],
    );
    Ok(())
}

/// The players a spoken target means, or what to answer instead.
enum Players {
    These(Vec<State>),
    Answer(Result<String, Failure>),
}

fn players_for(
    target: Option<&str>,
    states: &[State],
    speech: &Speech,
    shared: &Phrases,
) -> Result<Players, Failure> {
    let players: Vec<State> = states
        .iter()
        .filter(|s| s.domain() == "media_player")
        .cloned()
        .collect();
    let configured = config::get_list("announce_players").unwrap_or_default();
    // A player can announce when it plays media or the operator listed it.
    let capable = |p: &State| plays_media(p) || configured.contains(&p.entity_id);
    let everywhere = || {
        let ids = if configured.is_empty() {
            default_players(states)
        } else {
            configured.clone()
        };
        let chosen: Vec<State> = ids
            .iter()
            .filter_map(|id| players.iter().find(|p| &p.entity_id == id).cloned())
            .collect();
        if chosen.is_empty() {
            Players::Answer(say(speech.no_players.to_string()))
        } else {
            Players::These(chosen)
        }
    };
    let Some(target) = target.filter(|t| !speech.is_everywhere(t)) else {
        return Ok(everywhere());
    };
    match resolve::among(target, players.clone()) {
        Lookup::Found(player) if capable(&player) => return Ok(Players::These(vec![player])),
        Lookup::Found(player) => {
            let name = player.friendly_name();
            return Ok(Players::Answer(say(fill(
                speech.cannot_announce,
                &[("name", &name)],
            ))));
        }
        Lookup::Ambiguous(found) => {
            let names: Vec<String> = found.iter().take(4).map(State::friendly_name).collect();
            return Ok(Players::Answer(ask_which(&names, shared)));
        }
        Lookup::NotFound => {}
    }
    let directory = Directory::load()?;
    let not_found = || Players::Answer(say(shared.not_found(speech.thing, target)));
    Ok(match directory.find_area(target) {
        Match::Found(area) => {
            let here = directory.entities_in(&area.id);
            let in_area: Vec<State> = players
                .into_iter()
                .filter(|p| here.contains(&p.entity_id.as_str()) && capable(p))
                .collect();
            if in_area.is_empty() {
                not_found()
            } else {
                Players::These(in_area)
            }
        }
        Match::Ambiguous(areas) => {
            let names: Vec<String> = areas.iter().take(4).map(|a| a.name.clone()).collect();
            Players::Answer(ask_which(&names, shared))
        }
        Match::NotFound => not_found(),
    })
}

fn announce(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let shared = phrases(&request.locale);
    let Some(message) = request.slot("Message") else {
        return ask(speech.what_to_announce);
    };
    let states = ha::states(Freshness::ForLookup)?;
    let target = request.slot("Target");
    let players = match players_for(target.as_deref(), &states, speech, shared)? {
        Players::These(players) => players,
        Players::Answer(answer) => return answer,
    };
    let setting = |key: &str| config::get(key).filter(|v| !v.trim().is_empty());
    let service = setting("tts_service").unwrap_or_else(|| "tts.speak".to_string());
    let tts_entity = setting("tts_entity").or_else(|| {
        states
            .iter()
            .find(|s| s.domain() == "tts" && s.is_available())
            .map(|s| s.entity_id.clone())
    });
    let extra = match config::get_json("announce_extra") {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    };
    let ids: Vec<String> = players.iter().map(|p| p.entity_id.clone()).collect();
    let Some(call_spec) = announcement_call(
        &service,
        tts_entity.as_deref(),
        &ids,
        &message,
        extra.as_ref(),
    ) else {
        return match split_service(&service) {
            Some(_) => say(speech.no_tts_engine.to_string()),
            None => Err(Failure::Internal(format!(
                "tts_service {service:?} is not a domain.service name"
            ))),
        };
    };
    call(&call_spec)?;
    let text = if players.len() <= 3 {
        let names: Vec<String> = players.iter().map(State::friendly_name).collect();
        fill(
            speech.announced_on,
            &[
                ("message", &message),
                ("players", &spoken_list(&names, shared.and)),
            ],
        )
    } else {
        fill(
            speech.announced_on_many,
            &[("message", &message), ("count", &players.len().to_string())],
        )
    };
    say(text)
}

fn send(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let Some(message) = request.slot("Message") else {
        return ask(speech.what_to_send);
    };
    let Some(service) = config::get("notify_service").filter(|s| !s.trim().is_empty()) else {
        return persistent(&message, speech);
    };
    let mut targets = config::get_list("notify_entity").unwrap_or_default();
    if targets.is_empty() && service.trim() == "notify.send_message" {
        targets = ha::states_in_domain("notify", Freshness::ForLookup)?
            .into_iter()
            .map(|s| s.entity_id)
            .collect();
    }
    let spec = notify_call(&service, &targets, &message, speech.title).ok_or_else(|| {
        Failure::Internal(format!(
            "notify_service {service:?} is not a domain.service name"
        ))
    })?;
    call(&spec)?;
    say(fill(speech.sent, &[("message", &message)]))
}

fn create_persistent(request: &SkillRequest) -> Result<String, Failure> {
    let speech = speech::for_locale(&request.locale);
    let Some(message) = request.slot("Message") else {
        return ask(speech.what_to_send);
    };
    persistent(&message, speech)
}

fn dismiss(request: &SkillRequest) -> Result<String, Failure> {
    ha::call_service("persistent_notification", "dismiss_all", &json!({}))?;
    say(speech::for_locale(&request.locale).dismissed.to_string())
}

/// Creates a persistent notification in Home Assistant (a new one each time).
fn persistent(message: &str, speech: &Speech) -> Result<String, Failure> {
    let id = format!("lee_{}", (clock::now_unix() * 1000.0) as u64);
    call(&Call {
        domain: "persistent_notification".into(),
        service: "create".into(),
        data: json!({"message": message, "title": speech.title, "notification_id": id}),
    })?;
    say(fill(speech.created, &[("message", message)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn players() -> Vec<String> {
        vec!["media_player.kitchen".into(), "media_player.bedroom".into()]
    }

    #[test]
    fn announcement_payloads_per_service() {
        let speak =
            announcement_call("tts.speak", Some("tts.piper"), &players(), "hi", None).unwrap();
        assert_eq!(
            speak,
            Call {
                domain: "tts".into(),
                service: "speak".into(),
                data: json!({"entity_id": "tts.piper", "media_player_entity_id": players(), "message": "hi"}),
            }
        );
        assert_eq!(
            announcement_call("tts.speak", None, &players(), "hi", None),
            None
        );
        let legacy = announcement_call("tts.demo_say", None, &players(), "hi", None).unwrap();
        assert_eq!(
            legacy.data,
            json!({"entity_id": players(), "message": "hi"})
        );
        let extra: Map<String, Value> =
            serde_json::from_value(json!({"data": {"type": "announce"}})).unwrap();
        let alexa =
            announcement_call("notify.alexa_media", None, &players(), "hi", Some(&extra)).unwrap();
        assert_eq!(
            alexa.data,
            json!({"message": "hi", "target": players(), "data": {"type": "announce"}})
        );
        assert_eq!(alexa.service, "alexa_media");
        assert_eq!(
            announcement_call("not a service", None, &players(), "hi", None),
            None
        );
    }

    #[test]
    fn notify_payloads() {
        let entity = notify_call(
            "notify.send_message",
            &["notify.phone".into()],
            "hi",
            "Alexa",
        )
        .unwrap();
        assert_eq!(
            entity.data,
            json!({"entity_id": ["notify.phone"], "message": "hi", "title": "Alexa"})
        );
        let legacy = notify_call("notify.mobile_app_pixel", &[], "hi", "Alexa").unwrap();
        assert_eq!(legacy.data, json!({"message": "hi", "title": "Alexa"}));
        assert_eq!(legacy.service, "mobile_app_pixel");
        assert_eq!(split_service("Notify.X"), None);
        assert_eq!(split_service("tts."), None);
    }

    #[test]
    fn default_players_can_play_media() {
        let state = |id: &str, features: u64, st: &str| {
            State::new(id, st, json!({"supported_features": features}))
        };
        let states = vec![
            state("media_player.living_room", 119_695, "playing"),
            state("media_player.kitchen", 914_877 & !512, "playing"),
            state("media_player.off", 512, "unavailable"),
            state("light.x", 512, "on"),
        ];
        assert_eq!(default_players(&states), vec!["media_player.living_room"]);
    }
}
