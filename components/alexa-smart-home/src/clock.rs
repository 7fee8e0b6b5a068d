//! Time and identity for outgoing messages: the current UTC time as Alexa's ISO-8601
//! `timeOfSample` format, and fresh version-4 UUIDs for `messageId`.
//!
//! The component runs without a random-number crate: Rust std seeds every
//! `RandomState` from the platform's random source (WASI `random` in the component,
//! the OS natively), so hashing with fresh `RandomState`s yields unpredictable bits.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

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
    let days = secs.div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (format!("{y:04}-{m:02}-{d:02}"), secs.rem_euclid(86_400))
}

fn clock_part(secs_of_day: i64) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses Home Assistant's timestamps (`2026-11-28T08:00:00.123456+00:00`, `...Z`) into
/// milliseconds since the epoch; `None` when malformed.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = text.get(0..10)?;
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !matches!(text.as_bytes().get(10), Some(b'T' | b' ')) {
        return None;
    }
    let rest = text.get(11..)?;
    let h: i64 = rest.get(0..2)?.parse().ok()?;
    let min: i64 = rest.get(3..5)?.parse().ok()?;
    let s: i64 = rest.get(6..8)?.parse().ok()?;
    let mut tail = rest.get(8..)?;
    let mut millis = 0;
    if let Some(frac) = tail.strip_prefix('.') {
        let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
        tail = &frac[digits.len()..];
        let padded = format!("{digits:0<3}");
        millis = padded.get(0..3)?.parse().ok()?;
    }
    let offset_secs = match tail {
        "" | "Z" => 0,
        t => {
            let sign = match t.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let oh: i64 = t.get(1..3)?.parse().ok()?;
            let om: i64 = t.get(4..6).or_else(|| t.get(3..5))?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(y, m, d);
    let secs = days * 86_400 + h * 3600 + min * 60 + s - offset_secs;
    Some(secs * 1000 + millis)
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
