//! What a service call touches, and when to read its entity alongside it. Home
//! Assistant's answer to a service call lists the states that changed during the call;
//! an entity the call left as it was (TurnOn of a light already on, Lock of a locked
//! lock) is missing from it, and its state after the call would need a second, sequential
//! round trip. When the cached entry says the call will probably change nothing, the
//! entity is read concurrently with the call instead: if Home Assistant then leaves it
//! out of the changed states, nothing changed it while the call ran, so that read is its
//! state after the call (up to the same race any read has with a third party). The
//! cached entry only decides whether to read; it never becomes the answer.

use serde_json::Value;

use super::states::State;

/// Entity ids a service call targets (`entity_id` as string, comma list or array, top
/// level or under `target`); `None` when it cannot tell (area/device targets, none given).
pub fn targeted_entities(data: &Value) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    for holder in [Some(data), data.get("target")].into_iter().flatten() {
        match holder.get("entity_id") {
            Some(Value::String(s)) => ids.extend(s.split(',').map(|p| p.trim().to_string())),
            Some(Value::Array(items)) => {
                ids.extend(items.iter().filter_map(Value::as_str).map(str::to_string))
            }
            _ => {}
        }
        if holder.get("area_id").is_some()
            || holder.get("device_id").is_some()
            || holder.get("floor_id").is_some()
            || holder.get("label_id").is_some()
        {
            return None;
        }
    }
    (!ids.is_empty() && ids.iter().all(|i| i != "all")).then_some(ids)
}

/// The state a service leaves its entity in whatever it was: for the services that take
/// no value (with only a target), and for a select's option or a number's value (then
/// the state is that value), so a call that finds the entity there changes nothing.
fn end_state(service: &str, data: &serde_json::Map<String, Value>) -> Option<String> {
    let is_target = |k: &String| k == "entity_id" || k == "target";
    let values: Vec<(&String, &Value)> = data.iter().filter(|(k, _)| !is_target(k)).collect();
    let bare = |s: &str| values.is_empty().then(|| s.to_string());
    match (service, values.as_slice()) {
        ("turn_on", _) => bare("on"),
        ("turn_off", _) => bare("off"),
        ("lock", _) => bare("locked"),
        ("unlock", _) => bare("unlocked"),
        ("open_cover" | "open_valve", _) => bare("open"),
        ("close_cover" | "close_valve", _) => bare("closed"),
        ("select_option", [(k, Value::String(option))]) if *k == "option" => Some(option.clone()),
        ("set_value", [(k, Value::Number(n))]) if *k == "value" => n.as_f64().map(number),
        _ => None,
    }
}

/// A number as Home Assistant's state shows it, for comparing (`55.0` and `55` alike).
fn number(n: f64) -> String {
    format!("{n:.6}")
}

/// Is this call on one entity, to a service whose end state the cached entry already
/// shows? Then the call probably changes nothing and the entity is read alongside it
/// (see the module doc).
pub fn probably_unchanged(
    service: &str,
    data: &Value,
    targeted: Option<&[String]>,
    cached: impl FnOnce(&str) -> Option<std::sync::Arc<State>>,
) -> Option<String> {
    let [id] = targeted? else {
        return None;
    };
    let expected = end_state(service, data.as_object()?)?;
    let now = cached(id)?;
    let shows = match now.state.parse::<f64>() {
        Ok(n) if service == "set_value" => number(n) == expected,
        _ => now.state == expected,
    };
    shows.then(|| id.clone())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;

    fn entry(id: &str, s: &str) -> Option<Arc<State>> {
        Some(State::bare(id, s))
    }

    #[test]
    fn only_a_bare_call_to_the_state_the_cache_shows_is_read_alongside() {
        let ids = vec!["light.a".to_string()];
        let bare = json!({"entity_id": "light.a"});
        let on = |id: &str| entry(id, "on");
        let off = |id: &str| entry(id, "off");
        let got = probably_unchanged("turn_on", &bare, Some(&ids), on);
        assert_eq!(got.as_deref(), Some("light.a"));
        assert!(probably_unchanged("turn_on", &bare, Some(&ids), off).is_none());
        assert!(probably_unchanged("turn_on", &bare, Some(&ids), |_| None).is_none());
        let valued = json!({"entity_id": "light.a", "brightness": 10});
        assert!(probably_unchanged("turn_on", &valued, Some(&ids), on).is_none());
        assert!(probably_unchanged("toggle", &bare, Some(&ids), on).is_none());
        let two = vec!["light.a".to_string(), "light.b".to_string()];
        assert!(probably_unchanged("turn_on", &bare, Some(&two), on).is_none());
        let mode = json!({"entity_id": "light.a", "option": "Away"});
        let away = |id: &str| entry(id, "Away");
        assert!(probably_unchanged("select_option", &mode, Some(&ids), away).is_some());
        assert!(probably_unchanged("select_option", &mode, Some(&ids), on).is_none());
        let value = json!({"entity_id": "light.a", "value": 55});
        let at = |id: &str| entry(id, "55.0");
        assert!(probably_unchanged("set_value", &value, Some(&ids), at).is_some());
        assert!(probably_unchanged("set_value", &value, Some(&ids), on).is_none());
        let lock = |id: &str| entry(id, "locked");
        assert!(probably_unchanged("lock", &bare, Some(&ids), lock).is_some());
        assert!(probably_unchanged("unlock", &bare, Some(&ids), lock).is_none());
    }

    #[test]
    fn targets_are_read_from_entity_ids_only() {
        assert_eq!(
            targeted_entities(&json!({"entity_id": "light.a, light.b"})),
            Some(vec!["light.a".to_string(), "light.b".to_string()])
        );
        assert_eq!(
            targeted_entities(&json!({"target": {"entity_id": ["lock.x"]}})),
            Some(vec!["lock.x".to_string()])
        );
        assert_eq!(targeted_entities(&json!({"area_id": "kitchen"})), None);
        assert_eq!(targeted_entities(&json!({"entity_id": "all"})), None);
    }
}
