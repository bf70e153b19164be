"""Reading the hand-written NLU examples (nlu_data/*.yml), shared by the NLU data tests."""
from __future__ import annotations

import re

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
