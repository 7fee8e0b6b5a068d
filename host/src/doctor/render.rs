//! The doctor's report as text: one table of checks (status, name, detail), then the
//! discovery explanation, one line per entity. Plain columns, no colour: it is read in a
//! terminal, in CloudWatch and pasted into issues alike.

use std::fmt::Write;

use super::components;
use super::report::{Report, Status};

fn mark(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Info => "info",
        Status::Warn => "WARN",
        Status::Skip => "skip",
        Status::Fail => "FAIL",
    }
}

pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let width = report
        .checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "lee doctor {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out);
    for check in &report.checks {
        let _ = writeln!(
            out,
            "{:<4}  {:<width$}  {}",
            mark(check.status),
            check.name,
            check.detail
        );
    }
    if let Some(discovery) = &report.discovery {
        let rows = components::rows(discovery);
        let id_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let outcome_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Discovery: what each entity becomes ({} endpoints, at most {})",
            discovery["endpoints"], discovery["max_endpoints"]
        );
        for (entity, outcome, detail) in rows {
            let _ = writeln!(
                out,
                "  {entity:<id_width$}  {outcome:<outcome_width$}  {detail}"
            );
        }
        let differences = discovery["differences_from_home_assistant"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !differences.is_empty() {
            let _ = writeln!(
                out,
                "Where Discovery differs from Home Assistant's own Alexa integration:"
            );
            for d in differences {
                let _ = writeln!(
                    out,
                    "  {}: {}",
                    d["what"].as_str().unwrap_or_default(),
                    d["reason"].as_str().unwrap_or_default()
                );
            }
        }
    }
    let _ = writeln!(out);
    let failed = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .count();
    let _ = match failed {
        0 => writeln!(out, "no check failed"),
        n => writeln!(out, "{n} check(s) FAILED"),
    };
    out
}
