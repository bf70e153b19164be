"""Plots for the evaluation report (PNG, matplotlib without a display)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path


def recall_at_k_plot(curves: Mapping[str, Sequence[float]], path: Path, title: str = "recall@k") -> Path:
    """One line per label: recall@k for k = 1 … len(curve). Returns the written path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4), dpi=120)
    for label, curve in curves.items():
        axes.plot(range(1, len(curve) + 1), curve, marker="o", markersize=3, label=label)
    axes.set_xlabel("k")
    axes.set_ylabel("recall@k")
    axes.set_ylim(0, 1.0)
    axes.set_xticks(range(1, 21, 1) if max((len(c) for c in curves.values()), default=0) <= 20 else None)
    axes.grid(alpha=0.3)
    axes.set_title(title)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
