//! `lee reporter`: the long-running mode that keeps Alexa in sync with the home. A
//! Lambda runs only when Alexa calls it, so something beside Home Assistant must watch
//! it: this process subscribes to Home Assistant's websocket ([`stream`]), asks the
//! `alexa-smart-home` component what each change means for Alexa (route
//! `alexa:lee/StateChanged`, through the same [`Gateway`] the Lambda uses, so a
//! ChangeReport never disagrees with a StateReport), coalesces per endpoint ([`queue`])
//! and posts the events to Alexa's event gateway ([`sender`]) with a Login with Amazon
//! token ([`lwa`]) obtained from the AcceptGrant the function relays through Home
//! Assistant's event bus ([`relay`]). When the exposed endpoint set changes it sends
//! AddOrUpdateReport / DeleteReport ([`endpoints`]). Health goes to a file ([`health`]).

pub mod config;
pub mod endpoints;
pub mod health;
pub mod lwa;
pub mod queue;
pub mod relay;
pub mod sender;
pub mod stream;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::capabilities::MetricsSink;
use crate::event::Event;
use crate::gateway::Gateway;
use crate::settings::Settings;
use config::ReporterConfig;
use endpoints::EndpointSet;
use health::{Health, HealthFile};
use lwa::{Lwa, unix_now};
use queue::Coalescer;
use sender::Sent;
use stream::{FromHa, ToHa};

/// Most entities queued at once (beyond: counted as dropped).
const QUEUE_CAPACITY: usize = 20_000;
const MAX_BACKOFF: Duration = Duration::from_secs(30);
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// How long after a registry or entity change the endpoint set is compared (a rename
/// is several events; one comparison covers them all, and it rate-limits the reports).
const ENDPOINTS_SETTLE: Duration = Duration::from_millis(1_000);
/// The last reported state of every entity, persisted.
const REPORTED_FILE: &str = "reported.json";
/// At most one write of the reported states per this interval.
const PERSIST_EVERY: Duration = Duration::from_secs(1);
/// When the component could not answer for a change, ask again after this.
const ASK_RETRY: Duration = Duration::from_secs(1);

/// `lee reporter [--status]`.
pub async fn run(settings: Settings, components_dir: &Path, status: bool) -> anyhow::Result<i32> {
    if status {
        let dir = config::state_dir(&|n| std::env::var(n).ok());
        return Ok(health::print_status(&dir));
    }
    let config = ReporterConfig::from_env()?;
    create_private_dir(&config.state_dir)?;
    let gateway = Gateway::new(settings.clone(), components_dir, MetricsSink::Discard)?;
    let http = amazon_client()?;
    let lwa = Lwa::new(&config, http.clone());
    let (from_ha_tx, from_ha) = mpsc::channel(8_192);
    let (to_ha, to_ha_rx) = mpsc::channel(64);
    let stream = tokio::spawn(stream::run(settings, from_ha_tx, to_ha_rx));
    let mut reporter = Reporter {
        health: Health {
            linked: lwa.linked().await,
            proactive_events: "on",
            token_expires_at: lwa.expires_at().await,
            ..Health::default()
        },
        health_file: HealthFile::new(&config.state_dir),
        queue: restored_queue(&config),
        reported_file: config.state_dir.join(REPORTED_FILE),
        endpoints: EndpointSet::load(&config.state_dir),
        endpoints_due: None,
        persisted_at: None,
        dirty: false,
        gateway,
        http,
        lwa: Arc::new(lwa),
        event_gateway: config.event_gateway_url.clone(),
        to_ha,
        retry_at: None,
        backoff: FIRST_BACKOFF,
    };
    if !reporter.health.linked {
        reporter.health.reason = Some(
            "not linked yet: enable the skill in the Alexa app (with accept_grant = \"relay\" on \
             the function) so its AcceptGrant reaches this reporter"
                .into(),
        );
    }
    reporter.health_file.write(&mut reporter.health, true);
    tracing::info!(gateway = %config.event_gateway_url, linked = reporter.health.linked, "lee reporter started");
    let code = reporter.run(from_ha).await;
    stream.abort();
    Ok(code)
}

fn restored_queue(config: &ReporterConfig) -> Coalescer {
    let mut queue = Coalescer::new(config.coalesce, QUEUE_CAPACITY);
    let path = config.state_dir.join(REPORTED_FILE);
    if let Ok(bytes) = std::fs::read(&path) {
        match serde_json::from_slice(&bytes) {
            Ok(reported) => queue.restore(reported),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "last reported states unreadable; starting afresh")
            }
        }
    }
    queue
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create LEE_REPORTER_STATE_DIR {}: {e}",
            dir.display()
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| anyhow::anyhow!("cannot restrict {}: {e}", dir.display()))?;
    }
    Ok(())
}

/// One pooled client for LWA and the event gateway: Mozilla's roots, no redirects.
fn amazon_client() -> anyhow::Result<reqwest::Client> {
    let tls = crate::capabilities::home_assistant::tls::verified_tls_config(None)?;
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(3))
        .user_agent(concat!("lee-reporter/", env!("CARGO_PKG_VERSION")))
        .no_proxy()
        .build()?)
}

struct Reporter {
    health: Health,
    health_file: HealthFile,
    queue: Coalescer,
    gateway: Gateway,
    http: reqwest::Client,
    lwa: Arc<Lwa>,
    event_gateway: url::Url,
    to_ha: mpsc::Sender<ToHa>,
    reported_file: std::path::PathBuf,
    endpoints: EndpointSet,
    /// The endpoint set must be compared with Home Assistant's at this time.
    endpoints_due: Option<Instant>,
    persisted_at: Option<Instant>,
    dirty: bool,
    /// The event gateway failed: nothing is sent before this.
    retry_at: Option<Instant>,
    backoff: Duration,
}

impl Reporter {
    async fn run(&mut self, mut from_ha: mpsc::Receiver<FromHa>) -> i32 {
        let mut heartbeat = tokio::time::interval(Duration::from_secs(5));
        loop {
            let next = [self.queue.next_due(), self.endpoints_due]
                .into_iter()
                .flatten()
                .min()
                .map(|due| self.retry_at.map_or(due, |r| due.max(r)));
            let sleep = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                message = from_ha.recv() => match message {
                    Some(m) => self.on_message(m).await,
                    None => return 1,
                },
                () = sleep => {
                    self.flush().await;
                    if self.endpoints_due.is_some_and(|d| d <= Instant::now()) {
                        self.refresh_endpoints().await;
                    }
                }
                // SIGTERM ends the process (the default action): everything that matters
                // is persisted as it changes, and `--status` calls a stale file down.
                _ = heartbeat.tick() => {
                    self.persist(true);
                    self.health_file.write(&mut self.health, true);
                }
            }
            self.persist(false);
        }
    }

    async fn on_message(&mut self, message: FromHa) {
        let now = Instant::now();
        match message {
            FromHa::Connected { states } => {
                self.health.connected = true;
                self.health.ha_connects += 1;
                for s in states {
                    if let Some(id) = s
                        .get("entity_id")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                    {
                        self.queue.observe(&id, s, now);
                    }
                }
                tracing::info!(catch_up = self.queue.depth(), "connected to Home Assistant");
                self.endpoints_soon(now, ENDPOINTS_SETTLE);
                self.dirty = true;
                self.persist(true);
                self.health_file.write(&mut self.health, true);
            }
            FromHa::Changed { entity_id, new } => {
                let name = |s: &Value| s.pointer("/attributes/friendly_name").cloned();
                let renamed = match (&new, self.queue.reported_states().get(&entity_id)) {
                    (Some(new), Some(old)) => name(new) != name(old),
                    _ => true,
                };
                if renamed {
                    self.endpoints_soon(now, ENDPOINTS_SETTLE);
                }
                match new {
                    Some(state) => self.queue.push(&entity_id, state, now),
                    None => self.queue.forget(&entity_id),
                }
            }
            FromHa::RegistryChanged => self.endpoints_soon(now, ENDPOINTS_SETTLE),
            FromHa::Grant { code, request_id } => self.on_grant(&code, &request_id).await,
            FromHa::Disconnected(reason) => {
                tracing::warn!(reason = %reason, "Home Assistant connection lost; reconnecting");
                self.health.connected = false;
                self.health.reason = Some(reason);
                self.health_file.write(&mut self.health, true);
            }
        }
        self.health.queue_depth = self.queue.depth();
        self.health.queue = self.queue.counts;
    }

    async fn on_grant(&mut self, code: &str, request_id: &str) {
        let result = self.lwa.exchange(code).await;
        let data = match &result {
            Ok(()) => {
                self.health.linked = true;
                self.health.reason = None;
                self.health.grants_exchanged += 1;
                self.health.token_expires_at = self.lwa.expires_at().await;
                tracing::info!("AcceptGrant exchanged: proactive events on");
                json!({"request_id": request_id, "ok": true})
            }
            Err(e) => {
                self.health.grants_failed += 1;
                tracing::warn!(error = %e, "AcceptGrant exchange failed");
                json!({"request_id": request_id, "ok": false, "error": e.to_string()})
            }
        };
        let fire = ToHa::FireEvent {
            event_type: relay::RESULT_EVENT.into(),
            data,
        };
        if self.to_ha.send(fire).await.is_err() {
            tracing::warn!("cannot answer the relayed grant: Home Assistant connection closed");
        }
        self.health_file.write(&mut self.health, true);
    }

    fn endpoints_soon(&mut self, now: Instant, settle: Duration) {
        let at = now + settle;
        self.endpoints_due = Some(self.endpoints_due.map_or(at, |d| d.min(at)));
    }

    /// Compares the endpoint set with Home Assistant's and sends the difference.
    async fn refresh_endpoints(&mut self) {
        self.endpoints_due = None;
        // The registry changed: cached listings and states would hide it.
        self.gateway
            .capabilities()
            .home_assistant
            .invalidate_cache();
        let answer = self.request("Endpoints", json!({})).await;
        let Some(current) = answer.as_ref().and_then(endpoints::from_discovery) else {
            tracing::warn!("the endpoint listing failed; retrying in 30 s");
            self.endpoints_soon(Instant::now(), MAX_BACKOFF);
            return;
        };
        if !self.health.linked {
            // Alexa runs its own Discovery when the skill is linked again.
            self.endpoints.told(current);
            return;
        }
        for report in self.endpoints.reports(&current) {
            match sender::send(&self.http, &self.event_gateway, &self.lwa, &report).await {
                Sent::Accepted => {
                    self.health.sent += 1;
                    self.health.last_event_sent_at = Some(unix_now());
                    self.health.last_event = report
                        .pointer("/event/header/name")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                }
                Sent::Retry(why) => {
                    tracing::warn!(reason = %why, "discovery report failed; will retry");
                    self.health.retried += 1;
                    self.endpoints_soon(Instant::now(), self.backoff);
                    return;
                }
                Sent::Rejected(why) => {
                    tracing::warn!(reason = %why, "event gateway rejected a discovery report");
                    self.health.rejected += 1;
                }
                Sent::NotLinked => break,
                Sent::Unlinked(why) => {
                    self.unlinked(why).await;
                    break;
                }
            }
        }
        self.endpoints.told(current);
    }

    async fn unlinked(&mut self, why: String) {
        tracing::warn!(reason = %why, "Alexa unlinked: proactive events stop until the skill is linked again");
        self.lwa.unlink().await;
        self.health.linked = false;
        self.health.token_expires_at = None;
        self.health.reason = Some(why);
        self.health_file.write(&mut self.health, true);
    }

    /// Writes the last reported states when they changed (forced, or once per
    /// [`PERSIST_EVERY`]).
    fn persist(&mut self, force: bool) {
        if !self.dirty
            || (!force
                && self
                    .persisted_at
                    .is_some_and(|t| t.elapsed() < PERSIST_EVERY))
        {
            return;
        }
        let bytes = serde_json::to_vec(self.queue.reported_states()).unwrap_or_default();
        match lwa::write_private(&self.reported_file, &bytes) {
            Ok(()) => self.dirty = false,
            Err(e) => {
                tracing::warn!(file = %self.reported_file.display(), error = %e, "cannot persist the last reported states")
            }
        }
        self.persisted_at = Some(Instant::now());
    }

    /// Sends every due entry; stops at the first gateway failure (everything stays
    /// queued with its newest state until the backoff ends).
    async fn flush(&mut self) {
        let now = Instant::now();
        if self.retry_at.is_some_and(|r| r > now) {
            return;
        }
        let mut due = self.queue.take_due(now).into_iter();
        while let Some((entity_id, old, new)) = due.next() {
            let Some(events) = self.ask(old.as_ref(), &new).await else {
                // The component could not say (Home Assistant unreachable, breaker
                // open): the change stays queued rather than being lost.
                self.queue
                    .retry(&entity_id, new, Instant::now() + ASK_RETRY);
                continue;
            };
            let mut outcome = Sent::Accepted;
            for event in &events {
                outcome = sender::send(&self.http, &self.event_gateway, &self.lwa, event).await;
                if outcome != Sent::Accepted {
                    break;
                }
                self.health.sent += 1;
                self.health.last_event_sent_at = Some(unix_now());
                self.health.last_event = event
                    .pointer("/event/header/name")
                    .and_then(Value::as_str)
                    .map(|n| format!("{n} {entity_id}"));
            }
            match outcome {
                Sent::Accepted => {
                    self.backoff = FIRST_BACKOFF;
                    self.retry_at = None;
                    self.queue.reported(&entity_id, new, Instant::now());
                }
                Sent::Retry(why) => {
                    let at = Instant::now() + self.backoff;
                    tracing::warn!(reason = %why, backoff_ms = self.backoff.as_millis() as u64, "event gateway failed; will retry");
                    self.health.retried += 1;
                    self.queue.retry(&entity_id, new, at);
                    for (id, _, state) in due.by_ref() {
                        self.queue.retry(&id, state, at);
                    }
                    self.retry_at = Some(at);
                    self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                }
                Sent::Rejected(why) => {
                    tracing::warn!(entity = %entity_id, reason = %why, "event gateway rejected an event; dropped");
                    self.health.rejected += 1;
                    self.queue.reported(&entity_id, new, Instant::now());
                }
                Sent::NotLinked => {
                    self.health.unsent_not_linked += events.len() as u64;
                    self.queue.reported(&entity_id, new, Instant::now());
                }
                Sent::Unlinked(why) => {
                    self.unlinked(why).await;
                    self.health.unsent_not_linked += events.len() as u64;
                    self.queue.reported(&entity_id, new, Instant::now());
                }
            }
        }
        self.dirty = true;
        self.health.queue_depth = self.queue.depth();
        self.health.queue = self.queue.counts;
        self.health.token_expires_at = self.lwa.expires_at().await;
        self.health_file.write(&mut self.health, false);
    }

    /// The component's events for one change; `None` when it could not say.
    async fn ask(&self, old: Option<&Value>, new: &Value) -> Option<Vec<Value>> {
        let answer = self
            .request("StateChanged", json!({"old": old, "new": new}))
            .await;
        let events = answer
            .as_ref()
            .and_then(|a| a.get("events"))
            .and_then(Value::as_array);
        if events.is_none() {
            tracing::warn!(answer = ?answer, "the component did not answer StateChanged with events");
        }
        events.cloned()
    }

    /// One `alexa:lee/<name>` request to the component, through the same gateway as
    /// the function (the component's grants, limits and Home Assistant access).
    async fn request(&self, name: &str, payload: Value) -> Option<Value> {
        let event = json!({"directive": {
            "header": {"namespace": "lee", "name": name, "payloadVersion": "3",
                       "messageId": uuid::Uuid::new_v4().to_string()},
            "payload": payload,
        }});
        let request_id = uuid::Uuid::new_v4().to_string();
        match self
            .gateway
            .handle(Event::from_json(event), &request_id, None)
            .await
        {
            Ok(outcome) => Some(outcome.response.json()),
            Err(e) => {
                tracing::warn!(error = %e, request = name, "component request failed");
                None
            }
        }
    }
}
