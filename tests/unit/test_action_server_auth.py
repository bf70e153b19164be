"""The action server (actions/serve.py) answers only callers with the shared token, has no CORS,
and does not echo the request (a caller's tracker) when an action fails.

A real Sanic server built by ``actions.serve.build_app`` runs in a subprocess, with one test
action instead of the warmed-up hotline actions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rasa_sdk.executor import ActionExecutor

from actions.serve import build_app
from hotline.processes import free_port
from settings import PROJECT_ROOT

TOKEN = "test-action-token-0123456789abcdef"
SERVER = """
import sys
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic
from actions.serve import build_app
from hotline.logging_config import configure_logging

class Boom(Action):
    def name(self):
        return "action_boom"

    def run(self, dispatcher, tracker, domain):
        raise RuntimeError("failed for " + tracker.latest_message["text"])

configure_logging("action_server")
executor = ActionExecutor()
executor.register_action(Boom)
app = build_app(executor, sys.argv[2])
app.prepare(host="127.0.0.1", port=int(sys.argv[1]), single_process=True, motd=False, access_log=False)
Sanic.serve_single(primary=app)
"""


def _call(action: str, text: str) -> dict:
    tracker = {
        "sender_id": "t",
        "slots": {},
        "latest_message": {"text": text, "intent": {}, "entities": []},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": None,
    }
    return {"next_action": action, "sender_id": "t", "tracker": tracker, "domain": {}, "version": "3.6.21"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log = tmp_path_factory.mktemp("action_server") / "action_server.log"
    env = {
        **os.environ,
        "HOTLINE_ACTION_URL": "http://127.0.0.1:1/webhook",
        "HOTLINE_TRACKER_DB": ":memory:",
        "HOTLINE_ACTION_TOKEN": TOKEN,
    }
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port), TOKEN],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield url, log
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_health_needs_no_token(server: tuple[str, Path]) -> None:
    url, _ = server
    assert httpx.get(f"{url}/health").json() == {"status": "ok"}


@pytest.mark.parametrize("params", [{}, {"token": ""}, {"token": "wrong"}, {"token": TOKEN[:-1]}])
def test_webhook_and_actions_refuse_calls_without_the_token(server: tuple[str, Path], params: dict) -> None:
    url, _ = server
    response = httpx.post(f"{url}/webhook", params=params, json=_call("action_boom", "你好"))
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized"}
    assert httpx.get(f"{url}/actions", params=params).status_code == 401


def test_webhook_with_the_token_runs_the_action(server: tuple[str, Path]) -> None:
    url, _ = server
    actions = httpx.get(f"{url}/actions", params={"token": TOKEN})
    assert actions.status_code == 200 and {"name": "action_boom"} in actions.json()
    unknown = httpx.post(f"{url}/webhook", params={"token": TOKEN}, json=_call("action_missing", "你好"))
    assert unknown.status_code == 404


def test_a_failing_action_answers_without_echoing_the_tracker(server: tuple[str, Path]) -> None:
    url, log = server
    response = httpx.post(f"{url}/webhook", params={"token": TOKEN}, json=_call("action_boom", "电话13812345678"))
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}
    time.sleep(0.5)
    output = log.read_text()
    assert "RuntimeError: failed for 电话138****5678" in output
    assert "13812345678" not in output and TOKEN not in output


def test_no_cors_headers(server: tuple[str, Path]) -> None:
    url, _ = server
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    preflight = httpx.options(f"{url}/webhook", headers=headers)
    assert "access-control-allow-origin" not in preflight.headers
    health = httpx.get(f"{url}/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in health.headers


def test_build_app_refuses_an_empty_token() -> None:
    with pytest.raises(ValueError):
        build_app(ActionExecutor(), "")
