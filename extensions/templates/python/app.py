"""`{{id}}`: a lee extension component (Python, componentize-py). It answers
`{{route}}`; add routes to ROUTES and to the `routes` of its manifest entry together."""

import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import handler
from wit_world.imports import log


def say(text):
    return json.dumps({"version": "1.0", "response": {
        "outputSpeech": {"type": "PlainText", "text": text}, "shouldEndSession": True}})


def hello(request):
    log.log(log.Level.INFO, "{{id}} answered", [])
    return say("Hello from {{id}}.")


ROUTES = {"{{route}}": hello}


class Handler(exports.Handler):
    def handle(self, invocation):
        route = ROUTES.get(invocation.route)
        if route is None:
            raise Err(handler.Failure_Unsupported(f"{{id}} does not handle {invocation.route}"))
        return route(json.loads(invocation.event).get("request") or {})
