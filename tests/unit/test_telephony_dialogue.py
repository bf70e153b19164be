"""The voice dialogue's rules, call by call: menu keys, re-prompts and the three-failure policy,
the contact phone by keypad with read-back, and what the assistant's replies become on the phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from telephony.calls import PHONE_CONFIRM, PHONE_ENTRY, PHONE_OFFER, CallState, CallStore
from telephony.config import VoiceConfig
from telephony.dialogue import HUMAN, Heard, VoiceDialogue
from telephony.speech import Digits
from telephony.steps import Hangup, Listen, Outcome, Relay, Sms, ToAgents, Transfer, Voicemail

CITY_DIR = Path(__file__).resolve().parents[2] / "cities" / "jiaozuo"
KNOWLEDGE = {"custom": {"knowledge": {"entry_id": "guide-residence-permit", "score": 0.9}}}


@pytest.fixture(scope="module")
def dialogue() -> VoiceDialogue:
    return VoiceDialogue(VoiceConfig.load(CITY_DIR))


def new_call(caller: str = "+8613812345678") -> CallState:
    return CallStore().get_or_start("CA" + "1" * 32, caller)


def listen(result: Outcome | Relay) -> Listen:
    assert isinstance(result, Outcome) and isinstance(result.step, Listen), result
    return result.step


def test_greeting_and_menu_with_keys(dialogue: VoiceDialogue) -> None:
    call = new_call()
    step = listen(dialogue.greet(call))
    said = step.prompt.plain()
    assert said.startswith("您好，这里是幺二三四五热线。请说您要办的事")
    assert "按2" in said and "按3" in said and "按0" in said
    assert step.speech and step.keys and step.num_digits == 1
    assert dialogue.hear(call, Heard(digits="2")) == Relay("我要投诉")
    call = new_call()
    dialogue.greet(call)
    assert dialogue.hear(call, Heard(digits="3")) == Relay("我要查询工单进度")


def test_zero_reaches_a_person_at_any_point(dialogue: VoiceDialogue) -> None:
    call = new_call()
    dialogue.greet(call)
    dialogue.answer(call, [{"text": "请问事情发生在什么地方？"}])
    assert dialogue.hear(call, Heard(digits="0")) == Relay(HUMAN)
    outcome = dialogue.answer(
        call, [{"text": "好的，正在为您转接人工客服，请稍候。"}, {"custom": {"handoff": {"queued": True}}}]
    )
    assert isinstance(outcome.step, ToAgents) and outcome.step.conversation_id == call.call_sid
    assert outcome.step.prompt.plain() == "好的，正在为您转接人工客服，请稍候。"


def test_speech_is_normalised_before_the_assistant_sees_it(dialogue: VoiceDialogue) -> None:
    call = new_call()
    dialogue.greet(call)
    assert dialogue.hear(call, Heard(speech="請問居住證怎麼辦理", confidence=0.9)) == Relay("请问居住证怎么办理")


def test_three_failures_in_a_row_go_to_a_person_with_shorter_reprompts(dialogue: VoiceDialogue) -> None:
    call = new_call()
    menu = listen(dialogue.greet(call)).prompt.plain()
    first = listen(dialogue.hear(call, Heard()))
    second = listen(dialogue.hear(call, Heard(speech="嗯啊", confidence=0.1)))  # unsure recognition counts
    assert len(first.prompt.plain()) < len(menu) and "按0" in first.prompt.plain()
    assert len(second.prompt.plain()) <= len(menu)
    assert dialogue.hear(call, Heard()) == Relay(HUMAN)
    # whatever the assistant answers to the hand-off, the call is queued for a person
    outcome = dialogue.answer(call, [])
    assert isinstance(outcome.step, ToAgents)


def test_a_success_resets_the_failure_count(dialogue: VoiceDialogue) -> None:
    call = new_call()
    dialogue.greet(call)
    dialogue.hear(call, Heard())
    dialogue.hear(call, Heard())
    assert dialogue.hear(call, Heard(speech="公积金怎么提取", confidence=0.8)) == Relay("公积金怎么提取")
    dialogue.answer(call, [{"text": "可以在网上办理。"}, KNOWLEDGE])
    rephrased = listen(dialogue.hear(call, Heard())).prompt.plain()
    assert rephrased == "抱歉，没听清。还有别的问题吗？"
    assert "按0" in listen(dialogue.hear(call, Heard())).prompt.plain()
    assert dialogue.hear(call, Heard()) == Relay(HUMAN)


def test_an_answer_is_followed_by_anything_else_a_question_is_not(dialogue: VoiceDialogue) -> None:
    call = new_call()
    answered = listen(dialogue.answer(call, [{"text": "居住证可以在派出所办理。"}, KNOWLEDGE]))
    assert answered.prompt.plain().endswith("还有别的问题吗？")
    asked = listen(dialogue.answer(call, [{"text": "请问是在哪个区县？"}]))
    assert asked.prompt.plain() == "请问是在哪个区县？"
    form = listen(dialogue.answer(call, [{"text": "请说一下区县和具体地址，比如山阳区某某路。"}]))
    assert "还有别的问题" not in form.prompt.plain()  # the form waits for its answer


def test_the_contact_phone_offered_as_the_calling_number(dialogue: VoiceDialogue) -> None:
    call = new_call("+8613812345678")
    step = listen(dialogue.answer(call, [{"text": "请留一个联系电话。"}, {"custom": {"voice": {"collect": "phone"}}}]))
    assert "用尾号5678的号码联系您可以吗" in step.prompt.plain()
    assert call.mode == PHONE_OFFER and step.num_digits == 1
    assert dialogue.hear(call, Heard(digits="1")) == Relay("13812345678")
    call = new_call("+8613812345678")
    dialogue.answer(call, [{"text": "请留一个联系电话。"}, {"custom": {"voice": {"collect": "phone"}}}])
    assert dialogue.hear(call, Heard(speech="可以", confidence=0.9)) == Relay("13812345678")


def test_keypad_entry_read_back_in_3_4_4_and_confirmed(dialogue: VoiceDialogue) -> None:
    call = new_call("+8613812345678")
    dialogue.answer(call, [{"text": "请留一个联系电话。"}, {"custom": {"voice": {"collect": "phone"}}}])
    entry = listen(dialogue.hear(call, Heard(digits="2")))
    assert call.mode == PHONE_ENTRY
    assert entry.finish_on_key == "#" and entry.num_digits is None and entry.keys
    wrong = listen(dialogue.hear(call, Heard(digits="1391234")))  # too short: asked again, nothing lost
    assert call.mode == PHONE_ENTRY and "重新输入" in wrong.prompt.plain()
    confirm = listen(dialogue.hear(call, Heard(digits="13912345678")))
    assert call.mode == PHONE_CONFIRM
    assert Digits(("139", "1234", "5678")) in confirm.prompt.segments
    assert confirm.prompt.plain() == "您的号码是幺三九，幺二三四，五六七八。正确请按1，重输请按2。"
    again = listen(dialogue.hear(call, Heard(digits="2")))
    assert call.mode == PHONE_ENTRY and again.finish_on_key == "#"
    dialogue.hear(call, Heard(speech="幺三九 一二三四 五六七八", confidence=0.8))  # said instead of typed
    assert dialogue.hear(call, Heard(digits="1")) == Relay("13912345678")
    assert call.contact_phone == "13912345678"


def test_a_hidden_number_goes_straight_to_the_keypad(dialogue: VoiceDialogue) -> None:
    call = new_call("anonymous")
    step = listen(dialogue.answer(call, [{"text": "请留一个联系电话。"}, {"custom": {"voice": {"collect": "phone"}}}]))
    assert call.mode == PHONE_ENTRY and step.finish_on_key == "#"


def test_the_work_order_number_is_read_twice_and_sent_by_sms(dialogue: VoiceDialogue) -> None:
    call = new_call("+8613812345678")
    call.contact_phone = "13912345678"
    outcome = dialogue.answer(
        call,
        [
            {"text": "您的诉求已受理，工单号是J Z 2026 1207 0003。已转交市城管局办理。"},
            {"custom": {"work_order": {"number": "JZ20261207-0003", "department": "市城管局", "kind": "投诉"}}},
        ],
    )
    said = listen(outcome).prompt.plain()
    assert said.count("二零二六，幺二零七，零零零三") == 2
    assert said.endswith("工单号已发短信给您。还有别的问题吗？")
    assert outcome.sms == (
        Sms(
            "13912345678",
            "【12345热线】您的诉求已受理，工单号JZ20261207-0003，承办部门：市城管局。可拨打12345查询办理进度。",
        ),
    )


def test_a_parallel_hotline_matter_is_transferred_with_one_key(dialogue: VoiceDialogue) -> None:
    call = new_call()
    outcome = dialogue.answer(
        call,
        [
            {"custom": {"transfer_offer": {"hotline": "12315", "department": "市市场监管局"}}},
            {"text": "请问事情发生在什么地方？"},
        ],
    )
    said = listen(outcome).prompt.plain()
    assert said.startswith("这类问题由幺二三幺五市场监管热线专门受理，转过去请按1。请问事情发生在什么地方？")
    transfer = dialogue.hear(call, Heard(digits="1"))
    assert isinstance(transfer, Outcome) and isinstance(transfer.step, Transfer)
    assert transfer.step.dial == "12315" and transfer.step.conference == f"12345-{call.call_sid}"
    failed = dialogue.transfer_ended(call, connected=False)
    assert isinstance(failed.step, Listen) and "没有接通" in failed.step.prompt.plain()


def test_speaking_on_after_the_offer_goes_on_with_the_form(dialogue: VoiceDialogue) -> None:
    call = new_call()
    dialogue.answer(call, [{"custom": {"transfer_offer": {"hotline": "12315"}}}, {"text": "请问在什么地方？"}])
    assert dialogue.hear(call, Heard(speech="山阳区塔南路", confidence=0.9)) == Relay("山阳区塔南路")
    assert call.transfer is None


def test_an_emergency_is_told_at_once_and_said_twice(dialogue: VoiceDialogue) -> None:
    call = new_call()
    outcome = dialogue.answer(
        call,
        [{"text": "请立即拨打119火警电话。"}, {"custom": {"emergency": {"number": "119", "transfer": "119"}}}],
    )
    assert isinstance(outcome.step, Hangup)  # Twilio cannot dial 119: the caller hangs up and dials
    assert outcome.step.prompt.plain() == "请立即拨打幺幺九火警电话。再说一遍：请马上挂断，拨打幺幺九。"


def test_keys_offered_by_the_assistant_answer_its_question(dialogue: VoiceDialogue) -> None:
    call = new_call()
    step = listen(
        dialogue.answer(
            call, [{"text": "请为本次服务打分。"}, {"custom": {"voice": {"keys": {"5": "5分", "1": "1分"}}}}]
        )
    )
    assert not step.prompt.plain().endswith("还有别的问题吗？")
    assert dialogue.hear(call, Heard(digits="5")) == Relay("5分")
    goodbye = dialogue.answer(call, [{"text": "感谢您的来电，再见。"}, {"custom": {"voice": {"hangup": True}}}])
    assert isinstance(goodbye.step, Hangup)


def test_a_full_queue_offers_a_voice_message(dialogue: VoiceDialogue) -> None:
    call = new_call()
    assert isinstance(dialogue.queue_left(call, "bridged").step, Hangup)
    message = dialogue.queue_left(call, "queue-full")
    assert message.step.prompt.plain().startswith("现在人工坐席都在忙")


def test_a_long_answer_is_offered_by_sms(dialogue: VoiceDialogue) -> None:
    call = new_call("+8613812345678")
    written = "居住证办理：" + "需要本人身份证、照片和居住证明，" * 6 + "\n来源：《焦作12345热线白话版办事指引》。"
    step = listen(
        dialogue.answer(
            call,
            [
                {"text": "居住证在派出所办。责任部门是市公安局。"},
                {"custom": {"knowledge": {"entry_id": "e1"}, "voice": {"sms_text": written}}},
            ],
        )
    )
    assert step.prompt.plain().endswith("需要把完整内容发短信给您，请按1。还有别的问题吗？")
    sent = dialogue.hear(call, Heard(digits="1"))
    assert isinstance(sent, Outcome) and sent.sms == (Sms("13812345678", f"【12345热线】{written}"),)
    assert listen(sent).prompt.plain().startswith("短信已发送。")
    short = new_call()
    said = listen(dialogue.answer(short, [{"text": "可以。"}, {"custom": {"voice": {"sms_text": "可以。"}}}]))
    assert "短信" not in said.prompt.plain()  # nothing more to send


def test_a_hand_off_goes_to_the_desk_of_the_topic_s_department(dialogue: VoiceDialogue) -> None:
    call = new_call()
    outcome = dialogue.answer(
        call, [{"text": "正在转接"}, {"custom": {"handoff": {"queued": True, "department": "市市场监管局"}}}]
    )
    assert isinstance(outcome.step, ToAgents) and outcome.step.desk == "市场监管专席"
    general = dialogue.answer(new_call(), [{"custom": {"handoff": {"queued": True, "department": "市城管局"}}}])
    assert isinstance(general.step, ToAgents) and general.step.desk is None


def test_without_sms_nothing_is_offered_or_promised() -> None:
    silent = VoiceDialogue(VoiceConfig.load(CITY_DIR), sms=False)
    call = new_call()
    written = "很长的书面答复。" * 20
    said = listen(silent.answer(call, [{"text": "可以办。"}, {"custom": {"voice": {"sms_text": written}}}]))
    assert "短信" not in said.prompt.plain()
    order = {"custom": {"work_order": {"number": "JZ20261207-0003"}}}
    outcome = silent.answer(call, [{"text": "您的诉求已受理。"}, order])
    assert outcome.sms == () and "短信" not in listen(outcome).prompt.plain()
    assert listen(outcome).prompt.plain().count("二零二六，幺二零七，零零零三") == 1  # said once: the text had none


def test_a_work_order_number_typed_on_the_keypad(dialogue: VoiceDialogue) -> None:
    call = new_call()
    asked = [
        {"text": "请告诉我您的工单号。可以说出来，也可以用按键输入。"},
        {"custom": {"voice": {"collect": "ticket"}}},
    ]
    step = listen(dialogue.answer(call, asked))
    assert step.finish_on_key == "#" and step.num_digits is None
    again = listen(dialogue.hear(call, Heard(digits="2026120700")))  # ten digits: asked again
    assert again.prompt.plain() == "请重输12位工单号，按井号结束。"  # 12 as an amount: 十二
    assert dialogue.hear(call, Heard(digits="202612070003")) == Relay("JZ20261207-0003")
    dialogue.answer(call, asked)
    spoken = dialogue.hear(call, Heard(speech="JZ二零二六一二零七杠零零零三", confidence=0.8))
    assert spoken == Relay("JZ20261207-0003")


def test_the_phone_s_last_four_digits_by_keys(dialogue: VoiceDialogue) -> None:
    call = new_call()
    asked = [{"text": "请告诉我这四位数字。"}, {"custom": {"voice": {"collect": "digits", "digits": 4}}}]
    step = listen(dialogue.answer(call, asked))
    assert step.num_digits == 4
    assert dialogue.hear(call, Heard(digits="0123")) == Relay("0123")  # a leading 0 is a digit here
    assert call.expect_digits == 0


def test_out_of_hours_a_person_means_a_voice_message() -> None:
    raw = {"prompts": VoiceConfig.load(CITY_DIR).prompts.named(), "agents": {"hours": "08:00-20:00"}}
    config = VoiceConfig.from_dict(raw)
    assert config.agents.staffed("09:30") and not config.agents.staffed("22:15")
    night = VoiceDialogue(config)
    call = new_call()
    call.agents_on_duty = False
    assert night.hear(call, Heard(digits="0")) == Relay(HUMAN)
    outcome = night.answer(
        call, [{"text": "好的，正在为您转接人工客服，请稍候。"}, {"custom": {"handoff": {"queued": True}}}]
    )
    assert isinstance(outcome.step, Voicemail)
    assert outcome.step.prompt.plain().startswith("现在不是人工服务时间。请在提示音后留言")  # no "正在为您转接"


def test_a_short_question_is_asked_again_after_silence(dialogue: VoiceDialogue) -> None:
    call = new_call()
    dialogue.answer(call, [{"text": "请问事情发生在什么地方？请说一下区县和具体地址，比如山阳区某某路某某小区。"}])
    again = listen(dialogue.hear(call, Heard()))
    assert again.prompt.plain() == "抱歉，没听清。请问事情发生在什么地方？"
    assert "按0" in listen(dialogue.hear(call, Heard())).prompt.plain()
