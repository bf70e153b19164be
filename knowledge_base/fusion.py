"""Fusing the dense and the lexical ranking into one candidate list.

Two methods, chosen in the search configuration:

* ``linear`` (default): ``dense cosine + weight × lexical coverage``. Coverage is the share of the
  query's BM25 weight a document matches (0…~1), so both terms live on fixed scales and the sum
  can be thresholded as well as ranked. A candidate missing from one list gets that list's floor
  (the lowest cosine retrieved; coverage 0).
* ``rrf``: reciprocal rank fusion, ``Σ 1 / (k + rank)``; scale-free, good for ranking only.
* ``dense`` / ``lexical``: one signal alone (baselines for evaluation).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """One fused candidate with the signals it was built from."""

    key: Hashable
    score: float
    dense: float
    lexical: float


def linear_fusion(dense: Mapping[Hashable, float], lexical: Mapping[Hashable, float], weight: float) -> list[Candidate]:
    """Fuse by `dense + weight * lexical`, best first."""
    floor = min(dense.values()) if dense else 0.0
    out = []
    for key in dict.fromkeys([*dense, *lexical]):
        d = dense.get(key, floor)
        lx = lexical.get(key, 0.0)
        out.append(Candidate(key, d + weight * lx, d, lx))
    return sorted(out, key=lambda c: -c.score)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Hashable]], k: float = 60.0) -> list[tuple[Hashable, float]]:
    """RRF over rankings (best first): (key, Σ 1/(k + rank)), best first; rank starts at 1."""
    totals: dict[Hashable, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            totals[key] = totals.get(key, 0.0) + 1.0 / (k + rank)
    return sorted(totals.items(), key=lambda kv: -kv[1])


def rrf_fusion(dense: Mapping[Hashable, float], lexical: Mapping[Hashable, float], k: float = 60.0) -> list[Candidate]:
    """RRF over the two lists, keeping each candidate's raw signals."""
    floor = min(dense.values()) if dense else 0.0
    by_dense = sorted(dense, key=lambda key: -dense[key])
    by_lexical = sorted(lexical, key=lambda key: -lexical[key])
    return [
        Candidate(key, score, dense.get(key, floor), lexical.get(key, 0.0))
        for key, score in reciprocal_rank_fusion([by_dense, by_lexical], k)
    ]


def fuse(
    method: str,
    dense: Mapping[Hashable, float],
    lexical: Mapping[Hashable, float],
    weight: float,
    rrf_k: float = 60.0,
) -> list[Candidate]:
    if method == "linear":
        return linear_fusion(dense, lexical, weight)
    if method == "rrf":
        return rrf_fusion(dense, lexical, rrf_k)
    if method == "dense":
        return linear_fusion(dense, {}, 0.0) if dense else []
    if method == "lexical":
        floor = min(dense.values()) if dense else 0.0
        ranked = sorted(lexical, key=lambda key: -lexical[key])
        return [Candidate(key, lexical[key], dense.get(key, floor), lexical[key]) for key in ranked]
    raise ValueError(f"unknown fusion method {method!r} (linear | rrf | dense | lexical)")
