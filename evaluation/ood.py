"""Right or silent: the knowledge base answers when its best entry is right, and stays silent otherwise.

The knowledge base is built from the in-domain dataset's answers. The in-domain questions and the
project's own out-of-scope examples (nlu_data/nlu_out_of_scope.yml: everyday requests we wrote) are
split by a fixed hash into a calibration half and a report half. On the calibration half two logistic
regressions over the best candidate's signals are fitted: "right" (dense cosine, lexical coverage and
its lead over the next candidate) separates the in-domain questions whose first entry is right from
those whose first entry is wrong (calibrated on the misses); "in scope" (cosine, coverage) separates
in-domain questions from our out-of-scope examples. Confidence is their product. The answer threshold
is the lowest at which the answered calibration questions are right at least `min_precision` of the
time and at most `target_ood` of our out-of-scope examples are answered; the clarify margin is chosen
on the in-domain calibration questions. Figures are then measured on the report half, and the public
out-of-domain file (smp2017) is only ever a check.
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
from knowledge_base.search import ANSWER, CLARIFY, EXPIRED, Hit, KnowledgeSearcher, Thresholds, load_thresholds

ANSWERED = (ANSWER, CLARIFY, EXPIRED)
# Share of in-domain questions among those the knowledge base is asked (after the NLU's scope gate).
IN_DOMAIN_PRIOR = 0.95
DECISION_KEYS = (
    "bias",
    "w_dense",
    "w_lexical",
    "w_gap",
    "scope_bias",
    "scope_w_dense",
    "scope_w_lexical",
    "answer",
    "clarify_margin",
    "clarify_min",
)
MARGINS = (0.0, 0.002, 0.005, 0.01, 0.02)


Signals = tuple[float, float, float]  # a candidate's (dense, lexical, lead over the next candidate)


@dataclass
class Probe:
    """The searched question: its hits' signals and whether the right entry came first."""

    question: str
    in_domain: bool
    first: Signals
    second: Signals
    gap: float  # fused score of the first minus the second candidate
    pair: Signals  # the first's, with its lead over the third candidate
    correct_first: bool
    correct_second: bool
    distinct: bool = True  # the two candidates have different titles (the searcher asks only then)

    @property
    def right(self) -> bool:
        """Answering with the first entry would be right."""
        return self.in_domain and self.correct_first


@dataclass
class OodReport:
    in_domain_dataset: str
    ood_dataset: str
    calibration: dict[str, Any]
    report_part: dict[str, Any]
    thresholds: dict[str, Any]
    check: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def probe(searcher: KnowledgeSearcher, question: str, in_domain: bool, gold: str | None) -> Probe:
    hits = searcher.search(question, top_k=3)
    padded: list[Hit | None] = [*hits, None, None, None]

    def signals(rank: int, step: int = 1) -> Signals:
        hit, after = padded[rank], padded[rank + step]
        if hit is None:
            return (0.0, 0.0, 0.0)
        return (hit.dense, hit.lexical, hit.score - after.score if after else 1.0)

    first, second = padded[0], padded[1]
    return Probe(
        question,
        in_domain,
        signals(0),
        signals(1),
        (first.score - second.score) if first and second else 1.0,
        signals(0, step=2),
        bool(first and first.entry.id == gold),
        bool(second and second.entry.id == gold),
        bool(first and second and first.entry.title != second.entry.title),
    )


def fit_confidence(probes: Sequence[Probe]) -> tuple[float, float, float, float]:
    """Logistic regression right vs wrong first entry on (dense, lexical, gap) of the in-domain probes:
    (bias, w_dense, w_lexical, w_gap).

    Fitted on the misses, not on out-of-scope text: with our out-of-scope examples among the negatives
    the fit mostly learned "low cosine = chit-chat" and answered 0.61 of the in-domain report half at
    0.87 precision; fitted on in-domain right vs wrong, the lead over the next entry carries the weight
    and the same precision target answers more (evaluation/reports/ood_*.json). The out-of-scope
    examples still bound the threshold (`_threshold`).
    """
    in_domain = [p for p in probes if p.in_domain]
    if len({p.right for p in in_domain}) < 2:  # no misses (a tiny set): out-of-scope text as the wrong answers
        in_domain = list(probes)
    bias, w_dense, w_lexical, w_gap = _logistic([p.first for p in in_domain], [p.right for p in in_domain])
    return bias, w_dense, w_lexical, w_gap


def fit_scope(probes: Sequence[Probe], in_domain_prior: float = IN_DOMAIN_PRIOR) -> tuple[float, float, float]:
    """Logistic regression in-domain question vs our out-of-scope example on the first entry's (dense,
    lexical): (scope_bias, scope_w_dense, scope_w_lexical).

    The in-domain fit above never sees chit-chat, so it cannot tell "far from every entry" from "close
    to two entries"; this model can. Its intercept is moved from the calibration set's mix (about half
    out-of-scope) to `in_domain_prior`, the share of in-domain questions among those that reach the
    search: the NLU's scope gate has already turned most chit-chat away (a prior-shift correction).
    """
    labels = [p.in_domain for p in probes]
    bias, w_dense, w_lexical = _logistic([p.first[:2] for p in probes], labels)
    share = min(max(sum(labels) / len(labels), 1e-3), 1 - 1e-3)
    return bias + _logit(in_domain_prior) - _logit(share), w_dense, w_lexical


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _logistic(x: Sequence[Sequence[float]], y: Sequence[bool]) -> tuple[float, ...]:
    """(intercept, *coefficients) of a weakly regularised logistic regression."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=100.0, max_iter=5000).fit(np.asarray(x), np.asarray(y, dtype=int))
    return float(model.intercept_[0]), *(float(w) for w in model.coef_[0])


def _decide(p: Probe, t: Thresholds) -> str:
    """KnowledgeSearcher.judge on the probe's signals (expiry aside)."""
    if t.confidence(*p.first) < t.answer:
        return CLARIFY if p.distinct and t.confidence(*p.pair) >= t.answer else "unsure"
    if p.gap < t.clarify_margin and p.distinct and t.confidence(*p.second) >= t.clarify_min:
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


def _threshold(probes: Sequence[Probe], t: Thresholds, target_ood: float, min_precision: float) -> float:
    """The lowest answer threshold meeting both targets on `probes` (the highest confidence seen, else)."""
    scored = sorted(((t.confidence(*p.first), p) for p in probes), key=lambda item: -item[0])
    ood_total = max(1, sum(not p.in_domain for p in probes))
    best, right, answered_in, answered_ood = scored[0][0] + 1e-6, 0, 0, 0
    for confidence, p in scored:
        right += p.right
        answered_in += p.in_domain
        answered_ood += not p.in_domain
        if answered_ood / ood_total > target_ood:
            break
        if answered_in and right / answered_in >= min_precision:
            best = confidence
    return min(max(best, 1e-4), 0.9999)


def calibrate(
    probes: Sequence[Probe], base: Thresholds, target_ood: float, max_clarify: float, min_precision: float = 0.9
) -> Thresholds:
    if len({p.in_domain for p in probes}) < 2:
        raise ValueError("the calibration half needs both in-domain and out-of-domain questions; use more data")
    bias, w_dense, w_lexical, w_gap = fit_confidence(probes)
    scope_bias, scope_w_dense, scope_w_lexical = fit_scope(probes)
    t = base.replace(
        bias=round(bias, 4),
        w_dense=round(w_dense, 4),
        w_lexical=round(w_lexical, 4),
        w_gap=round(w_gap, 4),
        scope_bias=round(scope_bias, 4),
        scope_w_dense=round(scope_w_dense, 4),
        scope_w_lexical=round(scope_w_lexical, 4),
    )
    threshold = round(_threshold(probes, t, target_ood, min_precision), 6)
    t = t.replace(answer=threshold, clarify_min=threshold)
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


def own_out_of_scope(path: Path) -> list[str]:
    """The project's own out-of-scope examples (an nlu_data file with an out_of_scope intent)."""
    from nlu_data.examples import block_examples, plain_text

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        plain_text(example)
        for item in data.get("nlu") or []
        if item.get("intent") == "out_of_scope"
        for example in block_examples(item["examples"])
    ]


def run_ood(
    ood_dataset: Path,
    in_domain_dataset: Path,
    encoder: Any,
    *,
    own_ood: Sequence[str],
    text_field: str = "text",
    question_field: str = "question",
    answer_field: str = "answer",
    target_ood: float = 0.05,
    min_precision: float = 0.9,
    max_clarify: float = 0.10,
    base: Thresholds | None = None,
    config: IndexConfig = IndexConfig(),
    limit: int | None = None,
) -> tuple[OodReport, Thresholds]:
    """Calibrate on the in-domain calibration half and our own out-of-scope examples; report on the
    other halves; `ood_dataset` (smp2017) is searched only to check the result."""
    base = base or load_thresholds()
    entries, pairs = load_dataset(in_domain_dataset, question_field, answer_field)
    checks = [str(row.get(text_field) or "").strip() for row in read_jsonl(ood_dataset)]
    checks = [text for text in dict.fromkeys(checks) if text]
    ours = [text for text in dict.fromkeys(own_ood) if text]
    if limit:
        pairs, checks, ours = pairs[:limit], checks[:limit], ours[:limit]
    kb = build_index(entries, encoder, config=config)
    searcher = KnowledgeSearcher(kb, encoder, base)
    probes = [probe(searcher, pair.question, True, pair.answer_id) for pair in pairs]
    probes += [probe(searcher, text, False, None) for text in ours]
    check_probes = [probe(searcher, text, False, None) for text in checks]
    calibration = [p for p in probes if in_part(p.question, "calibrate")]
    held_out = [p for p in probes if in_part(p.question, "report")]
    tuned = calibrate(calibration, base, target_ood, max_clarify, min_precision)
    report = OodReport(
        in_domain_dataset=in_domain_dataset.name,
        ood_dataset=ood_dataset.name,
        calibration=summarise(calibration, tuned),
        report_part=summarise(held_out, tuned),
        thresholds={key: getattr(tuned, key) for key in DECISION_KEYS},
        check={f"{ood_dataset.stem}_wrongly_answered": summarise(check_probes, tuned)["ood_wrongly_answered"]},
        notes=[
            f"calibrated on the 'calibrate' hash half of {in_domain_dataset.name} and of our own out-of-scope "
            f"examples (precision >= {min_precision:.0%}, own OOD answered <= {target_ood:.0%}); report_part is "
            f"the other half; {ood_dataset.name} was never used to calibrate (check only)"
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
        "decision": {key: getattr(t, key) for key in DECISION_KEYS},
    }
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    path.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
