"""The embed (issue 18): a third-party page on another port loads widget.js with one script tag,
opens the panel, chats; its styles do not leak into the widget, and the widget's do not leak out."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hotline.processes import free_port
from tests.e2e.browser import DESKTOP, PHONE, artefact, chromium, running_web_app, serious_axe_violations

pytestmark = pytest.mark.e2e
AGENT_TOKEN = "agent-" + "embed" * 8

# A portal with hostile CSS: every element red serif 30 px on yellow, every button purple, and
# class names the chat itself uses.
HOST_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>焦作市人民政府门户网站</title>
<style>
  * {{ font-family: serif !important; color: rgb(255, 0, 0) !important; background-color: rgb(255, 255, 0) !important;
       font-size: 30px !important; }}
  button {{ background: rgb(128, 0, 128) !important; padding: 40px !important; border-radius: 0 !important; }}
  iframe {{ border: 9px dashed blue !important; }}
  .row, .stack, .chips {{ display: none !important; }}
</style></head>
<body>
  <h1>政务公开</h1>
  <p class="bubble" id="host-bubble">门户网站自己的段落</p>
  <button id="host-button">门户按钮</button>
  <script src="{widget}" async></script>
</body></html>
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def host_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def web_url(assistant, tmp_path_factory, host_port: int) -> Iterator[str]:
    env = {
        "HOTLINE_FRAME_ANCESTORS": f"http://127.0.0.1:{host_port} http://localhost:{host_port}",
        "HOTLINE_AGENT_TOKENS": json.dumps({"坐席08": AGENT_TOKEN}),
    }
    with running_web_app(assistant, tmp_path_factory.mktemp("web-embed") / "logs", env) as url:
        yield url


@pytest.fixture(scope="module")
def host_url(web_url: str, host_port: int, tmp_path_factory) -> Iterator[str]:
    """The third-party page, served by another server on another port (another origin)."""
    folder = tmp_path_factory.mktemp("portal")
    (folder / "index.html").write_text(HOST_PAGE.format(widget=f"{web_url}static/widget.js"), encoding="utf-8")
    handler = partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", host_port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{host_port}/index.html"
    finally:
        server.shutdown()


def _style(locator: Any, prop: str) -> str:
    return str(locator.evaluate(f"e => getComputedStyle(e).{prop}"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_embedded_widget_opens_chats_and_keeps_styles_apart(host_url: str, size: str) -> None:
    with chromium() as browser:
        context = browser.new_context(**(DESKTOP if size == "desktop" else PHONE))
        page = context.new_page()
        page.goto(host_url)
        host_bubble = page.locator("#host-bubble")
        styles_before = page.evaluate("document.querySelectorAll('style, link[rel=stylesheet]').length")
        fab = page.locator("hotline-12345-widget .fab")  # Playwright's CSS pierces the open shadow root
        fab.wait_for()
        # The host's CSS does not reach the widget's button ...
        assert _style(fab, "backgroundColor") == "rgb(5, 128, 60)"
        assert _style(fab, "color") == "rgb(255, 255, 255)"
        assert _style(fab, "paddingTop") == "0px" and _style(fab, "fontSize") == "16px"
        assert fab.get_attribute("aria-expanded") == "false"
        fab.click()
        assert fab.get_attribute("aria-expanded") == "true"
        frame = page.frame_locator("hotline-12345-widget iframe")
        frame.locator("#text").fill("居住证怎么办理")
        frame.locator("button[type=submit]").click()
        frame.locator(".card.source").first.wait_for(timeout=90_000)
        # ... nor the chat inside the iframe: bubbles shown, white, in the chat's own font size.
        bubble = frame.locator(".row.bot .bubble").last
        assert bubble.is_visible()
        assert _style(bubble, "backgroundColor") == "rgb(255, 255, 255)"
        assert _style(bubble, "color") != "rgb(255, 0, 0)" and _style(bubble, "fontSize") == "16px"
        user = frame.locator(".row.user .bubble").first
        assert _style(user, "backgroundColor") == "rgb(149, 236, 105)"
        # And the widget's CSS does not reach the host page.
        assert page.evaluate("document.querySelectorAll('style, link[rel=stylesheet]').length") == styles_before
        assert _style(host_bubble, "backgroundColor") == "rgb(255, 255, 0)"
        assert _style(host_bubble, "fontSize") == "30px" and _style(host_bubble, "paddingTop") == "0px"
        assert _style(page.locator("#host-button"), "backgroundColor") == "rgb(128, 0, 128)"
        page.screenshot(path=artefact(f"{size}-embed-open.png"))
        # The button and panel on the portal (the portal's own page is the portal's business).
        assert serious_axe_violations(page, f"embed-{size}", context="hotline-12345-widget") == []
        # The conversation survives a reload of the host page, inside the frame.
        page.reload()
        page.locator("hotline-12345-widget .fab").click()
        page.frame_locator("hotline-12345-widget iframe").locator(".row.user .bubble").first.wait_for()
        frame = page.frame_locator("hotline-12345-widget iframe")
        assert frame.locator(".row.user .bubble").all_inner_texts() == ["居住证怎么办理"]
        if size == "phone":  # the panel takes the screen; its close button replaces the round one
            assert page.locator("hotline-12345-widget .fab").is_hidden()
            box = page.locator("hotline-12345-widget iframe").bounding_box()
            assert box["width"] == 375 and box["height"] > 500
        page.locator("hotline-12345-widget .close").click()
        assert page.locator("hotline-12345-widget .panel").is_hidden()
        assert page.locator("hotline-12345-widget .fab").get_attribute("aria-expanded") == "false"
        context.close()


def test_an_agent_s_message_while_the_panel_is_closed_marks_the_button(host_url: str, web_url: str) -> None:
    with chromium() as browser:
        page = browser.new_context(**DESKTOP).new_page()
        page.goto(host_url)
        fab = page.locator("hotline-12345-widget .fab")
        fab.click()
        frame = page.frame_locator("hotline-12345-widget iframe")
        frame.locator("#text").fill("转人工")
        frame.locator("button[type=submit]").click()
        frame.locator(".card.handoff").wait_for(timeout=90_000)
        page.locator("hotline-12345-widget .close").click()
        auth = {"Authorization": f"Bearer {AGENT_TOKEN}"}
        # The frame's state: kept by the portal's page when the browser denies the frame its storage.
        conversation = page.evaluate(
            "() => { try { return JSON.parse(localStorage.getItem('hotline12345.widget')).conversation.id; }"
            " catch (e) { return null; } }"
        ) or page.frames[-1].evaluate("() => JSON.parse(localStorage.getItem('hotline12345.v1')).conversation.id")
        queue = page.request.get(web_url + "api/agent/handoffs", headers=auth).json()
        (handoff,) = [h["id"] for h in queue if h["conversation_id"] == conversation]
        assert page.request.post(f"{web_url}api/agent/handoffs/{handoff}/take", headers=auth).ok
        page.request.post(f"{web_url}api/agent/handoffs/{handoff}/messages", headers=auth, data={"text": "您好，请讲"})
        badge = page.locator("hotline-12345-widget .fab .badge")
        badge.wait_for(timeout=15_000)
        assert "有新消息" in str(fab.get_attribute("aria-label"))
        page.screenshot(path=artefact("desktop-embed-unread.png"))
        fab.click()
        assert badge.count() == 0
        assert "人工客服 坐席08" in frame.locator(".row.agent").inner_text()


def test_the_chat_page_refuses_to_be_framed_by_a_site_not_configured(assistant, tmp_path) -> None:
    with running_web_app(assistant, tmp_path / "logs") as other_app, chromium() as browser:
        page = browser.new_page()
        folder = tmp_path / "portal"
        folder.mkdir()
        (folder / "index.html").write_text(HOST_PAGE.format(widget=f"{other_app}static/widget.js"), encoding="utf-8")
        page.goto(f"file://{folder / 'index.html'}")
        page.locator("hotline-12345-widget .fab").click()
        page.wait_for_timeout(1500)
        frame = page.frame_locator("hotline-12345-widget iframe")
        assert frame.locator("#text").count() == 0  # blocked by frame-ancestors
