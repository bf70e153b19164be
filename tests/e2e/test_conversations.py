"""Conversations with the real assistant over the REST channel."""

from __future__ import annotations

import re

import httpx
import pytest

from routing.directory import CityDirectory
from settings import load_settings
from tickets.store import TicketStore

pytestmark = pytest.mark.e2e
TICKET = re.compile(r"JZ\d{8}-\d{4}")


def _store(assistant) -> TicketStore:
    prefix = CityDirectory.load(load_settings().city_dir).ticket_prefix
    return TicketStore(assistant.database_url, prefix=prefix)


def test_question_is_answered_with_its_source(assistant) -> None:
    sender = assistant.new_sender()
    reply = assistant.texts(sender, "外国人144小时过境免签是怎么规定的？")
    assert "144" in reply
    assert "来源：《" in reply
    assert "焦政办〔2024〕22号" in reply or "过境免签" in reply


def test_complaint_becomes_a_routed_work_order(assistant) -> None:
    sender = assistant.new_sender()
    first = assistant.texts(sender, "我要投诉，小区楼下烧烤摊每天半夜还在营业，油烟和噪音太大了")
    assert "什么地方" in first
    assert "哪个区县" in assistant.texts(sender, "焦东路和平小区门口")
    assert "电话" in assistant.texts(sender, "山阳区")
    assert "号码好像不对" in assistant.texts(sender, "12345")
    read_back = assistant.texts(sender, "13912345678")
    assert "核对" in read_back and "烧烤" in read_back and "山阳区" in read_back
    done = assistant.texts(sender, "对")
    number = TICKET.search(done)
    assert number, done
    order = _store(assistant).get(number.group(0))
    assert order is not None
    # Confidently routed (a clear 城管 matter): dispatched at once, with both events recorded.
    assert order.status == "已转办" and not order.needs_review
    assert [event.action for event in _store(assistant).events(order.number)][:2] == ["受理", "转办"]
    assert order.district == "山阳区"
    assert order.address == "焦东路和平小区门口"
    assert order.phone == "13912345678"
    assert order.department and order.department in done
    assert "城管" in order.department or "城市管理" in order.department


def test_status_query_for_known_and_unknown_numbers(assistant) -> None:
    sender = assistant.new_sender()
    assistant.texts(sender, "我要反映一下，单位拖欠我三个月工资一直不发")
    assistant.texts(sender, "解放区民主路的一家装修公司")
    assistant.texts(sender, "0391-2345678")
    done = assistant.texts(sender, "是的")
    number = TICKET.search(done).group(0)

    order = _store(assistant).get(number)
    own = assistant.texts(sender, f"我的工单{number}办得怎么样了")
    assert number in own and order.status in own and order.department in own

    # Someone else with only the number learns nothing until they give the phone's last four digits.
    other = assistant.new_sender()
    asked = assistant.texts(other, f"我的工单{number}办得怎么样了")
    assert "后四位" in asked and order.department not in asked and order.status not in asked
    status = assistant.texts(other, "5678")
    assert number in status and order.status in status
    assert order.department in status

    unknown = assistant.texts(other, "帮我查一下工单JZ20990101-9999的进度")
    assert "没有查到" in unknown


def _parse(assistant, text: str) -> dict:
    return httpx.post(
        f"{assistant.rasa_url}/model/parse", json={"text": text}, params=assistant.rasa_api_params, timeout=60
    ).json()


# Letters written for this test only (not in nlu_data): each is a boundary case between the kinds.
LETTERS = {
    "ask_info": "我家孩子今年九月上小学 户口在解放区 房子买在山阳区 房产证还没下来 "
    "请问这种情况孩子能在山阳区报名入学吗 需要准备哪些材料",
    "complain": "丰泽小区南门外这半个月天天有大货车夜里两点还在卸建材 噪音吵得整栋楼睡不着 "
    "找物业也不管 请有关部门尽快制止",
    "suggest": "现在办居住证要跑社区开证明 再去派出所排队 来回好几趟 "
    "建议把居住证申请放到网上办 证件邮寄到家 方便我们外来务工人员",
    "seek_help": "我父亲上个月突发脑梗住院 已经花了八万多 家里还有两个孩子上学 "
    "我一个人打零工实在撑不住了 求政府帮帮我们家",
}


@pytest.mark.parametrize("kind", sorted(LETTERS))
def test_letter_kinds_are_told_apart(assistant, kind: str) -> None:
    """Long letters get their kind (LetterTypeClassifier after DIET) with a confidence above fallback."""
    parsed = _parse(assistant, LETTERS[kind])
    assert parsed["intent"]["name"] == kind
    ranking = [item["confidence"] for item in parsed["intent_ranking"]]
    assert ranking == sorted(ranking, reverse=True)
    assert parsed["intent"]["confidence"] > 0.45  # FallbackClassifier threshold in bot/config.yml


def test_short_turns_keep_their_intent(assistant) -> None:
    assert _parse(assistant, "好的，就这样提交")["intent"]["name"] == "affirm"
    assert _parse(assistant, "我要投诉")["intent"]["name"] == "complain"


def test_out_of_scope_is_not_answered_from_the_knowledge_base(assistant) -> None:
    sender = assistant.new_sender()
    replies = assistant.say(sender, "今天天气怎么样")
    text = "\n".join(r.get("text", "") for r in replies)
    assert "来源：" not in text
    assert "受理范围" in text or "没有找到" in text


def test_nlu_extracts_district_phone_and_ticket_number(assistant) -> None:
    """Districts come from the spaCy entity_ruler (aliases mapped to names), numbers from regexes."""
    complaint = _parse(assistant, "我住在中站，楼下饭店油烟太大，电话13912345678")
    assert complaint["intent"]["name"] == "complain"
    entities = {(e["entity"], e["value"], e["extractor"]) for e in complaint["entities"]}
    assert ("district", "中站区", "SpacyEntityExtractor") in entities
    assert ("phone", "13912345678", "RegexEntityExtractor") in entities

    status = _parse(assistant, "帮我查一下JZ20261122-0001")
    assert status["intent"]["name"] == "ask_ticket_status"
    assert [e["value"] for e in status["entities"] if e["entity"] == "ticket_number"] == ["JZ20261122-0001"]
