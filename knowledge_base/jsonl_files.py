"""JSON Lines files of knowledge entries: the project's one writer, and the reader that goes with it.

One JSON object a line, UTF-8, not ASCII-escaped (so 文号 and titles stay readable in diffs).
Used for the city's policies.jsonl, `hotline kb import --to-file`, `hotline kb export` and the
index's entries file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from knowledge_base.entry import KnowledgeEntry


def write_jsonl(records: Iterable[KnowledgeEntry | Mapping[str, Any]], path: Path) -> int:
    """Write entries (as `to_dict()`) or plain objects, one a line; returns the number written.

    Creates the parent folder; overwrites `path`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            data = record.to_dict() if isinstance(record, KnowledgeEntry) else record
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_jsonl(path: Path) -> list[KnowledgeEntry]:
    """The entries of a file `write_jsonl` wrote; blank lines are skipped."""
    with path.open(encoding="utf-8") as lines:
        return [KnowledgeEntry.from_dict(json.loads(line)) for line in lines if line.strip()]
