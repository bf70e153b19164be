"""The conversations a hotline really has, against the real Rasa server and action server."""

from __future__ import annotations

import re

import pytest

from routing.directory import CityDirectory
from settings import load_settings
from tickets.handoffs import HandoffQueue
from tickets.store import TicketStore

pytestmark = pytest.mark.e2e
TICKET = re.compile(r"JZ\d{8}-\d{4}")


def _store(assistant) -> TicketStore:
    prefix = CityDirectory.load(load_settings().city_dir).ticket_prefix
    return TicketStore(assistant.database_url, prefix=prefix)


def _custom(replies: list[dict], key: str) -> dict | None:
    for reply in replies:
        custom = reply.get("custom") or {}
        if key in custom:
            return custom[key]
    return None


def _file_complaint(assistant, sender: str) -> str:
    assistant.texts(sender, "我要投诉，小区门口的路灯坏了一个多月了，晚上黑乎乎的")
    assistant.texts(sender, "解放区民主路和平小区门口")
    assistant.texts(sender, "13912345678")
    done = assistant.texts(sender, "对")
    match = TICKET.search(done)
    assert match, done
    return match.group(0)


def test_emergency_gets_the_number_at_once_without_a_form(assistant) -> None:
    sender = assistant.new_sender()
    replies = assistant.say(sender, "救命 楼下着火了 烟好大")
    text = "\n".join(r.get("text", "") for r in replies)
    assert "119" in text
    assert "请您具体说一下" not in text and "什么地方" not in text
    assert (_custom(replies, "emergency") or {}).get("number") == "119"


def test_emergency_inside_the_form_stops_the_form(assistant) -> None:
    sender = assistant.new_sender()
    assistant.texts(sender, "我要投诉，隔壁邻居天天吵架摔东西")
    text = assistant.texts(sender, "有人晕倒了 快叫救护车")
    assert "120" in text
    # The form is over: a greeting is a greeting again.
    assert "12345" in assistant.texts(sender, "你好")


def test_a_question_inside_the_form_is_answered_and_the_form_resumes(assistant) -> None:
    sender = assistant.new_sender()
    first = assistant.texts(sender, "我要投诉，小区楼下烧烤摊每天半夜还在营业，油烟太大了")
    assert "什么地方" in first
    middle = assistant.texts(sender, "外国人144小时过境免签是怎么规定的？")
    assert "144" in middle or "没有找到" in middle
    assert "什么地方" in middle  # the form asks again for the place
    assert "哪个区县" in assistant.texts(sender, "焦东路和平小区门口")


def test_then_i_complain_after_an_answer_starts_the_form_with_what_is_known(assistant) -> None:
    sender = assistant.new_sender()
    assistant.texts(sender, "请问小区门口的垃圾一直没人清运，应该找哪个部门管")
    reply = assistant.texts(sender, "那我要投诉")
    assert "什么地方" in reply, reply  # the description is already known
    assistant.texts(sender, "山阳区焦东路和平小区")
    read_back = assistant.texts(sender, "13912345678")
    assert "垃圾" in read_back


def test_a_correction_at_the_read_back_changes_the_district(assistant) -> None:
    sender = assistant.new_sender()
    assistant.texts(sender, "我要投诉，马路上的井盖丢了好几天了，太危险了")
    assistant.texts(sender, "解放区民主路")
    read_back = assistant.texts(sender, "13912345678")
    assert "解放区" in read_back
    corrected = assistant.texts(sender, "不对，是山阳区")
    assert "核对" in corrected and "山阳区" in corrected
    number = TICKET.search(assistant.texts(sender, "对")).group(0)
    assert _store(assistant).get(number).district == "山阳区"


def test_a_district_alone_is_followed_by_a_question_for_the_street(assistant) -> None:
    sender = assistant.new_sender()
    assistant.texts(sender, "我要投诉，小区门口的烧烤摊天天晚上冒油烟，呛得没法开窗")
    detail = assistant.texts(sender, "解放区")
    assert "具体在哪条路" in detail and "电话" not in detail, detail
    assert "电话" in assistant.texts(sender, "民主南路88号")
    read_back = assistant.texts(sender, "13912345678")
    assert "解放区民主南路88号" in read_back, read_back
    number = TICKET.search(assistant.texts(sender, "对")).group(0)
    order = _store(assistant).get(number)
    assert order.district == "解放区" and order.address == "民主南路88号"


def test_praise_and_suggestions_become_work_orders_of_their_own_kind(assistant) -> None:
    sender = assistant.new_sender()
    first = assistant.texts(sender, "我要表扬社区的网格员，天天上门看望我家独居的老人")
    assert "电话" in first
    read_back = assistant.texts(sender, "13803918888")
    assert "表扬" in read_back
    number = TICKET.search(assistant.texts(sender, "对")).group(0)
    assert _store(assistant).get(number).kind == "表扬"

    other = assistant.new_sender()
    assistant.texts(other, "建议在人民公园附近多建几个公共停车场，周末根本没地方停车")
    assistant.texts(other, "13803917777")
    number = TICKET.search(assistant.texts(other, "是的")).group(0)
    assert _store(assistant).get(number).kind == "建议"


def test_urging_an_open_work_order_records_a_urge_event(assistant) -> None:
    sender = assistant.new_sender()
    number = _file_complaint(assistant, sender)
    other = assistant.new_sender()
    asked = assistant.texts(other, "我要催办")
    assert "工单号" in asked
    check = assistant.texts(other, number)
    assert "后四位" in check and not any(e.action == "催办" for e in _store(assistant).events(number))
    urged = assistant.texts(other, "尾号5678")
    assert "催办" in urged
    assert any(e.action == "催办" for e in _store(assistant).events(number))


def test_request_human_hands_off_with_a_summary(assistant) -> None:
    sender = assistant.new_sender()
    assistant.texts(sender, "我要投诉，单位拖欠我三个月工资")
    replies = assistant.say(sender, "转人工")
    assert _custom(replies, "handoff") == {"queued": True}  # the channel learns no more than that
    waiting = [h for h in HandoffQueue(_store(assistant)).waiting(500) if h.conversation_id == sender]
    assert len(waiting) == 1
    summary = waiting[0].summary
    assert summary["intent"] == "complain"
    assert "拖欠" in summary["slots"]["complaint_description"]
    assert "candidate_answers" in summary and summary["recent_messages"][-1] == "转人工"


def test_goodbye_asks_for_a_rating_and_stores_it(assistant) -> None:
    sender = assistant.new_sender()
    number = _file_complaint(assistant, sender)
    ask = assistant.texts(sender, "好的，没别的事了，再见")
    assert "1分到5分" in ask
    bye = assistant.texts(sender, "5分")
    assert "5分" in bye and "再见" in bye
    store = _store(assistant)
    assert store.satisfaction(conversation_id=sender) == [5]
    assert store.satisfaction(number=number) == [5]


def test_bot_identity_and_restart(assistant) -> None:
    sender = assistant.new_sender()
    assert "智能助手" in assistant.texts(sender, "你是真人还是机器人")
    assistant.texts(sender, "我要投诉，工地晚上施工太吵")
    assert "重新开始" in assistant.texts(sender, "重新开始")


def test_a_village_named_in_the_first_message_stays_in_the_address(assistant) -> None:
    sender = assistant.new_sender()
    first = assistant.texts(sender, "我要投诉，待王镇东王封村北头有人天天烧秸秆，烟呛得人睡不着")
    assert "哪个区县" in first, first  # the town is not in the city directory: only the district is asked
    assert "电话" in assistant.texts(sender, "马村区")
    read_back = assistant.texts(sender, "13912345678")
    assert "马村区待王镇东王封村北头" in read_back and "139 1234 5678" in read_back, read_back
    number = TICKET.search(assistant.texts(sender, "对")).group(0)
    order = _store(assistant).get(number)
    assert order.address == "待王镇东王封村北头" and order.district == "马村区" and order.phone == "13912345678"
