"""Replies the real assistant gives only in rare states, drawn by the widget (issue 18): the clarify
question's two choices, a long answer folded behind 展开全文, the card of a complaint kept in the
outbox while the database is down, a parallel hotline's card, the 'say “转人工”' suggestions of an
unsure answer, and a slow turn.

The web app is the real one; Rasa is a scripted stand-in on a local port (the scenarios with the real
assistant are in test_chat_page.py).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hotline.processes import Supervisor, free_port, web_app
from tests.e2e.browser import PHONE, artefact, chromium, type_and_send, wait_for_answer
from tests.http_json import send_json

pytestmark = pytest.mark.e2e
LONG = (
    "居住证申领条件："
    + "在本市居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读条件之一的，可以申领居住证。" * 6
)
SOURCE = {
    "title": "焦作市居住证管理办法",
    "doc_number": "焦政〔2020〕1号",
    "issuer": "焦作市人民政府",
    "department": "市公安局",
}
SCRIPT: dict[str, list[dict[str, Any]]] = {
    "残疾证": [
        {
            "text": "您问的是“残疾人证办理”，还是“残疾人服务“一件事””？",
            "buttons": [
                {"title": "残疾人证办理", "payload": "残疾人证办理"},
                {"title": "残疾人服务“一件事”", "payload": "残疾人服务“一件事”"},
            ],
        },
        {"custom": {"knowledge": {"clarify": ["service-18", "guide-12"]}}},
    ],
    "残疾人证办理": [
        {"text": LONG + "\n来源：《焦作市居住证管理办法》"},
        {"custom": {"knowledge": {"source": SOURCE}}},
    ],
    "路灯坏了": [
        {"text": "您反映的问题已经记录下来了，受理编号是ABCD2345。系统正忙，工单号稍后生成。"},
        {"custom": {"work_order": {"reference": "ABCD2345", "kind": "投诉", "pending": True}}},
    ],
    "不知道": [
        {
            "text": "这个问题我没有找到有把握的答案。您可以说“转人工”，"
            "如果是需要处理的问题，也可以说“我要反映问题”，我帮您登记工单。"
        }
    ],
    "慢一点": [{"text": "好的。"}],
    "网购假货": [{"text": "消费纠纷可以拨打12315，也可以通过12345反映。您留的电话13912315678我们会保密。"}],
}


class ScriptedRasa(BaseHTTPRequestHandler):
    received: list[str] = []

    def do_POST(self) -> None:  # http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ScriptedRasa.received.append(body["message"])
        if body["message"] == "慢一点":
            time.sleep(1.5)
        replies = SCRIPT.get(body["message"], [{"text": "好的，我来帮您看看。"}])
        send_json(self, 200, [{"recipient_id": body["sender"], **r} for r in replies])

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def web_url(tmp_path_factory) -> Iterator[str]:
    rasa = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedRasa)
    threading.Thread(target=rasa.serve_forever, daemon=True).start()
    workdir = tmp_path_factory.mktemp("web-scripted")
    supervisor = Supervisor(workdir / "logs")
    spec = web_app(free_port(), rasa.server_address[1], {"HOTLINE_DATABASE_URL": f"sqlite:///{workdir / 'web.db'}"})
    try:
        supervisor.wait_healthy(spec, supervisor.start(spec), timeout=60)
        yield spec.health_url.rsplit("/", 1)[0] + "/"
    finally:
        supervisor.stop_all()
        rasa.shutdown()


def test_rare_replies_are_drawn_as_their_components(web_url: str) -> None:
    with chromium() as browser:
        page = browser.new_context(**PHONE).new_page()
        page.goto(web_url)
        type_and_send(page, "残疾证")
        clarify = page.locator(".row.bot").nth(page.locator(".row.bot").count() - 1)
        choices = clarify.locator(".chip")
        assert choices.all_inner_texts() == ["残疾人证办理", "残疾人服务“一件事”"]
        before = page.locator(".row.bot").count()
        choices.first.click()
        wait_for_answer(page, before)
        assert ScriptedRasa.received[-1] == "残疾人证办理" and choices.first.is_disabled()
        answer = page.locator(".row.bot").last
        more = answer.locator("button.more")
        assert more.inner_text() == "展开全文" and more.get_attribute("aria-expanded") == "false"
        assert "焦政〔2020〕1号" in answer.locator(".card.source").inner_text()
        page.screenshot(path=artefact("phone-clarify-and-folded-answer.png"))

        type_and_send(page, "路灯坏了")
        card = page.locator(".card.order").last
        assert "诉求已记录" in card.inner_text() and "ABCD2345" in card.inner_text()
        assert card.locator("a").get_attribute("href") == "/ticket?number=ABCD2345"

        type_and_send(
            page, "网购假货"
        )  # a parallel hotline named in an answer; a phone number that contains one is not
        hotlines = page.locator(".row.bot").last.locator(".card.hotline")
        assert hotlines.count() == 1 and hotlines.locator("a").get_attribute("href") == "tel:12315"

        type_and_send(page, "不知道")
        assert page.locator(".row.bot").last.locator(".chip").all_inner_texts() == ["转人工", "我要反映问题"]

        page.fill("#text", "慢一点")
        page.click("button[type=submit]")
        page.locator(".typing").wait_for(timeout=1000)  # shown while the assistant thinks
        assert page.locator(".typing").get_attribute("aria-label") == "助手正在输入"
        page.locator(".typing").wait_for(state="detached", timeout=10_000)
        assert page.locator(".row.bot .bubble").last.inner_text() == "好的。"
