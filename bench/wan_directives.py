"""The directives the WAN bench sends, one per family, to entities of the demo home
(and the bench's template lock): the same event goes to lee and to the baseline.
Values alternate between runs so every run changes the device."""
import uuid

# family -> (namespace, name, endpoint, payload(i))
FAMILIES = {
    "ReportState": ("Alexa", "ReportState", "light#bed_light", lambda i: {}),
    "TurnOn": ("Alexa.PowerController", "TurnOn", "light#bed_light", lambda i: {}),
    "SetBrightness": ("Alexa.BrightnessController", "SetBrightness", "light#bed_light",
                      lambda i: {"brightness": 30 + 40 * (i % 2)}),
    "AdjustBrightness": ("Alexa.BrightnessController", "AdjustBrightness", "light#bed_light",
                         lambda i: {"brightnessDelta": 10 if i % 2 else -10}),
    "SetColor": ("Alexa.ColorController", "SetColor", "light#bed_light",
                 lambda i: {"color": {"hue": 120.0 * (i % 3), "saturation": 1.0, "brightness": 1.0}}),
    "SetThermostat": ("Alexa.ThermostatController", "SetTargetTemperature", "climate#hvac",
                      lambda i: {"targetSetpoint": {"value": 20.0 + (i % 2), "scale": "CELSIUS"}}),
    "Lock": ("Alexa.LockController", "Lock", "lock#bench_lock", lambda i: {}),
    "Discovery": ("Alexa.Discovery", "Discover", None, lambda i: {}),
}
DIRECTIVES = list(FAMILIES)

# What the bench's copy of the demo home adds: a lock that answers at once (the demo
# locks take 2 s by design), backed by an input_boolean.
CONFIG_INPUT_BOOLEAN = """  bench_lock_state:
    name: Bench Lock State
"""
CONFIG_LOCK = """
lock:
  - platform: template
    name: Bench Lock
    value_template: "{{ is_state('input_boolean.bench_lock_state', 'on') }}"
    lock:
      service: input_boolean.turn_on
      target:
        entity_id: input_boolean.bench_lock_state
    unlock:
      service: input_boolean.turn_off
      target:
        entity_id: input_boolean.bench_lock_state
"""


def event_for(family, i, token):
    namespace, name, endpoint, payload = FAMILIES[family]
    scope = {"type": "BearerToken", "token": token}
    header = {"namespace": namespace, "name": name, "payloadVersion": "3",
              "messageId": str(uuid.uuid4())}
    body = payload(i)
    directive = {"header": header, "payload": body}
    if endpoint:
        header["correlationToken"] = "bench-" + header["messageId"]
        directive["endpoint"] = {"scope": scope, "endpointId": endpoint, "cookie": {}}
    else:
        body["scope"] = scope
    return {"directive": directive}
