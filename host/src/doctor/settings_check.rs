//! The configuration check: every variable lee reads ([`crate::settings::NAMES`]), which
//! one provided each setting, which of those are deprecated aliases (the Home Assistant
//! docs Lambda's names), and whether the whole parses. Secret values are never shown.

use serde_json::{Value, json};

use super::report::{Check, Report, Status};
use crate::settings::{NAMES, Settings, without_userinfo};

pub fn check(report: &mut Report, lookup: &dyn Fn(&str) -> Option<String>) {
    let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let mut used = Vec::new();
    let mut aliases = Vec::new();
    let mut shadowed = Vec::new();
    for setting in NAMES {
        let present: Vec<&str> = setting
            .names
            .iter()
            .copied()
            .filter(|n| set(n).is_some())
            .collect();
        let Some(&first) = present.first() else {
            continue;
        };
        let value = match (setting.secret, set(first)) {
            (true, _) | (_, None) => Value::from("[set]"),
            (false, Some(v)) if first == "HOME_ASSISTANT_URL" || first == "BASE_URL" => {
                Value::from(without_userinfo(v.trim()))
            }
            (false, Some(v)) => Value::from(v),
        };
        let alias = setting.names.first() != Some(&first);
        if alias {
            aliases.push(format!("{first} (use {})", setting.names[0]));
        }
        if present.len() > 1 {
            shadowed.push(format!("{} ignored, {first} wins", present[1..].join(", ")));
        }
        used.push(json!({
            "setting": setting.setting,
            "variable": first,
            "value": value,
            "deprecated_alias": alias,
        }));
    }
    let names: Vec<&str> = used.iter().filter_map(|u| u["variable"].as_str()).collect();
    let data = json!({"used": used, "deprecated_aliases": aliases, "ignored": shadowed});
    let check = match Settings::from_lookup(|n| lookup(n)) {
        Err(e) => Check::new("configuration", Status::Fail, format!("{e:#}")),
        Ok(_) if !aliases.is_empty() || !shadowed.is_empty() => Check::new(
            "configuration",
            Status::Warn,
            format!(
                "read {}; deprecated alias: {}{}",
                names.join(", "),
                if aliases.is_empty() {
                    "none".to_string()
                } else {
                    aliases.join(", ")
                },
                if shadowed.is_empty() {
                    String::new()
                } else {
                    format!("; {}", shadowed.join("; "))
                }
            ),
        ),
        Ok(_) if names.is_empty() => Check::new(
            "configuration",
            Status::Fail,
            "no lee variable is set: set HOME_ASSISTANT_URL and HOME_ASSISTANT_TOKEN (or \
             HOME_ASSISTANT_TOKEN_SSM)",
        ),
        Ok(_) => Check::new(
            "configuration",
            Status::Ok,
            format!("read {}", names.join(", ")),
        ),
    };
    report.checks.push(check.with(data));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(vars: &[(&str, &str)]) -> Check {
        let mut report = Report::default();
        let lookup = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        check(&mut report, &lookup);
        report.checks.remove(0)
    }

    #[test]
    fn names_used_aliases_and_secrets() {
        let c = run(&[
            ("BASE_URL", "https://user:pw@ha.example.com"),
            ("LONG_LIVED_ACCESS_TOKEN", "s3cret-token"),
        ]);
        assert_eq!(c.status, Status::Warn);
        assert!(
            c.detail.contains("BASE_URL (use HOME_ASSISTANT_URL)"),
            "{}",
            c.detail
        );
        let text = c.data.to_string();
        assert!(!text.contains("s3cret") && !text.contains("pw@"), "{text}");
        assert!(text.contains("https://ha.example.com"), "{text}");

        let c = run(&[
            ("HOME_ASSISTANT_URL", "http://127.0.0.1:8123"),
            ("HOME_ASSISTANT_TOKEN", "t"),
        ]);
        assert_eq!(c.status, Status::Ok, "{}", c.detail);

        let c = run(&[("HOME_ASSISTANT_URL", "ftp://x")]);
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("http:// or https://"), "{}", c.detail);

        assert_eq!(run(&[]).status, Status::Fail);

        let c = run(&[
            ("HOME_ASSISTANT_TOKEN", "a"),
            ("LONG_LIVED_ACCESS_TOKEN", "b"),
        ]);
        assert!(
            c.detail
                .contains("LONG_LIVED_ACCESS_TOKEN ignored, HOME_ASSISTANT_TOKEN wins"),
            "{}",
            c.detail
        );
    }
}
