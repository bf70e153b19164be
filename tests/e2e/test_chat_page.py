"""The chat page in a real headless Chromium, talking to the real assistant."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from hotline.processes import Supervisor, free_port, web_app

pytestmark = pytest.mark.e2e
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


@pytest.fixture(scope="module")
def web_url(assistant, tmp_path_factory) -> Iterator[str]:
    port = free_port()
    rasa_port = int(assistant.rasa_url.rsplit(":", 1)[1])
    supervisor = Supervisor(tmp_path_factory.mktemp("web") / "logs")
    spec = web_app(port, rasa_port, {"HOTLINE_DATABASE_URL": assistant.database_url})
    try:
        supervisor.wait_healthy(spec, supervisor.start(spec), timeout=60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        supervisor.stop_all()


def test_a_question_typed_into_the_chat_page_gets_a_sourced_answer(web_url: str, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: run `make setup-browser`")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(web_url)
        assert "12345" in page.title()
        page.fill("#text", "孩子刚出生要办哪些手续")
        page.click("button[type=submit]")
        page.wait_for_selector(".msg.bot >> text=来源", timeout=60_000)
        user_bubbles = page.locator(".msg.user").all_inner_texts()
        answers = page.locator(".msg.bot").all_inner_texts()
        page.screenshot(path=str(tmp_path / "chat.png"))
        browser.close()
    assert user_bubbles == ["孩子刚出生要办哪些手续"]
    reply = "\n".join(answers[1:])  # answers[0] is the page's greeting
    assert "新生儿" in reply and "来源：《" in reply, answers
