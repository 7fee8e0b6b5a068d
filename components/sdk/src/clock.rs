//! Wall-clock time for components: the current instant (WASI wall clock), ISO-8601
//! timestamps as Home Assistant sends them, calendar dates and weekdays, and Python
//! `timedelta` strings (`"0:45:00"`, `"1 day, 2:00:00"`). Plain arithmetic, no time zone
//! database: a local date is derived from a UTC offset the caller supplies.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// The date for a day count since 1970-01-01.
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self { year, month, day }
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        let year = self.year - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let yoe = year.rem_euclid(400);
        let month = i64::from(self.month);
        let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The local date of a Unix instant at a UTC offset (seconds east of UTC).
    pub fn from_unix(seconds: f64, utc_offset_seconds: i64) -> Self {
        let local = seconds.floor() as i64 + utc_offset_seconds;
        Self::from_days(local.div_euclid(86_400))
    }

    /// `YYYY-MM-DD` (anything after the date, such as a time, is ignored).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let date = text.get(..10)?;
        let mut parts = date.split('-');
        let year: i64 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        let valid = (1..=12).contains(&month) && (1..=31).contains(&day);
        let parsed = Self { year, month, day };
        // Reject 2026-02-31 and friends: the round trip must be exact.
        (valid && Self::from_days(parsed.days()) == parsed && date.len() == 10).then_some(parsed)
    }

    pub fn add_days(self, days: i64) -> Self {
        Self::from_days(self.days() + days)
    }

    /// 0 = Monday ... 6 = Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        ((self.days() + 3).rem_euclid(7)) as u32
    }

    /// The first date on or after `self` falling on `weekday` (0 = Monday).
    pub fn next_weekday(self, weekday: u32) -> Self {
        let ahead = (i64::from(weekday) - i64::from(self.weekday())).rem_euclid(7);
        self.add_days(ahead)
    }
}

/// An ISO-8601 timestamp (`2026-11-28T16:00:23.698444+00:00`, `...Z`, or without an
/// offset, taken as UTC) as Unix seconds.
pub fn parse_timestamp(text: &str) -> Option<f64> {
    let text = text.trim();
    let date = Date::parse(text)?;
    let rest = text.get(10..)?;
    let rest = rest.strip_prefix(['T', ' ']).unwrap_or(rest);
    if rest.is_empty() {
        return Some(date.days() as f64 * 86_400.0);
    }
    let (clock, offset) = split_offset(rest)?;
    let mut parts = clock.split(':');
    let hours: f64 = parts.next()?.parse().ok()?;
    let minutes: f64 = parts.next().unwrap_or("0").parse().ok()?;
    let seconds: f64 = parts.next().unwrap_or("0").parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some(date.days() as f64 * 86_400.0 + hours * 3600.0 + minutes * 60.0 + seconds - offset as f64)
}

/// `"10:00:00+02:00"` -> (`"10:00:00"`, 7200).
fn split_offset(clock: &str) -> Option<(&str, i64)> {
    if let Some(stripped) = clock.strip_suffix(['Z', 'z']) {
        return Some((stripped, 0));
    }
    let Some(at) = clock.rfind(['+', '-']) else {
        return Some((clock, 0));
    };
    let (time, offset) = clock.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits: String = offset[1..].chars().filter(char::is_ascii_digit).collect();
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i64>().ok()?, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        _ => return None,
    };
    Some((time, sign * (h * 3600 + m * 60)))
}

/// A Python `timedelta` string as Home Assistant shows it (`"0:45:00"`,
/// `"1 day, 2:03:04.5"`, `"-1 day, 23:59:00"`) in seconds.
pub fn parse_timedelta(text: &str) -> Option<f64> {
    let text = text.trim();
    let (days, clock) = match text.split_once(',') {
        Some((days, clock)) => {
            let count = days.split_whitespace().next()?.parse::<f64>().ok()?;
            (count, clock.trim())
        }
        None => (0.0, text),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let [h, m, s] = parts.as_slice() else {
        return None;
    };
    let hours: f64 = h.parse().ok()?;
    let minutes: f64 = m.parse().ok()?;
    let seconds: f64 = s.parse().ok()?;
    Some(days * 86_400.0 + hours * 3600.0 + minutes * 60.0 + seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let d = Date::parse("2026-11-28").unwrap();
        assert_eq!(Date::from_days(d.days()), d);
        assert_eq!(d.weekday(), 5, "2026-11-28 is a Saturday");
        assert_eq!(
            Date::from_days(0),
            Date {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        assert_eq!(d.add_days(4), Date::parse("2026-12-02").unwrap());
        assert_eq!(d.next_weekday(5), d);
        assert_eq!(d.next_weekday(0), Date::parse("2026-11-30").unwrap());
        assert_eq!(Date::parse("2024-02-29").unwrap().add_days(1).month, 3);
        assert!(Date::parse("2026-02-30").is_none());
        assert!(Date::parse("2026-W48").is_none());
        assert!(Date::parse("tomorrow").is_none());
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00+00:00"), Some(0.0));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(parse_timestamp("1970-01-01T00:00:10Z"), Some(10.0));
        assert_eq!(parse_timestamp("1970-01-01T00:00:00-0130"), Some(5400.0));
        let t = parse_timestamp("2026-11-28T16:00:23.698444+00:00").unwrap();
        assert!((t - 1_795_881_623.698_444).abs() < 1e-3, "{t}");
        assert_eq!(Date::from_unix(t, 0), Date::parse("2026-11-28").unwrap());
        assert_eq!(
            Date::from_unix(t, 9 * 3600),
            Date::parse("2026-11-29").unwrap()
        );
        assert!(parse_timestamp("soon").is_none());
    }

    #[test]
    fn timedeltas() {
        assert_eq!(parse_timedelta("0:45:00"), Some(2700.0));
        assert_eq!(parse_timedelta("1:30:05"), Some(5405.0));
        assert_eq!(parse_timedelta("1 day, 2:00:00"), Some(93_600.0));
        assert_eq!(parse_timedelta("2 days, 0:00:01.5"), Some(172_801.5));
        assert_eq!(parse_timedelta("45"), None);
    }
}
