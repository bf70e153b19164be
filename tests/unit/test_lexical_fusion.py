"""BM25 over jieba words and character bigrams; dense + lexical fusion."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge_base.fusion import fuse, linear_fusion, reciprocal_rank_fusion, rrf_fusion
from knowledge_base.lexical import LexicalIndex, tokenize

TEXTS = [
    "公积金提取需要身份证和银行卡",
    "社保卡丢失后到服务网点补办",
    "营业执照在政务服务中心办理",
    "公积金贷款额度按缴存余额计算",
]


def test_tokens_are_words_and_character_bigrams() -> None:
    terms = tokenize("补办社保卡")
    assert "b:社保" in terms and "b:补办" in terms
    assert any(term.startswith("w:") for term in terms)
    assert not [t for t in tokenize("，。！？") if t]


def test_bm25_ranks_the_matching_document_first() -> None:
    index = LexicalIndex.build(TEXTS)
    top = index.top("社保卡丢了怎么补办", 2)
    assert top[0][0] == 1
    assert 0 < top[0][1] <= 1.5  # coverage: share of the query's weight matched
    assert index.top("红烧肉", 3) == []


def test_add_remove_and_compact_match_a_fresh_build() -> None:
    index = LexicalIndex.build(TEXTS[:2])
    row = index.add(TEXTS[2])
    extra = index.add("临时文本会被删除")
    index.remove(extra)
    index.add(TEXTS[3])
    fresh = LexicalIndex.build(TEXTS)
    query = "公积金怎么提取"
    live = np.flatnonzero(index.alive)
    assert np.allclose(index.scores(query)[0][live], fresh.scores(query)[0], atol=1e-5)
    assert row == 2
    mapping = index.compact()
    assert mapping[extra] == -1 and index.size == 4
    assert np.allclose(index.scores(query)[0], fresh.scores(query)[0], atol=1e-5)


def test_persistence_round_trip() -> None:
    index = LexicalIndex.build(TEXTS)
    restored = LexicalIndex.from_arrays(index.arrays())
    assert restored.top("营业执照去哪办", 1) == index.top("营业执照去哪办", 1)


def test_linear_fusion_adds_weighted_coverage_and_floors_missing_dense() -> None:
    fused = linear_fusion({"a": 0.90, "b": 0.88}, {"b": 0.8, "c": 0.5}, weight=0.1)
    scores = {c.key: c.score for c in fused}
    assert fused[0].key == "b" and scores["b"] == pytest.approx(0.96)
    assert scores["c"] == pytest.approx(0.88 + 0.05)  # dense floor = lowest retrieved cosine
    assert fused[-1].key == "a"


def test_reciprocal_rank_fusion() -> None:
    ranked = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]], k=60)
    assert ranked[0][0] == "b"
    fused = rrf_fusion({"a": 0.9, "b": 0.8}, {"b": 0.5}, k=60)
    assert fused[0].key == "b" and fused[0].dense == 0.8 and fused[0].lexical == 0.5


def test_unknown_fusion_method_is_refused() -> None:
    assert [c.key for c in fuse("dense", {"a": 0.5, "b": 0.7}, {"a": 1.0}, 0.3)] == ["b", "a"]
    with pytest.raises(ValueError):
        fuse("magic", {}, {}, 0.3)
