"""FAQ entries written by the hotline centre: load faq.yaml and validate every record.

A bad record fails the whole load with a ValueError naming the entry id, so a typo in
the YAML is caught when the knowledge base is built, not when a caller asks.

Optional fields: `voice` (a hand-written spoken answer; without it the answer's first sentence is
used), `plain` (a 白话 rewording) and `category`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.entry import KnowledgeEntry, Source, require_unique_ids
from knowledge_base.guides import VOICE_MAX_CHARS, spoken_form

_REQUIRED_TEXT = ("id", "title", "answer")
_SOURCE_FIELDS = ("title", "doc_number", "issuer", "date", "section")


def _entry_id(record: Any, index: int) -> str:
    if isinstance(record, dict) and isinstance(record.get("id"), str) and record["id"].strip():
        entry_id: str = record["id"].strip()
        return entry_id
    return f"<entry #{index + 1} without id>"


def _text(record: dict[str, Any], key: str, entry_id: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"faq entry {entry_id}: '{key}' must be a non-empty string")
    return value.strip()


def _optional_text(record: dict[str, Any], key: str, entry_id: str) -> str:
    value = record.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"faq entry {entry_id}: '{key}' must be a string")
    return value.strip()


def _string_list(record: dict[str, Any], key: str, entry_id: str, required: bool) -> tuple[str, ...]:
    value = record.get(key, [])
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
        raise ValueError(f"faq entry {entry_id}: '{key}' must be a list of non-empty strings")
    if required and not value:
        raise ValueError(f"faq entry {entry_id}: '{key}' must not be empty")
    return tuple(v.strip() for v in value)


def _iso_date(value: str, key: str, entry_id: str) -> str:
    """Accept "" (unknown / open-ended) or an ISO date; YAML may hand us a date object."""
    if not value:
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"faq entry {entry_id}: '{key}' is not an ISO date: {value!r}") from None


def _date_field(record: dict[str, Any], key: str, entry_id: str) -> str:
    value = record.get(key, "")
    if isinstance(value, date):  # unquoted 2024-09-16 in YAML becomes a date
        return value.isoformat()
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"faq entry {entry_id}: '{key}' must be an ISO date string")
    return _iso_date(value.strip(), key, entry_id)


def _source(record: dict[str, Any], entry_id: str) -> Source:
    data = record.get("source")
    if not isinstance(data, dict):
        raise ValueError(f"faq entry {entry_id}: 'source' must be a mapping with a title")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"faq entry {entry_id}: 'source.title' is required")
    values = {key: str(data.get(key) or "").strip() for key in _SOURCE_FIELDS}
    values["date"] = _iso_date(values["date"], "source.date", entry_id)
    return Source(**values)


def faq_from_dict(record: Any, index: int = 0) -> KnowledgeEntry:
    """Validate one YAML record and build its entry; raises ValueError naming the id."""
    entry_id = _entry_id(record, index)
    if not isinstance(record, dict):
        raise ValueError(f"faq entry {entry_id}: expected a mapping")
    text = {key: _text(record, key, entry_id) for key in _REQUIRED_TEXT}
    valid_from = _date_field(record, "valid_from", entry_id)
    valid_to = _date_field(record, "valid_to", entry_id)
    if valid_from and valid_to and valid_from > valid_to:
        raise ValueError(f"faq entry {entry_id}: valid_from {valid_from} is after valid_to {valid_to}")
    voice = _optional_text(record, "voice", entry_id)
    if "\n" in voice or len(voice) > VOICE_MAX_CHARS:
        raise ValueError(f"faq entry {entry_id}: 'voice' must be one line of at most {VOICE_MAX_CHARS} characters")
    return KnowledgeEntry(
        id=text["id"],
        title=text["title"],
        answer=text["answer"],
        source=_source(record, entry_id),
        questions=_string_list(record, "questions", entry_id, required=True),
        department=_optional_text(record, "department", entry_id),
        region=_optional_text(record, "region", entry_id),
        valid_from=valid_from,
        valid_to=valid_to,
        kind="faq",
        keywords=_string_list(record, "keywords", entry_id, required=False),
        plain_answer=_optional_text(record, "plain", entry_id),
        voice_answer=voice or spoken_form(text["answer"]),
        category=_optional_text(record, "category", entry_id),
    )


def _records(data: Any, path: Path) -> list[Any]:
    # faq.yaml is a mapping with a `faq` list (plus anchor-only `sources`); a bare list works too.
    records = data.get("faq") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise ValueError(f"{path}: expected a list of faq entries under 'faq'")
    return records


def faq_entries(path: str | Path) -> list[KnowledgeEntry]:
    """Load and validate faq.yaml; ids must be unique."""
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = (faq_from_dict(record, index) for index, record in enumerate(_records(data, path)))
    return require_unique_ids(entries, "faq entry")
