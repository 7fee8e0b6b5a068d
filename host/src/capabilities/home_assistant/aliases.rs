//! Entity aliases: Home Assistant's `config/entity_registry/list` omits them, so the host
//! asks `config/entity_registry/get_entries` for the full entries on the same websocket
//! connection and merges each entity's `aliases` into the listing components receive.

use serde_json::{Value, json};

/// The `get_entries` command for every entity in a registry listing.
pub fn full_entries_command(listing: &Value) -> Value {
    let ids: Vec<&str> = listing
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.get("entity_id").and_then(Value::as_str))
        .collect();
    json!({"type": "config/entity_registry/get_entries", "entity_ids": ids})
}

/// Copies `aliases` from the full entries (`{entity_id: entry}`) into the listing.
pub fn merge_aliases(listing: &mut Value, full: &Value) {
    let Some(full) = full.as_object() else {
        return;
    };
    for entry in listing.as_array_mut().into_iter().flatten() {
        let Some(id) = entry.get("entity_id").and_then(Value::as_str) else {
            continue;
        };
        if let Some(aliases) = full.get(id).and_then(|e| e.get("aliases"))
            && let Some(object) = entry.as_object_mut()
        {
            object.insert("aliases".into(), aliases.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_merged_by_entity_id() {
        let mut listing = json!([
            {"entity_id": "light.a", "name": null},
            {"entity_id": "light.b"}
        ]);
        assert_eq!(
            full_entries_command(&listing)["entity_ids"],
            json!(["light.a", "light.b"])
        );
        let full = json!({"light.a": {"aliases": ["Lamp"]}, "light.b": null});
        merge_aliases(&mut listing, &full);
        assert_eq!(listing[0]["aliases"], json!(["Lamp"]));
        assert!(listing[1].get("aliases").is_none());
        merge_aliases(&mut listing, &Value::Null);
    }
}
