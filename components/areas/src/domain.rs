//! The vocabulary of an area command, shared by the planner and the speech tables: the
//! [`Action`] asked for and the [`Domain`]s it applies to, with each domain's service,
//! supported-feature rules and "already there" test.

use lee_sdk::ha::State;

/// What to do with the area's devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    On,
    Off,
    Toggle,
}

/// The domains an area command controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Domain {
    Light = 0,
    Switch = 1,
    Fan = 2,
    Cover = 3,
    Climate = 4,
    MediaPlayer = 5,
}

impl Domain {
    pub const ALL: [Domain; 6] = [
        Domain::Light,
        Domain::Switch,
        Domain::Fan,
        Domain::Cover,
        Domain::Climate,
        Domain::MediaPlayer,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Domain::Light => "light",
            Domain::Switch => "switch",
            Domain::Fan => "fan",
            Domain::Cover => "cover",
            Domain::Climate => "climate",
            Domain::MediaPlayer => "media_player",
        }
    }

    pub fn from_id(id: &str) -> Option<Domain> {
        Domain::ALL.into_iter().find(|d| d.id() == id)
    }

    /// The service that performs `action` in this domain.
    pub fn service(self, action: Action) -> &'static str {
        match (self, action) {
            (Domain::Cover, Action::On) => "open_cover",
            (Domain::Cover, Action::Off) => "close_cover",
            (_, Action::On) => "turn_on",
            (_, Action::Off) => "turn_off",
            (_, Action::Toggle) => "toggle",
        }
    }

    /// (bits the entity must support, whether entities declaring none of the domain's
    /// on/off bits are assumed to support it: fans and climate entities of integrations
    /// older than the TURN_ON/TURN_OFF feature flags).
    fn required_features(self, action: Action) -> Option<(u64, u64, bool)> {
        let (on, off, lenient) = match self {
            Domain::Cover => (1, 2, false),
            Domain::MediaPlayer => (128, 256, false),
            Domain::Climate => (256, 128, true),
            Domain::Fan => (32, 16, true),
            Domain::Light | Domain::Switch => return None,
        };
        let needed = match action {
            Action::On => on,
            Action::Off => off,
            Action::Toggle => on | off,
        };
        Some((needed, on | off, lenient))
    }

    /// Does the entity support `action`, by its `supported_features`?
    pub fn supports(self, action: Action, state: &State) -> bool {
        let Some((needed, all, lenient)) = self.required_features(action) else {
            return true;
        };
        let features = state
            .attributes
            .get("supported_features")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        features & needed == needed || (lenient && features & all == 0)
    }

    /// Is the entity already where `action` would put it? (Toggle always changes.)
    pub fn already(self, action: Action, state: &str) -> bool {
        let off = match self {
            Domain::Cover => matches!(state, "closed" | "closing"),
            Domain::MediaPlayer => matches!(state, "off" | "standby"),
            _ => state == "off",
        };
        let on = match self {
            Domain::Cover => matches!(state, "open" | "opening"),
            _ => !off,
        };
        match action {
            Action::On => on,
            Action::Off => off,
            Action::Toggle => false,
        }
    }
}
