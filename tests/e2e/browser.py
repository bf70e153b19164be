"""Shared pieces of the browser tests: Debian's Chromium through Playwright, the web app on a free
port in front of the real assistant, the artefact folder for screenshots, and the axe-core check."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline.processes import Supervisor, free_port, web_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Kept after the run (var/ is ignored by git): the screenshots the report describes.
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "widget"
# Callers' devices: Chinese locale, Beijing time (the page shows a work order's times in Beijing time anyway).
_CALLER = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
PHONE = {
    "viewport": {"width": 375, "height": 667},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    **_CALLER,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, **_CALLER}
ANSWER_TIMEOUT_MS = 90_000


def artefact(name: str) -> str:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTEFACTS / name)


@contextlib.contextmanager
def running_web_app(assistant: Any, log_dir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """The web app in front of the session's Rasa and action server; yields its base URL (with /)."""
    port = free_port()
    rasa_port = int(assistant.rasa_url.rsplit(":", 1)[1])
    supervisor = Supervisor(log_dir)
    spec = web_app(port, rasa_port, {"HOTLINE_DATABASE_URL": assistant.database_url, **(env or {})})
    try:
        supervisor.wait_healthy(spec, supervisor.start(spec), timeout=60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        supervisor.stop_all()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: run `make setup-browser`")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def type_and_send(page: Any, text: str) -> None:
    """Type a message and send it; wait for the assistant's answer (the typing indicator gone)."""
    before = page.locator(".row.bot").count()
    page.fill("#text", text)
    page.click("button[type=submit]")
    wait_for_answer(page, before)


def wait_for_answer(page: Any, bot_rows_before: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.row.bot:not(.typing)').length > n && !document.querySelector('.typing')",
        arg=bot_rows_before,
        timeout=ANSWER_TIMEOUT_MS,
    )


def serious_axe_violations(page: Any, name: str, context: Any = None) -> list[dict]:
    """axe-core's serious and critical findings on the page, or on ``context`` (an axe context such as
    a selector); the full report is kept as an artefact."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context)
    report = results.response
    Path(artefact(f"axe-{name}.json")).write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in report["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
