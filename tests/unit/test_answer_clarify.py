"""The clarify question actions/answer.py asks when two entries match about equally well."""

from __future__ import annotations

from actions.answer import clarify_question
from knowledge_base.entry import KnowledgeEntry, Source

SOURCE = Source(title="测试文件")


def test_clarify_names_both_topics_in_one_short_spoken_question() -> None:
    first = KnowledgeEntry("a", "居住证首次办理？", "答案。", SOURCE)
    second = KnowledgeEntry("b", "居住证补办", "答案。", SOURCE)
    assert clarify_question(first, second) == "您问的是“居住证首次办理”，还是“居住证补办”？"


def test_clarify_falls_back_to_the_answer_start_without_a_title() -> None:
    first = KnowledgeEntry("a", "", "社保卡丢失后先挂失，再补办。", SOURCE)
    second = KnowledgeEntry("b", "社保卡挂失", "答案。", SOURCE)
    assert clarify_question(first, second).startswith("您问的是“社保卡丢失后先挂失，再补办”")
