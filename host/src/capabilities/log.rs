//! `lee:gateway/log`: guest log lines become host tracing events tagged with the
//! component id and request id (JSON in Lambda).

use crate::runtime::bindings::lee::gateway::log::{self as wit, Level};
use crate::runtime::state::HostState;

/// Longest guest message or field value kept.
const MAX_TEXT: usize = 4096;

/// The text, or its first [`MAX_TEXT`] characters marked as clipped.
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => format!("{}…[clipped {} bytes]", &text[..i], text.len() - i).into(),
        None => text.into(),
    }
}

impl wit::Host for HostState {
    fn log(&mut self, level: Level, message: String, fields: Vec<(String, String)>) {
        let fields = serde_json::Value::Object(
            fields
                .iter()
                .take(32)
                .map(|(k, v)| (clip(k).into_owned(), serde_json::Value::from(clip(v))))
                .collect(),
        );
        let component = &*self.scope.component_id;
        let request_id = &*self.scope.request_id;
        let message = clip(&message);
        let message = &*message;
        match level {
            Level::Trace => tracing::trace!(component, request_id, %fields, "{message}"),
            Level::Debug => tracing::debug!(component, request_id, %fields, "{message}"),
            Level::Info => tracing::info!(component, request_id, %fields, "{message}"),
            Level::Warn => tracing::warn!(component, request_id, %fields, "{message}"),
            Level::Error => tracing::error!(component, request_id, %fields, "{message}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_clipped_visibly() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(MAX_TEXT + 10);
        let clipped = clip(&long);
        assert!(clipped.starts_with(&"é".repeat(MAX_TEXT)));
        assert!(clipped.ends_with("…[clipped 20 bytes]"), "{clipped}");
    }
}
