"""Routing evaluation on a labelled JSONL dataset: train on one part, report on the other.

Labels are mapped onto the city's directory with an alias table; rows whose label has no
counterpart are skipped and counted. The split is a fixed hash of the text (salted, so it is not the
dataset's own hash split). The router evaluated is the deployed one: keyword rules + the classifier
trained on our routing examples and the training part (plus the training rows' answers when the
dataset has them: see :data:`EXTRA_TRAIN_FIELDS`). Figures: top-1 / top-3 accuracy, macro-F1,
per-department precision / recall / F1, the share sent to review and the accuracy of the rest, and
a confusion-matrix PNG (index labels + a legend file when no CJK font is installed).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from routing.aliases import AliasTable
from routing.history import HistoryRecord, map_records, read_rows
from routing.router import Router, normalise
from routing.training import AUXILIARY_PREFIX, load_examples, train_classifier

SPLIT_SALT = "routing-eval:"
# Row fields used as extra training texts for the training part only, when every row has them: an
# FAQ's answer is the department's own wording of its duty. The reported part is routed from its
# request text alone, as a live request is.
EXTRA_TRAIN_FIELDS = ("answer",)
REVIEW_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def in_train_part(text: str, train_split: float) -> bool:
    digest = hashlib.sha1((SPLIT_SALT + text).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF < train_split


@dataclass
class RoutingEvalResult:
    dataset: str
    rows: int
    skipped: dict[str, int]
    train_size: int
    test_size: int
    metrics: dict[str, dict[str, float]]  # variant → figures
    per_department: list[dict[str, Any]] = field(default_factory=list)
    confusions: list[dict[str, Any]] = field(default_factory=list)
    review_curve: list[dict[str, float]] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _scores(truth: list[str], ranked: list[list[str]]) -> dict[str, float]:
    from sklearn.metrics import f1_score

    top1 = [r[0] if r else "" for r in ranked]
    labels = sorted(set(truth))
    return {
        "top1": round(float(np.mean([t == p for t, p in zip(truth, top1, strict=True)])), 4),
        "top3": round(float(np.mean([t in r[:3] for t, r in zip(truth, ranked, strict=True)])), 4),
        "macro_f1": round(float(f1_score(truth, top1, labels=labels, average="macro", zero_division=0)), 4),
    }


def run_routing_eval(
    dataset: Path,
    text_field: str,
    label_field: str,
    city_dir: Path,
    embed: Callable[[Sequence[str]], np.ndarray],
    aliases: Path | None = None,
    train_split: float = 0.5,
    use_examples: bool = True,
    out_dir: Path | None = None,
    extra_fields: Sequence[str] = EXTRA_TRAIN_FIELDS,
) -> RoutingEvalResult:
    rules_router = Router.from_city_dir(city_dir, model_path=None)
    table = AliasTable.load(rules_router.directory, aliases)
    rows = list(read_rows(dataset))
    records, report = map_records(rows, text_field, label_field, table, Path(dataset).stem)
    train = [r for r in records if in_train_part(r.text, train_split)]
    test = [r for r in records if not in_train_part(r.text, train_split)]
    training: list[HistoryRecord] = (load_examples(city_dir, rules_router.directory) if use_examples else []) + train
    training += extra_training_records(rows, train, label_field, table, extra_fields)
    classifier = train_classifier(training, embed, rules_router)
    router = rules_router.with_classifier(classifier, embed)
    texts = [normalise(r.text) for r in test]  # what the router embeds
    embed(texts)  # one batch (the embedder caches)

    truth = [r.department for r in test]
    decisions = [router.route(r.text) for r in test]
    ranked_router = [[c[0] for c in d.candidates] or [d.department] for d in decisions]
    ranked_router = [
        [d.department] + [x for x in r if x != d.department] for d, r in zip(decisions, ranked_router, strict=True)
    ]
    probabilities = classifier.probability_matrix(texts, embed(texts))
    order = np.argsort(-probabilities, axis=1)[:, :3]
    ranked_classifier = [[classifier.classes[i] for i in row] for row in order]
    ranked_rules = [[c[0] for c in rules_router.route(r.text).candidates] for r in test]

    metrics = {
        "router": _scores(truth, ranked_router),
        "classifier_only": _scores(truth, ranked_classifier),
        "rules_only": _scores(truth, ranked_rules),
    }
    auto = [d for d in decisions if not d.needs_review]
    auto_truth = [t for t, d in zip(truth, decisions, strict=True) if not d.needs_review]
    metrics["router"]["review_share"] = round(1 - len(auto) / max(len(decisions), 1), 4)
    metrics["router"]["auto_accuracy"] = round(
        float(np.mean([d.department == t for d, t in zip(auto, auto_truth, strict=True)])) if auto else 0.0, 4
    )
    metrics["router"]["rule_weight"] = router.effective_rule_weight
    predicted = [r[0] for r in ranked_router]
    result = RoutingEvalResult(
        dataset=str(dataset),
        rows=report.read,
        skipped={"empty": report.empty, **{f"unmapped:{k}": v for k, v in report.unmapped.items()}},
        train_size=len(train),
        test_size=len(test),
        metrics=metrics,
        per_department=_per_department(truth, predicted),
        confusions=[
            {"truth": t, "predicted": p, "count": n}
            for (t, p), n in Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p).most_common(10)
        ],
        review_curve=review_curve(truth, decisions, router.classifier_review_threshold),
    )
    if out_dir is not None:
        result.files = _write_outputs(Path(out_dir), Path(dataset).stem, truth, predicted, result)
    return result


def extra_training_records(
    rows: list[dict[str, Any]],
    train: list[HistoryRecord],
    label_field: str,
    table: AliasTable,
    fields: Sequence[str],
) -> list[HistoryRecord]:
    """Other text fields of the training part's rows (e.g. the answer) as auxiliary records."""
    numbers = {_row_number(r.id) for r in train}
    extra: list[HistoryRecord] = []
    for name in fields:
        if not rows or not all(name in row for row in rows):
            continue
        mapped, _ = map_records(rows, name, label_field, table, name)
        extra += [
            HistoryRecord(AUXILIARY_PREFIX + r.id, r.text, r.department, r.source_label)
            for r in mapped
            if _row_number(r.id) in numbers
        ]
    return extra


def _row_number(record_id: str) -> str:
    """The dataset row number ending a mapped record's id (``history:<source>:<number>``)."""
    return record_id.rsplit(":", 1)[-1]


def review_curve(
    truth: list[str],
    decisions: list[Any],
    current_threshold: float,
    thresholds: Sequence[float] = REVIEW_THRESHOLDS,
) -> list[dict[str, float]]:
    """For each candidate review threshold: share sent to an agent and accuracy of the rest.

    A decision goes to review when its calibrated score is below the threshold or it is a fallback
    (nothing recognised, or a local matter without a district), as in the router.
    """
    rows = []
    for threshold in thresholds:
        auto = [
            d.department == t
            for t, d in zip(truth, decisions, strict=True)
            if d.score >= threshold and not _forced_review(d, current_threshold)
        ]
        rows.append(
            {
                "threshold": threshold,
                "review_share": round(1 - len(auto) / max(len(decisions), 1), 4),
                "auto_accuracy": round(float(np.mean(auto)) if auto else 0.0, 4),
            }
        )
    return rows


def _forced_review(decision: Any, current_threshold: float) -> bool:
    """Sent to review whatever the threshold: a fallback, or flagged although its score passed."""
    return decision.reason.startswith("fallback") or (decision.needs_review and decision.score >= current_threshold)


def _per_department(truth: list[str], predicted: list[str]) -> list[dict[str, Any]]:
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    rows = [
        {
            "department": label,
            "precision": round(float(p), 3),
            "recall": round(float(r), 3),
            "f1": round(float(f), 3),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    ]
    return sorted(rows, key=lambda row: -row["support"])


def cjk_font() -> str | None:
    """A font file matplotlib can use for Chinese labels, if the machine has one."""
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if any(
            key in font.name
            for key in (
                "Noto Sans CJK",
                "Noto Serif CJK",
                "WenQuanYi",
                "SimHei",
                "Source Han",
                "Droid Sans Fallback",
                "AR PL",
            )
        ):
            return font.fname
    return None


def _write_outputs(
    out_dir: Path, stem: str, truth: list[str], predicted: list[str], result: RoutingEvalResult
) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    from sklearn.metrics import confusion_matrix

    out_dir.mkdir(parents=True, exist_ok=True)
    labels = sorted(set(truth) | set(predicted))
    matrix = confusion_matrix(truth, predicted, labels=labels)
    font = cjk_font()
    names = labels if font else [str(i) for i in range(len(labels))]
    if font:
        font_manager.fontManager.addfont(font)
        plt.rcParams["font.family"] = font_manager.FontProperties(fname=font).get_name()
    size = max(6.0, 0.35 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(labels)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), names, fontsize=7)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                ax.text(
                    j,
                    i,
                    str(matrix[i, j]),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black",
                )
    ax.set_xlabel("predicted")
    ax.set_ylabel("truth")
    top1 = result.metrics["router"]["top1"]
    ax.set_title(f"routing confusion: {stem} (test n={len(truth)}, top-1 {top1:.3f})")
    fig.tight_layout()
    png = out_dir / f"routing_confusion_{stem}.png"
    fig.savefig(png, dpi=130)
    plt.close(fig)
    files = {"confusion_png": str(png)}
    if not font:
        legend = out_dir / f"routing_confusion_{stem}_legend.txt"
        legend.write_text(
            "# index → department (no CJK font installed, so the plot uses indexes)\n"
            + "".join(f"{i}\t{label}\n" for i, label in enumerate(labels)),
            encoding="utf-8",
        )
        files["legend"] = str(legend)
    report = out_dir / f"routing_eval_{stem}.json"
    report.write_text(json.dumps({**result.as_dict(), "files": files}, ensure_ascii=False, indent=2), encoding="utf-8")
    files["json"] = str(report)
    return files
