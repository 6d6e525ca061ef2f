#!/usr/bin/env python3
"""A minimal vendor webhook receiver: verifies each delivery (Standard Webhooks, HMAC-SHA256)
with nothing but the standard library, answers 204, and prints one line per event.

    WEBHOOK_SECRET=whsec_... python3 examples/webhook_receiver.py 9999

Prints `verified <type> <status of data, if any>` for a good signature, `REJECTED ...` otherwise.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = base64.b64decode(os.environ["WEBHOOK_SECRET"].removeprefix("whsec_"))
TOLERANCE_SECONDS = 300


def verified(headers, body: bytes) -> bool:
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(SECRET, signed, hashlib.sha256).digest()).decode()
    # Several space-separated signatures during a secret rotation: any one may match.
    return any(
        hmac.compare_digest(candidate.removeprefix("v1,"), expected)
        for candidate in headers.get("webhook-signature", "").split()
        if candidate.startswith("v1,")
    )


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if verified(self.headers, body):
            event = json.loads(body)
            status = (event.get("data") or {}).get("status", "")
            print("verified", event["type"], status, flush=True)
            self.send_response(204)
        else:
            print("REJECTED", self.headers.get("webhook-id"), flush=True)
            self.send_response(400)
        self.end_headers()

    def log_message(self, *args):  # keep stdout for the events
        pass


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
