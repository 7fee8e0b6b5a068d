//! What a doctor report is made of: checks with a status, gathered into a report that
//! prints as text or JSON. Its own module so every check module uses it as a sibling.

use serde::Serialize;
use serde_json::{Value, json};

/// How a check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Info,
    Warn,
    Skip,
    Fail,
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub data: Value,
}

impl Check {
    pub fn new(name: &'static str, status: Status, detail: impl Into<String>) -> Self {
        Self {
            name,
            status,
            detail: detail.into(),
            data: Value::Null,
        }
    }

    pub fn with(mut self, data: Value) -> Self {
        self.data = data;
        self
    }
}

/// Everything the doctor found.
#[derive(Debug, Default)]
pub struct Report {
    pub checks: Vec<Check>,
    /// The discovery explanation, when the component could give it.
    pub discovery: Option<Value>,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Fail)
    }

    pub fn json(&self) -> Value {
        json!({
            "lee": {"version": env!("CARGO_PKG_VERSION"), "wit": lee_contract::wit_package()},
            "ok": !self.failed(),
            "checks": self.checks,
            "discovery": self.discovery,
        })
    }
}
