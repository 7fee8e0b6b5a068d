//! The log capability (`lee:gateway/log`): guest log lines become host tracing events
//! tagged with the component id and request id (JSON in Lambda).

use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker};

use super::shape::{Capability, ComponentInfo, Init, NoGrant, Scope};
use crate::bindings::gateway::log::{self as wit, Level};

/// Longest guest message or field value kept.
const MAX_TEXT: usize = 4096;

/// The text, or its first [`MAX_TEXT`] characters marked as clipped.
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => format!("{}…[clipped {} bytes]", &text[..i], text.len() - i).into(),
        None => text.into(),
    }
}

/// Guest logging; stateless across invocations.
pub struct Log;

impl Capability for Log {
    const INTERFACE: &'static str = "lee:gateway/log";
    type Grant = NoGrant;
    type Prepared = ();
    type Ctx = LogCtx;

    fn new(_: &Init<'_>) -> anyhow::Result<Self> {
        Ok(Log)
    }

    fn linked(_: &NoGrant) -> bool {
        true
    }

    fn add_to_linker<T: Send + 'static>(
        linker: &mut Linker<T>,
        project: fn(&mut T) -> &mut LogCtx,
    ) -> wasmtime::Result<()> {
        wit::add_to_linker::<T, HasSelf<LogCtx>>(linker, project)
    }

    fn prepare(&self, _: &ComponentInfo<'_>, _: &NoGrant) -> Result<(), String> {
        Ok(())
    }

    fn context(self: &Arc<Self>, _: &(), scope: &Arc<Scope>) -> LogCtx {
        LogCtx {
            scope: scope.clone(),
        }
    }
}

/// One invocation's log context: who is logging.
pub struct LogCtx {
    scope: Arc<Scope>,
}

impl wit::Host for LogCtx {
    async fn log(&mut self, level: Level, message: String, fields: Vec<(String, String)>) {
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
