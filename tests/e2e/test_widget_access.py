"""Elder mode, the axe-core check, the /ticket page and the first load's weight (issue 18)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from routing.directory import CityDirectory
from settings import load_settings
from tests.e2e.browser import DESKTOP, PHONE, artefact, chromium, running_web_app, serious_axe_violations, type_and_send
from tickets.lifecycle import WorkOrderLifecycle
from tickets.store import NewWorkOrder, TicketStore

pytestmark = pytest.mark.e2e
FIRST_LOAD_BUDGET = 100 * 1024  # bytes of JS + CSS


@pytest.fixture(scope="module")
def web_url(assistant, tmp_path_factory) -> Iterator[str]:
    with running_web_app(assistant, tmp_path_factory.mktemp("web-access") / "logs") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def work_order(assistant) -> str:
    """A dispatched, signed and answered order whose contact phone ends in 5678."""
    prefix = CityDirectory.load(load_settings().city_dir).ticket_prefix
    store = TicketStore(assistant.database_url, prefix=prefix)
    order = store.create_work_order(
        NewWorkOrder(
            kind="投诉",
            description="解放区民主路路灯不亮",
            district="解放区",
            address="民主路和平小区门口",
            phone="13912345678",
            department="市城市管理局",
            needs_review=True,
            conversation_id="e2e-ticket-page",
        )
    )
    lifecycle = WorkOrderLifecycle(store)
    lifecycle.assign(order.number, "市城市管理局", actor="agent:e2e")
    lifecycle.accept(order.number, actor="department:市城市管理局")
    lifecycle.reply(order.number, "路灯已于今日修复，感谢您的反映。", actor="department:市城市管理局")
    store.close()
    return order.number


def test_elder_mode_enlarges_text_and_targets_and_is_remembered(web_url: str, browser: Any) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(web_url)
    type_and_send(page, "你好")
    bubble = page.locator(".row.bot .bubble").first
    normal = float(bubble.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    toggle = page.locator("#elder")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    large = float(bubble.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert normal < 20 <= large
    send = page.locator("button[type=submit]").bounding_box()
    assert send["height"] >= 48
    page.reload()
    page.wait_for_selector(".row.user")
    assert page.locator("#elder").get_attribute("aria-pressed") == "true"
    assert float(page.locator(".row.bot .bubble").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 20
    page.screenshot(path=artefact("phone-elder-mode.png"))
    context.close()


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_axe_finds_no_serious_or_critical_violations_in_the_chat(web_url: str, browser: Any, elder: bool) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(web_url)
    if elder:
        page.click("#elder")
    type_and_send(page, "孩子刚出生要办哪些手续")  # source card, quick replies
    type_and_send(page, "救命 楼下着火了 烟好大")  # emergency card
    found = serious_axe_violations(page, "chat-elder" if elder else "chat")
    context.close()
    assert found == [], json.dumps(found, ensure_ascii=False, indent=1)


def test_the_ticket_page_shows_the_timeline_for_the_right_digits_only(
    web_url: str, browser: Any, work_order: str
) -> None:
    context = browser.new_context(**{**PHONE, "timezone_id": "Europe/London"})  # a caller abroad
    page = context.new_page()
    page.goto(f"{web_url}ticket?number={work_order}")
    assert page.input_value("#number") == work_order
    page.fill("#last4", "0000")
    page.click("button[type=submit]")
    page.locator("#error", has_text="不正确").wait_for()
    assert page.locator(".timeline").count() == 0
    page.fill("#last4", "5678")
    page.click("button[type=submit]")
    timeline = page.locator(".timeline li")
    timeline.first.wait_for()
    steps = timeline.all_inner_texts()
    assert [step.split("\n")[1][:2] for step in steps] == ["受理", "转办", "签收", "答复"], steps
    assert "路灯已于今日修复" in steps[-1]
    # The order's times are Beijing time on any device.
    beijing = datetime.now(ZoneInfo("Asia/Shanghai"))
    hours = {f"{beijing.hour:02d}:", f"{(beijing - timedelta(hours=1)).hour:02d}:"}
    shown = steps[0].split("\n")[0]
    assert shown.startswith(f"{beijing.year}年") and any(f"日 {h}" in shown for h in hours), shown
    text = page.locator("#result").inner_text()
    assert "13912345678" not in text and "民主路和平小区" not in text and "已答复" in text
    assert page.locator("#error").inner_text() == ""
    page.screenshot(path=artefact("phone-ticket-page.png"), full_page=True)
    found = serious_axe_violations(page, "ticket")
    context.close()
    assert found == [], json.dumps(found, ensure_ascii=False, indent=1)


def test_the_first_load_of_the_h5_page_stays_under_100_kb_of_js_and_css(web_url: str, browser: Any) -> None:
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(web_url)
    page.wait_for_selector(".row.bot.greeting")
    page.wait_for_timeout(1000)  # whatever the page fetches after it is shown
    loaded = [
        (response.url, len(response.body()))
        for response in responses
        if response.request.resource_type in ("script", "stylesheet")
    ]
    total = sum(size for _, size in loaded)
    report = {"bytes_js_css": total, "files": dict(loaded), "budget": FIRST_LOAD_BUDGET}
    with open(artefact("first-load-bytes.json"), "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)
    print(f"first load of the H5 page: {total} bytes of JS+CSS in {len(loaded)} files")
    context.close()
    assert {url.rsplit("/", 1)[1] for url, _ in loaded} == {"chat.js", "chat.css"}
    assert 0 < total <= FIRST_LOAD_BUDGET


def test_the_chat_works_from_the_keyboard_alone(web_url: str, browser: Any) -> None:
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(web_url)
    page.wait_for_selector(".greeting .chip")
    reached = []
    for _ in range(12):  # Tab through the page: the elder toggle, the log, the suggestions, the input
        page.keyboard.press("Tab")
        reached.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent"))
        if reached[-1] == "我要反映问题":
            break
    assert "elder" in reached and reached[-1] == "我要反映问题", reached
    before = page.locator(".row.bot").count()
    page.keyboard.press("Enter")  # a suggestion, chosen with the keyboard
    page.wait_for_function(
        "n => document.querySelectorAll('.row.bot:not(.typing)').length > n && !document.querySelector('.typing')",
        arg=before,
        timeout=90_000,
    )
    assert page.locator(".row.user .bubble").all_inner_texts() == ["我要反映问题"]
    page.focus("#text")
    page.keyboard.type("路灯坏了")
    page.keyboard.press("Shift+Enter")  # a new line, not a send
    assert page.input_value("#text") == "路灯坏了\n" and page.locator(".row.user").count() == 1
    context.close()
