//! Administration of the harness Home Assistant that tests need and its REST API does
//! not offer: one websocket command (registry updates, labels, exposure toggles) and a
//! non-administrator user with its own access token (for the permission tests), made
//! through Home Assistant's own user, credential and login-flow APIs.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::HomeAssistant;

/// One websocket command to the harness Home Assistant with its administrator token;
/// the `result` message it answers.
pub fn ws_command(command: Value) -> Value {
    ws_command_with(&HomeAssistant::get().token, command).expect("websocket command")
}

/// One websocket command with `token`; the `result` message it answers.
pub fn ws_command_with(token: &str, mut command: Value) -> Result<Value> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let ha = HomeAssistant::get();
    let url = format!("{}/api/websocket", ha.url.replacen("http", "ws", 1));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .context("websocket connect")?;
        command["id"] = json!(1);
        let mut sent = false;
        loop {
            let v: Value = match tokio::time::timeout(Duration::from_secs(20), socket.next()).await
            {
                Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str(text.as_str())?,
                other => bail!("websocket closed or silent: {other:?}"),
            };
            match v["type"].as_str() {
                Some("auth_required") => {
                    let auth = json!({"type": "auth", "access_token": token});
                    socket.send(Message::text(auth.to_string())).await?;
                }
                Some("auth_ok") if !sent => {
                    socket.send(Message::text(command.to_string())).await?;
                    sent = true;
                }
                Some("auth_invalid") => bail!("websocket auth refused: {v}"),
                Some("result") => return Ok(v),
                _ => {}
            }
        }
    })
}

/// A Home Assistant user in the `system-users` group (not an administrator) with an
/// access token from the login flow; deleted again when dropped.
pub struct NonAdmin {
    pub user_id: String,
    pub token: String,
}

/// The client id of the login flow (Home Assistant accepts any URL as client id).
const CLIENT_ID: &str = "http://127.0.0.1/lee-e2e";

impl NonAdmin {
    pub fn create(username: &str) -> Result<NonAdmin> {
        let password = "lee-e2e-not-an-admin";
        // Left over from an interrupted run.
        let users = ws_command(json!({"type": "config/auth/list"}));
        for user in users["result"].as_array().into_iter().flatten() {
            if user["name"] == username
                && let Some(id) = user["id"].as_str()
            {
                ws_command(json!({"type": "config/auth/delete", "user_id": id}));
            }
        }
        let created = ws_command(json!({"type": "config/auth/create", "name": username,
            "group_ids": ["system-users"], "local_only": false}));
        let user_id = created
            .pointer("/result/user/id")
            .and_then(Value::as_str)
            .with_context(|| format!("config/auth/create: {created}"))?
            .to_string();
        // From here on, dropping `user` deletes it again.
        let mut user = NonAdmin {
            user_id: user_id.clone(),
            token: String::new(),
        };
        let credentials = ws_command(json!({"type": "config/auth_provider/homeassistant/create",
            "user_id": user_id, "username": username, "password": password}));
        if credentials["success"] != true {
            bail!("credentials: {credentials}");
        }
        user.token = login(username, password)?;
        Ok(user)
    }
}

impl Drop for NonAdmin {
    fn drop(&mut self) {
        ws_command(json!({"type": "config/auth/delete", "user_id": self.user_id}));
    }
}

/// Home Assistant's login flow for a local user: flow, credentials, code, token.
fn login(username: &str, password: &str) -> Result<String> {
    let ha = HomeAssistant::get();
    let client = HomeAssistant::client();
    let flow: Value = client
        .post(format!("{}/auth/login_flow", ha.url))
        .json(
            &json!({"client_id": CLIENT_ID, "handler": ["homeassistant", null],
                      "redirect_uri": format!("{CLIENT_ID}/callback")}),
        )
        .send()?
        .error_for_status()?
        .json()?;
    let flow_id = flow["flow_id"].as_str().context("login flow id")?;
    let step: Value = client
        .post(format!("{}/auth/login_flow/{flow_id}", ha.url))
        .json(&json!({"client_id": CLIENT_ID, "username": username, "password": password}))
        .send()?
        .error_for_status()?
        .json()?;
    let code = step["result"]
        .as_str()
        .with_context(|| format!("login flow: {step}"))?;
    let tokens: Value = client
        .post(format!("{}/auth/token", ha.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "authorization_code")
                .append_pair("code", code)
                .append_pair("client_id", CLIENT_ID)
                .finish(),
        )
        .send()?
        .error_for_status()?
        .json()?;
    Ok(tokens["access_token"]
        .as_str()
        .context("access token")?
        .to_string())
}
