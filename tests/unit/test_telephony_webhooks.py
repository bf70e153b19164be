"""The voice webhooks' door: only requests signed by the carrier over the public URL get in.

Signed exactly as Twilio signs (RequestValidator.compute_signature over HOTLINE_PUBLIC_URL + path and
the sorted form fields); forged, unsigned, tampered or internally-addressed requests get 403 and
change nothing. Rasa is not running here (port 9): a call whose assistant is down still reaches a person.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from settings import Settings
from telephony.simulator import SimulatedCall, Transport
from tickets.store import TicketStore

PUBLIC_URL = "https://hotline.example.cn"
TOKEN = "0123456789abcdef0123456789abcdef"


def transport_of(client: TestClient) -> Transport:
    def post(path: str, fields: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, str, Mapping[str, str]]:
        response = client.post(path, data=dict(fields), headers=dict(headers))
        return response.status_code, response.text, response.headers

    return post


def make_client(tmp_path: Path, **values: object) -> TestClient:
    from webapp.app import create_app

    settings = Settings.from_values(
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        var_dir=tmp_path / "var",
        rasa_url="http://127.0.0.1:9",
        **values,
    )
    return TestClient(create_app(settings))


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    client = make_client(tmp_path, public_url=PUBLIC_URL, twilio_auth_token=TOKEN)
    yield client
    client.app.state.services.close()


def calls_in_progress(client: TestClient) -> int:
    line = client.app.state.services._made.get("voice_line")
    return 0 if line is None else len(line.calls)


def test_a_signed_call_is_greeted(client: TestClient) -> None:
    call = SimulatedCall(transport_of(client), PUBLIC_URL, TOKEN)
    exchange = call.start()
    assert exchange.status == 200
    assert exchange.twiml is not None and exchange.twiml.verbs == ["Gather"]
    assert exchange.twiml.said.startswith("您好，这里是幺二三四五热线。")
    assert exchange.twiml.next_url == f"{PUBLIC_URL}/voice/gather"


@pytest.mark.parametrize("how", ["unsigned", "forged", "internal_url", "tampered"])
def test_bad_signatures_are_refused_and_change_nothing(client: TestClient, how: str) -> None:
    call = SimulatedCall(transport_of(client), PUBLIC_URL, TOKEN)
    fields = call.fields(CallStatus="ringing")
    if how == "unsigned":
        exchange = call.post("/voice/incoming", fields, signature="")
    elif how == "forged":
        forger = SimulatedCall(transport_of(client), PUBLIC_URL, "f" * 32, call_sid=call.call_sid)
        exchange = call.post("/voice/incoming", fields, signature=forger.sign(f"{PUBLIC_URL}/voice/incoming", fields))
    elif how == "internal_url":  # signed over the address the app sees, not the public one
        exchange = call.post("/voice/incoming", fields, signature=call.sign("http://testserver/voice/incoming", fields))
    else:
        signature = call.sign(f"{PUBLIC_URL}/voice/incoming", fields)
        exchange = call.post("/voice/incoming", {**fields, "From": "+8613900000000"}, signature=signature)
    assert exchange.status == 403 and exchange.twiml is None
    assert calls_in_progress(client) == 0


def test_a_tampered_key_press_changes_nothing(client: TestClient) -> None:
    call = SimulatedCall(transport_of(client), PUBLIC_URL, TOKEN)
    call.start()
    line = client.app.state.services._made["voice_line"]
    state = line.calls.get(call.call_sid)
    before = (state.mode, state.failures)
    fields = call.fields(Digits="2")
    signature = call.sign(f"{PUBLIC_URL}/voice/gather", fields)
    exchange = call.post("/voice/gather", {**fields, "Digits": "0"}, signature=signature)
    assert exchange.status == 403
    assert (state.mode, state.failures) == before


def test_without_credentials_every_voice_webhook_answers_403(tmp_path: Path) -> None:
    client = make_client(tmp_path)  # no TWILIO_AUTH_TOKEN, no HOTLINE_PUBLIC_URL: the rest of the app runs
    call = SimulatedCall(transport_of(client), PUBLIC_URL, TOKEN)
    assert call.start().status == 403
    assert client.get("/healthz").status_code == 200
    client.app.state.services.close()


def test_the_assistant_down_means_a_person_not_silence(client: TestClient) -> None:
    call = SimulatedCall(transport_of(client), PUBLIC_URL, TOKEN)
    call.start()
    exchange = call.say("我想问一下居住证怎么办")
    assert exchange.status == 200 and exchange.twiml is not None
    assert exchange.twiml.verbs == ["Say", "Enqueue"]
    enqueue = exchange.twiml.find("Enqueue")
    assert enqueue is not None and enqueue.text == "12345"
    assert exchange.gateway_ms is not None and exchange.assistant_ms is not None
    ET.fromstring(exchange.twiml.xml)  # well-formed


def test_the_queue_callback_offers_a_voice_message_when_full(client: TestClient) -> None:
    call = SimulatedCall(transport_of(client), PUBLIC_URL, TOKEN)
    call.start()
    call.press("0")  # Rasa is down: queued by the gateway itself
    message = call.callback(QueueResult="queue-full")
    assert message.twiml is not None and message.twiml.verbs == ["Say", "Record"]
    recording = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1"
    thanks = call.callback(RecordingUrl=recording, RecordingDuration="35")  # the message becomes a work order
    assert thanks.twiml is not None and thanks.twiml.ended and "留言已记录" in thanks.twiml.said
    store = TicketStore(client.app.state.services.settings.database_url, prefix="JZ")
    orders = [o for o in store.find(needs_review=True) if o.conversation_id == call.call_sid]
    assert len(orders) == 1 and recording in orders[0].description and orders[0].needs_review
    assert orders[0].phone == "13812345678"
    store.close()


def test_the_caller_s_number_is_masked_in_the_log(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="webapp.voice")
    call = SimulatedCall(transport_of(client), PUBLIC_URL, TOKEN, caller="+8613812345678")
    call.start()
    call.press("0")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "138****5678" in logged
    assert "13812345678" not in logged and "8613812345678" not in logged


def test_an_emergency_is_answered_even_with_the_assistant_down(client: TestClient) -> None:
    call = SimulatedCall(transport_of(client), PUBLIC_URL, TOKEN)
    call.start()
    exchange = call.say("楼下着火了，好大的烟")
    assert exchange.twiml is not None and exchange.twiml.verbs == ["Say", "Hangup"]
    assert "幺幺九" in exchange.twiml.said and "挂断" in exchange.twiml.said
