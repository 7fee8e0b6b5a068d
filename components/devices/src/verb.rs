//! What a device command did ([`Verb`]): the planner picks it with the service, the
//! speech tables word it.

/// What a service call did, for speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    TurnOn,
    TurnOff,
    Open,
    Close,
    Activate,
    Press,
    Start,
    Stop,
    Dock,
}
