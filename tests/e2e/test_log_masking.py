"""No caller's phone or ID number in any process's log, even when something fails.

Starts its own Rasa server, action server and web app (like `hotline run`, on free ports, logs
in a fresh directory, Rasa and the action server at DEBUG so that messages and trackers are
logged), drives a complaint through the web app's POST /api/chat with a mobile number and an
ID number (ASCII and full-width), and forces errors: this action server's work-order database
and outbox lie under a regular file, so it logs a traceback at start and cannot take the
submission; then the action server is killed, and Rasa logs the failed action with its own
traceback while the caller goes on giving the numbers. Then every log file is searched for the numbers in any
width, escaped or not, with or without separators; the masked forms must be there (logging on).
It also checks that the log files and the SQLite tracker store are readable by the owner only.
"""

from __future__ import annotations

import os
import re
import signal
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hotline.privacy import _fold
from hotline.processes import (
    RASA_BIN,
    RASA_MODEL,
    Supervisor,
    action_server,
    free_port,
    rasa_server,
    web_app,
)

pytestmark = pytest.mark.e2e
PHONE, ID_NUMBER = "13812345678", "410802199001011234"
FULL_WIDTH_PHONE, FULL_WIDTH_ID = "１３８１２３４５６７８", "４１０８０２１９９００１０１１２３４"
TURNS = (
    "我要投诉，小区楼下烧烤摊每天半夜还在营业，油烟和噪音太大了",
    "焦东路和平小区门口",
    "山阳区",
    PHONE,
    "对",  # not taken: this action server can write neither its database nor its outbox
    f"我的身份证号是{ID_NUMBER}",
    f"我再说一遍，身份证{FULL_WIDTH_ID}，电话{FULL_WIDTH_PHONE}，也可以打138-1234-5678",
)


AFTER_THE_KILL = (f"我要投诉，楼上漏水，电话{PHONE}，身份证{ID_NUMBER}", "对")


def _spread(number: str) -> re.Pattern[str]:
    """The number's digits with any separators between them (run on a folded copy of the log)."""
    return re.compile(r"[\s\-_.]*".join(number))


SECRETS = (_spread(PHONE), _spread(ID_NUMBER), _spread("19900101"))


@dataclass
class Stack:
    web_url: str
    log_dir: Path
    tracker_db: Path
    kill_action_server: Callable[[], None]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not RASA_BIN.exists() or not RASA_MODEL.exists():
        pytest.fail("Rasa environment or trained model missing: run `make setup` first")
    workdir: Path = tmp_path_factory.mktemp("log_masking")
    blocker = workdir / "not_a_directory"
    blocker.write_text("a regular file: nothing can be created under it, not even by root")
    good_db = f"sqlite:///{workdir / 'hotline.db'}"
    common = {"HOTLINE_SESSION_SECRET": "e2e-log-masking-secret-0123456789", "HOTLINE_SWEEP_INTERVAL_SECONDS": "0"}
    broken = {
        **common,
        "HOTLINE_DATABASE_URL": f"sqlite:///{blocker / 'hotline.db'}",
        "HOTLINE_OUTBOX_DIR": str(blocker / "outbox"),
        "HOTLINE_LOG_LEVEL": "DEBUG",
    }
    action_port, rasa_port, web_port = free_port(), free_port(), free_port()
    tracker_db = workdir / "tracker.db"
    supervisor = Supervisor(workdir / "logs")
    specs = [
        action_server(action_port, broken),
        rasa_server(
            rasa_port, action_port, tracker_db, {**common, "HOTLINE_DATABASE_URL": good_db, "LOG_LEVEL": "DEBUG"}
        ),
        web_app(web_port, rasa_port, {**common, "HOTLINE_DATABASE_URL": good_db}),
    ]
    try:
        for spec in specs:
            supervisor.wait_healthy(spec, supervisor.start(spec), timeout=400)
        action_process = supervisor.running[0][1]
        yield Stack(
            f"http://127.0.0.1:{web_port}",
            workdir / "logs",
            tracker_db,
            lambda: os.killpg(action_process.pid, signal.SIGKILL),
        )
    finally:
        supervisor.stop_all()


@pytest.fixture(scope="module")
def logs(stack: Stack) -> dict[str, str]:
    """Drive the conversation through the web app, stop nothing yet, and read every log."""
    replies: list[str] = []
    with httpx.Client(base_url=stack.web_url, timeout=120) as client:
        for turn in TURNS:
            response = client.post("/api/chat", json={"message": turn})
            assert response.status_code in (200, 503), response.text
            replies += [r.get("text", "") for r in response.json().get("replies", [])]
        assert client.cookies, "the web app issues the conversation cookie"
        stack.kill_action_server()  # every custom action now fails inside Rasa, with a traceback
        for turn in AFTER_THE_KILL:
            response = client.post("/api/chat", json={"message": turn})
            assert response.status_code in (200, 503), response.text
    assert any(PHONE in reply or "138****5678" in reply or "核对" in reply for reply in replies), replies
    return {path.name: path.read_text(errors="replace") for path in sorted(stack.log_dir.glob("*.log"))}


def test_every_process_wrote_a_log(logs: dict[str, str]) -> None:
    assert set(logs) == {"action_server.log", "Rasa_server.log", "web_app.log"}
    assert all(text.strip() for text in logs.values())
    assert "POST /api/chat" in logs["web_app.log"]  # uvicorn's access log goes through the config


def test_the_forced_error_left_tracebacks(logs: dict[str, str]) -> None:
    assert "Traceback (most recent call last)" in logs["action_server.log"]
    assert "NotADirectoryError" in logs["action_server.log"] or "unable to open database" in logs["action_server.log"]
    assert "Traceback (most recent call last)" in logs["Rasa_server.log"]
    assert "Encountered an exception while running action" in logs["Rasa_server.log"]


def test_no_phone_or_id_number_in_any_log(logs: dict[str, str]) -> None:
    for name, text in logs.items():
        folded, _ = _fold(text)  # full-width digits, %-encoded, \\uXXXX and \\xNN escapes as ASCII
        for view in (text, folded):
            for secret in SECRETS:
                found = secret.search(view)
                assert found is None, f"{name}: {view[max(0, found.start() - 200) : found.end() + 50]!r}"


def test_masked_numbers_are_logged(logs: dict[str, str]) -> None:
    folded = _fold("\n".join(logs.values()))[0]
    assert "138****5678" in folded
    assert "410802********1234" in folded


def test_logs_and_tracker_store_are_private(stack: Stack, logs: dict[str, str]) -> None:
    assert stat.S_IMODE(stack.log_dir.stat().st_mode) == 0o700
    for name in logs:
        assert stat.S_IMODE((stack.log_dir / name).stat().st_mode) & 0o077 == 0, name
    assert stack.tracker_db.exists()
    assert stat.S_IMODE(stack.tracker_db.stat().st_mode) & 0o077 == 0
