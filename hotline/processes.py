"""How the assistant's processes are started: Rasa server, action server, web app.

Used by `hotline run` (all three, until Ctrl-C) and by the end-to-end tests
(Rasa + actions on free ports with a throwaway database).

Every process logs through one configuration (:mod:`hotline.logging_config`, personal numbers
masked) to stdout, which the Supervisor writes to ``<log dir>/<process>.log``; processes run with
umask 077. Rasa's HTTP API needs ``HOTLINE_RASA_TOKEN`` and the action server
``HOTLINE_ACTION_TOKEN``; both are generated once per supervising process when not set
(:func:`process_secrets`) and passed on by environment. Everything a started process needs from
the var directory (logging configurations, the Rasa model, the tracker store) follows the settings,
so ``HOTLINE_VAR_DIR`` moves all of it; this module is also the one place that hands the environment
on to child processes.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from hotline.logging_config import write_logging_config
from settings import PROJECT_ROOT, Settings, load_settings

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
UMASK = 0o077
SECRET_VARIABLES = ("HOTLINE_RASA_TOKEN", "HOTLINE_ACTION_TOKEN")


@dataclass
class ProcessSpec:
    name: str
    command: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    health_params: dict[str, str] = field(default_factory=dict)

    @property
    def log_name(self) -> str:
        return self.name.replace(" ", "_")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_secrets() -> dict[str, str]:
    """The shared tokens (Rasa's HTTP API, the action server's webhook): from the environment,
    or generated once for this process and its children (kept in ``os.environ``)."""
    for name in SECRET_VARIABLES:
        if not os.environ.get(name):
            os.environ[name] = secrets.token_hex(32)  # hex: never starts with "-", which argparse takes for an option
    return {name: os.environ[name] for name in SECRET_VARIABLES}


def child_environment(**extra: str) -> dict[str, str]:
    """This process's environment with ``extra`` on top, for a tool run as a child (e.g. Rasa)."""
    return {**os.environ, **extra}


def _log_config(process: str, settings: Settings) -> Path:
    return write_logging_config(process, settings.logging_config_dir, settings.log_level)


def action_server(port: int, env: dict[str, str]) -> ProcessSpec:
    """The action server configures its own logging from its settings (actions/serve.py)."""
    action_env = {**process_secrets(), **env}
    return ProcessSpec(
        "action server",
        [sys.executable, "-m", "actions.serve", "--port", str(port)],
        f"http://127.0.0.1:{port}/health",
        action_env,
    )


def rasa_server(
    port: int,
    action_port: int,
    tracker_db: Path,
    env: dict[str, str],
    model: Path | None = None,
    settings: Settings | None = None,
) -> ProcessSpec:
    """``model``: default the settings' ``<var>/rasa_models/hotline.tar.gz``; ``settings``: of the
    started process, for its logging configuration and model (default: this process's)."""
    settings = settings or load_settings()
    rasa_env = {
        **process_secrets(),
        **env,
        "HOTLINE_ACTION_URL": f"http://127.0.0.1:{action_port}/webhook",
        "HOTLINE_TRACKER_DB": str(tracker_db),
        "RASA_TELEMETRY_ENABLED": "false",
        # hotline.logging_config must be importable when Rasa applies its logging config,
        # which happens before Rasa puts the working directory on sys.path.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
    }
    token = rasa_env["HOTLINE_RASA_TOKEN"]
    command = [
        str(RASA_BIN),
        "run",
        "--model",
        str(model or settings.rasa_model),
        "--port",
        str(port),
        "--enable-api",
        "--auth-token",
        token,
        "--endpoints",
        "bot/endpoints.yml",
        "--credentials",
        "bot/credentials.yml",
        "--interface",
        "127.0.0.1",
        "--logging-config-file",
        str(_log_config("rasa", settings)),
    ]
    return ProcessSpec("Rasa server", command, f"http://127.0.0.1:{port}/status", rasa_env, {"token": token})


def web_app(port: int, rasa_port: int, env: dict[str, str], settings: Settings | None = None) -> ProcessSpec:
    """``settings``: of the started process, for its logging configuration (default: this process's)."""
    web_env = {**env, "HOTLINE_RASA_URL": f"http://127.0.0.1:{rasa_port}"}  # the REST webhook needs no token
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "webapp.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-config",
        str(_log_config("web_app", settings or load_settings())),
    ]
    return ProcessSpec("web app", command, f"http://127.0.0.1:{port}/healthz", web_env)


def secure_directory(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by the owner only; tighten it if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def secure_var_dir(settings: Settings) -> Path:
    """umask 077 for this process, and the var directory with its subdirectories 0700 (logs,
    database, outbox, models …): nothing there is readable by other users."""
    os.umask(UMASK)
    var_dir = secure_directory(settings.var_dir)
    for child in var_dir.iterdir():
        if child.is_dir() and not child.is_symlink():
            child.chmod(0o700)
    secure_directory(settings.logs_dir)
    return var_dir


class Supervisor:
    """Starts processes, waits until each answers its health URL, stops them all."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[tuple[ProcessSpec, subprocess.Popen]] = []

    def start(self, spec: ProcessSpec) -> subprocess.Popen:
        secure_directory(self.log_dir)
        log_path = self.log_dir / f"{spec.log_name}.log"
        with open(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as log:
            log_path.chmod(0o600)
            proc = subprocess.Popen(
                spec.command,
                cwd=PROJECT_ROOT,
                env=self._environment(spec),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=UMASK,
            )
        self.running.append((spec, proc))
        return proc

    @staticmethod
    def _environment(spec: ProcessSpec) -> dict[str, str]:
        """This process's environment and the spec's; the shared tokens only where the spec has them."""
        inherited = {name: value for name, value in os.environ.items() if name not in SECRET_VARIABLES}
        return {**inherited, **spec.env}

    def wait_healthy(self, spec: ProcessSpec, proc: subprocess.Popen, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{spec.name} exited with {proc.returncode}; see {self.log_dir}")
            try:
                response = httpx.get(spec.health_url, params=spec.health_params, timeout=2)
                if response.status_code == 200 and self._ready(spec, response):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{spec.name} not ready after {timeout:.0f}s; see {self.log_dir}")

    @staticmethod
    def _ready(spec: ProcessSpec, response: httpx.Response) -> bool:
        if not spec.health_url.endswith("/status"):
            return True
        status = response.json()
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


def __getattr__(name: str) -> Path:
    """``RASA_MODEL``: the settings' Rasa model (under ``HOTLINE_VAR_DIR``), for older importers."""
    if name == "RASA_MODEL":
        return load_settings().rasa_model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
