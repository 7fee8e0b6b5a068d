//! The extensions in other languages, opted in the way an operator does it: the
//! `.cwasm` and the manifest fragment from `dist/extensions/` (built by `./build.sh`)
//! copied into a components directory, run by the real `lee` against the real harness
//! Home Assistant. `todo` (Python) on the harness's shopping list, `presence`
//! (JavaScript) on its people, trackers and Work zone plus one outbound `http` call to a
//! recording server on 127.0.0.1. Grants hold whatever the code tries: a todo build that
//! calls `light.turn_on`, a todo with a narrower grant, presence without an `http` grant.
//! Also: a component built against WIT 0.1.1 runs on today's host.

use std::path::PathBuf;
use std::time::Duration;

use lee_e2e::echo_server::{EchoServer, Reply};
use lee_e2e::{ComponentsDir, HomeAssistant, Invocation, intent, repo_root, serial};
use serde_json::{Value, json};

/// `dist/extensions/<name>`.
fn extension_file(name: &str) -> PathBuf {
    let path = repo_root().join("dist/extensions").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run ./build.sh",
        path.display()
    );
    path
}

/// The shipped manifest fragment of `id`, with `edit` applied to its text.
fn fragment(id: &str, edit: impl Fn(String) -> String) -> String {
    let text = std::fs::read_to_string(extension_file(&format!("{id}.lee.toml")))
        .expect("read the fragment");
    edit(text)
}

/// A components directory holding only extension `id` under `manifest`.
fn opted_in(id: &str, manifest: &str) -> ComponentsDir {
    let artifact = format!("{id}.cwasm");
    ComponentsDir::new(manifest, &[(&artifact, extension_file(&artifact))])
        .unwrap_or_else(|e| panic!("components dir for {id}: {e:#}\n{manifest}"))
}

fn ask(dir: &ComponentsDir, name: &str, slots: &[(&str, &str)]) -> Invocation {
    let run = dir.lee().invoke(&intent(name, slots)).expect("lee invoke");
    assert_eq!(run.status, 0, "{name}: {}", run.stderr);
    run
}

/// The open (needs_action) and completed items of `todo.shopping_list`, from Home Assistant.
fn shopping_list(ha: &HomeAssistant) -> (Vec<String>, Vec<String>) {
    let answer = ha
        .post(
            "/api/services/todo/get_items?return_response",
            &json!({"entity_id": "todo.shopping_list"}),
        )
        .expect("todo.get_items");
    let items = answer
        .pointer("/service_response/todo.shopping_list/items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let with = |status: &str| {
        items
            .iter()
            .filter(|i| i["status"] == status)
            .filter_map(|i| i["summary"].as_str().map(str::to_string))
            .collect::<Vec<_>>()
    };
    (with("needs_action"), with("completed"))
}

/// Removes `names` from the shopping list if they are on it (a test's leftovers).
fn clear(ha: &HomeAssistant, names: &[&str]) {
    let (open, done) = shopping_list(ha);
    for name in names {
        if open.iter().chain(&done).any(|i| i == name) {
            ha.call_service(
                "todo",
                "remove_item",
                json!({"entity_id": "todo.shopping_list", "item": name}),
            )
            .expect("remove leftover");
        }
    }
}

#[test]
fn todo_adds_lists_completes_and_removes_on_home_assistants_list() {
    let _serial = serial();
    let ha = HomeAssistant::get();
    clear(ha, &["oat milk", "eggs"]);
    let todo = opted_in("todo", &fragment("todo", |t| t));

    let run = ask(
        &todo,
        "AddTodoItem",
        &[("Item", "oat milk"), ("ListName", "shopping list")],
    );
    assert_eq!(
        run.speech(),
        "Added oat milk to Shopping List.",
        "{}",
        run.stderr
    );
    ask(&todo, "AddTodoItem", &[("Item", "eggs")]);
    let (open, _) = shopping_list(ha);
    assert!(
        open.contains(&"oat milk".to_string()) && open.contains(&"eggs".to_string()),
        "{open:?}"
    );

    // Alexa heard the list name slightly wrong: fuzzy-matched to Shopping List.
    let run = ask(&todo, "ListTodoItems", &[("ListName", "the shoping list")]);
    let speech = run.speech();
    assert!(speech.starts_with("On Shopping List: "), "{speech}");
    for item in &open {
        assert!(
            speech.contains(item.as_str()),
            "{item} missing from {speech}"
        );
    }

    let run = ask(&todo, "CompleteTodoItem", &[("Item", "egs")]);
    assert_eq!(run.speech(), "Marked eggs done on Shopping List.");
    let (open, done) = shopping_list(ha);
    assert!(
        !open.contains(&"eggs".to_string()) && done.contains(&"eggs".to_string()),
        "{open:?} {done:?}"
    );

    let run = ask(&todo, "RemoveTodoItem", &[("Item", "oat milk")]);
    assert_eq!(run.speech(), "Removed oat milk from Shopping List.");
    let (open, _) = shopping_list(ha);
    assert!(!open.contains(&"oat milk".to_string()), "{open:?}");

    let run = ask(&todo, "RemoveTodoItem", &[("Item", "caviar")]);
    assert_eq!(run.speech(), "I couldn't find caviar on Shopping List.");
    let run = ask(&todo, "ListTodoItems", &[("ListName", "garage inventory")]);
    assert_eq!(
        run.speech(),
        "I couldn't find a list called garage inventory."
    );
    clear(ha, &["eggs"]);
}

#[test]
fn a_todo_build_calling_light_turn_on_is_denied_by_the_todo_grant() {
    let _serial = serial();
    let ha = HomeAssistant::get();
    ha.call_service("light", "turn_off", json!({"entity_id": "light.bed_light"}))
        .expect("bed light off");
    ha.wait_for("light.bed_light", |s| s["state"] == "off")
        .expect("bed light is off");
    // The shipped fragment's grants, one more route, the rogue build.
    let manifest = fragment("todo", |t| {
        t.replace(
            "\"skill:CompleteTodoItem\"]",
            "\"skill:CompleteTodoItem\", \"skill:TurnOnLight\"]",
        )
        .replace("todo.cwasm", "rogue-todo.cwasm")
        .lines()
        .filter(|l| !l.starts_with("sha256 = "))
        .collect::<Vec<_>>()
        .join("\n")
    });
    assert!(manifest.contains("skill:TurnOnLight"), "{manifest}");
    let rogue = repo_root().join("target/test-components/rogue-todo.cwasm");
    assert!(
        rogue.is_file(),
        "{} is missing: run ./build.sh test",
        rogue.display()
    );
    let dir =
        ComponentsDir::new(&manifest, &[("rogue-todo.cwasm", rogue)]).expect("components dir");

    let run = ask(&dir, "TurnOnLight", &[]);
    assert_ne!(run.speech(), "The bed light is on.", "{}", run.response);
    assert!(
        run.stderr.contains("component call refused by its grants"),
        "the refusal is logged: {}",
        run.stderr
    );
    assert_eq!(
        run.timings().expect("timings")["ha_calls"],
        0,
        "nothing reached Home Assistant"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(ha.state("light.bed_light").expect("state")["state"], "off");
    // The same build still does its own job under that grant.
    let run = ask(&dir, "ListTodoItems", &[]);
    assert!(run.speech().contains("Shopping List"), "{}", run.speech());
}

#[test]
fn a_narrower_grant_is_what_the_todo_extension_gets() {
    let _serial = serial();
    let ha = HomeAssistant::get();
    clear(ha, &["batteries"]);
    // Read-only to-do access: listing works, adding is refused.
    let manifest = fragment("todo", |t| {
        t.replace(
            r#"services = ["todo.*"]"#,
            r#"services = ["todo.get_items"]"#,
        )
    });
    assert!(manifest.contains(r#"["todo.get_items"]"#), "{manifest}");
    let todo = opted_in("todo", &manifest);
    let run = ask(&todo, "AddTodoItem", &[("Item", "batteries")]);
    assert_ne!(
        run.speech(),
        "Added batteries to Shopping List.",
        "{}",
        run.response
    );
    assert!(
        run.stderr.contains("component call refused by its grants"),
        "{}",
        run.stderr
    );
    let (open, _) = shopping_list(ha);
    assert!(!open.contains(&"batteries".to_string()), "{open:?}");
    let run = ask(&todo, "ListTodoItems", &[]);
    assert!(run.speech().contains("Shopping List"), "{}", run.speech());
}

/// Sets a phone tracker's state and waits for the person that follows it.
fn place(ha: &HomeAssistant, tracker: &str, person: &str, state: &str) {
    ha.post(
        &format!("/api/states/device_tracker.{tracker}"),
        &json!({"state": state, "attributes": {"source_type": "gps"}}),
    )
    .expect("set tracker");
    let expected = state.to_string();
    ha.wait_for(&format!("person.{person}"), |s| {
        s["state"] == expected.as_str()
    })
    .unwrap_or_else(|e| panic!("person.{person}: {e:#}"));
}

#[test]
fn presence_says_who_is_home_and_where_people_are() {
    let _serial = serial();
    let ha = HomeAssistant::get();
    let presence = opted_in("presence", &fragment("presence", |t| t));
    place(ha, "anna_phone", "anna", "home");
    place(ha, "ben_phone", "ben_carter", "not_home");
    assert_eq!(ask(&presence, "WhoIsHome", &[]).speech(), "Anna is home.");
    assert_eq!(
        ask(&presence, "IsPersonHome", &[("Person", "Anna")]).speech(),
        "Yes, Anna is home."
    );
    // First name only, and a possessive.
    assert_eq!(
        ask(&presence, "IsPersonHome", &[("Person", "Ben's")]).speech(),
        "No, Ben Carter is not home."
    );
    place(ha, "ben_phone", "ben_carter", "home");
    assert_eq!(
        ask(&presence, "WhoIsHome", &[]).speech(),
        "Anna and Ben Carter are home."
    );

    place(ha, "anna_phone", "anna", "Work");
    assert_eq!(
        ask(&presence, "WherePerson", &[("Person", "Ana")]).speech(),
        "Anna is at Work."
    );
    place(ha, "anna_phone", "anna", "not_home");
    place(ha, "ben_phone", "ben_carter", "not_home");
    assert_eq!(ask(&presence, "WhoIsHome", &[]).speech(), "Nobody is home.");
    assert_eq!(
        ask(&presence, "WherePerson", &[("Person", "Anna")]).speech(),
        "Anna is away."
    );
    assert_eq!(
        ask(&presence, "WherePerson", &[("Person", "Zoltan")]).speech(),
        "I don't know anyone called Zoltan."
    );
}

#[test]
fn presence_asks_the_granted_presence_service_and_nothing_else() {
    let _serial = serial();
    let ha = HomeAssistant::get();
    place(ha, "anna_phone", "anna", "not_home");
    let server = EchoServer::start(Reply::json(r#"{"anna": "the gym"}"#));
    let url = format!("{}/where", server.url());
    let configured = |grant: &str| {
        fragment("presence", |t| {
            t.replace("http = []", grant).replace(
                r#"presence_url = """#,
                &format!(r#"presence_url = "{url}""#),
            )
        })
    };

    // Granted as the IP literal (loopback is then allowed: the operator named it).
    let granted = configured(&format!(r#"http = ["127.0.0.1:{}"]"#, server.port));
    let presence = opted_in("presence", &granted);
    assert_eq!(
        ask(&presence, "WherePerson", &[("Person", "Anna")]).speech(),
        "Anna is at the gym, says your presence service."
    );
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].path, "/where");
    assert!(
        seen[0].header_values("authorization").is_empty(),
        "no token leaves lee"
    );

    // The same URL without the grant: refused before anything is sent.
    let presence = opted_in("presence", &configured("http = []"));
    let run = ask(&presence, "WherePerson", &[("Person", "Anna")]);
    assert_eq!(run.speech(), "Anna is away.");
    assert!(
        run.stderr.contains("presence_url did not answer"),
        "{}",
        run.stderr
    );
    assert_eq!(
        server.requests().len(),
        1,
        "nothing more reached the server"
    );
}

#[test]
fn a_component_built_against_wit_0_1_1_runs_on_this_host() {
    let fixture = repo_root().join("tests/fixtures/compat-0.1.1.wasm");
    let manifest = r#"
[[component]]
id = "compat"
file = "compat.wasm"
version = "0.1.1"
routes = ["lee:compat"]
[component.grants]
read_states = true
[component.config]
greeting = "hello from the manifest"
"#;
    let dir = ComponentsDir::new(manifest, &[("compat.wasm", fixture)]).expect("components dir");
    let run = dir
        .lee()
        .env("LEE_LOG", "info")
        .invoke(&json!({"lee": "compat"}))
        .expect("lee invoke");
    assert_eq!(run.status, 0, "{}", run.stderr);
    let states = HomeAssistant::get().states().expect("states").len() as u64;
    assert_eq!(run.response["wit"], "0.1.1", "{}", run.response);
    assert_eq!(run.response["greeting"], "hello from the manifest");
    assert_eq!(run.response["states"], states, "{}", run.response);
    assert!(
        run.stderr.contains("compat component ran"),
        "{}",
        run.stderr
    );
}
