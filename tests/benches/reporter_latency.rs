//! The reporter's event latency and cost: contact sensors set through Home Assistant's
//! REST API at 1, 100 and 1,000 changes per second (one change per sensor per second,
//! so coalescing does not hide latency), the real `lee reporter` sending ChangeReports
//! to the fake event gateway. Latency = gateway receipt - the state's `last_changed`
//! as Home Assistant stamped it (one clock, one machine). Also the reporter's RSS and
//! CPU at idle and under each load. Prints figures; asserts nothing about time.
//!
//!   ./build.sh && tests/ha/ha.sh start
//!   cargo bench -p lee-e2e --bench reporter_latency

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lee_e2e::HomeAssistant;
use lee_e2e::fake_amazon::FakeAmazon;
use lee_e2e::reporter_process::{CLIENT_ID, SECRET, linked};
use serde_json::{Value, json};

const ROUND: Duration = Duration::from_secs(5);

fn main() {
    let ha = HomeAssistant::get();
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("tls versions")
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let client = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let sensors = 1_000;
    for i in 0..sensors {
        set(&client, ha, i, "off");
    }
    let amazon = FakeAmazon::start(CLIENT_ID, SECRET, 3600);
    let reporter = linked(&amazon);
    let pid = reporter.child.id();
    std::thread::sleep(Duration::from_secs(2));
    let (cpu0, t0) = (cpu_ticks(pid), Instant::now());
    std::thread::sleep(ROUND);
    println!(
        "idle: RSS {:.1} MiB, CPU {:.1} %",
        rss_mib(pid),
        cpu_percent(cpu0, cpu_ticks(pid), t0.elapsed())
    );
    println!("rate/s | sent changes | events | median ms | p99 ms | max ms | RSS MiB | CPU %");
    for rate in [1usize, 100, 1_000] {
        amazon.clear_accepted();
        let (cpu0, t0) = (cpu_ticks(pid), Instant::now());
        let stamps = run_round(&client, ha, rate);
        // Wait for the tail, then measure.
        std::thread::sleep(Duration::from_secs(2));
        let cpu = cpu_percent(cpu0, cpu_ticks(pid), t0.elapsed());
        let mut latencies: Vec<f64> = Vec::new();
        for r in amazon.accepted() {
            let Some(id) = r
                .event
                .pointer("/event/endpoint/endpointId")
                .and_then(Value::as_str)
            else {
                continue;
            };
            let value = r
                .event
                .pointer("/event/payload/change/properties/0/value")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let received = secs(r.wall);
            if let Some(changed) = stamps.get(id).and_then(|list| {
                list.iter()
                    .rev()
                    .find(|(v, t)| v == value && *t <= received + 0.001)
            }) {
                latencies.push((received - changed.1) * 1000.0);
            }
        }
        latencies.sort_by(f64::total_cmp);
        let pick = |q: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        println!(
            "{rate:>6} | {:>12} | {:>6} | {:>9.1} | {:>6.1} | {:>6.1} | {:>7.1} | {cpu:.1}",
            stamps.values().map(Vec::len).sum::<usize>(),
            latencies.len(),
            pick(0.5),
            pick(0.99),
            latencies.last().copied().unwrap_or(f64::NAN),
            rss_mib(pid),
        );
    }
    for i in 0..sensors {
        let _ = client
            .delete(format!("{}/api/states/binary_sensor.lee_bench_{i}", ha.url))
            .bearer_auth(&ha.token)
            .send();
    }
    println!(
        "latency: gateway receipt minus Home Assistant's last_changed; CPU of the reporter \
         process over the round and 2 s after it (100 % = one core)"
    );
}

/// `rate` changes per second for [`ROUND`], spread over `rate` sensors (each toggles once
/// a second) from 8 threads; returns, per endpoint, every (value sent, HA's timestamp).
fn run_round(
    client: &reqwest::blocking::Client,
    ha: &HomeAssistant,
    rate: usize,
) -> HashMap<String, Vec<(String, f64)>> {
    let seconds = ROUND.as_secs() as usize;
    let threads = rate.clamp(1, 8);
    let started = Instant::now();
    let results: Vec<Vec<(String, String, f64)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for second in 0..seconds {
                        for i in (t..rate).step_by(threads) {
                            let at = started
                                + Duration::from_secs(second as u64)
                                + Duration::from_secs_f64(i as f64 / rate as f64);
                            if let Some(wait) = at.checked_duration_since(Instant::now()) {
                                std::thread::sleep(wait);
                            }
                            let value = if second % 2 == 0 { "on" } else { "off" };
                            if let Some(changed) = set(client, ha, i, value) {
                                let detection = if value == "on" {
                                    "DETECTED"
                                } else {
                                    "NOT_DETECTED"
                                };
                                out.push((
                                    format!("binary_sensor#lee_bench_{i}"),
                                    detection.to_string(),
                                    changed,
                                ));
                            }
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut stamps: HashMap<String, Vec<(String, f64)>> = HashMap::new();
    for (id, value, at) in results.into_iter().flatten() {
        stamps.entry(id).or_default().push((value, at));
    }
    for list in stamps.values_mut() {
        list.sort_by(|a, b| a.1.total_cmp(&b.1));
    }
    stamps
}

/// Sets one sensor; returns Home Assistant's `last_changed` (Unix seconds).
fn set(
    client: &reqwest::blocking::Client,
    ha: &HomeAssistant,
    i: usize,
    state: &str,
) -> Option<f64> {
    let response = client
        .post(format!("{}/api/states/binary_sensor.lee_bench_{i}", ha.url))
        .bearer_auth(&ha.token)
        .json(&json!({"state": state, "attributes": {"device_class": "door", "friendly_name": format!("Bench {i}")}}))
        .send()
        .ok()?;
    let v: Value = response.json().ok()?;
    parse_timestamp(v.get("last_changed")?.as_str()?)
}

fn secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `2026-12-04T22:07:00.123456+00:00` -> Unix seconds (Home Assistant stamps UTC).
fn parse_timestamp(text: &str) -> Option<f64> {
    let (date, time) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.trim_end_matches("+00:00").trim_end_matches('Z');
    let mut t = time.split(':');
    let (h, min) = (
        t.next()?.parse::<f64>().ok()?,
        t.next()?.parse::<f64>().ok()?,
    );
    let s = t.next()?.parse::<f64>().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as f64 * 86_400.0 + h * 3_600.0 + min * 60.0 + s)
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// utime + stime of the process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_string();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

fn cpu_percent(before: u64, after: u64, over: Duration) -> f64 {
    // Linux reports 100 ticks per second (USER_HZ).
    (after.saturating_sub(before)) as f64 / 100.0 / over.as_secs_f64() * 100.0
}
