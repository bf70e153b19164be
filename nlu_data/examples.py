"""Reading the hand-written NLU examples (nlu_data/*.yml): the NLU data tests and the evaluations."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

# Same shapes as Rasa's entity annotation syntax: [text](entity), [text](entity:value)
# and [text]{"entity": ..., "value": ...}.
ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(?:\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)|(?P<json>\{[^}]+?\}))"
)


def block_examples(block: str) -> list[str]:
    """The examples of one `examples: |` block, markup kept."""
    lines = [line.strip() for line in block.splitlines()]
    return [line[2:].strip() for line in lines if line.startswith("- ")]


def plain_text(example: str) -> str:
    """The example as a caller says it: entity annotations replaced by their text."""
    return ANNOTATION.sub(lambda m: m.group("text"), example)


def intent_examples(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(plain text, intent) of every example in the given Rasa NLU YAML files."""
    pairs: list[tuple[str, str]] = []
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in document.get("nlu") or []:
            if "intent" in item:
                pairs.extend((plain_text(example), item["intent"]) for example in block_examples(item["examples"]))
    return pairs
