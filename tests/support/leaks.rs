//! Whether a secret reached what lee printed or sent: the secret as text or hex anywhere
//! in an output, reported with its surroundings but never with the secret itself.

/// Where `needle` first occurs in `output`: 200 bytes either side, the needle masked.
pub fn around(output: &str, needle: &str) -> Option<String> {
    let at = output.find(needle)?;
    let mut start = at.saturating_sub(200);
    while !output.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + needle.len() + 200).min(output.len());
    while !output.is_char_boundary(end) {
        end += 1;
    }
    Some(output[start..end].replace(needle, "<SECRET>"))
}

/// Panics if `secret` (as text or hex) is anywhere in `output`.
pub fn assert_absent(output: &str, secret: &str, what: &str) {
    assert!(
        secret.len() >= 6,
        "{what}: a secret this short would match by chance"
    );
    for needle in [secret.to_string(), hex::encode(secret)] {
        if let Some(context) = around(output, &needle) {
            panic!("{what}: a secret leaked: ...{context}...");
        }
    }
}
