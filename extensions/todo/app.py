"""The `todo` extension: Home Assistant to-do lists by voice, for lee's custom skill.

"Add milk to the shopping list", "what's on my shopping list", "remove milk",
"mark eggs done". Lists are Home Assistant's `todo` entities, their spoken names matched
fuzzily; items go through `todo.add_item`, `todo.remove_item`, `todo.update_item` and
`todo.get_items` (with a service response). Written in Python against lee's WIT world
`feature` and built with componentize-py; it is granted `todo.*` and read access, nothing
else (a call outside that grant comes back denied).
"""

import difflib
import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import handler
from wit_world.imports import home_assistant as ha
from wit_world.imports import log

# How old a list of to-do entities may be (they rarely change).
LOOKUP_MS = 60_000
# How close a spoken list or item name must be (0..1, difflib's ratio).
CUTOFF = 0.6


def say(text, end_session=True):
    return json.dumps({
        "version": "1.0",
        "response": {
            "outputSpeech": {"type": "PlainText", "text": text},
            "shouldEndSession": end_session,
        },
    })


def slot(request, name):
    """A slot's value: the entity-resolution match when Alexa found one, else the text."""
    value = (request.get("intent") or {}).get("slots", {}).get(name) or {}
    for authority in (value.get("resolutions") or {}).get("resolutionsPerAuthority", []):
        if (authority.get("status") or {}).get("code") == "ER_SUCCESS_MATCH":
            values = authority.get("values") or []
            if values:
                return values[0]["value"]["name"].strip() or None
    text = (value.get("value") or "").strip()
    return text or None


def normalize(text):
    words = text.lower().replace("'s", "").split()
    return " ".join(w for w in words if w not in ("the", "my", "a", "list"))


def best(spoken, names):
    """The name in `names` closest to `spoken`, or None."""
    wanted = normalize(spoken)
    keyed = {normalize(n): n for n in names}
    if wanted in keyed:
        return keyed[wanted]
    match = difflib.get_close_matches(wanted, list(keyed), n=1, cutoff=CUTOFF)
    return keyed[match[0]] if match else None


def lists():
    query = ha.StateQuery(domains=["todo"], entity_ids=[], attributes=["friendly_name"])
    found = {}
    for state in ha.get_states_of(query, LOOKUP_MS):
        name = json.loads(state.attributes).get("friendly_name") or state.entity_id.split(".", 1)[1]
        found[name] = state.entity_id
    return found


def pick_list(request):
    """(entity id, spoken name) of the list the request names, or its only list."""
    available = lists()
    if not available:
        return None, "I couldn't find a to-do list in Home Assistant."
    spoken = slot(request, "ListName")
    if spoken is None:
        if len(available) == 1:
            name = next(iter(available))
            return (available[name], name), None
        spoken = "shopping list"
    name = best(spoken, available)
    if name is None:
        return None, f"I couldn't find a list called {spoken}."
    return (available[name], name), None


def items(entity_id):
    data = json.dumps({"entity_id": entity_id, "status": ["needs_action"]})
    result = ha.call_service("todo", "get_items", data, True)
    response = json.loads(result.response or "{}")
    return [i["summary"] for i in response.get(entity_id, {}).get("items", [])]


def add(request):
    item = slot(request, "Item")
    if item is None:
        return say("What should I add?", end_session=False)
    target, problem = pick_list(request)
    if problem:
        return say(problem)
    entity_id, name = target
    ha.call_service("todo", "add_item", json.dumps({"entity_id": entity_id, "item": item}), False)
    log.log(log.Level.INFO, "to-do item added", [("list", entity_id)])
    return say(f"Added {item} to {name}.")


def show(request):
    target, problem = pick_list(request)
    if problem:
        return say(problem)
    entity_id, name = target
    open_items = items(entity_id)
    if not open_items:
        return say(f"{name} is empty.")
    if len(open_items) == 1:
        return say(f"On {name}: {open_items[0]}.")
    listed = ", ".join(open_items[:-1]) + " and " + open_items[-1]
    return say(f"On {name}: {listed}.")


def change(request, service, done_text):
    spoken = slot(request, "Item")
    if spoken is None:
        return say("Which item?", end_session=False)
    target, problem = pick_list(request)
    if problem:
        return say(problem)
    entity_id, name = target
    item = best(spoken, items(entity_id))
    if item is None:
        return say(f"I couldn't find {spoken} on {name}.")
    data = {"entity_id": entity_id, "item": item}
    if service == "update_item":
        data["status"] = "completed"
    ha.call_service("todo", service, json.dumps(data), False)
    return say(done_text.format(item=item, name=name))


ROUTES = {
    "skill:AddTodoItem": add,
    "skill:ListTodoItems": show,
    "skill:RemoveTodoItem": lambda r: change(r, "remove_item", "Removed {item} from {name}."),
    "skill:CompleteTodoItem": lambda r: change(r, "update_item", "Marked {item} done on {name}."),
}


def as_failure(error):
    """A Home Assistant error from an import, as the handler's failure."""
    if isinstance(error, ha.HaError_Denied):
        return handler.Failure_Denied(error.value)
    return handler.Failure_HomeAssistant(error)


class Handler(exports.Handler):
    def handle(self, invocation):
        route = ROUTES.get(invocation.route)
        if route is None:
            raise Err(handler.Failure_Unsupported(f"todo does not handle {invocation.route}"))
        try:
            request = json.loads(invocation.event).get("request") or {}
        except ValueError as e:
            raise Err(handler.Failure_InvalidRequest(f"event is not JSON: {e}"))
        try:
            return route(request)
        except Err as e:
            raise Err(as_failure(e.value))
