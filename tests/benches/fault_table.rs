//! The fault table: every fault of the fault suite against every entry point, through
//! `lee invoke` and a cold-started `lee lambda`, printed as "fault x entry point ->
//! answer (type or speech), time". It runs the same matrix the suite asserts on
//! (`lee_e2e::fault_matrix`) and asserts nothing about time: it is for reading.
//!
//!   ./build.sh && tests/ha/ha.sh start
//!   cargo bench -p lee-e2e --bench fault_table

// Shared with the suite, which also uses the CA-as-leaf certificate.
#[allow(dead_code)]
#[path = "../e2e/faults/certs.rs"]
mod certs;

use std::time::Instant;

use lee_e2e::fault_matrix::{Case, Entry, Mode, run_matrix, standard_cases, table};
use lee_e2e::fault_server::Fault;

fn main() {
    let mut cases = standard_cases();
    cases.push(Case::fault(
        "TLS untrusted",
        Fault::TlsUntrusted(certs::self_signed_leaf()),
    ));
    let started = Instant::now();
    let answers = run_matrix(&cases, &Entry::ALL, &Mode::BOTH, 10);
    print!("{}", table(&answers));
    let invalid = answers
        .iter()
        .filter(|a| !a.protocol_problems().is_empty())
        .count();
    println!(
        "\n{} cells ({} faults x {} entry points x {} modes) in {:.1} s; {} not valid in \
         their protocol. Times: invoke from spawn to exit; Lambda from spawn (a cold start's \
         first event) to the runtime API receiving the result.",
        answers.len(),
        cases.len(),
        Entry::ALL.len(),
        Mode::BOTH.len(),
        started.elapsed().as_secs_f64(),
        invalid
    );
}
