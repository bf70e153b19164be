"""Hybrid search, filters and the answer / clarify / not-sure / expired decision, with the real e5 model."""

from __future__ import annotations

import json
from datetime import date

import pytest

from knowledge_base.encoder import Encoder
from knowledge_base.entry import KnowledgeEntry, Source
from knowledge_base.index import IndexNotBuiltError, build_index
from knowledge_base.index_files import FORMAT_VERSION, load_index, save_index
from knowledge_base.search import (
    ANSWER,
    CLARIFY,
    EXPIRED,
    UNSURE,
    Hit,
    KnowledgeSearcher,
    Thresholds,
    load_thresholds,
)

SOURCE = Source(title="测试文件", doc_number="测〔2024〕1号")
ENTRIES = [
    KnowledgeEntry(
        "loan", "创业担保贷款额度", "个人创业担保贷款最高额度为30万元。", SOURCE, questions=("创业贷款最多能贷多少钱",)
    ),
    KnowledgeEntry(
        "visa",
        "过境免签停留时间",
        "符合条件的外国人可在144小时内免签过境停留。",
        SOURCE,
        questions=("外国人过境免签能待几天",),
    ),
    KnowledgeEntry(
        "old",
        "2023年青年就业见习补贴",
        "2023年见习补贴标准为每人每月若干元。",
        SOURCE,
        questions=("就业见习补贴怎么申请",),
        valid_to="2023-12-31",
    ),
    KnowledgeEntry(
        "future",
        "2030年新能源车置换补贴",
        "2030年起置换新能源汽车可申请补贴。",
        SOURCE,
        questions=("新能源车置换补贴怎么领",),
        valid_from="2030-01-01",
    ),
    KnowledgeEntry(
        "parking-a",
        "山阳区占道停车收费标准",
        "山阳区道路停车泊位白天每小时收费2元。",
        SOURCE,
        questions=("山阳区路边停车怎么收费",),
        region="山阳区",
    ),
    KnowledgeEntry("draft", "草稿条目", "尚未发布的内容。", SOURCE, status="draft"),
]


@pytest.fixture(scope="module")
def searcher(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeSearcher:
    directory = tmp_path_factory.mktemp("kb")
    save_index(build_index(ENTRIES, encoder), directory, encoder.name)
    kb, _ = load_index(directory)
    return KnowledgeSearcher(kb, encoder)


def test_index_holds_published_entries_with_a_vector_per_passage_and_question(encoder: Encoder) -> None:
    kb = build_index(ENTRIES, encoder)
    assert kb.get("draft") is None
    # each published entry: title + one question variant + one passage
    assert kb.vectors == 3 * (len(ENTRIES) - 1)


def test_paraphrased_question_finds_its_entry(searcher: KnowledgeSearcher) -> None:
    hits = searcher.search("我想创业，担保贷款能贷多少", top_k=3)
    assert hits[0].entry.id == "loan"
    assert hits[0].score > hits[1].score
    assert hits[0].lexical > 0  # shared words count too


def test_confident_question_is_answered(searcher: KnowledgeSearcher) -> None:
    decision = searcher.decide("外国人过境免签可以停留几天", on=date(2026, 1, 1))
    assert decision.action == ANSWER
    assert decision.best.entry.id == "visa"


def test_unrelated_question_is_not_answered(searcher: KnowledgeSearcher) -> None:
    assert searcher.decide("红烧肉怎么做才好吃").action == UNSURE


def test_expired_policy_is_not_served_as_current(searcher: KnowledgeSearcher) -> None:
    decision = searcher.decide("就业见习补贴怎么申请", on=date(2026, 1, 1))
    assert decision.action == EXPIRED
    assert decision.best.entry.id == "old"
    assert searcher.decide("就业见习补贴怎么申请", on=date(2023, 6, 1)).action == ANSWER


def test_entry_not_yet_in_force_is_left_out(searcher: KnowledgeSearcher) -> None:
    ids_now = [hit.entry.id for hit in searcher.search("新能源车置换补贴怎么领", on=date(2026, 1, 1))]
    assert "future" not in ids_now
    assert searcher.search("新能源车置换补贴怎么领", on=date(2030, 6, 1))[0].entry.id == "future"


def test_region_filter_keeps_city_wide_and_own_district(searcher: KnowledgeSearcher) -> None:
    question = "路边停车怎么收费"
    assert "parking-a" in [h.entry.id for h in searcher.search(question, region="山阳区")]
    assert "parking-a" not in [h.entry.id for h in searcher.search(question, region="解放区")]
    assert "loan" in [h.entry.id for h in searcher.search("创业担保贷款", region="解放区")]


def _hit(entry_id: str, title: str, score: float, confidence: float, expired: bool = False) -> Hit:
    entry = KnowledgeEntry(entry_id, title, "答案。", SOURCE)
    return Hit(entry, score, expired, dense=score, lexical=0.5, confidence=confidence)


RULES = Thresholds(answer=0.5, clarify_margin=0.01, clarify_min=0.5)


def test_judge_answers_a_clear_winner() -> None:
    decision = KnowledgeSearcher.judge(_Judge(RULES), [_hit("a", "甲", 0.95, 0.9), _hit("b", "乙", 0.90, 0.8)])
    assert decision.action == ANSWER and decision.best.entry.id == "a"


def test_judge_asks_which_of_two_close_candidates() -> None:
    hits = [_hit("a", "居住证首次办理", 0.950, 0.9), _hit("b", "居住证补办", 0.945, 0.85), _hit("c", "丙", 0.80, 0.4)]
    decision = KnowledgeSearcher.judge(_Judge(RULES), hits)
    assert decision.action == CLARIFY
    assert [hit.entry.id for hit in decision.hits] == ["a", "b"]


def test_judge_does_not_clarify_with_an_unconfident_runner_up() -> None:
    hits = [_hit("a", "甲", 0.950, 0.9), _hit("b", "乙", 0.945, 0.2)]
    assert KnowledgeSearcher.judge(_Judge(RULES), hits).action == ANSWER


def test_judge_asks_between_two_entries_that_together_clearly_lead() -> None:
    first = Hit(KnowledgeEntry("a", "残疾人证办理", "答案。", SOURCE), 0.95, confidence=0.3, pair_confidence=0.8)
    second = _hit("b", "残疾人服务“一件事”", 0.949, 0.3)
    decision = KnowledgeSearcher.judge(_Judge(RULES), [first, second, _hit("c", "丙", 0.7, 0.01)])
    assert decision.action == CLARIFY and [hit.entry.id for hit in decision.hits] == ["a", "b"]
    unclear = Hit(first.entry, 0.95, confidence=0.3, pair_confidence=0.4)
    assert KnowledgeSearcher.judge(_Judge(RULES), [unclear, second]).action == UNSURE


def test_a_clear_lead_raises_the_confidence() -> None:
    rules = Thresholds(bias=-10.0, w_dense=10.0, w_lexical=0.0, w_gap=50.0)
    assert rules.confidence(0.9, 0.0, gap=0.05) > rules.confidence(0.9, 0.0, gap=0.0)


def test_a_lead_far_from_every_entry_is_not_confident() -> None:
    """The "right" model only ever saw in-domain questions; the scope model vetoes chit-chat whose two
    nearest entries happen to stand apart from the third."""
    rules = Thresholds(bias=-8.0, w_dense=9.0, w_gap=50.0, scope_bias=-85.0, scope_w_dense=98.0)
    assert rules.in_scope(0.80, 0.0) < 0.01 < 0.9 < rules.in_scope(0.92, 0.0)
    assert rules.confidence(0.80, 0.0, gap=0.1) < 0.01 < 0.9 < rules.confidence(0.92, 0.0, gap=0.1)
    assert Thresholds().in_scope(0.5, 0.0) == 1.0  # without a scope model, nothing is vetoed


def test_judge_hands_off_below_the_threshold_and_reports_expiry() -> None:
    assert KnowledgeSearcher.judge(_Judge(RULES), [_hit("a", "甲", 0.8, 0.3)]).action == UNSURE
    assert KnowledgeSearcher.judge(_Judge(RULES), []).action == UNSURE
    expired = [_hit("a", "甲", 0.95, 0.9, expired=True), _hit("b", "乙", 0.90, 0.9)]
    assert KnowledgeSearcher.judge(_Judge(RULES), expired).action == EXPIRED


def test_a_confident_entry_in_force_close_behind_an_expired_one_is_answered() -> None:
    """ "能申请创业担保贷款不": the ended 2023 policy's FAQ and today's service score almost alike."""
    hits = [_hit("old", "2023年贷款额度", 0.95, 0.8, expired=True), _hit("now", "创业担保贷款", 0.94, 0.9)]
    decision = KnowledgeSearcher.judge(_Judge(RULES), hits)
    assert decision.action == ANSWER and decision.best.entry.id == "now"
    unsure_now = [hits[0], _hit("now", "创业担保贷款", 0.94, 0.3)]
    assert KnowledgeSearcher.judge(_Judge(RULES), unsure_now).action == EXPIRED


class _Judge:
    """Just enough of a searcher for judge()."""

    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds


def test_thresholds_come_from_the_yaml_configuration(tmp_path) -> None:
    path = tmp_path / "search.yaml"
    path.write_text("fusion:\n  lexical_weight: 0.5\ndecision:\n  answer: 0.7\n", encoding="utf-8")
    loaded = load_thresholds(path)
    assert (loaded.lexical_weight, loaded.answer) == (0.5, 0.7)
    path.write_text("decision:\n  answr: 0.7\n", encoding="utf-8")
    with pytest.raises(ValueError, match="answr"):
        load_thresholds(path)
    assert 0 < load_thresholds().answer < 1  # the shipped, calibrated file


def test_tampered_index_is_refused(encoder: Encoder, tmp_path) -> None:
    save_index(build_index(ENTRIES[:1], encoder), tmp_path, "test")
    (tmp_path / "index.faiss").write_bytes(b"broken")
    with pytest.raises(IndexNotBuiltError, match="checksum"):
        load_index(tmp_path)


def test_other_format_version_is_refused(encoder: Encoder, tmp_path) -> None:
    save_index(build_index(ENTRIES[:1], encoder), tmp_path, "test")
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["format_version"] == FORMAT_VERSION and meta["generation"] == 1
    meta["format_version"] = 1
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(IndexNotBuiltError, match="format"):
        load_index(tmp_path)


def test_missing_index_says_how_to_build_it(tmp_path) -> None:
    with pytest.raises(IndexNotBuiltError, match="hotline kb build"):
        load_index(tmp_path)


def test_a_guide_and_a_service_it_lists_are_one_matter_not_a_choice() -> None:
    guide = KnowledgeEntry("guide", "残疾人服务“一件事”", "残疾人证办理和变更、两项补贴可以一起申请。", SOURCE)
    service = KnowledgeEntry("service", "残疾人证办理", "到县级残联申请，按规定评定。", SOURCE)
    hits = [Hit(service, 0.950, confidence=0.9), Hit(guide, 0.948, confidence=0.85)]
    decision = KnowledgeSearcher.judge(_Judge(RULES), hits)
    assert decision.action == ANSWER and decision.best.entry.id == "service"
    # Neither alone is a clear winner, but together they are: still one matter, so the first is answered.
    close = [Hit(service, 0.950, confidence=0.4, pair_confidence=0.9), Hit(guide, 0.949, confidence=0.85)]
    decision = KnowledgeSearcher.judge(_Judge(RULES), close)
    assert decision.action == ANSWER and decision.best.entry.id == "service"
