"""The H5 chat page in a real headless Chromium, talking to the real assistant (issue 18).

Phone size (375×667) and desktop; screenshots go to var/test-artifacts/widget/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser import DESKTOP, PHONE, artefact, chromium, running_web_app, type_and_send, wait_for_answer

pytestmark = pytest.mark.e2e
TICKET = re.compile(r"JZ\d{8}-\d{4}")


AGENT_TOKEN = "agent-" + "e2e" * 14


@pytest.fixture(scope="module")
def web_url(assistant, tmp_path_factory) -> Iterator[str]:
    env = {"HOTLINE_AGENT_TOKENS": json.dumps({"坐席07": AGENT_TOKEN})}
    with running_web_app(assistant, tmp_path_factory.mktemp("web") / "logs", env) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def _user_bubbles(page: Any) -> list[str]:
    return page.locator(".row.user .bubble").all_inner_texts()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_question_gets_its_answer_with_a_source_card(web_url: str, browser: Any, size: str) -> None:
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP))
    page = context.new_page()
    page.goto(web_url)
    assert "12345" in page.title()
    type_and_send(page, "孩子刚出生要办哪些手续")
    answer = page.locator(".row.bot").last
    card = answer.locator(".card.source")
    card.wait_for()
    assert "《" in card.inner_text() and "责任部门" in card.inner_text()
    assert "新生儿" in answer.inner_text()
    # The source line moved into the card; the bubble keeps the answer itself.
    assert "来源：" not in answer.locator(".bubble").first.inner_text()
    assert _user_bubbles(page) == ["孩子刚出生要办哪些手续"]
    card.scroll_into_view_if_needed()
    page.screenshot(path=artefact(f"{size}-question-source-card.png"))
    # Under a first answer the guide is folded; a tap opens its steps and materials.
    folded = answer.locator("details.card.guide")
    assert folded.get_attribute("open") is None and not folded.locator("ol").is_visible()
    folded.locator("summary").click()
    assert folded.locator("ol li").first.is_visible()
    # The whole guide, asked for with the offered button: steps, a materials checklist, 展开全文.
    if size == "desktop":
        offered = answer.locator(".chip", has_text="看完整指南")
        assert offered.count() == 1, answer.inner_text()
        before = page.locator(".row.bot").count()
        offered.click()
        wait_for_answer(page, before)
        full = page.locator(".row.bot").last
        more = full.locator("button.more")
        more.wait_for()
        assert more.get_attribute("aria-expanded") == "false"
        folded = full.locator(".bubble").first.bounding_box()["height"]
        more.click()
        assert more.get_attribute("aria-expanded") == "true"
        assert full.locator(".bubble").first.bounding_box()["height"] > folded
        # The guide as steps and a materials checklist the caller can tick.
        guide = full.locator(".card.guide")
        assert guide.get_attribute("open") is not None  # the whole guide was asked for: open
        assert guide.locator("ol li").count() >= 2
        tick = guide.locator("input[type=checkbox]")
        assert tick.count() >= 2
        tick.first.check()
        assert tick.first.is_checked()
        page.screenshot(path=artefact("desktop-full-guide.png"))
    context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_complaint_ends_in_a_work_order_card_then_status_timeline_and_rating(
    web_url: str, browser: Any, size: str
) -> None:
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP))
    page = context.new_page()
    page.goto(web_url)
    type_and_send(page, "我要投诉，小区门口的路灯坏了一个多月了，晚上黑乎乎的")
    type_and_send(page, "解放区民主路和平小区门口")
    type_and_send(page, "13912345678")
    read_back = page.locator(".row.bot").last
    assert "核对" in read_back.inner_text()
    # The read-back's "对/不对" are buttons; tapping one sends it.
    yes = read_back.locator(".chip", has_text=re.compile(r"^对$"))
    before = page.locator(".row.bot").count()
    yes.click()
    wait_for_answer(page, before)
    assert _user_bubbles(page)[-1] == "对"
    card = page.locator(".card.order").last
    card.wait_for()
    number = TICKET.search(card.inner_text())
    assert number, card.inner_text()
    assert "承办部门" in card.inner_text() and "已转办" in card.inner_text()
    assert card.locator("a", has_text="查看办理进度").get_attribute("href") == f"/ticket?number={number.group(0)}"
    card.scroll_into_view_if_needed()
    page.screenshot(path=artefact(f"{size}-complaint-work-order-card.png"))

    type_and_send(page, f"我的工单{number.group(0)}办得怎么样了")
    status = page.locator(".card.status-card").last
    status.wait_for()
    steps = status.locator(".timeline li").all_inner_texts()
    assert steps and "受理" in steps[0], steps
    page.screenshot(path=artefact(f"{size}-status-timeline.png"))

    type_and_send(page, "好的，没别的事了，再见")
    stars = page.locator(".row.bot").last.locator(".star")
    assert stars.count() == 5
    before = page.locator(".row.bot").count()
    stars.nth(4).click()
    wait_for_answer(page, before)
    rated = page.locator(".card.rated").last
    rated.wait_for()
    assert rated.locator(".star.on").count() == 5
    assert _user_bubbles(page)[-1] == "5星"
    page.screenshot(path=artefact(f"{size}-rating.png"))
    # After a reload every card comes back from the transcript, and the bubbles say what was tapped.
    said = _user_bubbles(page)
    page.reload()
    page.locator(".card.rated").wait_for()
    assert _user_bubbles(page) == said
    for card in (".card.order", ".card.status-card .timeline li", ".card.rated .star.on"):
        assert page.locator(card).count() >= 1, card
    context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_emergency_hand_off_and_an_agent_s_message(web_url: str, browser: Any, size: str) -> None:
    context = browser.new_context(**(PHONE if size == "phone" else DESKTOP))
    page = context.new_page()
    page.goto(web_url)
    type_and_send(page, "救命 楼下着火了 烟好大")
    emergency = page.locator(".card.emergency").last
    emergency.wait_for()
    calls = emergency.locator("a.call")
    assert calls.first.get_attribute("href") == "tel:119"
    assert {calls.nth(i).get_attribute("href") for i in range(calls.count())} == {"tel:119", "tel:110", "tel:120"}

    type_and_send(page, "转人工")
    page.locator(".card.handoff").last.wait_for()
    # An agent takes the hand-off and answers through the agents' API; the page shows a person's message.
    conversation = page.evaluate("JSON.parse(localStorage.getItem('hotline12345.v1')).conversation.id")
    auth = {"Authorization": f"Bearer {AGENT_TOKEN}"}
    queue = page.request.get(web_url + "api/agent/handoffs", headers=auth).json()
    (handoff,) = [h["id"] for h in queue if h["conversation_id"] == conversation]
    assert page.request.post(f"{web_url}api/agent/handoffs/{handoff}/take", headers=auth).ok
    sent = page.request.post(
        f"{web_url}api/agent/handoffs/{handoff}/messages",
        headers=auth,
        data={"text": "您好，我是12345话务员，您的问题我来处理。"},
    )
    assert sent.ok, sent.text()
    agent = page.locator(".row.agent")
    agent.wait_for(timeout=15_000)
    assert "人工客服 坐席07" in agent.inner_text() and "话务员" in agent.inner_text()
    page.screenshot(path=artefact(f"{size}-emergency-handoff-agent.png"))
    context.close()


def test_reload_restores_the_history_and_another_browser_cannot_read_it(web_url: str, browser: Any) -> None:
    first = browser.new_context(**PHONE)
    page = first.new_page()
    page.goto(web_url)
    type_and_send(page, "你好")
    type_and_send(page, "居住证怎么办理")
    before = page.locator(".row").all_inner_texts()
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('.row.user').length >= 2")
    assert _user_bubbles(page) == ["你好", "居住证怎么办理"]
    assert page.locator(".row").all_inner_texts() == before
    # Only the newest reply's choices still apply.
    assert page.locator(".row.bot").last.locator(".chip").first.is_enabled()
    assert page.locator(".greeting .chip").first.is_disabled()
    saved = page.evaluate("JSON.parse(localStorage.getItem('hotline12345.v1')).conversation")
    # A closed tab: a new page of the same browser restores it too.
    again = first.new_page()
    again.goto(web_url)
    again.wait_for_function("() => document.querySelectorAll('.row.user').length >= 2")
    again.close()

    stranger = browser.new_context(**PHONE)
    other = stranger.new_page()
    other.goto(web_url)
    # The id alone (with a made-up secret) opens nothing.
    forged = {
        "conversation": {"id": saved["id"], "token": saved["id"] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
    }
    other.evaluate("v => localStorage.setItem('hotline12345.v1', JSON.stringify(v))", forged)
    other.reload()
    other.wait_for_selector(".row.bot.greeting")
    other.wait_for_timeout(500)
    assert _user_bubbles(other) == []
    refused = other.request.get(
        web_url + "api/chat/history", headers={"X-Conversation-Token": forged["conversation"]["token"]}
    )
    assert refused.status == 401 and "居住证" not in refused.text()
    first.close()
    stranger.close()


def test_ime_enter_does_not_send_and_a_failed_send_is_retried_once(web_url: str, browser: Any) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(web_url)
    page.fill("#text", "ni hao")
    page.dispatch_event("#text", "compositionstart", {"data": ""})
    page.dispatch_event("#text", "keydown", {"key": "Enter", "code": "Enter", "keyCode": 229, "isComposing": True})
    page.wait_for_timeout(300)
    assert _user_bubbles(page) == [] and page.input_value("#text") == "ni hao"
    page.dispatch_event("#text", "compositionend", {"data": "你好"})
    page.fill("#text", "你好")
    before = page.locator(".row.bot").count()
    page.press("#text", "Enter")
    wait_for_answer(page, before)
    assert _user_bubbles(page) == ["你好"]

    # The network fails: the message stays with a retry control; the retry is answered once.
    page.route("**/api/chat", lambda route: route.abort("internetdisconnected"))
    page.fill("#text", "公积金怎么提取")
    page.dblclick("button[type=submit]")
    retry = page.locator(".row.user .retry")
    retry.wait_for()
    page.screenshot(path=artefact("phone-retry.png"))
    page.unroute("**/api/chat")
    before = page.locator(".row.bot").count()
    retry.click()
    wait_for_answer(page, before)
    assert _user_bubbles(page) == ["你好", "公积金怎么提取"]
    assert page.locator(".row.user .retry").count() == 0

    # The server answered but the answer was lost on the way: the retry gets that answer, not a second one.
    def lose_answer(route: Any) -> None:
        route.fetch()
        route.abort("connectionreset")

    page.route("**/api/chat", lose_answer)
    page.fill("#text", "社保卡丢了怎么补办")
    page.click("button[type=submit]")
    retry.wait_for()
    page.unroute("**/api/chat")
    before = page.locator(".row.bot").count()
    retry.click()
    wait_for_answer(page, before)
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('.row.user').length >= 3")
    assert _user_bubbles(page) == ["你好", "公积金怎么提取", "社保卡丢了怎么补办"]
    token = page.evaluate("JSON.parse(localStorage.getItem('hotline12345.v1')).conversation.token")
    history = page.request.get(web_url + "api/chat/history", headers={"X-Conversation-Token": token}).json()
    said = [m["text"] for m in history["messages"] if m["role"] == "user"]
    assert said == ["你好", "公积金怎么提取", "社保卡丢了怎么补办"]
    context.close()


def test_typing_indicator_and_a_time_separator_after_five_minutes(web_url: str, browser: Any) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.clock.install()
    page.goto(web_url)
    page.evaluate(
        """() => new MutationObserver(() => { if (document.querySelector('.typing')) window.sawTyping = true; })
        .observe(document.getElementById('log'), {childList: true})"""
    )
    type_and_send(page, "你好")
    assert page.evaluate("() => window.sawTyping === true")
    separators = page.locator(".time").count()
    type_and_send(page, "在吗")
    assert page.locator(".time").count() == separators  # seconds apart: no new time
    page.clock.fast_forward("06:00")
    type_and_send(page, "居住证怎么办理")
    assert page.locator(".time").count() == separators + 1
    # The on-screen keyboard takes half the screen: the input bar and the newest message stay in view.
    page.set_viewport_size({"width": 375, "height": 330})
    page.wait_for_timeout(300)
    bar = page.locator("#send").bounding_box()
    assert bar["y"] + bar["height"] <= 330
    newest = page.locator(".row").last.bounding_box()
    assert newest["y"] < bar["y"]
    page.screenshot(path=artefact("phone-keyboard-open.png"))
    context.close()
