"""The assistant's replies on the phone (actions/replies.py): the knowledge answer's spoken form with
the source named briefly, the written form for an SMS, the read-back that keys can answer."""

from __future__ import annotations

from dataclasses import replace

from actions import replies
from knowledge_base.answer_forms import AnswerBody, summary_body, voice_body
from tests.unit.test_replies import ENTRY as WRITTEN

# the written answer of test_replies, three times as long and with its own spoken form
ENTRY = replace(WRITTEN, answer=WRITTEN.answer * 3, voice_answer="禁用区是主城区。")


def test_the_spoken_answer_names_the_department_not_the_citation() -> None:
    written = summary_body(ENTRY, "禁用区在哪", replies.answer_budget(ENTRY))
    spoken = replies.spoken_answer(ENTRY, voice_body(ENTRY, written))
    assert spoken == "禁用区是主城区。（有效期至2029年12月31日）责任部门是市生态环境局。"
    assert "来源" not in spoken and "焦政" not in spoken


def test_a_department_already_named_is_not_said_twice() -> None:
    body = AnswerBody("由市生态环境局牵头办理。", "department", True)
    assert replies.spoken_answer(ENTRY, body).count("市生态环境局") == 1


def test_the_sms_carries_the_written_answer_with_its_source_and_stays_short() -> None:
    written = summary_body(ENTRY, "禁用区在哪", replies.answer_budget(ENTRY))
    text = replies.sms_answer(ENTRY, written)
    assert text.startswith("禁用区为主城区范围。") and "焦政〔2024〕14号" in text
    long = replies.sms_answer(ENTRY, AnswerBody("很长的内容。" * 100, "full", False))
    assert len(long) == replies.SMS_LIMIT and long.endswith("…")


def test_not_sure_on_the_phone_offers_the_key_for_a_person() -> None:
    assert "按0" in replies.not_sure(voice=True) and "按0" not in replies.not_sure()


def test_the_read_back_on_the_phone_offers_keys() -> None:
    text = replies.read_back("烧烤摊太吵", "山阳区焦东路", "山阳区", "13912345678", voice=True)
    assert text.endswith("没问题请按1或说“对”；要修改请按2或说“不对”。")
    assert "139 1234 5678" in text  # the gateway reads it digit by digit in 3-4-4 groups
