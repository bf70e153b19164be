"""A real Rasa server and a real action server, started once per test session.

They run on free ports with a throwaway SQLite database and tracker store, and
the tests talk to them over Rasa's REST channel like any client would.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hotline.processes import RASA_BIN, RASA_MODEL, Supervisor, action_server, free_port, rasa_server


@dataclass
class Assistant:
    """A client of the running assistant, plus the database it writes to."""

    rasa_url: str
    database_url: str
    rasa_token: str = ""  # Rasa's HTTP API (/model/parse, /status …) needs it; the REST webhook does not

    @property
    def rasa_api_params(self) -> dict[str, str]:
        """Query parameters for Rasa's HTTP API: ``httpx.post(url, params=assistant.rasa_api_params)``."""
        return {"token": self.rasa_token}

    def new_sender(self) -> str:
        return f"e2e-{uuid.uuid4().hex[:10]}"

    def say(self, sender: str, message: str) -> list[dict]:
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=120,
        )
        response.raise_for_status()
        return response.json()

    def texts(self, sender: str, message: str) -> str:
        return "\n".join(r["text"] for r in self.say(sender, message) if r.get("text"))


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    if not RASA_BIN.exists() or not RASA_MODEL.exists():
        pytest.fail("Rasa environment or trained model missing: run `make setup` first")
    workdir: Path = tmp_path_factory.mktemp("assistant")
    database_url = f"sqlite:///{workdir / 'hotline.db'}"
    env = {"HOTLINE_DATABASE_URL": database_url}
    action_port, rasa_port = free_port(), free_port()
    supervisor = Supervisor(workdir / "logs")
    specs = [action_server(action_port, env), rasa_server(rasa_port, action_port, workdir / "tracker.db", env)]
    try:
        for spec in specs:
            supervisor.wait_healthy(spec, supervisor.start(spec), timeout=400)
        yield Assistant(f"http://127.0.0.1:{rasa_port}", database_url, specs[1].env["HOTLINE_RASA_TOKEN"])
    finally:
        supervisor.stop_all()
