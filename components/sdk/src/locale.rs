//! Speech text per locale: a component keeps all it says in one table per locale (a
//! `speech.rs` with an `EN_US` table), picks the table for `SkillRequest.locale` with
//! [`pick`] and fills `{name}` placeholders with [`fill`]. Adding a locale is adding a
//! table; everything else falls back to the first table (en-US).

/// English month names, January first (for speech tables).
pub const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The table for `locale`: an exact match ("en-GB"), else the first table of the same
/// language ("en-*"), else the first table (the fallback, normally en-US).
///
/// `tables` must not be empty.
pub fn pick<'a, T>(locale: &str, tables: &'a [(&str, T)]) -> &'a T {
    let wanted = locale.trim().replace('_', "-");
    let language = wanted.split('-').next().unwrap_or_default();
    tables
        .iter()
        .find(|(tag, _)| tag.eq_ignore_ascii_case(&wanted))
        .or_else(|| {
            tables.iter().find(|(tag, _)| {
                tag.split('-')
                    .next()
                    .is_some_and(|l| l.eq_ignore_ascii_case(language))
            })
        })
        .or_else(|| tables.first())
        .map(|(_, table)| table)
        .expect("speech tables are never empty")
}

/// What every skill component says the same way when a lookup fails or is ambiguous,
/// one table per locale (pick it with [`phrases`]). Components keep only their own
/// wording in their speech tables.
#[derive(Debug)]
pub struct Phrases {
    /// `{thing}` is the kind with its article ("a script", "an area").
    pub not_found: &'static str,
    pub did_you_mean: &'static str,
    pub unavailable: &'static str,
    /// The words joining the last two items of a spoken list.
    pub or: &'static str,
    pub and: &'static str,
}

pub const PHRASES: &[(&str, Phrases)] = &[(
    "en-US",
    Phrases {
        not_found: "I couldn't find {thing} called {name}.",
        did_you_mean: "Did you mean {choices}?",
        unavailable: "{name} is unavailable right now.",
        or: "or",
        and: "and",
    },
)];

/// The shared phrases for `locale`.
pub fn phrases(locale: &str) -> &'static Phrases {
    pick(locale, PHRASES)
}

impl Phrases {
    /// "I couldn't find a script called good nite."
    pub fn not_found(&self, thing: &str, name: &str) -> String {
        fill(self.not_found, &[("thing", thing), ("name", name)])
    }

    /// "Did you mean A, B or C?" (the first four names).
    pub fn did_you_mean(&self, names: &[String]) -> String {
        let names = &names[..names.len().min(4)];
        fill(
            self.did_you_mean,
            &[("choices", &crate::matching::spoken_list(names, self.or))],
        )
    }

    /// "Good Night is unavailable right now."
    pub fn unavailable(&self, name: &str) -> String {
        fill(self.unavailable, &[("name", name)])
    }
}

/// Replaces each `{key}` in `template` with its value; unknown placeholders stay.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let key = &after[..end];
                match args.iter().find(|(k, _)| *k == key) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        out.push('{');
                        out.push_str(key);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Picks the singular or plural template for `count`.
pub fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_exact_then_language_then_fallback() {
        let tables = [("en-US", 1), ("de-DE", 2), ("en-GB", 3)];
        assert_eq!(*pick("en-GB", &tables), 3);
        assert_eq!(*pick("de-AT", &tables), 2);
        assert_eq!(*pick("en-IN", &tables), 1);
        assert_eq!(*pick("fr-FR", &tables), 1);
        assert_eq!(*pick("", &tables), 1);
        assert_eq!(*pick("de_de", &tables), 2);
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(
            fill(
                "Turned {action} {count} devices in {area}.",
                &[("action", "off"), ("count", "3"), ("area", "the Kitchen"),]
            ),
            "Turned off 3 devices in the Kitchen."
        );
        assert_eq!(fill("{missing} and {", &[]), "{missing} and {");
        assert_eq!(plural(1, "device", "devices"), "device");
        assert_eq!(plural(0, "device", "devices"), "devices");
    }

    #[test]
    fn shared_phrases() {
        let p = phrases("en-GB");
        assert_eq!(
            p.not_found("a script", "x"),
            "I couldn't find a script called x."
        );
        let names: Vec<String> = ["A", "B", "C", "D", "E"].map(String::from).into();
        assert_eq!(p.did_you_mean(&names), "Did you mean A, B, C or D?");
        assert_eq!(p.did_you_mean(&names[..1]), "Did you mean A?");
        assert_eq!(p.unavailable("Lamp"), "Lamp is unavailable right now.");
    }
}
