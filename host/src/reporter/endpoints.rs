//! AddOrUpdateReport / DeleteReport: the reporter keeps the endpoint set it last told
//! Alexa (persisted in `<state dir>/endpoints.json`, so a restart sends only the
//! difference) and compares it with what Discovery would answer now (the component's
//! `alexa:lee/Endpoints`). New or changed endpoints (added, renamed, relabelled, new
//! capabilities) go in AddOrUpdateReports, vanished ones (removed, hidden, excluded, the
//! old id of a renamed entity) in DeleteReports, at most [`BATCH`] endpoints per event.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::lwa::write_private;

/// Endpoints per report (Amazon accepts up to 300 in one AddOrUpdateReport).
pub const BATCH: usize = 300;
pub const ENDPOINTS_FILE: &str = "endpoints.json";

/// The endpoint set Alexa was last told about: endpoint id -> discovery object.
pub struct EndpointSet {
    path: PathBuf,
    known: Option<BTreeMap<String, Value>>,
}

impl EndpointSet {
    /// Loads the persisted set; `None` inside means "never told Alexa anything" (the
    /// first run takes Alexa's own Discovery as the baseline and sends no report).
    pub fn load(state_dir: &Path) -> Self {
        let path = state_dir.join(ENDPOINTS_FILE);
        let known = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        Self { path, known }
    }

    /// The reports that bring Alexa from the known set to `current`.
    pub fn reports(&self, current: &BTreeMap<String, Value>) -> Vec<Value> {
        let Some(known) = &self.known else {
            return Vec::new();
        };
        let changed: Vec<&Value> = current
            .iter()
            .filter(|(id, e)| known.get(*id) != Some(*e))
            .map(|(_, e)| e)
            .collect();
        let gone: Vec<&String> = known
            .keys()
            .filter(|id| !current.contains_key(*id))
            .collect();
        let mut out = Vec::new();
        for chunk in gone.chunks(BATCH) {
            let endpoints: Vec<Value> = chunk.iter().map(|id| json!({"endpointId": id})).collect();
            out.push(report("DeleteReport", endpoints));
        }
        for chunk in changed.chunks(BATCH) {
            out.push(report(
                "AddOrUpdateReport",
                chunk.iter().map(|e| (*e).clone()).collect(),
            ));
        }
        out
    }

    /// Alexa now knows `current`.
    pub fn told(&mut self, current: BTreeMap<String, Value>) {
        if let Err(e) = write_private(
            &self.path,
            &serde_json::to_vec(&current).unwrap_or_default(),
        ) {
            tracing::warn!(file = %self.path.display(), error = %e, "cannot persist the endpoint set");
        }
        self.known = Some(current);
    }
}

fn report(name: &str, endpoints: Vec<Value>) -> Value {
    json!({"event": {
        "header": {"namespace": "Alexa.Discovery", "name": name, "payloadVersion": "3",
                   "messageId": uuid::Uuid::new_v4().to_string()},
        "payload": {"endpoints": endpoints},
    }})
}

/// The endpoints of a Discover.Response, by endpoint id.
pub fn from_discovery(response: &Value) -> Option<BTreeMap<String, Value>> {
    let endpoints = response.pointer("/event/payload/endpoints")?.as_array()?;
    Some(
        endpoints
            .iter()
            .filter_map(|e| Some((e.get("endpointId")?.as_str()?.to_string(), e.clone())))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(entries: &[(&str, &str)]) -> BTreeMap<String, Value> {
        entries
            .iter()
            .map(|(id, name)| {
                (
                    id.to_string(),
                    json!({"endpointId": id, "friendlyName": name}),
                )
            })
            .collect()
    }

    #[test]
    fn rename_is_delete_old_and_add_new_and_first_run_is_a_baseline() {
        let dir = tempfile::tempdir().unwrap();
        let mut known = EndpointSet::load(dir.path());
        assert!(known.reports(&set(&[("light#a", "A")])).is_empty());
        known.told(set(&[("light#a", "A"), ("light#b", "B")]));
        let again = EndpointSet::load(dir.path());
        let reports = again.reports(&set(&[("light#c", "A"), ("light#b", "B")]));
        assert_eq!(reports.len(), 2);
        assert_eq!(reports[0]["event"]["header"]["name"], "DeleteReport");
        assert_eq!(
            reports[0]["event"]["payload"]["endpoints"],
            json!([{"endpointId": "light#a"}])
        );
        assert_eq!(reports[1]["event"]["header"]["name"], "AddOrUpdateReport");
        assert_eq!(
            reports[1]["event"]["payload"]["endpoints"][0]["endpointId"],
            "light#c"
        );
        let renamed = again.reports(&set(&[("light#a", "Renamed"), ("light#b", "B")]));
        assert_eq!(renamed.len(), 1);
        assert!(
            again
                .reports(&set(&[("light#a", "A"), ("light#b", "B")]))
                .is_empty()
        );
    }

    #[test]
    fn big_changes_are_batched() {
        let dir = tempfile::tempdir().unwrap();
        let mut known = EndpointSet::load(dir.path());
        known.told(BTreeMap::new());
        let many: BTreeMap<String, Value> = (0..650)
            .map(|i| {
                (
                    format!("light#l{i}"),
                    json!({"endpointId": format!("light#l{i}")}),
                )
            })
            .collect();
        let reports = known.reports(&many);
        assert_eq!(reports.len(), 3);
        assert_eq!(
            reports[2]["event"]["payload"]["endpoints"]
                .as_array()
                .unwrap()
                .len(),
            50
        );
    }
}
