//! Posting proactive events to Alexa's event gateway: `POST` with `Authorization:
//! Bearer <LWA access token>`, the same token in the event's scope, and Amazon's
//! answers sorted into what the reporter must do: 202 sent; INVALID_ACCESS_TOKEN_EXCEPTION
//! refresh and retry once; SKILL_DISABLED_EXCEPTION / 403 unlinked (stop, say so); 429,
//! 5xx and network failures retry later; any other 4xx is a bad event (dropped, counted).

use std::time::Duration;

use serde_json::{Value, json};

use super::lwa::{Lwa, LwaError};

/// What became of one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    Accepted,
    /// The skill is disabled or the grant revoked: stop sending until re-linked.
    Unlinked(String),
    /// Try again later (gateway down, throttled, LWA unavailable).
    Retry(String),
    /// Amazon refused this event (it will not accept it later either).
    Rejected(String),
    /// No grant yet.
    NotLinked,
}

/// Puts the bearer token where Amazon expects it: `event.endpoint.scope` for endpoint
/// events, `event.payload.scope` for Discovery reports.
pub fn with_scope(mut event: Value, token: &str) -> Value {
    let scope = json!({"type": "BearerToken", "token": token});
    if event.pointer("/event/endpoint").is_some() {
        event["event"]["endpoint"]["scope"] = scope;
    } else if event.pointer("/event/payload").is_some() {
        event["event"]["payload"]["scope"] = scope;
    }
    event
}

/// Sends one event (refresh + one retry after INVALID_ACCESS_TOKEN_EXCEPTION).
pub async fn send(http: &reqwest::Client, url: &url::Url, lwa: &Lwa, event: &Value) -> Sent {
    let token = match lwa.access_token().await {
        Ok(token) => token,
        Err(e) => return from_lwa(e),
    };
    match post(http, url, token.expose(), event).await {
        Attempt::Done(sent) => sent,
        Attempt::InvalidToken => {
            let token = match lwa.refresh().await {
                Ok(token) => token,
                Err(e) => return from_lwa(e),
            };
            match post(http, url, token.expose(), event).await {
                Attempt::Done(sent) => sent,
                Attempt::InvalidToken => Sent::Unlinked(
                    "the event gateway refused a freshly refreshed token \
                     (INVALID_ACCESS_TOKEN_EXCEPTION twice)"
                        .into(),
                ),
            }
        }
    }
}

fn from_lwa(e: LwaError) -> Sent {
    match e {
        LwaError::NotLinked => Sent::NotLinked,
        LwaError::Unavailable(m) => Sent::Retry(m),
        LwaError::Refused(m) => {
            Sent::Unlinked(format!("Login with Amazon refused the refresh token: {m}"))
        }
    }
}

enum Attempt {
    Done(Sent),
    InvalidToken,
}

async fn post(http: &reqwest::Client, url: &url::Url, token: &str, event: &Value) -> Attempt {
    let body = with_scope(event.clone(), token);
    let response = match http
        .post(url.clone())
        .bearer_auth(token)
        .json(&body)
        .timeout(Duration::from_secs(5))
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => return Attempt::Done(Sent::Retry(format!("event gateway unreachable: {e}"))),
    };
    let status = response.status().as_u16();
    if status == 202 || status == 200 {
        return Attempt::Done(Sent::Accepted);
    }
    let text = response.text().await.unwrap_or_default();
    let code = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| {
            v.pointer("/payload/code")
                .or_else(|| v.pointer("/header/code"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default();
    Attempt::Done(match (status, code.as_str()) {
        (401, "INVALID_ACCESS_TOKEN_EXCEPTION") => return Attempt::InvalidToken,
        (_, "SKILL_DISABLED_EXCEPTION") | (403, _) => Sent::Unlinked(format!(
            "the event gateway answered {status} {code}: the skill is disabled or the account \
             unlinked; re-link it in the Alexa app"
        )),
        (429 | 500..=599, _) => Sent::Retry(format!("event gateway answered {status} {code}")),
        _ => Sent::Rejected(format!("event gateway answered {status} {code}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_goes_where_amazon_expects_it() {
        let change =
            json!({"event": {"header": {}, "endpoint": {"endpointId": "light#x"}, "payload": {}}});
        assert_eq!(
            with_scope(change, "t")["event"]["endpoint"]["scope"]["token"],
            "t"
        );
        let add = json!({"event": {"header": {}, "payload": {"endpoints": []}}});
        assert_eq!(
            with_scope(add, "t")["event"]["payload"]["scope"]["token"],
            "t"
        );
    }
}
