#!/usr/bin/env python3
"""The WAN bench's baseline: what the Lambda function of Home Assistant's Alexa
documentation does, written here for the bench. Each invocation opens a new urllib3
pool (so a new TCP + TLS connection), POSTs the directive to Home Assistant's
`/api/alexa/smart_home` with the directive's bearer token, and returns the JSON answer.

    python3 bench/wan_baseline.py EVENT.json      one cold call; prints the answer

Environment: BASE_URL (https://host:port), CA_FILE (PEM bundle that signs Home
Assistant's certificate), LONG_LIVED_ACCESS_TOKEN (used when the directive carries none).
A cold run is this file started as a fresh Python process: interpreter start, the
urllib3 import, one connection, one call (bench/wan.py times it from spawn to exit).
"""
import json
import os
import sys

import urllib3


def token_of(event):
    """The bearer token Alexa put in the directive (endpoint scope, or the payload's
    grantee/scope for Discovery and AcceptGrant)."""
    directive = event.get("directive", {})
    for scope in (
        directive.get("endpoint", {}).get("scope"),
        directive.get("payload", {}).get("grantee"),
        directive.get("payload", {}).get("scope"),
    ):
        if scope and scope.get("token"):
            return scope["token"]
    return os.environ.get("LONG_LIVED_ACCESS_TOKEN")


def handle(event, base_url=None, ca_file=None):
    """One invocation: a new connection, one POST, the decoded answer."""
    base_url = (base_url or os.environ["BASE_URL"]).rstrip("/")
    ca_file = ca_file or os.environ.get("CA_FILE")
    http = urllib3.PoolManager(
        cert_reqs="CERT_REQUIRED",
        ca_certs=ca_file,
        timeout=urllib3.Timeout(connect=2.0, read=10.0),
    )
    try:
        response = http.request(
            "POST",
            f"{base_url}/api/alexa/smart_home",
            headers={
                "Authorization": f"Bearer {token_of(event)}",
                "Content-Type": "application/json",
            },
            body=json.dumps(event).encode(),
        )
        if response.status >= 400:
            kind = "INVALID_AUTHORIZATION_CREDENTIAL" if response.status in (401, 403) else "INTERNAL_ERROR"
            return {"event": {"payload": {"type": kind, "message": response.data.decode(errors="replace")}}}
        return json.loads(response.data)
    finally:
        http.clear()


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        answer = handle(json.load(f))
    sys.stdout.write(json.dumps(answer))
