//! What one invocation may cost the operator: guest log lines (200 lines, 64 KiB, 4 KiB
//! per message, the rest counted, dropped and reported once), metric samples (the host's
//! own metrics in their own EMF batch, names and dimension values clipped, EMF on stdout
//! only in Lambda mode), and cache entries (64 bytes of overhead each, at most 1024).

use std::time::Duration;

use lee_e2e::hostile;
use lee_e2e::in_process::{self, gateway, runtime};
use lee_e2e::lambda_process::{run_lambda, tail};
use serde_json::{Value, json};

/// Hostile with a read grant, an unreachable http grant and a cache of `cache_bytes`.
fn probe_dir(cache_bytes: u64) -> lee_e2e::ComponentsDir {
    hostile::under(
        &format!("read_states = true\nhttp = [\"192.0.2.1:9\"]\ncache_bytes = {cache_bytes}"),
        10_000,
    )
}

/// stderr's JSON log lines.
fn log_lines(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("fields").is_some())
        .collect()
}

fn message(line: &Value) -> &str {
    line["fields"]["message"].as_str().unwrap_or_default()
}

/// The guest's flood lines, and the budget warnings, for `request_id` (any if `None`).
fn flood_and_warnings<'a>(
    lines: &'a [Value],
    request_id: Option<&str>,
) -> (Vec<&'a Value>, Vec<&'a Value>) {
    let mine = |l: &&Value| request_id.is_none_or(|id| l["fields"]["request_id"] == id);
    let flood = lines
        .iter()
        .filter(mine)
        .filter(|l| message(l).starts_with("flood line "))
        .collect();
    let warnings = lines
        .iter()
        .filter(mine)
        .filter(|l| message(l).starts_with("component log budget"))
        .collect();
    (flood, warnings)
}

#[test]
fn log_lines_beyond_200_per_invocation_are_counted_dropped_and_reported_once() {
    let dir = probe_dir(4096);
    let flood = json!({"lee": "test-logflood", "lines": 1000, "bytes": 40});
    // Two invocations of one warm Lambda process: each has its own budget.
    let run = run_lambda(
        &dir.path(),
        &[],
        vec![("req-a".into(), flood.clone()), ("req-b".into(), flood)],
        Duration::from_secs(30),
    );
    let lines = log_lines(&run.stderr);
    for id in ["req-a", "req-b"] {
        assert_eq!(run.result(id).body, json!({"logged": 1000}));
        let (flood, warnings) = flood_and_warnings(&lines, Some(id));
        assert_eq!(flood.len(), 200, "{id}: lines kept");
        assert_eq!(
            message(flood[0]),
            format!("flood line 000000 {}", "x".repeat(22))
        );
        assert!(message(flood[199]).starts_with("flood line 000199 "));
        assert_eq!(warnings.len(), 1, "{id}: one warning: {warnings:?}");
        assert_eq!(warnings[0]["level"], "WARN");
        assert_eq!(warnings[0]["fields"]["component"], "hostile");
        assert_eq!(warnings[0]["fields"]["dropped_lines"], 800);
        assert_eq!(warnings[0]["fields"]["dropped_bytes"], 800 * 40);
    }
}

#[test]
fn log_bytes_beyond_64_kib_per_invocation_are_dropped() {
    let dir = probe_dir(4096);
    let run = dir
        .lee()
        .env("LEE_LOG", "info")
        .invoke(&json!({"lee": "test-logflood", "lines": 100, "bytes": 4096}))
        .unwrap();
    assert_eq!(run.response, json!({"logged": 100}));
    let lines = log_lines(&run.stderr);
    let (flood, warnings) = flood_and_warnings(&lines, None);
    // 16 lines of 4 KiB are exactly 64 KiB.
    assert_eq!(flood.len(), 16, "lines kept");
    assert!(flood.iter().all(|l| message(l).len() == 4096));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["fields"]["dropped_lines"], 84);
    assert_eq!(warnings[0]["fields"]["dropped_bytes"], 84 * 4096);
}

#[test]
fn each_log_message_is_clipped_to_4_kib_of_bytes() {
    let dir = probe_dir(4096);
    // "€" is three bytes: 9,999 bytes of text are 3,345 characters, under 4,096
    // characters but well over 4 KiB.
    let run = dir
        .lee()
        .env("LEE_LOG", "info")
        .invoke(&json!({"lee": "test-logflood", "lines": 3, "bytes": 10_000, "unit": "€"}))
        .unwrap();
    assert_eq!(run.response, json!({"logged": 3}));
    let lines = log_lines(&run.stderr);
    let (flood, warnings) = flood_and_warnings(&lines, None);
    assert_eq!(flood.len(), 3);
    assert!(warnings.is_empty(), "{warnings:?}");
    for line in flood {
        let text = message(line);
        let (kept, marker) = text.split_once('…').expect("clipped visibly");
        // 18 bytes of prefix and 1,359 whole "€": the cut never splits a character.
        assert_eq!(kept.len(), 4095, "{} bytes kept", kept.len());
        assert_eq!(kept.matches('€').count(), 1359);
        assert_eq!(marker, "[clipped 5904 bytes]");
    }
}

#[test]
fn a_log_flood_writes_a_bounded_amount() {
    let dir = probe_dir(4096);
    // 2,000 messages of 64 KiB: 128 MiB offered to the host.
    let run = dir
        .lee()
        .env("LEE_LOG", "info")
        .invoke(&json!({"lee": "test-logflood", "lines": 2000, "bytes": 65_536}))
        .unwrap();
    assert_eq!(
        run.response,
        json!({"logged": 2000}),
        "{}",
        tail(&run.stderr)
    );
    assert!(
        run.stderr.len() < 96 * 1024,
        "{} bytes of stderr",
        run.stderr.len()
    );
    let lines = log_lines(&run.stderr);
    let (flood, warnings) = flood_and_warnings(&lines, None);
    assert!(flood.len() <= 16, "{} lines", flood.len());
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        warnings[0]["fields"]["dropped_lines"],
        2000 - flood.len() as u64
    );
}

/// `lee lambda` with one flood of metric samples: its EMF documents and logs.
fn metrics_in_lambda(flood: Value) -> lee_e2e::lambda_process::LambdaRun {
    let dir = probe_dir(4096);
    let run = run_lambda(
        &dir.path(),
        &[],
        vec![("req-m".into(), flood)],
        Duration::from_secs(30),
    );
    assert_eq!(run.result("req-m").kind, "response", "{:?}", run.posted);
    run
}

#[test]
fn host_metrics_survive_a_guest_that_records_150_samples() {
    let run = metrics_in_lambda(json!({"lee": "test-metricsflood", "samples": 150}));
    let emf = run.emf();
    let host: Vec<&Value> = emf
        .iter()
        .filter(|d| d.get("Invocations").is_some())
        .collect();
    assert_eq!(host.len(), 1, "one host batch: {}", run.stdout);
    let host = host[0];
    assert_eq!(host["component"], "hostile");
    assert_eq!(host["Invocations"], json!(1.0));
    assert_eq!(host["Failures"], json!(0.0));
    assert!(
        host["GuestMs"].as_f64().is_some_and(|ms| ms > 0.0),
        "{host}"
    );
    assert!(host.get("HaCalls").is_some(), "{host}");
    let floods: Vec<String> = emf
        .iter()
        .flat_map(|d| d["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array())
        .flatten()
        .filter_map(|m| m["Name"].as_str())
        .filter(|n| n.starts_with("Flood"))
        .map(str::to_string)
        .collect();
    assert_eq!(floods.len(), 100, "the guest keeps its own 100 samples");
    assert!(floods.iter().any(|n| n == "Flood0") && floods.iter().any(|n| n == "Flood99"));
    assert!(
        run.stderr.contains("were dropped") && run.stderr.contains("\"dropped\":50"),
        "{}",
        tail(&run.stderr)
    );
}

#[test]
fn metric_names_and_dimension_values_are_clipped_and_cannot_shadow_dimensions() {
    let run = metrics_in_lambda(json!({
        "lee": "test-metricsflood",
        "long_name": 500,
        "long_value": 200_000,
        "shadow": "component",
    }));
    let longest = run.stdout.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 4096, "an EMF line of {longest} bytes");
    let emf = run.emf();
    let clipped = emf
        .iter()
        .find(|d| d.get("where").is_some())
        .unwrap_or_else(|| panic!("the long sample: {}", run.stdout));
    assert_eq!(clipped["where"].as_str().map(str::len), Some(256));
    assert_eq!(clipped[&"N".repeat(128)], json!(2.0), "{clipped}");
    assert_eq!(clipped["component"], "hostile");
    let names: Vec<&Value> = emf
        .iter()
        .flat_map(|d| d["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array())
        .flatten()
        .map(|m| &m["Name"])
        .collect();
    assert!(
        !names.iter().any(|n| *n == "component"),
        "a metric named like the dimension is dropped: {names:?}"
    );
}

#[test]
fn emf_is_printed_only_in_lambda_mode() {
    let dir = probe_dir(4096);
    let run = dir
        .lee()
        .invoke(&json!({"lee": "test-metricsflood", "samples": 5}))
        .unwrap();
    // `Lee::invoke` parses all of stdout as one JSON document: the response alone.
    assert_eq!(run.response, json!({"recorded": 5}));
    assert!(!run.stderr.contains("CloudWatchMetrics"));

    let lambda = metrics_in_lambda(json!({"lee": "test-metricsflood", "samples": 5}));
    assert_eq!(
        lambda.emf().len(),
        2,
        "host and guest batches: {}",
        lambda.stdout
    );
}

#[test]
fn tiny_cache_entries_pay_64_bytes_of_overhead_each() {
    let dir = probe_dir(4096);
    let rt = runtime();
    let gateway = gateway(&dir.path());
    let run = in_process::handle(
        &rt,
        &gateway,
        json!({"lee": "test-cache-tiny", "value_bytes": 1, "max": 5000}),
    );
    // Keys "0", "1", ... with one-byte values, each charged key + value + 64 bytes.
    let mut expected = 0u64;
    let mut used = 0u64;
    while used + expected.to_string().len() as u64 + 1 + 64 <= 4096 {
        used += expected.to_string().len() as u64 + 1 + 64;
        expected += 1;
    }
    assert_eq!(expected, 61);
    assert_eq!(
        run.response,
        json!({
            "stored": expected,
            "refusal": {"error": "quota-exceeded", "quota": 4096},
            "first_present": true,
            "last_present": true,
        })
    );
    let health = in_process::handle(&rt, &gateway, json!({"lee": "health"})).response;
    assert_eq!(
        health["capabilities"]["cache"]["hostile"],
        json!({"entries": expected, "bytes": used}),
        "{}",
        health["capabilities"]
    );
}

#[test]
fn a_component_holds_at_most_1024_cache_entries() {
    let dir = probe_dir(1 << 20);
    let rt = runtime();
    let gateway = gateway(&dir.path());
    let run = in_process::handle(
        &rt,
        &gateway,
        json!({"lee": "test-cache-tiny", "value_bytes": 1, "max": 3000}),
    );
    assert_eq!(run.response["stored"], 1024, "{}", run.response);
    assert_eq!(run.response["refusal"]["error"], "quota-exceeded");
    assert_eq!(run.response["last_present"], true);
}
