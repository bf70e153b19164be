"""Hybrid knowledge search and the answer / clarify / not-sure decision.

A question is embedded once and looked up in the dense index and, in parallel, in the lexical
BM25 index; the candidates are filtered (published, in force or expired-but-reportable, region)
and fused. The decision is what keeps the assistant honest: a calibrated confidence from the
best candidate's signals decides whether to answer, to ask which of two close candidates the
caller means, or to offer a human agent instead of guessing. Thresholds live in search.yaml.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, cast

import faiss
import yaml

from knowledge_base.encoder import Encoder
from knowledge_base.entry import KnowledgeEntry
from knowledge_base.fusion import fuse
from knowledge_base.index import KnowledgeIndex

ANSWER = "answer"
CLARIFY = "clarify"
UNSURE = "unsure"
EXPIRED = "expired"

CONFIG_FILE = Path(__file__).with_name("search.yaml")
CURATED_KINDS = frozenset({"faq", "guide"})


@dataclass(frozen=True)
class Thresholds:
    """Fusion weights and decision thresholds (defaults: knowledge_base/search.yaml).

    confidence = in_scope × right of a candidate, two logistic models calibrated by `hotline eval ood`:
    in_scope = sigmoid(scope_bias + scope_w_dense · cosine + scope_w_lexical · coverage), fitted on
    in-domain questions against our own out-of-scope examples (is this a question the knowledge base
    is about at all?), and right = sigmoid(bias + w_dense · cosine + w_lexical · coverage + w_gap · gap),
    fitted on in-domain questions whose first entry was right or wrong (calibrated on the misses), where
    gap is the candidate's fused score minus the next candidate's: a clear winner is more often right
    than the first of several near-equal entries. The default scope_bias keeps in_scope at 1;
    `expired_margin`: an expired entry first by less than this fused score over a confident entry in
    force is passed over (the caller gets the rule that applies today, not news of one that ended);
    `answer`: the best candidate needs this confidence to be served;
    `clarify_margin` / `clarify_min`: a second candidate whose fused score is within the margin
    and whose confidence reaches `clarify_min` makes the assistant ask which one is meant.
    """

    fusion: str = "linear"
    lexical_weight: float = 0.03
    rrf_k: float = 60.0
    depth: int = 50
    curated_bonus: float = 0.01
    bias: float = -40.0
    w_dense: float = 45.0
    w_lexical: float = 2.0
    w_gap: float = 0.0
    scope_bias: float = 60.0
    scope_w_dense: float = 0.0
    scope_w_lexical: float = 0.0
    answer: float = 0.5
    expired_margin: float = 0.02
    clarify_margin: float = 0.0
    clarify_min: float = 0.5

    def confidence(self, dense: float, lexical: float, gap: float = 0.0) -> float:
        return self.in_scope(dense, lexical) * _sigmoid(
            self.bias + self.w_dense * dense + self.w_lexical * lexical + self.w_gap * gap
        )

    def in_scope(self, dense: float, lexical: float) -> float:
        return _sigmoid(self.scope_bias + self.scope_w_dense * dense + self.scope_w_lexical * lexical)

    def replace(self, **changes: Any) -> Thresholds:
        return Thresholds(**{**self.__dict__, **changes})


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def load_thresholds(path: Path | None = None) -> Thresholds:
    """Thresholds from a yaml file (default: knowledge_base/search.yaml); unknown keys are refused."""
    path = path or CONFIG_FILE
    if not path.exists():
        return Thresholds()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        flat.update(value if isinstance(value, dict) else {key: value})
    known = {f.name for f in fields(Thresholds)}
    unknown = sorted(set(flat) - known)
    if unknown:
        raise ValueError(f"{path}: unknown search settings {', '.join(unknown)}")
    return Thresholds(**flat)


@dataclass(frozen=True)
class Hit:
    entry: KnowledgeEntry
    score: float  # fused ranking score
    expired: bool = False
    dense: float = 0.0  # best cosine of the entry's vectors
    lexical: float = 0.0  # BM25 coverage: share of the query weight matched (0…~2, tf saturates at k1+1)
    confidence: float = 0.0  # calibrated, 0…1
    pair_confidence: float = 0.0  # the same with the lead over the entry after next: "it is this or the next one"


@dataclass(frozen=True)
class Decision:
    """Answer with `best`, ask which of `hits[:2]` (clarify), report expiry, or say we are not sure."""

    action: str
    hits: list[Hit] = field(default_factory=list)

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


def _distinct_pair(valid: list[Hit]) -> list[Hit] | None:
    """The first two valid entries when they are two different things to ask about.

    Not when one names the other: a "一件事" guide that lists 残疾人证办理 among its items and the
    残疾人证办理 service are one matter, and "您问的是残疾人证办理，还是残疾人服务一件事？" only
    makes the caller choose between two answers that both apply.
    """
    if len(valid) < 2:
        return None
    first, second = valid[0].entry, valid[1].entry
    if first.title == second.title or _names(first, second) or _names(second, first):
        return None
    return valid[:2]


def _names(entry: KnowledgeEntry, other: KnowledgeEntry) -> bool:
    return len(other.title) >= 4 and other.title in entry.answer


def _current_close_behind(hits: list[Hit], t: Thresholds) -> bool:
    """An expired first entry with a confident entry in force right behind it (by under `expired_margin`)."""
    if len(hits) < 2 or not hits[0].expired or hits[1].expired:
        return False
    return hits[0].score - hits[1].score < t.expired_margin and hits[1].confidence >= t.answer


class KnowledgeSearcher:
    """Embeds a question and searches the hybrid index."""

    def __init__(self, kb: KnowledgeIndex, encoder: Encoder, thresholds: Thresholds | None = None) -> None:
        # One question at a time: FAISS's OpenMP threads only contend with the encoder's own
        # (measured at 30,000 entries: hybrid p50 27 → 15 ms, p95 44 → 18 ms on 2 cores).
        faiss.omp_set_num_threads(1)
        self.kb = kb
        self.encoder = encoder
        self.thresholds = thresholds or load_thresholds()

    @classmethod
    def open(
        cls,
        index_dir: Path,
        model_dir: Path,
        thresholds: Thresholds | None = None,
        engine: str | None = None,
        max_seq_length: int | None = None,
    ) -> KnowledgeSearcher:
        """The index saved in ``index_dir``, searched with the e5 model of ``model_dir`` run by
        ``engine`` (knowledge_base.encoder.Encoder)."""
        from knowledge_base.index_files import load_index

        kb, _ = load_index(index_dir)
        return cls(kb, Encoder(model_dir, engine, max_seq_length), thresholds)

    def search(self, question: str, top_k: int = 5, on: date | None = None, region: str | None = None) -> list[Hit]:
        """Best entries for `question` on day `on` (default today), optionally for one region.

        Entries not yet in force are left out; expired ones stay in, marked, so the decision can
        say a policy ended. `region` keeps city-wide entries and those of that district/county.
        """
        day = (on or date.today()).isoformat()
        t = self.thresholds
        vector = self.encoder.queries([question])
        dense = self.kb.search_dense(vector, t.depth * 3)[0]
        lexical = self.kb.search_lexical(question, t.depth) if t.fusion != "dense" else {}
        if t.fusion == "lexical":
            dense = {slot: score for slot, score in dense.items() if slot in lexical}
        allowed = {slot for slot in (*dense, *lexical) if self._allowed(self.kb.by_slot[slot], day, region)}
        candidates = fuse(
            t.fusion,
            {slot: score for slot, score in dense.items() if slot in allowed},
            {slot: score for slot, score in lexical.items() if slot in allowed},
            t.lexical_weight,
            t.rrf_k,
        )
        ranked = []
        for candidate in candidates[: max(top_k * 2, top_k + 5)]:
            entry = self.kb.by_slot[cast(int, candidate.key)]
            bonus = t.curated_bonus if entry.kind in CURATED_KINDS else 0.0
            ranked.append((candidate.score + bonus, entry, candidate))
        ranked.sort(key=lambda item: -item[0])
        hits = []
        for rank, (score, entry, candidate) in enumerate(ranked[:top_k]):
            gaps = [score - ranked[rank + step][0] if rank + step < len(ranked) else 1.0 for step in (1, 2)]
            confidence, pair = (t.confidence(candidate.dense, candidate.lexical, gap) for gap in gaps)
            expired = bool(entry.valid_to) and day > entry.valid_to
            hits.append(Hit(entry, score, expired, candidate.dense, candidate.lexical, confidence, pair))
        return hits

    @staticmethod
    def _allowed(entry: KnowledgeEntry, day: str, region: str | None) -> bool:
        if not entry.is_published or (entry.valid_from and day < entry.valid_from):
            return False
        return not region or entry.region in ("", region)

    def entry(self, entry_id: str) -> KnowledgeEntry | None:
        """An indexed entry by id (the topic a follow-up question refers to)."""
        return self.kb.get(entry_id)

    def decide(self, question: str, on: date | None = None, top_k: int = 5, region: str | None = None) -> Decision:
        """Search and judge in one step."""
        return self.judge(self.search(question, top_k, on, region))

    def judge(self, hits: list[Hit]) -> Decision:
        """Answer, clarify, report expiry or say not sure.

        An expired entry that beats every valid one is reported as EXPIRED so the caller is told
        the policy ended instead of being served it as current, unless a confident entry in force is
        just behind it: that one is answered. When the first entry is not a clear
        winner but the first two together are (their lead over the third would make an answer
        confident), the caller is asked which of the two is meant instead of being told nothing.
        """
        t = self.thresholds
        if not hits:
            return Decision(UNSURE, hits)
        valid = [hit for hit in hits if not hit.expired]
        if _current_close_behind(hits, t):
            hits = valid
        if hits[0].confidence < t.answer:
            if len(valid) < 2 or hits[0] is not valid[0] or valid[0].pair_confidence < t.answer:
                return Decision(UNSURE, hits)
            pair = _distinct_pair(valid)
            return Decision(CLARIFY, pair) if pair else Decision(ANSWER, valid)  # else: one matter, two entries
        if hits[0].expired:
            return Decision(EXPIRED, hits)
        pair = _distinct_pair(valid)
        if pair and pair[0].score - pair[1].score < t.clarify_margin and pair[1].confidence >= t.clarify_min:
            return Decision(CLARIFY, pair)
        return Decision(ANSWER, valid)
