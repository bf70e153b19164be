"""The voice line end to end: signed webhook requests exactly as Twilio sends them, to the web app's
/voice/* gateway, against the real Rasa server and action server; TwiML parsed and checked; SMS and
three-way calls land on a local server speaking Twilio's REST API.

One call per test, each with its own CallSid (the conversation id).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from settings import Settings
from telephony.simulator import SimulatedCall, Transport, Twiml
from tests.e2e.conftest import Assistant
from tests.e2e.twilio_fake import FakeTwilio, running_fake_twilio
from tickets.handoffs import HandoffQueue
from tickets.store import NewWorkOrder, TicketStore

pytestmark = pytest.mark.e2e

PUBLIC_URL = "https://hotline.example.cn"
TOKEN = "e2e0123456789abcdef0123456789abc"
ACCOUNT = "AC" + "e2" * 16
FROM_NUMBER = "+15005550006"
CALLER = "+8613812345678"


@pytest.fixture(scope="module")
def twilio_rest() -> Iterator[FakeTwilio]:
    with running_fake_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def web(
    assistant: Assistant, twilio_rest: FakeTwilio, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    from webapp.app import create_app

    settings = Settings.from_values(
        var_dir=tmp_path_factory.mktemp("voice") / "var",
        database_url=assistant.database_url,
        rasa_url=assistant.rasa_url,
        public_url=PUBLIC_URL,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=TOKEN,
        twilio_from_number=FROM_NUMBER,
        twilio_api_url=twilio_rest.url,
        sweep_interval_seconds=0,
        retention_interval_seconds=0,
    )
    client = TestClient(create_app(settings))
    yield client
    client.app.state.services.close()


def transport_of(client: TestClient) -> Transport:
    def post(path: str, fields: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, str, Mapping[str, str]]:
        response = client.post(path, data=dict(fields), headers=dict(headers))
        return response.status_code, response.text, response.headers

    return post


@pytest.fixture()
def call(web: TestClient) -> SimulatedCall:
    return SimulatedCall(transport_of(web), PUBLIC_URL, TOKEN, caller=CALLER)


def twiml(exchange_twiml: Twiml | None) -> Twiml:
    assert exchange_twiml is not None, "no TwiML in the answer"
    ET.fromstring(exchange_twiml.xml)
    return exchange_twiml


def listening(document: Twiml) -> ET.Element:
    """The document says something and waits for speech or keys at the gather webhook."""
    assert document.verbs == ["Gather"], document.xml
    gather = document.gather
    assert gather is not None
    assert gather.get("action") == f"{PUBLIC_URL}/voice/gather"
    assert gather.get("language") == "cmn-Hans-CN" and gather.get("speechTimeout") == "3"
    say = gather.find("Say")
    assert say is not None and say.get("voice") == "Polly.Zhiyu-Neural"
    return gather


def test_greeting_and_menu(call: SimulatedCall) -> None:
    document = twiml(call.start().twiml)
    gather = listening(document)
    assert gather.get("input") == "speech dtmf" and gather.get("numDigits") == "1"
    assert document.said == "您好，这里是幺二三四五热线。请说您要办的事；投诉按2，查工单按3，转人工按0。"


def test_a_spoken_question_is_answered_in_its_voice_form(call: SimulatedCall, twilio_rest: FakeTwilio) -> None:
    call.start()
    document = twiml(call.say("怎么办理居住证", confidence=0.91).twiml)
    listening(document)
    said = document.said
    assert "居住证" in said
    assert "来源：" not in said and "责任部门是市公安局" in said  # the source named briefly, no citation line
    assert len(said) < 200, said  # one or two sentences, not the chat's 300-character answer
    assert said.endswith("还有别的问题吗？")
    assert "短信" in said  # the written guide is offered by SMS
    sent = twiml(call.press("1").twiml)
    assert sent.said.startswith("短信已发送")
    texts = [r for r in twilio_rest.sms() if r.fields["To"] == "+8613812345678" and "居住证" in r.fields["Body"]]
    assert texts and "来源：" in texts[-1].fields["Body"]  # the written answer with its citation


def test_a_complaint_by_voice_with_keypad_phone_entry(
    call: SimulatedCall, assistant: Assistant, twilio_rest: FakeTwilio
) -> None:
    call.start()
    asked = twiml(call.press("2").twiml)  # 投诉举报请按2
    listening(asked)
    assert "问题" in asked.said
    where = twiml(call.say("小区门口的烧烤摊每天半夜都很吵，严重影响休息").twiml)
    assert "什么地方" in where.said or "哪" in where.said
    offer = twiml(call.say("山阳区塔南路幸福小区门口").twiml)
    listening(offer)
    assert "用尾号5678的号码联系您可以吗" in offer.said
    keypad = twiml(call.press("2").twiml)  # another number, on the keypad
    entry = listening(keypad)
    assert entry.get("finishOnKey") == "#" and entry.get("numDigits") is None
    read_back = twiml(call.press("13912345678").twiml)
    assert "幺三九" in read_back.said and "幺二三四" in read_back.said and "五六七八" in read_back.said
    breaks = read_back.root.findall(".//break")
    assert len(breaks) >= 2  # 3-4-4 groups with pauses
    confirm = twiml(call.press("1").twiml)  # the typed number is right: the form's read-back follows
    assert "我跟您核对一下" in confirm.said and "按1" in confirm.said
    assert "烧烤摊" in confirm.said
    filed = twiml(call.press("1").twiml)  # 没问题请按1
    listening(filed)
    store = TicketStore(assistant.database_url, prefix="JZ")
    try:
        orders = [o for o in store.find(limit=500) if o.conversation_id == call.call_sid]
        assert len(orders) == 1
        order = orders[0]
        assert order.phone == "13912345678" and order.department
        assert order.district == "山阳区"
    finally:
        store.close()
    digits = order.number.split("-")[1]
    spoken_seq = "".join("零幺二三四五六七八九"[int(d)] for d in digits)
    assert filed.said.count(spoken_seq) == 2, filed.said  # the number read twice, digit by digit
    sms = [r for r in twilio_rest.sms() if order.number in r.fields.get("Body", "")]
    assert len(sms) == 1
    assert sms[0].fields["To"] == "+8613912345678" and sms[0].fields["From"] == FROM_NUMBER
    assert sms[0].account == ACCOUNT
    assert "13912345678" not in sms[0].fields["Body"] and "塔南路" not in sms[0].fields["Body"]


def test_silence_three_times_goes_to_a_person_with_the_summary(call: SimulatedCall, assistant: Assistant) -> None:
    call.start()
    call.say("我想问问公积金怎么提取")
    first = twiml(call.silence().twiml)
    second = twiml(call.silence().twiml)
    listening(first)
    listening(second)
    assert first.said != second.said and len(second.said) <= 30
    queued = twiml(call.silence().twiml)
    assert queued.verbs == ["Say", "Enqueue"]
    enqueue = queued.find("Enqueue")
    assert enqueue is not None and enqueue.get("action") == f"{PUBLIC_URL}/voice/queue-done"
    assert enqueue.text == "公积金专席"  # the 专席 of the topic's department (voice.yaml agents.desks)
    store = TicketStore(assistant.database_url, prefix="JZ")
    try:
        handoffs = [h for h in HandoffQueue(store).waiting(limit=200) if h.conversation_id == call.call_sid]
    finally:
        store.close()
    assert len(handoffs) == 1 and handoffs[0].channel == "voice"
    assert "公积金" in " ".join(handoffs[0].summary["recent_messages"])


def test_a_12315_matter_is_transferred_with_one_key(call: SimulatedCall, twilio_rest: FakeTwilio) -> None:
    call.start()
    offered = twiml(call.say("我在商场买的衣服质量有问题，商家不给退货，我要投诉").twiml)
    listening(offered)
    assert "幺二三幺五市场监管热线专门受理，转过去请按1" in offered.said
    transfer = twiml(call.press("1").twiml)
    assert transfer.verbs == ["Say", "Dial"]
    dial = transfer.find("Dial")
    assert dial is not None and dial.get("action") == f"{PUBLIC_URL}/voice/dial-done"
    conference = transfer.root.find("Dial/Conference")
    assert conference is not None and conference.text == f"12345-{call.call_sid}"  # 三方通话
    added = [r for r in twilio_rest.participants() if call.call_sid in r.path]
    assert len(added) == 1 and added[0].fields["To"] == "12315" and added[0].fields["From"] == FROM_NUMBER
    done = twiml(call.callback(DialCallStatus="completed").twiml)
    assert done.ended


def test_an_emergency_is_told_at_once(call: SimulatedCall) -> None:
    call.start()
    document = twiml(call.say("楼下着火了，好大的烟").twiml)
    assert document.verbs == ["Say", "Hangup"]
    assert "幺幺九" in document.said and "挂断" in document.said


def test_forged_and_unsigned_requests_get_403(call: SimulatedCall, web: TestClient) -> None:
    fields = call.fields(SpeechResult="我要投诉", Confidence="0.9")
    assert call.post("/voice/gather", fields, signature="").status == 403
    forged = SimulatedCall(transport_of(web), PUBLIC_URL, "x" * 32)
    assert call.post("/voice/gather", fields, signature=forged.sign(f"{PUBLIC_URL}/voice/gather", fields)).status == 403
    line = web.app.state.services._made["voice_line"]
    assert line.calls.get(call.call_sid) is None


def test_the_call_ends_the_session(call: SimulatedCall, web: TestClient, assistant: Assistant) -> None:
    call.start()
    call.say("我想问问公积金怎么提取")
    assert call.hang_up().status == 204
    line = web.app.state.services._made["voice_line"]
    assert line.calls.get(call.call_sid) is None
    tracker = httpx.get(
        f"{assistant.rasa_url}/conversations/{call.call_sid}/tracker",
        params={**assistant.rasa_api_params, "include_events": "ALL"},
        timeout=30,
    ).json()
    events = [e["event"] for e in tracker["events"]]
    assert "restart" in events  # the Rasa session of the call is over; its transcript stays in the tracker
    assert events.index("user") < events.index("restart")
    assert tracker["latest_input_channel"] == "voice"


def test_a_work_order_s_status_by_keypad(call: SimulatedCall, assistant: Assistant) -> None:
    store = TicketStore(assistant.database_url, prefix="JZ")
    try:
        order = store.create_work_order(
            NewWorkOrder(kind="投诉", description="路灯不亮已经一周了", phone="13712345678", department="市城管局")
        )
    finally:
        store.close()
    call.start()
    asked = twiml(call.press("3").twiml)  # 查工单按3
    entry = listening(asked)
    assert entry.get("finishOnKey") == "#" and "按键输入工单号" in asked.said
    digits = order.number.removeprefix("JZ").replace("-", "")
    check = twiml(call.press(digits).twiml)
    gather = listening(check)
    assert gather.get("numDigits") == "4" and "后四位" in check.said
    status = twiml(call.press("5678").twiml)
    listening(status)
    assert "市城管局" in status.said and order.status in status.said
    assert status.said.endswith("还有别的问题吗？")


def test_transcript_is_readable(call: SimulatedCall, tmp_path: Path) -> None:
    call.start()
    call.press("0")
    lines = call.transcript()
    assert lines[0] == "☎ 来电" and lines[2] == "来电人按键：0"
    assert any("人工" in line for line in lines[3:])
