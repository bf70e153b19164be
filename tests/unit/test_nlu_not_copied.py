"""The hand-written NLU examples must be our own words, not sentences taken from the public
evaluation datasets in ../shared/datasets (see that folder's README: "Do not copy its sentences
into the project's own training data").

Two checks for every example of every nlu_data/*.yml file and every caller turn of the
conversations in evaluation/dialogues/*.yaml and evaluation/dialogues_heldout/*.yaml:
- it is not equal to any dataset sentence (fields text, question, answer), compared after removing
  whitespace and punctuation (examples of five or more characters; shorter ones are bare words);
- it shares no run of 20 or more consecutive characters with a dataset sentence (same
  normalisation).

To keep memory small the 20-character windows of *our* examples go into the set (tens of
thousands) and the dataset windows are streamed past it, instead of holding the millions of
dataset windows in memory; the result is the same.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from nlu_data.examples import block_examples, plain_text

REPO_ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = REPO_ROOT / "nlu_data"
DIALOGUES_DIRS = (REPO_ROOT / "evaluation" / "dialogues", REPO_ROOT / "evaluation" / "dialogues_heldout")
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
SENTENCE_FIELDS = ("text", "question", "answer")
WINDOW = 20
# Bare one- to four-character replies ("可以", "需要", "机票") are everyday words that also occur as
# whole dataset answers; equality with them is not copying, so the equality check starts here.
MIN_EQUAL_CHARS = 5

pytestmark = pytest.mark.needs_shared


def _normalise(text: str) -> str:
    """Drop whitespace, punctuation and symbols (the datasets mask names with *)."""
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in ("P", "S"))


def _dialogue_turns() -> list[tuple[str, int, str]]:
    """(file name, 0, caller text) for every turn of the evaluation conversations."""
    found = []
    for path in sorted(path for folder in DIALOGUES_DIRS for path in folder.glob("*.yaml")):
        for conversation in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("conversations") or []:
            found.extend((f"{path.parent.name}/{path.name}", 0, str(turn["user"])) for turn in conversation["turns"])
    return found


def _examples() -> list[tuple[str, int, str]]:
    """(file name, line number, plain example) for every example of nlu_data/*.yml, then the dialogue turns."""
    found = _dialogue_turns()
    for path in sorted(NLU_DIR.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        line_numbers: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            line_numbers.setdefault(line.strip(), number)
        for item in (yaml.safe_load(text) or {}).get("nlu") or []:
            block = item.get("examples")
            if isinstance(block, str):
                found.extend(
                    (path.name, line_numbers.get(f"- {example}", 0), plain_text(example))
                    for example in block_examples(block)
                )
    return found


def _dataset_sentences() -> Iterator[str]:
    for path in sorted(DATASETS.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                row = json.loads(line)
                for field in SENTENCE_FIELDS:
                    value = row.get(field)
                    if isinstance(value, str) and value.strip():
                        yield value


@pytest.fixture(scope="module")
def datasets() -> Path:
    if not DATASETS.is_dir() or not any(DATASETS.glob("*.jsonl")):
        pytest.skip(f"public datasets not found at {DATASETS} (needs the shared folder next to the repo)")
    return DATASETS


def test_examples_are_found() -> None:
    examples = _examples()
    assert len(examples) > 1000
    assert all(text for _, _, text in examples)


def test_both_dialogue_sets_are_checked() -> None:
    folders = {name.split("/")[0] for name, _, _ in _dialogue_turns()}
    assert folders == {folder.name for folder in DIALOGUES_DIRS}


def test_no_example_equals_a_dataset_sentence(datasets: Path) -> None:
    ours: dict[str, list[tuple[str, int, str]]] = {}
    for name, line_no, text in _examples():
        key = _normalise(text)
        if len(key) >= MIN_EQUAL_CHARS:
            ours.setdefault(key, []).append((name, line_no, text))
    copied = []
    for sentence in _dataset_sentences():
        for name, line_no, text in ours.get(_normalise(sentence), []):
            copied.append(f"{name}:{line_no}: {text!r} equals dataset text {sentence!r}")
    assert not copied, "examples equal to dataset sentences:\n" + "\n".join(sorted(set(copied)))


def test_no_example_shares_20_characters_with_a_dataset_sentence(datasets: Path) -> None:
    windows: dict[str, list[tuple[str, int, str]]] = {}
    for name, line_no, text in _examples():
        plain = _normalise(text)
        for start in range(len(plain) - WINDOW + 1):
            windows.setdefault(plain[start : start + WINDOW], []).append((name, line_no, text))
    copied: dict[tuple[str, int, str], str] = {}
    for sentence in _dataset_sentences():
        plain = _normalise(sentence)
        for start in range(len(plain) - WINDOW + 1):
            for owner in windows.get(plain[start : start + WINDOW], ()):
                copied.setdefault(owner, plain[start : start + WINDOW])
    assert not copied, f"examples sharing {WINDOW}+ characters with a dataset sentence:\n" + "\n".join(
        f"{name}:{line_no}: {text!r} (shared run {run!r})" for (name, line_no, text), run in sorted(copied.items())
    )
