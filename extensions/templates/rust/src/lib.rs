//! `{{id}}`: a lee extension component (Rust). It answers `{{route}}`; add routes to
//! the match and to the `routes` of its manifest entry (lee.toml) together.

wit_bindgen::generate!({ path: "wit", world: "feature" });

use exports::lee::gateway::handler::{Failure, Guest, Invocation};
use lee::gateway::log;

struct Extension;
export!(Extension);

fn say(text: &str) -> String {
    format!(
        r#"{{"version":"1.0","response":{{"outputSpeech":{{"type":"PlainText","text":"{}"}},"shouldEndSession":true}}}}"#,
        text.replace('"', "'")
    )
}

impl Guest for Extension {
    fn handle(invocation: Invocation) -> Result<String, Failure> {
        match invocation.route.as_str() {
            "{{route}}" => {
                log::log(log::Level::Info, "{{id}} answered", &[]);
                Ok(say("Hello from {{id}}."))
            }
            other => Err(Failure::Unsupported(format!("{{id}} does not handle {other}"))),
        }
    }
}
