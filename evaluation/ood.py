"""Out-of-domain rejection: does the knowledge base stay silent on requests it does not cover?

The knowledge base is built from the in-domain dataset's answers. Both question sets are split by
a fixed hash into a calibration half and a report half. On the calibration half a logistic
regression over the best candidate's signals (dense cosine, lexical coverage) separates in-domain
from out-of-domain questions, and the answer threshold is set so that at most
`target_ood` of the out-of-domain calibration questions would be answered; the clarify margin
is chosen on the in-domain calibration questions. Figures are then measured on the report half.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from evaluation.retrieval import in_part, load_dataset, read_jsonl
from knowledge_base.index import IndexConfig, build_index
from knowledge_base.search import ANSWER, CLARIFY, EXPIRED, KnowledgeSearcher, Thresholds, load_thresholds

ANSWERED = (ANSWER, CLARIFY, EXPIRED)
MARGINS = (0.0, 0.002, 0.005, 0.01, 0.02)


@dataclass
class Probe:
    """The searched question: its hits' signals and whether the right entry came first."""

    question: str
    in_domain: bool
    dense: float
    lexical: float
    gap: float  # fused score of the first minus the second candidate
    second_confident: tuple[float, float]  # (dense, lexical) of the second candidate
    correct_first: bool
    correct_second: bool


@dataclass
class OodReport:
    in_domain_dataset: str
    ood_dataset: str
    calibration: dict[str, Any]
    report_part: dict[str, Any]
    thresholds: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def probe(searcher: KnowledgeSearcher, question: str, in_domain: bool, gold: str | None) -> Probe:
    hits = searcher.search(question, top_k=2)
    first = hits[0] if hits else None
    second = hits[1] if len(hits) > 1 else None
    return Probe(
        question,
        in_domain,
        first.dense if first else 0.0,
        first.lexical if first else 0.0,
        (first.score - second.score) if first and second else 1.0,
        (second.dense, second.lexical) if second else (0.0, 0.0),
        bool(first and first.entry.id == gold),
        bool(second and second.entry.id == gold),
    )


def fit_confidence(probes: Sequence[Probe]) -> tuple[float, float, float]:
    """Logistic regression in-domain vs out-of-domain on (dense, lexical): (bias, w_dense, w_lexical)."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray([[p.dense, p.lexical] for p in probes])
    y = np.asarray([p.in_domain for p in probes], dtype=int)
    model = LogisticRegression(C=100.0, max_iter=1000).fit(x, y)
    return float(model.intercept_[0]), float(model.coef_[0][0]), float(model.coef_[0][1])


def _decide(p: Probe, t: Thresholds) -> str:
    if t.confidence(p.dense, p.lexical) < t.answer:
        return "unsure"
    if p.gap < t.clarify_margin and t.confidence(*p.second_confident) >= t.clarify_min:
        return CLARIFY
    return ANSWER


def summarise(probes: Sequence[Probe], t: Thresholds) -> dict[str, Any]:
    """Shares: OOD wrongly answered, in-domain answered, and of those served the right entry."""
    ood = [p for p in probes if not p.in_domain]
    ind = [p for p in probes if p.in_domain]
    ood_answered = sum(_decide(p, t) in ANSWERED for p in ood)
    decisions = [(p, _decide(p, t)) for p in ind]
    answered = [(p, d) for p, d in decisions if d in ANSWERED]
    right = sum(p.correct_first or (d == CLARIFY and p.correct_second) for p, d in answered)
    return {
        "ood_questions": len(ood),
        "in_domain_questions": len(ind),
        "ood_wrongly_answered": ood_answered / max(1, len(ood)),
        "in_domain_answered": len(answered) / max(1, len(ind)),
        "in_domain_clarified": sum(d == CLARIFY for _, d in decisions) / max(1, len(ind)),
        "in_domain_answered_correct": right / max(1, len(answered)),
        "in_domain_top1": sum(p.correct_first for p in ind) / max(1, len(ind)),
    }


def calibrate(probes: Sequence[Probe], base: Thresholds, target_ood: float, max_clarify: float) -> Thresholds:
    if len({p.in_domain for p in probes}) < 2:
        raise ValueError("the calibration half needs both in-domain and out-of-domain questions; use more data")
    bias, w_dense, w_lexical = fit_confidence(probes)
    t = base.replace(bias=round(bias, 4), w_dense=round(w_dense, 4), w_lexical=round(w_lexical, 4))
    ood = sorted((t.confidence(p.dense, p.lexical) for p in probes if not p.in_domain), reverse=True)
    allowed = int(math.floor(target_ood * len(ood)))
    threshold = ood[allowed] + 1e-6 if allowed < len(ood) else 0.5
    t = t.replace(
        answer=round(min(max(threshold, 1e-4), 0.9999), 6), clarify_min=round(min(max(threshold, 1e-4), 0.9999), 6)
    )
    best = t.replace(clarify_margin=0.0)
    best_right = summarise(probes, best)
    for margin in MARGINS[1:]:
        candidate = t.replace(clarify_margin=margin)
        figures = summarise(probes, candidate)
        gain = figures["in_domain_answered_correct"] * figures["in_domain_answered"]
        if figures["in_domain_clarified"] <= max_clarify and gain > (
            best_right["in_domain_answered_correct"] * best_right["in_domain_answered"]
        ):
            best, best_right = candidate, figures
    return best


def run_ood(
    ood_dataset: Path,
    in_domain_dataset: Path,
    encoder: Any,
    *,
    text_field: str = "text",
    question_field: str = "question",
    answer_field: str = "answer",
    target_ood: float = 0.03,
    max_clarify: float = 0.10,
    base: Thresholds | None = None,
    config: IndexConfig = IndexConfig(),
    limit: int | None = None,
) -> tuple[OodReport, Thresholds]:
    base = base or load_thresholds()
    entries, pairs = load_dataset(in_domain_dataset, question_field, answer_field)
    ood_texts = [str(row.get(text_field) or "").strip() for row in read_jsonl(ood_dataset)]
    ood_texts = [text for text in dict.fromkeys(ood_texts) if text]
    if limit:
        pairs, ood_texts = pairs[:limit], ood_texts[:limit]
    kb = build_index(entries, encoder, config=config)
    searcher = KnowledgeSearcher(kb, encoder, base)
    probes = [probe(searcher, pair.question, True, pair.answer_id) for pair in pairs]
    probes += [probe(searcher, text, False, None) for text in ood_texts]
    calibration = [p for p in probes if in_part(p.question, "calibrate")]
    held_out = [p for p in probes if in_part(p.question, "report")]
    tuned = calibrate(calibration, base, target_ood, max_clarify)
    report = OodReport(
        in_domain_dataset=in_domain_dataset.name,
        ood_dataset=ood_dataset.name,
        calibration=summarise(calibration, tuned),
        report_part=summarise(held_out, tuned),
        thresholds={
            key: getattr(tuned, key)
            for key in ("bias", "w_dense", "w_lexical", "answer", "clarify_margin", "clarify_min")
        },
        notes=[
            f"calibrated on the 'calibrate' hash half (OOD target {target_ood:.0%}); figures in report_part "
            "come from the other half"
        ],
    )
    return report, tuned


def write_thresholds(t: Thresholds, path: Path, comment: str) -> None:
    """Store thresholds as the search configuration yaml."""
    doc = {
        "fusion": {
            "fusion": t.fusion,
            "lexical_weight": t.lexical_weight,
            "rrf_k": t.rrf_k,
            "depth": t.depth,
            "curated_bonus": t.curated_bonus,
        },
        "decision": {
            "bias": t.bias,
            "w_dense": t.w_dense,
            "w_lexical": t.w_lexical,
            "answer": t.answer,
            "clarify_margin": t.clarify_margin,
            "clarify_min": t.clarify_min,
        },
    }
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    path.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
