"""How the assistant's processes are started: Rasa server, action server, web app.

Used by `hotline run` (all three, until Ctrl-C) and by the end-to-end tests
(Rasa + actions on free ports with a throwaway database).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from hotline.settings import PROJECT_ROOT

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_MODEL = PROJECT_ROOT / "var" / "rasa_models" / "hotline.tar.gz"


@dataclass
class ProcessSpec:
    name: str
    command: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def action_server(port: int, env: dict[str, str]) -> ProcessSpec:
    return ProcessSpec(
        "action server",
        [sys.executable, "-m", "actions.serve", "--port", str(port)],
        f"http://127.0.0.1:{port}/health",
        env,
    )


def rasa_server(
    port: int, action_port: int, tracker_db: Path, env: dict[str, str], model: Path = RASA_MODEL
) -> ProcessSpec:
    rasa_env = {
        **env,
        "HOTLINE_ACTION_URL": f"http://127.0.0.1:{action_port}/webhook",
        "HOTLINE_TRACKER_DB": str(tracker_db),
        "RASA_TELEMETRY_ENABLED": "false",
    }
    command = [
        str(RASA_BIN), "run", "--model", str(model), "--port", str(port), "--enable-api",
        "--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml",
        "--interface", "127.0.0.1",
    ]
    return ProcessSpec("Rasa server", command, f"http://127.0.0.1:{port}/status", rasa_env)


def web_app(port: int, rasa_port: int, env: dict[str, str]) -> ProcessSpec:
    web_env = {**env, "HOTLINE_RASA_URL": f"http://127.0.0.1:{rasa_port}"}
    command = [sys.executable, "-m", "uvicorn", "webapp.app:app", "--host", "127.0.0.1", "--port", str(port)]
    return ProcessSpec("web app", command, f"http://127.0.0.1:{port}/healthz", web_env)


class Supervisor:
    """Starts processes, waits until each answers its health URL, stops them all."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[tuple[ProcessSpec, subprocess.Popen]] = []

    def start(self, spec: ProcessSpec) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{spec.name.replace(' ', '_')}.log", "ab")
        proc = subprocess.Popen(
            spec.command, cwd=PROJECT_ROOT, env={**os.environ, **spec.env},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.running.append((spec, proc))
        return proc

    def wait_healthy(self, spec: ProcessSpec, proc: subprocess.Popen, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{spec.name} exited with {proc.returncode}; see {self.log_dir}")
            try:
                if httpx.get(spec.health_url, timeout=2).status_code == 200 and self._ready(spec):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{spec.name} not ready after {timeout:.0f}s; see {self.log_dir}")

    @staticmethod
    def _ready(spec: ProcessSpec) -> bool:
        if not spec.health_url.endswith("/status"):
            return True
        status = httpx.get(spec.health_url, timeout=2).json()
        return bool(status.get("model_file") or status.get("model_id"))

    def stop_all(self) -> None:
        for _, proc in reversed(self.running):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _, proc in reversed(self.running):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.running.clear()
