"""Saving and loading the knowledge index: FAISS file, lexical arrays, entries and meta.json.

Files are written under temporary names and renamed; meta.json is written last and carries the
format version, a generation number (raised by every save) and a SHA-256 of every other file, so
a reader never accepts a half-written or mismatched set — it keeps what it has and tries later.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from knowledge_base.entry import KnowledgeEntry
from knowledge_base.index import IndexConfig, IndexNotBuiltError, KnowledgeIndex
from knowledge_base.jsonl_files import write_jsonl
from knowledge_base.lexical import LexicalIndex

FORMAT_VERSION = 2
INDEX_FILE = "index.faiss"
LEXICAL_FILE = "lexical.npz"
ENTRIES_FILE = "entries.jsonl"
META_FILE = "meta.json"
DATA_FILES = (INDEX_FILE, LEXICAL_FILE, ENTRIES_FILE)


def read_meta(directory: Path) -> dict[str, Any]:
    path = directory / META_FILE
    if not path.exists():
        raise IndexNotBuiltError(f"no knowledge index in {directory}; run `hotline kb build`")
    meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return meta


def save_index(
    kb: KnowledgeIndex, directory: Path, model_name: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write the index to `directory`; returns the meta written."""
    directory.mkdir(parents=True, exist_ok=True)
    kb.compact()
    try:
        generation = int(read_meta(directory).get("generation", 0)) + 1
    except (IndexNotBuiltError, ValueError):
        generation = 1
    suffix = f".tmp{os.getpid()}"
    faiss.write_index(kb.dense_index, str(directory / (INDEX_FILE + suffix)))
    with (directory / (LEXICAL_FILE + suffix)).open("wb") as out:
        arrays: dict[str, Any] = {"row_slots": np.asarray(kb.row_slots, dtype=np.int64), **kb.lexical.arrays()}
        np.savez(out, **arrays)
    write_jsonl(
        ({"slot": slot, **entry.to_dict()} for slot, entry in kb.by_slot.items()), directory / (ENTRIES_FILE + suffix)
    )
    checksums = {}
    for name in DATA_FILES:
        temp = directory / (name + suffix)
        checksums[name] = _sha256(temp)
        temp.replace(directory / name)
    meta = {
        "format_version": FORMAT_VERSION,
        "generation": generation,
        "model": model_name,
        "entries": len(kb.by_slot),
        "vectors": kb.vectors,
        "index_kind": kb.kind,
        "nprobe": kb.nprobe,
        "ivf_recall_at_10": kb.ivf_recall,
        "config": asdict(kb.config),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sha256": checksums,
        **(extra or {}),
    }
    temp_meta = directory / (META_FILE + suffix)
    temp_meta.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    temp_meta.replace(directory / META_FILE)
    return meta


def load_index(directory: Path) -> tuple[KnowledgeIndex, dict[str, Any]]:
    """Load a saved index and its meta; refuses other format versions and checksum mismatches."""
    meta = read_meta(directory)
    if meta.get("format_version") != FORMAT_VERSION:
        raise IndexNotBuiltError(
            f"index in {directory} has format {meta.get('format_version')}, this code reads {FORMAT_VERSION}; "
            "rebuild it with `hotline kb build`"
        )
    checksums = meta.get("sha256", {})
    for name in DATA_FILES:
        path = directory / name
        if not path.exists() or checksums.get(name) != _sha256(path):
            raise IndexNotBuiltError(
                f"{path} does not match its checksum in meta.json; rebuild with `hotline kb build`"
            )
    dense = faiss.read_index(str(directory / INDEX_FILE))
    with np.load(directory / LEXICAL_FILE, allow_pickle=False) as arrays:
        row_slots = arrays["row_slots"].tolist()
        lexical = LexicalIndex.from_arrays({key: arrays[key] for key in arrays.files if key != "row_slots"})
    by_slot: dict[int, KnowledgeEntry] = {}
    with (directory / ENTRIES_FILE).open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                data = json.loads(line)
                slot = int(data.pop("slot"))
                by_slot[slot] = KnowledgeEntry.from_dict(data)
    config = IndexConfig(**meta.get("config", {}))
    kb = KnowledgeIndex(
        dense.d,
        config,
        by_slot=by_slot,
        slots={entry.id: slot for slot, entry in by_slot.items()},
        rows={slot: row for row, slot in enumerate(row_slots)},
        row_slots=row_slots,
        dense=dense,
        lexical=lexical,
        kind=meta.get("index_kind", "flat"),
        nprobe=int(meta.get("nprobe") or 0),
        ivf_recall=meta.get("ivf_recall_at_10"),
    )
    if kb.kind == "ivf":
        faiss.extract_index_ivf(dense).nprobe = kb.nprobe
    return kb, meta


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
