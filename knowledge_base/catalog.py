"""The knowledge a city ships: its guides, services, FAQ and imported policy documents.

`load_city_knowledge` is what `hotline kb sync` puts into the knowledge store (source "city").
"""

from __future__ import annotations

from pathlib import Path

from knowledge_base.entry import KnowledgeEntry, require_unique_ids
from knowledge_base.jsonl_files import read_jsonl

GUIDES_FILE = "guides.yaml"  # the "高效办成一件事" items
SERVICES_FILE = "services.yaml"  # other frequent services, same schema
FAQ_FILE = "faq.yaml"
POLICIES_FILE = "policies.jsonl"


def load_city_knowledge(knowledge_dir: Path) -> list[KnowledgeEntry]:
    """All shipped entries of a city; ids must be unique across the files."""
    from knowledge_base.faq import faq_entries
    from knowledge_base.guides import guide_entries

    entries: list[KnowledgeEntry] = []
    if (knowledge_dir / GUIDES_FILE).exists():
        entries += guide_entries(knowledge_dir / GUIDES_FILE)
    if (knowledge_dir / SERVICES_FILE).exists():
        entries += guide_entries(knowledge_dir / SERVICES_FILE, default_category="办事指南")
    if (knowledge_dir / FAQ_FILE).exists():
        entries += faq_entries(knowledge_dir / FAQ_FILE)
    if (knowledge_dir / POLICIES_FILE).exists():
        entries += read_jsonl(knowledge_dir / POLICIES_FILE)
    return require_unique_ids(entries, "knowledge entry")
