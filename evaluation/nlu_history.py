"""The deployment variant of the NLU: our examples plus half of a centre's historical messages.

The shipped model learns from our own examples only. A centre that has labelled past messages can
add them to training; this module measures what that would give, honestly: the messages are split
in two halves by a stable hash, the model is trained on our examples plus one half, and it is
scored on the other half only. Nothing here is written into the project's NLU data: the history
file and the model live in a scratch folder under var/.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from evaluation.intents_eval import LabelMap

Row = tuple[str, str | None]
PROJECT_DATA = ("nlu_data", "bot/data")


def in_training_half(text: str, seed: int) -> bool:
    """A stable, seedable half: the same message always lands on the same side."""
    digest = hashlib.sha256(f"{seed}:{text}".encode()).digest()
    return digest[0] % 2 == 0


def split_halves(rows: Sequence[Row], seed: int) -> tuple[list[Row], list[Row]]:
    train = [row for row in rows if in_training_half(row[0], seed)]
    test = [row for row in rows if not in_training_half(row[0], seed)]
    return train, test


def intent_for_label(labels: LabelMap) -> dict[str, str]:
    """Each dataset label's training intent: the first intent the label map sends to it."""
    chosen: dict[str, str] = {}
    for intent, label in labels.labels.items():
        if intent != "nlu_fallback":
            chosen.setdefault(label, intent)
    return chosen


def history_nlu_yaml(rows: Sequence[Row], labels: LabelMap, max_chars: int = 0) -> str:
    """Rasa NLU training data (YAML) for labelled historical messages; one line per example.

    ``max_chars`` keeps only the start of long letters: DIET's cost grows with the length of an
    example, and on 2 CPUs whole letters make an epoch take minutes.
    """
    by_intent: dict[str, list[str]] = {}
    targets = intent_for_label(labels)
    for text, label in rows:
        intent = targets.get(str(label))
        # "[x](y)" is Rasa's entity markup: square brackets become full-width ones
        line = " ".join((text or "").split()).replace("[", "【").replace("]", "】")
        line = line[:max_chars] if max_chars else line
        if intent and line:
            by_intent.setdefault(intent, []).append(line)
    nlu = [
        {"intent": intent, "examples": "".join(f"- {line}\n" for line in dict.fromkeys(lines))}
        for intent, lines in sorted(by_intent.items())
    ]
    return yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False, width=10_000)


def train_nlu_with_history(
    rasa_bin: Path, project_root: Path, history_file: Path, out_dir: Path, name: str = "with_history"
) -> Path:
    """`rasa train` on our data plus ``history_file``; returns the model archive.

    The whole model is trained (not `rasa train nlu`, whose --nlu takes one path only); the dialogue
    part is unchanged and comes from Rasa's cache.
    """
    command = [
        str(rasa_bin),
        "train",
        "--config",
        "bot/config.yml",
        "--domain",
        "bot/domain.yml",
        "--data",
        *PROJECT_DATA,
        str(history_file),
        "--out",
        str(out_dir),
        "--fixed-model-name",
        name,
    ]
    from hotline.processes import child_environment

    env = child_environment(RASA_TELEMETRY_ENABLED="false")
    # Rasa prints its progress on stdout; keep stdout free for `--json`.
    subprocess.run(command, cwd=project_root, check=True, env=env, stdout=sys.stderr)
    return out_dir / f"{name}.tar.gz"
