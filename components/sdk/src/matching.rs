//! Matching spoken names to Home Assistant things: case, punctuation and articles are
//! ignored, exact and whole-word matches win, otherwise a fuzzy score (strsim) must pass
//! a threshold. When the two best candidates are equally close the caller is told it is
//! ambiguous, so the skill can ask instead of guessing.

/// Default minimum score for a fuzzy match.
pub const DEFAULT_THRESHOLD: f64 = 0.78;
/// Candidates within this score of the best are considered equally close.
pub const TIE_MARGIN: f64 = 0.015;

/// Lower-cases, turns `_`, `-` and punctuation into spaces, drops a leading article and
/// collapses whitespace: "The Good-Night!" -> "good night".
pub fn normalize(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else if c == '\'' {
                '\0'
            } else {
                ' '
            }
        })
        .filter(|c| *c != '\0')
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let words = match words.first() {
        Some(&"the") | Some(&"my") | Some(&"a") if words.len() > 1 => &words[1..],
        _ => &words[..],
    };
    words.join(" ")
}

/// Similarity of two normalised names in 0..=1.
pub fn score(query: &str, name: &str) -> f64 {
    if query.is_empty() || name.is_empty() {
        return 0.0;
    }
    if query == name {
        return 1.0;
    }
    let query_words: Vec<&str> = query.split(' ').collect();
    let name_words: Vec<&str> = name.split(' ').collect();
    let mut sorted_query = query_words.clone();
    sorted_query.sort_unstable();
    let mut sorted_name = name_words.clone();
    sorted_name.sort_unstable();
    if sorted_query == sorted_name {
        return 0.97;
    }
    let direct = strsim::normalized_damerau_levenshtein(query, name);
    let reordered =
        strsim::normalized_damerau_levenshtein(&sorted_query.join(" "), &sorted_name.join(" "));
    let mut best = direct.max(reordered);
    // "good night" said for "good night script": every spoken word is in the name.
    if query_words.iter().all(|w| name_words.contains(w)) {
        let coverage = query_words.len() as f64 / name_words.len() as f64;
        best = best.max(0.8 + 0.15 * coverage);
    }
    best
}

/// A thing that can be named several ways (friendly name, aliases, entity id).
#[derive(Debug, Clone)]
pub struct Candidate<T> {
    pub names: Vec<String>,
    pub item: T,
}

impl<T> Candidate<T> {
    pub fn new(item: T, names: impl IntoIterator<Item = String>) -> Self {
        Self {
            names: names
                .into_iter()
                .map(|n| normalize(&n))
                .filter(|n| !n.is_empty())
                .collect(),
            item,
        }
    }

    fn best_score(&self, query: &str) -> f64 {
        self.names
            .iter()
            .map(|n| score(query, n))
            .fold(0.0, f64::max)
    }
}

/// The outcome of a lookup.
#[derive(Debug, PartialEq)]
pub enum Match<'a, T> {
    Found(&'a T),
    /// Equally close candidates (best first); ask the user which one.
    Ambiguous(Vec<&'a T>),
    NotFound,
}

/// Finds the candidate `spoken` names, with [`DEFAULT_THRESHOLD`].
pub fn find<'a, T>(spoken: &str, candidates: &'a [Candidate<T>]) -> Match<'a, T> {
    find_with_threshold(spoken, candidates, DEFAULT_THRESHOLD)
}

pub fn find_with_threshold<'a, T>(
    spoken: &str,
    candidates: &'a [Candidate<T>],
    threshold: f64,
) -> Match<'a, T> {
    let query = normalize(spoken);
    if query.is_empty() {
        return Match::NotFound;
    }
    let mut scored: Vec<(f64, &Candidate<T>)> = candidates
        .iter()
        .map(|c| (c.best_score(&query), c))
        .filter(|(s, _)| *s >= threshold)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let Some(&(best, _)) = scored.first() else {
        return Match::NotFound;
    };
    let close: Vec<&T> = scored
        .iter()
        .take_while(|(s, _)| best - s <= TIE_MARGIN)
        .map(|(_, c)| &c.item)
        .collect();
    if close.len() == 1 || best == 1.0 && scored.get(1).is_none_or(|(s, _)| *s < 1.0) {
        Match::Found(close[0])
    } else {
        Match::Ambiguous(close)
    }
}

/// "A, B or C" for speech.
pub fn spoken_list(items: &[String], conjunction: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(names: &[&str]) -> Vec<Candidate<String>> {
        names
            .iter()
            .map(|n| Candidate::new(n.to_string(), [n.to_string()]))
            .collect()
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize("The Good-Night!"), "good night");
        assert_eq!(normalize("  movie_time "), "movie time");
        assert_eq!(normalize("Kid's Room"), "kids room");
        assert_eq!(normalize("the"), "the");
    }

    #[test]
    fn exact_and_fuzzy_matches() {
        let c = candidates(&["Good Night", "Movie Time", "Morning Routine"]);
        assert_eq!(
            find("good night", &c),
            Match::Found(&"Good Night".to_string())
        );
        assert_eq!(
            find("the movie time", &c),
            Match::Found(&"Movie Time".to_string())
        );
        assert_eq!(
            find("mornin routine", &c),
            Match::Found(&"Morning Routine".to_string())
        );
        assert_eq!(
            find("night good", &c),
            Match::Found(&"Good Night".to_string())
        );
        assert_eq!(find("vacuum the house", &c), Match::NotFound);
        assert_eq!(find("", &c), Match::NotFound);
    }

    #[test]
    fn subset_of_words_matches() {
        let c = candidates(&["Good Night Script", "Movie Time"]);
        assert_eq!(
            find("good night", &c),
            Match::Found(&"Good Night Script".to_string())
        );
    }

    #[test]
    fn equally_close_is_ambiguous() {
        let c = candidates(&["Kitchen Light Left", "Kitchen Light Right"]);
        match find("kitchen light", &c) {
            Match::Ambiguous(items) => assert_eq!(items.len(), 2),
            other => panic!("expected ambiguity, got {other:?}"),
        }
    }

    #[test]
    fn lists_read_naturally() {
        let items = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(spoken_list(&items, "or"), "a, b or c");
        assert_eq!(spoken_list(&items[..1], "or"), "a");
    }
}
