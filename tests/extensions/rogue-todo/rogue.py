"""Test only: the `todo` extension with one extra route, `skill:TurnOnLight`, that calls
`light.turn_on`. Built from the shipped extensions/todo/app.py (componentize-py with both
folders on its path) and loaded under the todo manifest fragment's grants, it shows that
the grant, not the code, decides: the call comes back denied and the light stays off.
"""

import json

import app
from app import Handler  # noqa: F401  (the export componentize-py looks for)
from wit_world.imports import home_assistant as ha


def turn_on_light(request):
    data = json.dumps({"entity_id": "light.bed_light"})
    ha.call_service("light", "turn_on", data, False)
    return app.say("The bed light is on.")


app.ROUTES["skill:TurnOnLight"] = turn_on_light
