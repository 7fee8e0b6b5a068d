#!/usr/bin/env python3
"""Print the pip requirements of the Home Assistant integrations that our test
config loads, so they are installed up front and HA runs with --skip-pip.

Usage: requirements.py --wheel HA_WHEEL --config CONFIGURATION_YAML [--pin REQ ...] [DOMAIN ...]

The root set of integrations is: the top-level keys of configuration.yaml, HA's
bootstrap DEFAULT_INTEGRATIONS plus the always-loaded ones, every entity
platform the demo integration sets up, the integrations onboarding creates config
entries for, and any DOMAIN given. Their `dependencies` are followed
transitively (`after_dependencies` are not: they load only when configured).
Each --pin replaces a manifest requirement of the same name (or is added).
Output: one requirement per line, sorted.
"""
import argparse
import ast
import json
import re
import sys
import zipfile

# Created by onboarding's core_config step. google_translate, met and radio_browser
# are left out on purpose: without their libraries they fail at import, before
# any network access (met/radio_browser would otherwise query the internet), and
# onboard.py deletes their entries.
ONBOARDING = {"shopping_list"}
ALWAYS = {"homeassistant", "persistent_notification", "logger", "network",
          "system_log", "frontend", "http", "api", "websocket_api", "auth",
          "onboarding", "config", "device_automation"}
# Never pulled in: network discovery / cloud we must not run, or deleted entries.
EXCLUDE = {"google_translate", "met", "radio_browser", "cloud", "zeroconf", "ssdp", "bluetooth",
           "dhcp", "usb", "hassio", "mqtt"}


def name_of(req):
    return re.split(r"[<>=!~\[; ]", req, 1)[0].strip().lower().replace("_", "-")


def set_literal(source, name):
    """Return a module-level `NAME = {...}` set of strings from python source."""
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        for t in targets:
            if isinstance(t, ast.Name) and t.id == name:
                return {x for x in ast.literal_eval(node.value) if isinstance(x, str)}
    return set()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--wheel", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--pin", action="append", default=[])
    p.add_argument("domains", nargs="*")
    a = p.parse_args()

    z = zipfile.ZipFile(a.wheel)
    names = set(z.namelist())
    comp = "homeassistant/components/"

    roots = set(ALWAYS) | ONBOARDING | set(a.domains)
    roots |= set_literal(z.read("homeassistant/bootstrap.py").decode(), "DEFAULT_INTEGRATIONS")
    with open(a.config, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^([a-z_][a-z0-9_]*):", line)
            if m:
                roots.add(m.group(1))
    for n in names:  # entity platforms of the demo integration
        m = re.fullmatch(comp + r"demo/([a-z_]+)\.py", n)
        if m and comp + m.group(1) + "/manifest.json" in names:
            roots.add(m.group(1))

    seen, reqs = set(), {}
    todo = sorted(roots - EXCLUDE)
    while todo:
        d = todo.pop()
        if d in seen or d in EXCLUDE:
            continue
        seen.add(d)
        mf = comp + d + "/manifest.json"
        if mf not in names:
            continue
        m = json.loads(z.read(mf))
        for r in m.get("requirements", []):
            reqs.setdefault(name_of(r), r)
        todo.extend(x for x in m.get("dependencies", []) if x not in seen)
    for pin in a.pin:
        reqs[name_of(pin)] = pin
    print("integrations: " + " ".join(sorted(seen)), file=sys.stderr)
    for k in sorted(reqs):
        print(reqs[k])


if __name__ == "__main__":
    main()
