"""Caller-facing reply texts."""

from __future__ import annotations

from actions import replies
from knowledge_base.answer_forms import summary_body
from knowledge_base.entry import KnowledgeEntry, Source

ENTRY = KnowledgeEntry(
    id="t1",
    title="禁用区范围",
    answer="禁用区为主城区范围。",
    source=Source(
        title="焦作市人民政府关于划定禁止使用高排放非道路移动机械区域的通告",
        doc_number="焦政〔2024〕14号",
        issuer="焦作市人民政府",
        section="二、",
    ),
    department="市生态环境局",
    valid_to="2029-12-31",
)


def test_answer_cites_document_number_section_and_department() -> None:
    text = replies.knowledge_answer(ENTRY, summary_body(ENTRY, "禁用区在哪", replies.answer_budget(ENTRY)))
    assert text.startswith("禁用区为主城区范围。")
    assert "《焦作市人民政府关于划定禁止使用高排放非道路移动机械区域的通告》（焦政〔2024〕14号）二、" in text
    assert "责任部门：市生态环境局" in text
    assert "有效期至2029年12月31日" in text


def test_expired_answer_says_it_expired_and_when() -> None:
    text = replies.expired_answer(ENTRY)
    assert "已于2029年12月31日到期" in text and "转人工" in text


def test_read_back_groups_mobile_digits_and_does_not_repeat_district() -> None:
    text = replies.read_back("烧烤摊太吵", "山阳区焦东路", "山阳区", "13912345678")
    assert "地点是山阳区焦东路，" in text
    assert "139 1234 5678" in text


def test_read_back_adds_district_when_the_address_lacks_it() -> None:
    assert "地点是温县城关镇人民路" in replies.read_back("路灯不亮", "城关镇人民路", "温县", "0391-1234567")


def test_work_order_reply_names_number_department_and_local_government() -> None:
    text = replies.work_order_created("JZ20261122-0001", "市城管局", "山阳区人民政府")
    assert "JZ20261122-0001" in text and "市城管局" in text and "山阳区人民政府" in text


def test_read_back_names_the_kind_and_leaves_out_what_was_not_asked() -> None:
    text = replies.read_back("建议多建停车场", "", "", replies.NO_PHONE, kind="建议")
    assert text.startswith("我跟您核对一下：您的建议是“建议多建停车场”")
    assert "地点" not in text and "电话" not in text


def test_praise_and_suggestion_replies_are_not_complaint_replies() -> None:
    text = replies.work_order_created("JZ20261122-0002", "市城管局", None, kind="表扬")
    assert "表扬已经记录" in text and "JZ20261122-0002" in text and "受理" not in text


def test_ticket_numbers_are_spoken_in_groups_on_voice() -> None:
    assert replies.spoken_ticket_number("JZ20261122-0001") == "J Z 2026 1122 0001"
    assert "J Z 2026 1122 0001" in replies.work_order_created("JZ20261122-0001", "市城管局", None, voice=True)
    assert replies.spoken_ticket_number("unknown") == "unknown"


def test_emergency_reply_starts_with_the_number() -> None:
    assert replies.emergency("119", "先离开危险区域。").startswith("情况紧急，请立即拨打119。")
    said_once = replies.emergency("120", "请马上拨打120急救电话。")
    assert said_once.startswith("情况紧急，请马上拨打120") and said_once.count("120") == 1


def test_replies_are_short_sentences_for_voice() -> None:
    import re

    texts = [
        replies.ask_what_to_correct(),
        replies.satisfaction_retry(),
        replies.urged("JZ20261122-0001", "市城管局"),
        replies.satisfaction_thanks(5),
        replies.urge_closed("JZ20261122-0001", "已办结"),
    ]
    for text in texts:
        assert max(len(s) for s in re.split(r"[。？！]", text)) <= 60, text


def test_an_order_waiting_for_routing_review_is_not_announced_as_transferred() -> None:
    text = replies.work_order_created("JZ20261122-0003", "", None, needs_review=True)
    assert "JZ20261122-0003" in text and "话务员会先确认" in text and "已转交" not in text
