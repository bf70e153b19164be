"""A local HTTP server speaking the shape of Twilio's REST API (2010-04-01) for what the voice line
uses: sending an SMS and adding a participant to a conference. It records every request (path,
form fields, basic-auth account) so a test can check what the twilio client really sent."""

from __future__ import annotations

import base64
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

from tests.http_json import send_json

MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Messages\.json$")
PARTICIPANTS = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Conferences/(?P<conference>[^/]+)/Participants\.json$"
)
DATE = "Mon, 07 Dec 2026 11:00:00 +0000"


@dataclass
class TwilioRequest:
    path: str
    fields: dict[str, str]
    account: str  # the basic-auth user (the account SID)


@dataclass
class FakeTwilio:
    url: str
    requests: list[TwilioRequest] = field(default_factory=list)

    def sms(self) -> list[TwilioRequest]:
        return [r for r in self.requests if MESSAGES.match(r.path)]

    def participants(self) -> list[TwilioRequest]:
        return [r for r in self.requests if PARTICIPANTS.match(r.path)]


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8")).items()}
            auth = self.headers.get("Authorization", "")
            account = base64.b64decode(auth.removeprefix("Basic ")).decode().split(":")[0] if auth else ""
            fake.requests.append(TwilioRequest(self.path, form, account))
            if match := MESSAGES.match(self.path):
                body = {
                    "sid": "SM" + uuid.uuid4().hex,
                    "account_sid": match["account"],
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "body": form.get("Body"),
                    "status": "queued",
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "api_version": "2010-04-01",
                    "date_created": DATE,
                    "date_updated": DATE,
                    "uri": self.path.removesuffix(".json") + ".json",
                }
                self._json(201, body)
            elif match := PARTICIPANTS.match(self.path):
                body = {
                    "account_sid": match["account"],
                    "call_sid": "CA" + uuid.uuid4().hex,
                    "conference_sid": "CF" + uuid.uuid4().hex,
                    "label": unquote(match["conference"]),
                    "status": "queued",
                    "muted": False,
                    "hold": False,
                    "date_created": DATE,
                    "date_updated": DATE,
                }
                self._json(201, body)
            else:
                self._json(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})

        def _json(self, status: int, body: dict) -> None:
            send_json(self, status, body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def running_fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
