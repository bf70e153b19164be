"""Retrieval evaluation on a question/answer JSONL file.

A fresh in-memory knowledge base is built from the dataset's distinct answers (optionally padded
with distractor entries: answers of another dataset and/or SYNTHETIC entries, see
evaluation/synthetic.py); every question is asked and the rank of its own answer recorded.
The data stay where they are (e.g. ../shared/datasets/): nothing is copied into the project.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from knowledge_base.entry import KnowledgeEntry, Source
from knowledge_base.index import IndexConfig, build_index
from knowledge_base.search import ANSWER, CLARIFY, EXPIRED, KnowledgeSearcher, Thresholds

MAX_K = 20
DATASET_SOURCE = Source(title="evaluation dataset (not project knowledge)", issuer="evaluation")


@dataclass(frozen=True)
class QAPair:
    question: str
    answer_id: str


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


PARTS = ("all", "calibrate", "report")


def in_part(text: str, part: str) -> bool:
    """Fixed hash split of questions: "calibrate" (one half), "report" (the other) or "all".

    Salted, so it is independent of the hash split that produced the public dev/held-out halves.
    """
    if part == "all":
        return True
    half = hashlib.sha256(b"hotline-calibration:" + text.encode("utf-8")).digest()[0] % 2
    return half == (0 if part == "calibrate" else 1)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def answer_entry(answer: str, prefix: str) -> KnowledgeEntry:
    """A knowledge entry holding only an answer text (title and variants unknown)."""
    return KnowledgeEntry(
        id=f"{prefix}{_digest(answer)}", title="", answer=answer, source=DATASET_SOURCE, kind="imported"
    )


def load_dataset(
    path: Path, question_field: str = "question", answer_field: str = "answer", group_field: str | None = None
) -> tuple[list[KnowledgeEntry], list[QAPair]]:
    """Distinct answers as entries, and every (question, its answer's entry id) pair.

    With `group_field` (e.g. ``docid``), one entry per group holds all of the group's distinct answers,
    and a question is right when its group's entry is found: a knowledge base of documents rather
    than of answer spans.
    """
    groups: dict[str, list[str]] = {}
    questions: list[tuple[str, str]] = []
    for row in read_jsonl(path):
        question, answer = str(row.get(question_field) or "").strip(), str(row.get(answer_field) or "").strip()
        if not question or not answer:
            continue
        key = str(row.get(group_field) or answer) if group_field else answer
        members = groups.setdefault(key, [])
        if answer not in members:
            members.append(answer)
        questions.append((question, key))
    entries = {key: answer_entry("\n".join(members), "qa-") for key, members in groups.items()}
    pairs = [QAPair(question, entries[key].id) for question, key in questions]
    return list(entries.values()), pairs


def distractor_entries(
    count: int, from_file: Path | None = None, answer_field: str = "answer", exclude: Iterable[str] = ()
) -> list[KnowledgeEntry]:
    """`count` distractors: answers of `from_file` first, then SYNTHETIC entries (answer text only)."""
    from evaluation.synthetic import synthetic_entries

    skip = set(exclude)
    out: list[KnowledgeEntry] = []
    if from_file is not None:
        seen = set()
        for row in read_jsonl(from_file):
            answer = str(row.get(answer_field) or "").strip()
            if answer and answer not in skip and answer not in seen:
                seen.add(answer)
                out.append(answer_entry(answer, "distractor-"))
            if len(out) >= count:
                return out
    for entry in islice(synthetic_entries(count - len(out)), count - len(out)):
        text = f"{entry.title}\n{entry.answer}"
        out.append(
            KnowledgeEntry(
                id=entry.id, title="", answer=text, source=entry.source, kind="imported", category=entry.category
            )
        )
    return out


@dataclass
class RetrievalReport:
    dataset: str
    part: str
    encoder: str  # model folder and engine
    questions: int
    entries: int
    distractors: int
    fusion: str
    top1: float
    recall_at_5: float
    mrr: float
    recall_at_k: list[float]  # k = 1 … MAX_K
    decisions: dict[str, float]  # share of questions per decision
    answered: float  # answer + clarify + expired
    answered_correct: float  # of answered questions: the served (or one of the clarify) entries is right
    latency_ms_p50: float
    latency_ms_p95: float
    build_seconds: float
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(searcher: KnowledgeSearcher, pairs: Sequence[QAPair]) -> dict[str, Any]:
    """Ask every question; ranks (1-based, 0 = not in the top MAX_K), decisions and latencies."""
    ranks, decisions, latencies, correct_answered = [], Counter(), [], 0
    for pair in pairs:
        started = time.perf_counter()
        hits = searcher.search(pair.question, top_k=MAX_K)
        decision = searcher.judge(hits)
        latencies.append((time.perf_counter() - started) * 1000)
        ids = [hit.entry.id for hit in hits]
        ranks.append(ids.index(pair.answer_id) + 1 if pair.answer_id in ids else 0)
        decisions[decision.action] += 1
        if decision.action in (ANSWER, CLARIFY, EXPIRED):
            served = [hit.entry.id for hit in decision.hits[: 2 if decision.action == CLARIFY else 1]]
            correct_answered += pair.answer_id in served
    return {"ranks": ranks, "decisions": decisions, "latencies": latencies, "correct_answered": correct_answered}


def metrics(ranks: Sequence[int]) -> dict[str, Any]:
    n = max(1, len(ranks))
    recall = [sum(1 for r in ranks if 0 < r <= k) / n for k in range(1, MAX_K + 1)]
    return {
        "top1": recall[0],
        "recall_at_5": recall[4],
        "recall_at_k": recall,
        "mrr": sum(1.0 / r for r in ranks if r) / n,
    }


def run_retrieval(
    dataset: Path,
    encoder: Any,
    *,
    question_field: str = "question",
    answer_field: str = "answer",
    group_field: str | None = None,
    distractors: int = 0,
    distractor_file: Path | None = None,
    limit: int | None = None,
    part: str = "all",
    thresholds: Thresholds | None = None,
    config: IndexConfig = IndexConfig(),
    progress: bool = False,
) -> RetrievalReport:
    entries, pairs = load_dataset(dataset, question_field, answer_field, group_field)
    pairs = [pair for pair in pairs if in_part(pair.question, part)]
    if limit:
        pairs = pairs[:limit]
    padding = (
        distractor_entries(distractors, distractor_file, answer_field, (e.answer for e in entries))
        if distractors
        else []
    )
    started = time.perf_counter()
    kb = build_index([*entries, *padding], encoder, progress=progress, config=config)
    build_seconds = time.perf_counter() - started
    searcher = KnowledgeSearcher(kb, encoder, thresholds)
    result = evaluate(searcher, pairs)
    n = max(1, len(pairs))
    answered = sum(result["decisions"][d] for d in (ANSWER, CLARIFY, EXPIRED))
    notes = [f"one entry per {group_field}: all its distinct answers"] if group_field else []
    if distractors:
        source = f"{distractor_file.name} answers, then " if distractor_file else ""
        notes.append(f"{len(padding)} distractors: {source}SYNTHETIC entries (evaluation/synthetic.py)")
    latencies = sorted(result["latencies"])
    return RetrievalReport(
        dataset=dataset.name,
        part=part,
        encoder=encoder.name,
        questions=len(pairs),
        entries=len(entries),
        distractors=len(padding),
        fusion=searcher.thresholds.fusion,
        **metrics(result["ranks"]),
        decisions={key: value / n for key, value in sorted(result["decisions"].items())},
        answered=answered / n,
        answered_correct=result["correct_answered"] / max(1, answered),
        latency_ms_p50=statistics.median(latencies) if latencies else 0.0,
        latency_ms_p95=latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        build_seconds=build_seconds,
        notes=notes,
    )
