//! The fault suite (issue 10): Home Assistant failing in every way lee has been seen to
//! meet — error statuses, hangs, garbage, huge and truncated answers, drips, redirects,
//! untrusted certificates, nothing listening, a restart blip — against every entry point
//! (ReportState, TurnOn, Discovery, a custom-skill intent, health), through the real
//! binary as `lee invoke` and as a cold-started `lee lambda`. Each answer must be valid
//! in its protocol, leave within Alexa's 7.5 s of the event's arrival, name the failure
//! and never come from a panic. The matrix runs once (`fault_matrix`, shared with the
//! fault table bench); the focused tests in `faults/` pin down one defect each.

#[path = "faults/bad_input.rs"]
mod bad_input;
#[path = "faults/breaker.rs"]
mod breaker;
#[path = "faults/certs.rs"]
mod certs;
#[path = "faults/deadline.rs"]
mod deadline;
#[path = "faults/not_home_assistant.rs"]
mod not_home_assistant;
#[path = "faults/tls.rs"]
mod tls;

use std::sync::OnceLock;

use lee_e2e::fault_matrix::{
    ALEXA_BOUND, Answer, Case, Entry, Mode, run_matrix, speech, standard_cases,
};
use lee_e2e::fault_server::Fault;

/// Cells run concurrently: most of them only wait for a timeout.
const WORKERS: usize = 10;

/// Every case of the matrix: the standard faults and an untrusted TLS certificate.
fn cases() -> Vec<Case> {
    let mut cases = standard_cases();
    cases.push(Case::fault(
        "TLS untrusted",
        Fault::TlsUntrusted(certs::self_signed_leaf()),
    ));
    cases
}

/// The whole matrix, run once for the tests below.
fn matrix() -> &'static [Answer] {
    static ANSWERS: OnceLock<Vec<Answer>> = OnceLock::new();
    ANSWERS.get_or_init(|| {
        let answers = run_matrix(&cases(), &Entry::ALL, &Mode::BOTH, WORKERS);
        // Shown when a test fails (and with --nocapture).
        println!("{}", lee_e2e::fault_matrix::table(&answers));
        answers
    })
}

fn describe(answer: &Answer) -> String {
    format!(
        "{} / {} / {}: {} after {:?}",
        answer.case,
        answer.entry.name(),
        answer.mode.name(),
        answer.summary(),
        answer.elapsed
    )
}

/// What lee must answer for each fault: the Alexa error type of ReportState, TurnOn and
/// Discovery, and a phrase the custom skill's speech contains.
fn expected(case: &str) -> ([&'static str; 3], &'static str) {
    const INTERNAL: [&str; 3] = ["INTERNAL_ERROR"; 3];
    const UNREACHABLE: [&str; 3] = ["BRIDGE_UNREACHABLE"; 3];
    const WRONG: &str = "something went wrong";
    const CANNOT_REACH: &str = "can't reach Home Assistant";
    match case {
        "HTTP 500" | "HTTP 503" | "HTTP 429" => (INTERNAL, WRONG),
        "HTTP 401" | "HTTP 403" => (
            ["INVALID_AUTHORIZATION_CREDENTIAL"; 3],
            "did not accept the account link",
        ),
        // A missing entity is a missing endpoint; a missing API (Discovery) is not.
        "HTTP 404" => (
            ["NO_SUCH_ENDPOINT", "NO_SUCH_ENDPOINT", "BRIDGE_UNREACHABLE"],
            WRONG,
        ),
        "garbage" | "huge (50 MB)" | "redirect 302" => (INTERNAL, WRONG),
        "hang" | "drip (1 B/s)" | "close mid-body" | "down (closed port)" | "TLS untrusted" => {
            (UNREACHABLE, CANNOT_REACH)
        }
        other => panic!("no expectation for fault {other:?}"),
    }
}

#[test]
fn every_fault_is_answered_in_the_callers_protocol_without_a_panic() {
    let answers = matrix();
    assert_eq!(
        answers.len(),
        cases().len() * Entry::ALL.len() * Mode::BOTH.len()
    );
    let invalid: Vec<String> = answers
        .iter()
        .filter_map(|a| {
            let problems = a.protocol_problems();
            (!problems.is_empty()).then(|| format!("{}: {problems:?}", describe(a)))
        })
        .collect();
    assert!(
        invalid.is_empty(),
        "invalid answers:\n{}",
        invalid.join("\n")
    );
}

#[test]
fn every_answer_leaves_within_7_5_s_of_the_events_arrival() {
    let late: Vec<String> = matrix()
        .iter()
        .filter(|a| a.elapsed >= ALEXA_BOUND)
        .map(describe)
        .collect();
    assert!(late.is_empty(), "answered too late:\n{}", late.join("\n"));
}

#[test]
fn every_fault_is_named_in_the_answer() {
    let mut wrong = Vec::new();
    for answer in matrix() {
        let (types, phrase) = expected(&answer.case);
        let ok = match answer.entry {
            Entry::ReportState => answer.error_type() == Some(types[0]),
            Entry::TurnOn => answer.error_type() == Some(types[1]),
            Entry::Discovery => answer.error_type() == Some(types[2]),
            Entry::ListAutomations => speech(&answer.response).contains(phrase),
            Entry::Health => continue,
        };
        if !ok {
            wrong.push(format!(
                "{} (expected {types:?} / {phrase:?})",
                describe(answer)
            ));
        }
    }
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
}

#[test]
fn health_reports_every_fault_as_unreachable() {
    let mut wrong = Vec::new();
    for answer in matrix().iter().filter(|a| a.entry == Entry::Health) {
        let ha = &answer.response["home_assistant"];
        if ha["reachable"] != false || ha["error"].as_str().is_none_or(str::is_empty) {
            wrong.push(describe(answer));
        }
        if answer.response["lee"]["status"] != "degraded" {
            wrong.push(format!("{}: status not degraded", describe(answer)));
        }
    }
    assert!(wrong.is_empty(), "health:\n{}", wrong.join("\n"));
}

#[test]
fn transient_statuses_are_retried_three_times_and_others_not_at_all() {
    for answer in matrix()
        .iter()
        .filter(|a| a.mode == Mode::Invoke && a.entry == Entry::ReportState)
    {
        let expected = match answer.case.as_str() {
            "HTTP 503" | "HTTP 429" => 4,
            "HTTP 500" | "HTTP 401" | "HTTP 403" | "HTTP 404" | "garbage" | "redirect 302" => 1,
            _ => continue,
        };
        assert_eq!(answer.requests, expected, "{}", describe(answer));
    }
}
