"""The one logging configuration (hotline/logging_config.py) masks what every process logs.

Each check runs in a fresh interpreter: the configuration replaces the root logger's handlers
and guards ``Logger.addHandler``, which must not leak into the test session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hotline.logging_config import logging_dict, write_logging_config
from settings import PROJECT_ROOT, Settings

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
PHONE, ID_NUMBER = "13812345678", "410802199001011234"
FULL_WIDTH_PHONE = "１３８１２３４５６７８"
SECRETS = (PHONE, ID_NUMBER, FULL_WIDTH_PHONE, "12345678", "19900101")

# Collects, for each logger, the handlers its records reach (its own and its ancestors' while
# propagating) and whether each carries the masking filter; printed as JSON on the last line.
REPORT = """
import json, logging
from hotline.privacy import PiiMaskingFilter

def reached(name):
    logger = logging.getLogger(name) if name != "root" else logging.getLogger()
    handlers = []
    while logger:
        handlers += logger.handlers
        logger = logger.parent if logger.propagate else None
    return handlers

NAMES = ["root", "uvicorn", "uvicorn.error", "uvicorn.access", "sanic.root", "sanic.error",
         "sanic.access", "sanic.server", "rasa", "rasa.core.actions.action", "rasa_sdk",
         "rasa_sdk.endpoint", "py.warnings", "sqlalchemy.engine"]
report = {name: [any(isinstance(f, PiiMaskingFilter) for f in h.filters) for h in reached(name)]
          for name in NAMES}
print("REPORT " + json.dumps(report))
"""


def _run(python: Path | str, code: str) -> tuple[dict[str, list[bool]], str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run(
        [str(python), "-c", textwrap.dedent(code) + REPORT],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    report_line = next(line for line in result.stdout.splitlines() if line.startswith("REPORT "))
    return json.loads(report_line[len("REPORT ") :]), output


def _assert_masked(report: dict[str, list[bool]], output: str) -> None:
    for name, filtered in report.items():
        assert filtered, f"{name}: no handler at all (its records would be lost)"
        assert all(filtered), f"{name}: a handler without the masking filter"
    for secret in SECRETS:
        assert secret not in output
    assert "138****5678" in output


def test_dict_config_has_the_filter_on_its_only_handler() -> None:
    config = logging_dict("web_app")
    assert list(config["handlers"]) == ["stdout"]
    assert config["handlers"]["stdout"]["filters"] == ["mask_pii"]
    assert config["root"]["handlers"] == ["stdout"]
    for name in ("uvicorn", "uvicorn.access", "sanic.access", "rasa", "rasa_sdk"):
        assert config["loggers"][name] == {"handlers": [], "propagate": True}


def test_written_config_is_private_json(tmp_path: Path) -> None:
    path = write_logging_config("rasa", tmp_path / "logging")
    assert json.loads(path.read_text()) == logging_dict("rasa")
    assert path.stat().st_mode & 0o077 == 0


def test_action_server_logging_masks_sanic_rasa_sdk_root_and_warnings() -> None:
    report, output = _run(
        sys.executable,
        f"""
        import logging, logging.config, sys, warnings
        from hotline.logging_config import configure_logging
        configure_logging("action_server")
        # what a framework may do afterwards: Sanic's default dictConfig, a coloredlogs-style handler
        from sanic.log import LOGGING_CONFIG_DEFAULTS
        logging.config.dictConfig(LOGGING_CONFIG_DEFAULTS)
        logging.getLogger().addHandler(logging.StreamHandler(sys.stderr))
        logging.getLogger("rasa_sdk.endpoint").error("call from %s", "{PHONE}")
        logging.getLogger("sanic.access").info("", extra={{"request": "GET /x?tel={PHONE}", "host": "h"}})
        logging.getLogger("sanic.error").info("id {ID_NUMBER}")
        warnings.warn("电话{FULL_WIDTH_PHONE}")
        try:
            raise ValueError("身份证{ID_NUMBER}")
        except ValueError:
            logging.getLogger("actions.x").exception("failed")
    """,
    )
    _assert_masked(report, output)
    assert "410802********1234" in output and "１３８****５６７８" in output


def test_uncaught_exceptions_are_logged_masked() -> None:
    code = f"""
import threading
from hotline.logging_config import configure_logging
configure_logging("action_server")
thread = threading.Thread(target=lambda: int("电话{PHONE}"), name="worker")
thread.start(); thread.join()
raise ValueError("身份证{FULL_WIDTH_PHONE}")
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "uncaught exception in thread worker" in output and "uncaught exception" in output
    assert "ValueError: invalid literal for int() with base 10: '电话138****5678'" in output
    assert "ValueError: 身份证１３８****５６７８" in output
    for secret in SECRETS:
        assert secret not in output


def test_uvicorn_log_config_masks_access_and_error_logs(tmp_path: Path) -> None:
    path = write_logging_config("web_app", tmp_path)
    report, output = _run(
        sys.executable,
        f"""
        import logging
        import uvicorn
        uvicorn.Config("webapp.app:app", log_config={str(path)!r})  # applies the logging config
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/api/tickets?phone={PHONE}", "1.1", 200)
        logging.getLogger("uvicorn.error").error("bad request %s", "{FULL_WIDTH_PHONE}")
    """,
    )
    _assert_masked(report, output)
    assert 'GET /api/tickets?phone=138****5678 HTTP/1.1" 200' in output


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa environment is not installed")
def test_rasa_logging_config_file_masks_rasa_coloredlogs_structlog_and_sanic(tmp_path: Path) -> None:
    path = write_logging_config("rasa", tmp_path)
    report, output = _run(
        RASA_PYTHON,
        f"""
        import logging
        import structlog
        from sanic import Sanic
        import rasa.utils.io
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog
        # what `rasa run --logging-config-file` does, in rasa/__main__.py's order
        configure_logging_and_warnings(None, {str(path)!r}, warn_only_once=True, filter_repeated_logs=True)
        rasa.utils.io.configure_colored_logging(None)
        configure_structlog(None)
        Sanic("rasa_server")  # Sanic 21.12 applies its own logging defaults here
        logging.getLogger("rasa.core.actions.action").error("tracker: {{'text': '{PHONE}'}}")
        structlog.get_logger().error("rasa.test.event", text="{FULL_WIDTH_PHONE}", id="{ID_NUMBER}")
        logging.getLogger("sanic.access").info("", extra={{"request": "GET /c/{PHONE}", "host": "h",
                                                         "status": 200, "byte": 1}})
    """,
    )
    _assert_masked(report, output)
    assert "rasa.test.event" in output


# ---- how the Supervisor starts the processes ---------------------------------------------------
def test_every_process_spec_uses_the_logging_config_and_the_tokens(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from hotline import processes

    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_RASA_TOKEN", raising=False)
    monkeypatch.delenv("HOTLINE_ACTION_TOKEN", raising=False)
    action = processes.action_server(5055, {})
    rasa = processes.rasa_server(5005, 5055, tmp_path / "tracker.db", {})
    web = processes.web_app(8000, 5005, {})
    token, action_token = rasa.env["HOTLINE_RASA_TOKEN"], rasa.env["HOTLINE_ACTION_TOKEN"]
    assert len(token) >= 32 and len(action_token) >= 32 and token != action_token
    assert action.env["HOTLINE_ACTION_TOKEN"] == action_token  # the two ends share it
    command = rasa.command
    assert command[command.index("--auth-token") + 1] == token and "--enable-api" in command
    assert rasa.health_params == {"token": token}
    rasa_config = Path(command[command.index("--logging-config-file") + 1])
    assert json.loads(rasa_config.read_text()) == logging_dict("rasa")
    assert str(PROJECT_ROOT) in rasa.env["PYTHONPATH"].split(os.pathsep)
    assert not set(processes.SECRET_VARIABLES) & set(processes.Supervisor._environment(web))
    web_config = Path(web.command[web.command.index("--log-config") + 1])
    assert json.loads(web_config.read_text()) == logging_dict("web_app")


def test_the_var_dir_and_log_level_reach_every_started_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from hotline import processes

    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("HOTLINE_LOG_LEVEL", "debug")
    rasa = processes.rasa_server(5005, 5055, tmp_path / "tracker.db", {})
    web = processes.web_app(8000, 5005, {})
    assert rasa.command[rasa.command.index("--model") + 1] == str(tmp_path / "rasa_models" / "hotline.tar.gz")
    assert tmp_path / "rasa_models" / "hotline.tar.gz" == processes.RASA_MODEL
    for spec, flag in ((rasa, "--logging-config-file"), (web, "--log-config")):
        config = Path(spec.command[spec.command.index(flag) + 1])
        assert config.parent == tmp_path / "logging" and json.loads(config.read_text())["root"]["level"] == "DEBUG"
    elsewhere = Settings.from_values(var_dir=tmp_path / "child")
    config = Path(processes.web_app(8000, 5005, {}, elsewhere).command[-1])
    assert config.parent == tmp_path / "child" / "logging"


def test_supervisor_logs_and_children_are_private(tmp_path: Path) -> None:
    from hotline.processes import ProcessSpec, Supervisor, secure_var_dir

    supervisor = Supervisor(tmp_path / "logs")
    made = tmp_path / "made_by_child.db"
    spec = ProcessSpec(
        "child",
        [sys.executable, "-c", f"open({str(made)!r}, 'w').write('x'); print('13812345678')"],
        "http://127.0.0.1:1/health",
    )
    supervisor.start(spec).wait(timeout=30)
    supervisor.stop_all()
    assert (tmp_path / "logs").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "logs" / "child.log").stat().st_mode & 0o777 == 0o600
    assert made.stat().st_mode & 0o777 == 0o600  # umask 077 in the child
    var = tmp_path / "var"
    (var / "models").mkdir(parents=True, mode=0o755)
    old = os.umask(0o022)
    try:
        secure_var_dir(Settings.from_values(var_dir=var))
        assert os.umask(0o022) == 0o077
    finally:
        os.umask(old)
    assert var.stat().st_mode & 0o777 == 0o700 and (var / "models").stat().st_mode & 0o777 == 0o700
