"""Prompts cut into text and digit groups, and the SSML of the Twilio carrier's <Say>."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from telephony.carriers.base import CallbackUrls
from telephony.carriers.twilio import TwilioCarrier
from telephony.config import VoiceConfig
from telephony.speech import Digits, join, prompt
from telephony.steps import Hangup, Listen, ToAgents, Transfer, Voicemail

CITY_DIR = Path(__file__).resolve().parents[2] / "cities" / "jiaozuo"
URLS = CallbackUrls(
    gather="https://hotline.example.cn/voice/gather",
    dial_done="https://hotline.example.cn/voice/dial-done",
    queue_done="https://hotline.example.cn/voice/queue-done",
    recorded="https://hotline.example.cn/voice/recorded",
    status="https://hotline.example.cn/voice/status",
)


@pytest.fixture(scope="module")
def config() -> VoiceConfig:
    return VoiceConfig.load(CITY_DIR)


def test_phone_and_work_order_numbers_become_digit_groups() -> None:
    said = prompt("联系电话是138 1234 5678，工单号是J Z 2026 1122 0001。")
    assert said.segments == (
        "联系电话是",
        Digits(("138", "1234", "5678")),
        "，工单号是",
        "JZ ",
        Digits(("2026", "1122", "0001")),
        "。",
    )
    assert said.plain() == "联系电话是幺三八，幺二三四，五六七八，工单号是JZ 二零二六，幺幺二二，零零零幺。"


def test_service_numbers_and_years_are_read_digit_by_digit_amounts_are_not() -> None:
    assert prompt("请拨打12315").plain() == "请拨打幺二三幺五"
    assert prompt("2026年起").plain() == "二零二六年起"
    assert prompt("最多贷300万元").plain() == "最多贷300万元"  # an amount: the speech engine reads it


def ssml_say(xml: str) -> ET.Element:
    say = ET.fromstring(xml).find(".//Say")
    assert say is not None
    return say


def test_say_uses_the_configured_voice_language_and_rate(config: VoiceConfig) -> None:
    xml = TwilioCarrier(config).render(Hangup(join("您的号码是13812345678。")), URLS)
    say = ssml_say(xml)
    assert say.get("voice") == "Polly.Zhiyu-Neural"
    assert say.get("language") == "cmn-Hans-CN"
    prosody = say.find("prosody")
    assert prosody is not None and prosody.get("rate") == "90%"
    # digits as words, a 300 ms pause between the 3-4-4 groups, text before and after kept
    assert prosody.text == "您的号码是幺三八"
    breaks = prosody.findall("break")
    assert [b.get("time") for b in breaks] == ["300ms", "300ms"]
    assert [b.tail for b in breaks] == ["幺二三四", "五六七八。"]


def test_gather_takes_speech_and_keys_with_a_fixed_speech_timeout(config: VoiceConfig) -> None:
    root = ET.fromstring(TwilioCarrier(config).render(Listen(prompt("请说"), num_digits=1), URLS))
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("input") == "speech dtmf"
    assert gather.get("language") == "cmn-Hans-CN"
    assert gather.get("speechTimeout") == "3"  # never "auto": it cuts elderly callers off
    assert gather.get("actionOnEmptyResult") == "true"  # silence comes back to the gateway
    assert gather.get("action") == URLS.gather and gather.get("numDigits") == "1"
    keypad = ET.fromstring(TwilioCarrier(config).render(Listen(prompt("输入"), finish_on_key="#", timeout=10), URLS))
    entry = keypad.find("Gather")
    assert entry is not None
    assert entry.get("finishOnKey") == "#" and entry.get("numDigits") is None and entry.get("timeout") == "10"


def test_speech_hints_are_the_configured_words_and_the_city_s_places(config: VoiceConfig) -> None:
    carrier = TwilioCarrier(config, hints=("山阳区", "山阳", "转人工", "x" * 101))
    speech = ET.fromstring(carrier.render(Listen(prompt("请说")), URLS)).find("Gather")
    assert speech is not None
    hints = (speech.get("hints") or "").split(",")
    assert hints[0] == "转人工" and "山阳区" in hints and hints.count("转人工") == 1
    assert all(len(hint) <= 100 for hint in hints)
    keypad = ET.fromstring(carrier.render(Listen(prompt("按键"), speech=False), URLS)).find("Gather")
    assert keypad is not None and keypad.get("hints") is None and keypad.get("input") == "dtmf"


def test_transfers_queues_and_messages(config: VoiceConfig) -> None:
    carrier = TwilioCarrier(config, from_number="+15005550006")
    cold = ET.fromstring(carrier.render(Transfer(prompt("转接"), "12366", "12366纳税服务热线"), URLS))
    dial = cold.find("Dial")
    assert dial is not None and dial.get("action") == URLS.dial_done and dial.get("answerOnBridge") == "true"
    assert dial.get("callerId") == "+15005550006"
    assert [n.text for n in dial.findall("Number")] == ["12366"]
    three_way = ET.fromstring(carrier.render(Transfer(prompt("转接"), "12315", "12315", "12345-CA1"), URLS))
    conference = three_way.find("Dial/Conference")
    assert conference is not None and conference.text == "12345-CA1"
    assert conference.get("startConferenceOnEnter") == "true"
    queued = ET.fromstring(carrier.render(ToAgents(prompt("请稍候"), "CA1"), URLS))
    enqueue = queued.find("Enqueue")
    assert enqueue is not None and enqueue.text == "12345" and enqueue.get("action") == URLS.queue_done
    message = ET.fromstring(carrier.render(Voicemail(prompt("请留言"), 120), URLS))
    record = message.find("Record")
    assert record is not None and record.get("maxLength") == "120" and record.get("playBeep") == "true"
    assert record.get("action") == URLS.recorded


def test_a_taskrouter_workflow_gets_the_desk_as_a_task_attribute() -> None:
    raw = {"prompts": VoiceConfig.load(CITY_DIR).prompts.named(), "agents": {"workflow_sid": "WW" + "1" * 32}}
    carrier = TwilioCarrier(VoiceConfig.from_dict(raw))
    root = ET.fromstring(carrier.render(ToAgents(prompt("请稍候"), "CA9", "市场监管专席"), URLS))
    task = root.find("Enqueue/Task")
    assert task is not None and task.text is not None
    assert '"desk": "市场监管专席"' in task.text and '"conversation_id": "CA9"' in task.text


def test_speech_timeout_auto_is_refused() -> None:
    raw = {"prompts": VoiceConfig.load(CITY_DIR).prompts.named(), "speech_timeout": "auto"}
    with pytest.raises(ValueError, match="never 'auto'"):
        VoiceConfig.from_dict(raw)
