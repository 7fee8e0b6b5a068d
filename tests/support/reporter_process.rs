//! `lee reporter` as a child process for the reporter tests and benchmark: the real
//! binary and `dist/components` against the harness Home Assistant and a
//! [`FakeAmazon`], its state directory a fresh temporary one, its log kept there.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fake_amazon::FakeAmazon;
use crate::{HomeAssistant, Invocation, Lee, lee_binary};

pub const CLIENT_ID: &str = "amzn1.application-oa2-client.test";
pub const SECRET: &str = "the-skill-secret";

pub struct Reporter {
    pub child: Child,
    dir: tempfile::TempDir,
}

impl Reporter {
    pub fn start(amazon: &FakeAmazon, secret: &str) -> Reporter {
        let dir = tempfile::tempdir().expect("state dir");
        Self::start_in(amazon, secret, dir)
    }

    pub fn start_in(amazon: &FakeAmazon, secret: &str, dir: tempfile::TempDir) -> Reporter {
        Self::start_with(amazon, secret, dir, &[])
    }

    /// With extra environment (component settings such as the exposure rule).
    pub fn start_with(
        amazon: &FakeAmazon,
        secret: &str,
        dir: tempfile::TempDir,
        env: &[(&str, &str)],
    ) -> Reporter {
        let ha = HomeAssistant::get();
        let log = std::fs::File::create(dir.path().join("reporter.log")).expect("log");
        let child = Command::new(lee_binary())
            .arg("reporter")
            .arg("--components")
            .arg(crate::dist_components())
            .env_clear()
            .env("HOME_ASSISTANT_URL", &ha.url)
            .env("HOME_ASSISTANT_TOKEN", &ha.token)
            .env("ALEXA_CLIENT_ID", CLIENT_ID)
            .env("ALEXA_CLIENT_SECRET", secret)
            .env("LEE_REPORTER_STATE_DIR", dir.path())
            .env("LEE_LWA_TOKEN_URL", amazon.lwa_url())
            .env("LEE_EVENT_GATEWAY_URL", amazon.gateway_url())
            .env("LEE_ACCEPT_GRANT", "relay")
            .env("LEE_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn lee reporter");
        let reporter = Reporter { child, dir };
        assert!(
            reporter.wait_health(Duration::from_secs(20), |h| h["connected"] == true),
            "reporter never connected: {}",
            reporter.log()
        );
        reporter
    }

    pub fn state_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn health(&self) -> Value {
        std::fs::read(self.state_dir().join("health.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null)
    }

    pub fn wait_health(&self, timeout: Duration, check: impl Fn(&Value) -> bool) -> bool {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if check(&self.health()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state_dir().join("reporter.log")).unwrap_or_default()
    }

    /// Kills the reporter (no clean shutdown: what it persisted is what survives) and
    /// hands back its state directory.
    pub fn stop(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let spare = tempfile::tempdir().expect("tempdir");
        std::mem::replace(&mut self.dir, spare)
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// AcceptGrant as Alexa sends it for the harness (administrator) account.
pub fn accept_grant(code: &str) -> Value {
    accept_grant_for(code, &HomeAssistant::get().token)
}

/// AcceptGrant as Alexa sends it for an account linked to `token`.
pub fn accept_grant_for(code: &str, token: &str) -> Value {
    json!({"directive": {
        "header": {"namespace": "Alexa.Authorization", "name": "AcceptGrant",
                   "messageId": "grant-1", "payloadVersion": "3"},
        "payload": {"grant": {"type": "OAuth2.AuthorizationCode", "code": code},
                    "grantee": {"type": "BearerToken", "token": token}}
    }})
}

pub fn relay_lee() -> Lee {
    Lee::dist().env("LEE_ACCEPT_GRANT", "relay")
}

/// A reporter that holds a grant.
pub fn linked(amazon: &FakeAmazon) -> Reporter {
    link(amazon, Reporter::start(amazon, SECRET))
}

/// Relays a fresh grant to `reporter` through `lee invoke`.
pub fn link(amazon: &FakeAmazon, reporter: Reporter) -> Reporter {
    relay_grant(&reporter, &accept_grant(&amazon.new_code()));
    reporter
}

/// Relays `grant` through `lee invoke`: Alexa gets AcceptGrant.Response and `reporter`
/// holds the grant. Returns the invocation (its stderr, for the caller's checks).
pub fn relay_grant(reporter: &Reporter, grant: &Value) -> Invocation {
    let answer = relay_lee().invoke(grant).expect("invoke");
    assert_eq!(
        answer.response["event"]["header"]["name"],
        "AcceptGrant.Response",
        "{answer:?}\n{}",
        reporter.log()
    );
    assert!(reporter.wait_health(Duration::from_secs(5), |h| h["linked"] == true));
    answer
}
