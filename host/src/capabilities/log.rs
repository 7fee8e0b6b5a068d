//! The log capability (`lee:gateway/log`): guest log lines become host tracing events
//! tagged with the component id and request id (JSON in Lambda). Every invocation has a
//! budget (lines and bytes): CloudWatch bills what a component writes, so past the
//! budget lines are counted and dropped, and the drop is said once at the end.

use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker};

use super::shape::{Capability, ComponentInfo, Init, NoGrant, Report, Scope};
use crate::bindings::gateway::log::{self as wit, Level};

/// Longest guest message or field value kept.
const MAX_TEXT: usize = 4096;
/// Fields kept per line.
const MAX_FIELDS: usize = 32;
/// Lines one invocation may write.
pub const LINE_BUDGET: u32 = 200;
/// Bytes (messages and fields, after clipping) one invocation may write.
pub const BYTE_BUDGET: usize = 64 * 1024;

/// The text, or its first [`MAX_TEXT`] bytes (at a character boundary) marked as clipped.
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_TEXT {
        return text.into();
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[clipped {} bytes]", &text[..end], text.len() - end).into()
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

    fn granted(_: &NoGrant) -> bool {
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
            lines: 0,
            bytes: 0,
            dropped_lines: 0,
            dropped_bytes: 0,
        }
    }

    fn finish(&self, ctx: LogCtx, _: &Report) {
        if ctx.dropped_lines > 0 {
            tracing::warn!(
                component = %ctx.scope.component_id,
                request_id = %ctx.scope.request_id,
                dropped_lines = ctx.dropped_lines,
                dropped_bytes = ctx.dropped_bytes,
                "component log budget ({LINE_BUDGET} lines, {BYTE_BUDGET} bytes per invocation) exceeded; the rest was dropped"
            );
        }
    }
}

/// One invocation's log context: who is logging, and what it has written.
pub struct LogCtx {
    scope: Arc<Scope>,
    lines: u32,
    bytes: usize,
    dropped_lines: u64,
    dropped_bytes: u64,
}

impl wit::Host for LogCtx {
    async fn log(&mut self, level: Level, message: String, fields: Vec<(String, String)>) {
        let message = clip(&message);
        let fields: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .take(MAX_FIELDS)
            .map(|(k, v)| (clip(k).into_owned(), serde_json::Value::from(clip(v))))
            .collect();
        let size = message.len()
            + fields
                .iter()
                .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
                .sum::<usize>();
        // Once over budget, everything after is dropped (not just the line that did not fit).
        if self.dropped_lines > 0 || self.lines >= LINE_BUDGET || self.bytes + size > BYTE_BUDGET {
            self.dropped_lines += 1;
            self.dropped_bytes += size as u64;
            return;
        }
        self.lines += 1;
        self.bytes += size;
        let fields = serde_json::Value::Object(fields);
        let component = &*self.scope.component_id;
        let request_id = &*self.scope.request_id;
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
        // "é" is two bytes: MAX_TEXT bytes hold MAX_TEXT / 2 of them.
        let long = "é".repeat(MAX_TEXT + 10);
        let clipped = clip(&long);
        assert!(clipped.starts_with(&"é".repeat(MAX_TEXT / 2)));
        assert!(
            clipped.ends_with(&format!("…[clipped {} bytes]", long.len() - MAX_TEXT)),
            "{clipped}"
        );
        assert!(clipped.len() < MAX_TEXT + 32);
    }
}
