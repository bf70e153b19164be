"""Incremental index updates, index type by size, hot reload — with the real e5 model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from knowledge_base.encoder import Encoder
from knowledge_base.entry import KnowledgeEntry, Source
from knowledge_base.index import IndexConfig, build_index, choose_index_kind, slot_of, tune_nprobe, vector_id
from knowledge_base.index_files import load_index, save_index
from knowledge_base.index_manager import ReloadingSearcher, apply_changes
from settings import load_settings

SOURCE = Source(title="测试文件")
BASE = [
    KnowledgeEntry("permit", "餐饮服务许可", "开饭店需要办理营业执照和食品经营许可证。", SOURCE),
    KnowledgeEntry("fund", "公积金提取", "购房、租房可以申请提取住房公积金。", SOURCE),
]
NEW = KnowledgeEntry(
    "card", "社保卡补办", "社保卡丢失后可到银行网点挂失补办。", SOURCE, questions=("社保卡丢了怎么办",)
)


def _top(kb, encoder: Encoder, question: str) -> int:
    return next(iter(kb.search_dense(encoder.queries([question]), 10)[0]))


def test_add_update_and_retire_single_entries(encoder: Encoder) -> None:
    kb = build_index(BASE, encoder)
    before = kb.vectors
    assert kb.upsert(NEW, encoder) == "added"
    slot = kb.slots["card"]
    assert slot == slot_of("card") and kb.vectors == before + 3
    assert _top(kb, encoder, "社保卡丢了去哪补") == slot
    assert kb.upsert(NEW, encoder) == "unchanged"
    changed = replace(NEW, answer="社保卡丢失后请先拨打12333挂失，再到社保服务大厅补办。")
    assert kb.upsert(changed, encoder) == "updated"
    assert kb.vectors == before + 3 and kb.get("card").answer.startswith("社保卡丢失后请先")
    assert kb.search_lexical("12333挂失", 3)[slot] > 0
    assert kb.upsert(replace(changed, status="retired"), encoder) == "retired"
    assert kb.vectors == before and kb.get("card") is None
    assert slot not in kb.search_lexical("社保卡补办", 5)


def test_vector_ids_are_stable_per_entry(encoder: Encoder) -> None:
    kb = build_index([*BASE, NEW], encoder)
    import faiss

    ids = set(faiss.vector_to_array(kb.dense.id_map).tolist())
    assert {vector_id(slot_of("card"), n) for n in range(3)} <= ids


def test_apply_changes_counts_and_survives_save_and_load(encoder: Encoder, tmp_path) -> None:
    kb = build_index(BASE, encoder)
    counts = apply_changes(kb, [NEW, replace(BASE[0], status="retired")], encoder)
    assert counts == {"added": 1, "retired": 1}
    save_index(kb, tmp_path, encoder.name)
    loaded, meta = load_index(tmp_path)
    assert meta["entries"] == 2 and sorted(loaded.slots) == ["card", "fund"]
    assert next(iter(loaded.search_lexical("社保卡补办", 1))) == loaded.slots["card"]


def test_index_kind_follows_the_size() -> None:
    assert choose_index_kind(1_000) == "flat"
    assert choose_index_kind(100_000) == "flat"
    assert choose_index_kind(100_001) == "ivf"
    assert choose_index_kind(50, IndexConfig(flat_limit=10)) == "ivf"


def test_ivf_index_is_tuned_against_exact_search_and_supports_removal(encoder: Encoder) -> None:
    config = IndexConfig(flat_limit=5)
    kb = build_index([*BASE, NEW], encoder, config=config)
    assert kb.kind == "ivf" and kb.ivf_recall is not None and kb.ivf_recall >= 0.95
    assert _top(kb, encoder, "社保卡丢了怎么办") == kb.slots["card"]
    kb.retire("card")
    assert kb.slots.get("card") is None and kb.vectors == 4
    vectors = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    import faiss

    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(8), 8, 16, faiss.METRIC_INNER_PRODUCT)
    ivf.train(vectors)
    ids = np.arange(300, dtype=np.int64) * 7
    ivf.add_with_ids(vectors, ids)
    nprobe, recall = tune_nprobe(ivf, vectors, ids, 0.95)
    assert recall >= 0.95 and 1 <= nprobe <= 16


def test_running_searcher_picks_up_a_new_index(encoder: Encoder, tmp_path) -> None:
    save_index(build_index(BASE, encoder), tmp_path, encoder.name)
    now = [0.0]
    searcher = ReloadingSearcher(
        tmp_path, load_settings().model_dir, interval=5.0, clock=lambda: now[0], background=False
    )
    assert searcher.generation == 1
    assert searcher.searcher.kb.get("card") is None
    kb = build_index(BASE, encoder)
    kb.upsert(NEW, encoder)
    save_index(kb, tmp_path, encoder.name)
    now[0] = 1.0  # checked at most every 5 s
    assert searcher.searcher.kb.get("card") is None
    now[0] = 6.0
    assert searcher.searcher.kb.get("card") is not None and searcher.generation == 2
    assert searcher.search("社保卡丢了怎么办", top_k=1)[0].entry.id == "card"


def test_a_broken_new_index_keeps_the_old_one(encoder: Encoder, tmp_path) -> None:
    save_index(build_index(BASE, encoder), tmp_path, encoder.name)
    now = [0.0]
    searcher = ReloadingSearcher(tmp_path, load_settings().model_dir, clock=lambda: now[0], background=False)
    (tmp_path / "entries.jsonl").write_text("")
    (tmp_path / "meta.json").write_text((tmp_path / "meta.json").read_text() + " ")
    now[0] = 10.0
    assert searcher.searcher.kb.get("fund") is not None and searcher.generation == 1


class _Store:
    def __init__(self, entries: list[KnowledgeEntry]) -> None:
        self.entries = entries

    def published_entries(self, on=None) -> list[KnowledgeEntry]:
        return [entry for entry in self.entries if entry.is_published]


def test_build_takes_the_store_when_it_has_entries_else_the_city_files(tmp_path) -> None:
    from knowledge_base.index_manager import entries_for_index, latest_update

    stored = [replace(NEW, updated_at="2026-01-02T00:00:00"), replace(BASE[0], updated_at="2026-01-03T00:00:00")]
    entries, origin = entries_for_index(_Store(stored), tmp_path)
    assert origin == "store" and [e.id for e in entries] == ["card", "permit"]
    assert latest_update(entries) == "2026-01-03T00:00:00"
    entries, origin = entries_for_index(_Store([]), tmp_path)
    assert origin == "city files" and entries == []
