//! Entity aliases: Home Assistant's `config/entity_registry/list` omits them, so the host
//! asks `config/entity_registry/get_entries` for the full entries on the same websocket
//! connection and merges each entity's `aliases` into the listing components receive.
//! Both documents are read typed, only the fields needed, and the listing is rewritten
//! as text: for a home of tens of thousands of entities a JSON tree of either would be
//! hundreds of megabytes.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::websocket::{FollowUp, Outcome};

#[derive(Deserialize)]
struct Listed<'a> {
    #[serde(borrow)]
    entity_id: Cow<'a, str>,
    #[serde(default)]
    aliases: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Full {
    #[serde(default)]
    aliases: Vec<Option<String>>,
}

/// Entities per `get_entries` command: the full entries of a 30,000-entity home are
/// ~20 MB, asked in batches (all sent at once) they arrive as messages of ~1 MB.
pub const BATCH: usize = 2_000;

/// The aliases of every entity of an entity registry listing, gathered from
/// `get_entries` results as they arrive.
pub struct AliasCollector {
    /// Index of the entity listing among the first results.
    listing: usize,
    pub aliases: HashMap<String, Vec<String>>,
}

impl AliasCollector {
    pub fn new(listing: usize) -> Self {
        Self {
            listing,
            aliases: HashMap::new(),
        }
    }
}

impl FollowUp for AliasCollector {
    fn commands(&mut self, results: &[Outcome]) -> Vec<Value> {
        let Some(listing) = results.get(self.listing) else {
            return Vec::new();
        };
        let entries: Vec<Listed> = serde_json::from_str(listing.get()).unwrap_or_default();
        entries
            .chunks(BATCH)
            .map(|batch| {
                let ids: Vec<&str> = batch.iter().map(|e| e.entity_id.as_ref()).collect();
                json!({"type": "config/entity_registry/get_entries", "entity_ids": ids})
            })
            .collect()
    }

    fn consume(&mut self, result: &str) {
        let Ok(full) = serde_json::from_str::<HashMap<String, Option<Full>>>(result) else {
            return;
        };
        for (id, entry) in full {
            let aliases: Vec<String> = entry
                .map(|e| e.aliases.into_iter().flatten().collect())
                .unwrap_or_default();
            if !aliases.is_empty() {
                self.aliases.insert(id, aliases);
            }
        }
    }
}

/// The listing with each entity's `aliases` (when it has some and the entry does not
/// carry its own); the listing unchanged when it is not what Home Assistant sends.
pub fn merge_aliases(listing: &str, aliases: &HashMap<String, Vec<String>>) -> String {
    let Ok(entries) = serde_json::from_str::<Vec<&RawValue>>(listing) else {
        return listing.to_string();
    };
    if aliases.is_empty() {
        return listing.to_string();
    }
    let mut out = String::with_capacity(listing.len() + 64 * aliases.len());
    out.push('[');
    for (index, entry) in entries.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        let text = entry.get();
        let found = serde_json::from_str::<Listed>(text)
            .ok()
            .filter(|listed| listed.aliases.is_none())
            .and_then(|listed| aliases.get(listed.entity_id.as_ref()));
        match (found, text.strip_prefix('{')) {
            (Some(found), Some(rest)) => {
                out.push_str("{\"aliases\":");
                out.push_str(&json!(found).to_string());
                if !rest.trim_start().starts_with('}') {
                    out.push(',');
                }
                out.push_str(rest);
            }
            _ => out.push_str(text),
        }
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_gathered_in_batches_and_merged_by_entity_id() {
        let listing = json!([
            {"entity_id": "light.a", "name": null},
            {"entity_id": "light.b"},
            {"entity_id": "light.c", "aliases": ["own"]},
            {}
        ])
        .to_string();
        let mut collector = AliasCollector::new(0);
        collector.consume(
            &json!({"light.a": {"aliases": ["Lamp", null]}, "light.b": null,
                "light.c": {"aliases": ["other"]}})
            .to_string(),
        );
        collector.consume("not json");
        let merged: Value =
            serde_json::from_str(&merge_aliases(&listing, &collector.aliases)).unwrap();
        assert_eq!(merged[0]["aliases"], json!(["Lamp"]));
        assert_eq!(merged[0]["name"], Value::Null);
        assert!(merged[1].get("aliases").is_none());
        assert_eq!(
            merged[2]["aliases"],
            json!(["own"]),
            "a listed alias is kept"
        );
        assert_eq!(merged[3], json!({}));
        assert_eq!(merge_aliases(&listing, &HashMap::new()), listing);
    }

    #[test]
    fn batches_cover_every_entity() {
        let many: Vec<Value> = (0..4_500)
            .map(|i| json!({"entity_id": format!("light.l{i}")}))
            .collect();
        let text = Value::Array(many).to_string();
        let ids: Vec<usize> = serde_json::from_str::<Vec<Listed>>(&text)
            .unwrap()
            .chunks(BATCH)
            .map(<[Listed]>::len)
            .collect();
        assert_eq!(ids, vec![2_000, 2_000, 500]);
    }
}
