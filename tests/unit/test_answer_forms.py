"""What part of an entry a reply shows (knowledge_base/answer_forms.py, facets.py) and how long it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions import replies
from knowledge_base.answer_forms import (
    CHAT_LIMIT,
    excerpt_body,
    facet_body,
    full_body,
    summary_body,
    voice_body,
)
from knowledge_base.entry import KnowledgeEntry, Source
from knowledge_base.facets import FACETS, rewrite_query
from knowledge_base.guides import guide_entries

KNOWLEDGE = Path(__file__).resolve().parents[2] / "cities" / "jiaozuo" / "knowledge"


@pytest.fixture(scope="module")
def guides() -> dict[str, KnowledgeEntry]:
    entries = [*guide_entries(KNOWLEDGE / "guides.yaml"), *guide_entries(KNOWLEDGE / "services.yaml", "便民服务")]
    return {entry.id: entry for entry in entries}


def test_every_guide_has_every_written_facet(guides: dict[str, KnowledgeEntry]) -> None:
    for entry in guides.values():
        missing = set(FACETS) - {"online"} - set(entry.facets)
        assert not missing, f"{entry.id}: {missing}"


def test_online_is_only_the_online_channel(guides: dict[str, KnowledgeEntry]) -> None:
    permit = guides["service-03-residence-permit"]
    (online,) = permit.facets["online"]
    assert online.startswith("线上：可通过“焦我办”APP或河南政务服务网")
    assert len(permit.facets["place"]) == 2


def test_a_facet_is_the_guide_name_the_facet_and_its_lines(guides: dict[str, KnowledgeEntry]) -> None:
    permit = guides["service-03-residence-permit"]
    body = facet_body(permit, "materials", replies.answer_budget(permit))
    assert body is not None and body.facet == "materials"
    assert body.text.startswith("【居住证办理】要带的材料：\n1. 本人居民身份证。")
    assert "居住地住址、就业或就读等证明材料" in body.text
    assert "办理条件" not in body.text and "制证" not in body.text


def test_a_one_line_facet_is_one_sentence(guides: dict[str, KnowledgeEntry]) -> None:
    body = facet_body(guides["service-03-residence-permit"], "fee", 200)
    assert body is not None
    assert body.text == "【居住证办理】收费：首次申领居住证不收费；补领、换领是否收费以窗口告知为准。"


def test_a_facet_the_entry_lacks_gives_nothing() -> None:
    faq = KnowledgeEntry("f", "问题", "答案。", Source(title="文件"))
    assert facet_body(faq, "materials", 200) is None


def test_every_chat_answer_of_every_guide_fits_the_limit(guides: dict[str, KnowledgeEntry]) -> None:
    for entry in guides.values():
        budget = replies.answer_budget(entry)
        bodies = [summary_body(entry, entry.title, budget)]
        bodies += [facet_body(entry, facet, budget) for facet in entry.facets]
        for body in bodies:
            assert body is not None
            text = replies.knowledge_answer(entry, body)
            assert len(text) <= CHAT_LIMIT, f"{entry.id} {body.facet}: {len(text)} chars"
            assert "来源：" in text


def test_a_first_answer_about_a_guide_is_its_summary_and_offers_the_rest(guides: dict[str, KnowledgeEntry]) -> None:
    entry = guides["guide-13-retirement"]
    body = summary_body(entry, "退休了养老金怎么领取", replies.answer_budget(entry))
    text = replies.knowledge_answer(entry, body)
    assert text.startswith("【退休“一件事”】")
    assert "要带什么材料" in text and text.endswith("需要完整的办事指南吗？")
    assert "所需材料" not in text and "要带什么：" not in text  # not the whole guide
    assert len(full_body(entry).text) > CHAT_LIMIT  # which is what it would have been


def test_a_long_policy_is_quoted_where_it_answers_the_question() -> None:
    articles = [f"第{n}条 关于事项{n}的一般规定，按照有关要求执行，具体办法另行制定。" for n in range(1, 9)]
    articles[5] = "第6条 新建住宅小区应当配建充电桩车位，比例不低于车位总数的百分之十。"
    entry = KnowledgeEntry("p", "管理办法", "".join(articles), Source(title="办法"), kind="policy")
    body = excerpt_body(entry, "新建小区充电桩车位比例有要求吗", 120)
    assert body.truncated
    assert body.text.startswith("……第6条 新建住宅小区应当配建充电桩车位")
    assert len(body.text) <= 120


def test_a_short_answer_is_given_whole_without_an_offer() -> None:
    entry = KnowledgeEntry("f", "问题", "可以，带身份证到窗口办理。", Source(title="文件"))
    body = summary_body(entry, "能办吗", 200)
    assert body.text == "可以，带身份证到窗口办理。" and not body.truncated
    assert "需要完整" not in replies.knowledge_answer(entry, body)


def test_voice_gives_at_most_two_short_sentences(guides: dict[str, KnowledgeEntry]) -> None:
    for entry in guides.values():
        for facet in entry.facets:
            body = facet_body(entry, facet, 300)
            assert body is not None
            spoken = voice_body(entry, body).text
            assert 0 < len(spoken) < 120 and "\n" not in spoken
            assert sum(spoken.count(mark) for mark in "。！？") <= 2, spoken


def test_an_elliptical_question_is_rewritten_with_the_topic_or_the_new_subject() -> None:
    assert rewrite_query("退休“一件事”", "materials") == "退休“一件事” 所需材料"
    assert rewrite_query("退休“一件事”", "fee", subject="居住证") == "居住证 收费标准"
    assert rewrite_query("退休“一件事”", "") == "退休“一件事”"


def test_a_spoken_facet_names_the_service_and_runs_its_lines_together(guides: dict[str, KnowledgeEntry]) -> None:
    permit = guides["service-03-residence-permit"]
    body = facet_body(permit, "materials", 300)
    assert body is not None
    spoken = voice_body(permit, body).text
    assert spoken.startswith("居住证办理要带的材料：本人居民身份证；本人近期照片")
    assert "1." not in spoken and "【" not in spoken
    department = facet_body(permit, "department", 300)
    assert department is not None and department.text == "【居住证办理】负责部门：市公安局牵头办理。"
