//! The reporter's health, written to `<state dir>/health.json` (mode 0600) whenever it
//! changes (at most every 500 ms) and every 5 s, and printed by `lee reporter --status` (exit 0 when
//! connected and linked, 1 otherwise): connected, linked (and why not), token expiry,
//! queue depth, last event sent, counts of what was sent, coalesced, retried, dropped.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::lwa::{unix_now, write_private};
use super::queue::QueueCounts;

pub const HEALTH_FILE: &str = "health.json";

#[derive(Debug, Default, Clone, Serialize)]
pub struct Health {
    pub connected: bool,
    pub linked: bool,
    /// Why not linked / not connected, in words a user can act on.
    pub reason: Option<String>,
    pub proactive_events: &'static str,
    pub token_expires_at: Option<u64>,
    pub queue_depth: usize,
    pub last_event_sent_at: Option<u64>,
    pub last_event: Option<String>,
    pub sent: u64,
    pub retried: u64,
    pub rejected: u64,
    pub unsent_not_linked: u64,
    pub queue: QueueCounts,
    pub ha_connects: u64,
    pub grants_exchanged: u64,
    pub grants_failed: u64,
    pub updated_at: u64,
}

/// Writes health to its file, throttled.
pub struct HealthFile {
    path: PathBuf,
    last_write: Option<Instant>,
}

impl HealthFile {
    pub fn new(state_dir: &Path) -> Self {
        Self {
            path: state_dir.join(HEALTH_FILE),
            last_write: None,
        }
    }

    /// Writes now when `force`, else when 500 ms passed since the last write.
    pub fn write(&mut self, health: &mut Health, force: bool) {
        let due = self
            .last_write
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(500));
        if !force && !due {
            return;
        }
        health.updated_at = unix_now();
        let bytes = serde_json::to_vec_pretty(health).unwrap_or_default();
        if let Err(e) = write_private(&self.path, &bytes) {
            tracing::warn!(file = %self.path.display(), error = %e, "cannot write the health file");
        }
        self.last_write = Some(Instant::now());
    }
}

/// `lee reporter --status`: prints the health file; exit 0 when connected and linked.
pub fn print_status(state_dir: &Path) -> i32 {
    let path = state_dir.join(HEALTH_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            println!("{text}");
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let fresh = v["updated_at"]
                .as_u64()
                .is_some_and(|t| unix_now().saturating_sub(t) < 120);
            if v["connected"] == true && v["linked"] == true && fresh {
                0
            } else {
                1
            }
        }
        Err(e) => {
            eprintln!(
                "lee reporter: no health at {} ({e}): is the reporter running with this LEE_REPORTER_STATE_DIR?",
                path.display()
            );
            1
        }
    }
}
