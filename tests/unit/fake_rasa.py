"""Rasa's REST channel as the web app sees it, on a real local HTTP port.

It records what it was sent and answers like the assistant's REST webhook: one text reply, or the
hand-off reply with its agent summary (address and phone) for "转人工", after ``delay`` seconds.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.http_json import send_json

PHONE = "13912345678"


class FakeRasa(BaseHTTPRequestHandler):
    received: list[dict] = []
    delay = 0.0
    silent = False  # answer [] as Rasa does when a custom action failed

    def do_POST(self) -> None:  # http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeRasa.received.append(body)
        time.sleep(FakeRasa.delay)
        if FakeRasa.silent:
            replies = []
        elif body["message"] == "转人工":
            replies = [
                {
                    "recipient_id": body["sender"],
                    "text": "好的，正在为您转接人工客服，请稍候。",
                    "custom": {"handoff": {"slots": {"phone": PHONE, "location": "塔南路1号"}}},
                }
            ]
        else:
            replies = [{"recipient_id": body["sender"], "text": "好的，我来帮您看看。"}]
        send_json(self, 200, replies)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def running_fake_rasa() -> Iterator[str]:
    """The fake's base URL while it runs; its records start empty."""
    FakeRasa.received, FakeRasa.delay, FakeRasa.silent = [], 0.0, False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
