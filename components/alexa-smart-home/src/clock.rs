//! Time and identity for outgoing messages: the current UTC time as Alexa's ISO-8601
//! `timeOfSample` format, and fresh version-4 UUIDs for `messageId`.
//!
//! The component runs without a random-number crate: Rust std seeds every
//! `RandomState` from the platform's random source (WASI `random` in the component,
//! the OS natively), so hashing with fresh `RandomState`s yields unpredictable bits.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use lee_sdk::clock::Date;

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `2026-11-28T08:00:00.12Z` (centisecond precision, as in Amazon's samples).
pub fn iso8601(millis: i64) -> String {
    let (date, secs) = split(millis);
    let centis = millis.rem_euclid(1000) / 10;
    format!("{date}T{}.{centis:02}Z", clock_part(secs))
}

/// `2026-11-28T08:00:00Z` (whole seconds; TimeHoldController requires this form).
pub fn iso8601_seconds(millis: i64) -> String {
    let (date, secs) = split(millis);
    format!("{date}T{}Z", clock_part(secs))
}

fn split(millis: i64) -> (String, i64) {
    let secs = millis.div_euclid(1000);
    let date = Date::from_days(secs.div_euclid(86_400));
    (
        format!("{:04}-{:02}-{:02}", date.year, date.month, date.day),
        secs.rem_euclid(86_400),
    )
}

fn clock_part(secs_of_day: i64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60
    )
}

/// Parses Home Assistant's timestamps (`2026-11-28T08:00:00.123456+00:00`, `...Z`) into
/// milliseconds since the epoch; `None` when malformed.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let seconds = lee_sdk::clock::parse_timestamp(text)?;
    Some((seconds * 1000.0).floor() as i64)
}

/// A random version-4 UUID, e.g. `1bd5d003-31b9-476f-ad03-71d471922820`.
pub fn uuid_v4() -> String {
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(i);
        hasher.write_i64(now_millis());
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_epoch_and_leap_days() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.00Z");
        // 2024-02-29T12:34:56.789Z
        assert_eq!(iso8601(1_709_210_096_789), "2024-02-29T12:34:56.78Z");
        assert_eq!(iso8601_seconds(1_709_210_096_789), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn parses_home_assistant_timestamps() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00+00:00"), Some(0));
        assert_eq!(
            parse_iso8601("2024-02-29T12:34:56.789123+00:00"),
            Some(1_709_210_096_789)
        );
        assert_eq!(
            parse_iso8601("2024-02-29T14:34:56.789+02:00"),
            Some(1_709_210_096_789)
        );
        assert_eq!(
            parse_iso8601("2024-02-29T12:34:56Z"),
            Some(1_709_210_096_000)
        );
        assert_eq!(parse_iso8601("garbage"), None);
        assert_eq!(parse_iso8601(""), None);
    }

    #[test]
    fn uuids_are_v4_and_fresh() {
        let a = uuid_v4();
        let b = uuid_v4();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }
}
