#!/usr/bin/env python3
"""Writes the configuration of a synthetic Home Assistant home with a given number of
YAML entities, for lee's large-home discovery test and benchmark.

Usage: synthetic.py --out DIR [--entities 1000] [--port 18125]

The mix looks like a big real installation: mostly lights and switches, then
temperature sensors, door/motion sensors, helpers, covers, fans, locks, scripts,
automations and scenes, plus sensors Alexa cannot use (humidity, power) and binary
sensors of other classes, so the filter path is exercised too. Every entity has a
unique_id, so the entity registry is as big as the state list. Template lights and
covers keep their state in the template's optimistic mode; actions are no-ops.
Only stdlib; no network; deterministic output for a given --entities.
"""
import argparse
import os

# (kind, share of the total). The shares add up to 1.
MIX = [
    ("light", 0.18),
    ("switch", 0.12),
    ("cover", 0.06),
    ("fan", 0.04),
    ("lock", 0.02),
    ("input_boolean", 0.10),
    ("input_number", 0.06),
    ("input_select", 0.04),
    ("script", 0.06),
    ("automation", 0.04),
    ("scene", 0.03),
    ("temperature", 0.10),
    ("other_sensor", 0.06),
    ("binary_sensor", 0.09),
]
ROOMS = ["Kitchen", "Living Room", "Bedroom", "Office", "Hallway", "Garage", "Bathroom",
         "Dining Room", "Attic", "Basement", "Guest Room", "Porch"]
NOOP = "[{delay: 0}]"


def counts(total):
    """Per-kind counts that add up to exactly `total` (largest remainders)."""
    raw = [(kind, share * total) for kind, share in MIX]
    out = {kind: int(x) for kind, x in raw}
    rest = total - sum(out.values())
    for kind, x in sorted(raw, key=lambda kx: kx[1] - int(kx[1]), reverse=True)[:rest]:
        out[kind] += 1
    return out


def name(kind, i):
    return f"{ROOMS[i % len(ROOMS)]} {kind.replace('_', ' ').title()} {i + 1}"


def slug(kind, i):
    return f"syn_{kind}_{i + 1:04d}"


def legacy_template(domain, plural, n, body):
    """`<domain>: - platform: template` with n entities; body(i) gives each one's own
    lines (after friendly_name and unique_id), without indentation."""
    out = [f"{domain}:", "  - platform: template", f"    {plural}:"]
    for i in range(n):
        s = slug(domain, i)
        out += [f"      {s}:",
                f"        friendly_name: \"{name(domain, i)}\"",
                f"        unique_id: {s}"]
        out += [f"        {line}" for line in body(i)]
    return out


def lights(n):
    def body(i):
        lines = [f"value_template: \"{{{{ {str(i % 3 != 0).lower()} }}}}\"",
                 f"turn_on: {NOOP}",
                 f"turn_off: {NOOP}"]
        if i % 2 == 0:
            lines += [f"level_template: \"{{{{ {(i * 37) % 255} }}}}\"", f"set_level: {NOOP}"]
        if i % 4 == 0:
            lines += [f"temperature_template: \"{{{{ {153 + (i * 11) % 300} }}}}\"",
                      f"set_temperature: {NOOP}"]
        if i % 6 == 0:
            lines += ["hs_template: \"{{ (30, 80) }}\"", f"set_hs: {NOOP}"]
        return lines
    return legacy_template("light", "lights", n, body)


def switches(n):
    return legacy_template("switch", "switches", n, lambda i: [
        f"value_template: \"{{{{ {str(i % 2 == 0).lower()} }}}}\"",
        f"turn_on: {NOOP}",
        f"turn_off: {NOOP}"])


def covers(n):
    classes = ["blind", "shade", "curtain", "garage", "door", "window", "awning", "shutter"]
    return legacy_template("cover", "covers", n, lambda i: [
        f"device_class: {classes[i % len(classes)]}",
        f"position_template: \"{{{{ {(i * 13) % 101} }}}}\"",
        f"open_cover: {NOOP}",
        f"close_cover: {NOOP}",
        f"stop_cover: {NOOP}",
        f"set_cover_position: {NOOP}"])


def fans(n):
    return legacy_template("fan", "fans", n, lambda i: [
        "value_template: \"{{ 'on' }}\"",
        f"percentage_template: \"{{{{ {(i * 7) % 101} }}}}\"",
        "preset_mode_template: \"{{ 'auto' }}\"",
        "oscillating_template: \"{{ false }}\"",
        "preset_modes: [auto, smart, sleep]",
        f"turn_on: {NOOP}",
        f"turn_off: {NOOP}",
        f"set_percentage: {NOOP}",
        f"set_preset_mode: {NOOP}",
        f"set_oscillating: {NOOP}"])


def locks(n):
    out = ["lock:"]
    for i in range(n):
        s = slug("lock", i)
        out += ["  - platform: template",
                f"    name: \"{name('lock', i)}\"",
                f"    unique_id: {s}",
                f"    value_template: \"{{{{ {str(i % 2 == 0).lower()} }}}}\"",
                f"    lock: {NOOP}",
                f"    unlock: {NOOP}"]
    return out


def input_booleans(n):
    out = ["input_boolean:"]
    for i in range(n):
        out += [f"  {slug('input_boolean', i)}:", f"    name: \"{name('input_boolean', i)}\""]
    return out


def input_numbers(n):
    out = ["input_number:"]
    for i in range(n):
        out += [f"  {slug('input_number', i)}:", f"    name: \"{name('input_number', i)}\"",
                "    min: 0", f"    max: {50 + i % 5 * 50}", "    step: 1",
                f"    initial: {i % 50}"]
    return out


def input_selects(n):
    out = ["input_select:"]
    for i in range(n):
        out += [f"  {slug('input_select', i)}:", f"    name: \"{name('input_select', i)}\"",
                "    options: [Off, Low, Medium, High, Party]"]
    return out


def scripts(n):
    out = ["script:"]
    for i in range(n):
        out += [f"  {slug('script', i)}:", f"    alias: \"{name('script', i)}\"",
                f"    sequence: {NOOP}"]
    return out


def automations(n):
    out = ["automation:"]
    for i in range(n):
        s = slug("automation", i)
        out += [f"  - id: {s}", f"    alias: \"{name('automation', i)}\"",
                f"    trigger: [{{platform: event, event_type: lee_synthetic_{i}}}]",
                f"    action: {NOOP}"]
    return out


def scenes(n, booleans):
    out = ["scene:"]
    for i in range(n):
        target = f"input_boolean.{slug('input_boolean', i % max(booleans, 1))}"
        out += [f"  - id: {slug('scene', i)}", f"    name: \"{name('scene', i)}\"",
                "    entities:", f"      {target}: \"on\""] if booleans else []
    return out


def template_entities(c):
    out = ["template:", "  - sensor:"]
    for i in range(c["temperature"]):
        s = slug("temperature", i)
        out += [f"      - name: \"{name('temperature', i)}\"", f"        unique_id: {s}",
                "        device_class: temperature", "        unit_of_measurement: \"°C\"",
                "        state_class: measurement",
                f"        state: \"{{{{ {18 + (i % 80) / 10:.1f} }}}}\""]
    for i in range(c["other_sensor"]):
        s = slug("other_sensor", i)
        humidity = i % 2 == 0
        out += [f"      - name: \"{name('other_sensor', i)}\"", f"        unique_id: {s}",
                f"        device_class: {'humidity' if humidity else 'power'}",
                f"        unit_of_measurement: \"{'%' if humidity else 'W'}\"",
                f"        state: \"{{{{ {30 + i % 40} }}}}\""]
    out += ["  - binary_sensor:"]
    classes = ["door", "motion", "window", "occupancy", "moisture", "smoke"]
    for i in range(c["binary_sensor"]):
        s = slug("binary_sensor", i)
        out += [f"      - name: \"{name('binary_sensor', i)}\"", f"        unique_id: {s}",
                f"        device_class: {classes[i % len(classes)]}",
                f"        state: \"{{{{ {str(i % 3 == 0).lower()} }}}}\""]
    return out


def configuration(total, port):
    c = counts(total)
    head = f"""# Synthetic home of {total} YAML entities for lee's large-home tests and benchmarks.
# Generated by tests/ha/synthetic.py; do not edit.
homeassistant:
  name: lee synthetic home
  latitude: 52.3731
  longitude: 4.8922
  elevation: 0
  unit_system: metric
  time_zone: UTC
  country: NL
  language: en
  currency: EUR
  internal_url: "http://127.0.0.1:{port}"

logger:
  default: warning

http:
  server_host: 127.0.0.1
  server_port: {port}

api:
websocket_api:
config:

alexa:
  smart_home:
"""
    parts = [lights(c["light"]), switches(c["switch"]), covers(c["cover"]), fans(c["fan"]),
             locks(c["lock"]), input_booleans(c["input_boolean"]),
             input_numbers(c["input_number"]), input_selects(c["input_select"]),
             scripts(c["script"]), automations(c["automation"]),
             scenes(c["scene"], c["input_boolean"]), template_entities(c)]
    return head + "\n" + "\n\n".join("\n".join(p) for p in parts if len(p) > 1) + "\n"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--entities", type=int, default=1000)
    p.add_argument("--port", type=int, default=18125)
    args = p.parse_args()
    if args.entities < 1:
        p.error("--entities must be positive")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "configuration.yaml")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(configuration(args.entities, args.port))
    os.replace(tmp, path)
    for extra in ("automations.yaml", "scripts.yaml", "scenes.yaml"):
        open(os.path.join(args.out, extra), "a").close()


if __name__ == "__main__":
    main()
