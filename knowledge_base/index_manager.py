"""Keeping a running process's index current: hot reload and incremental updates.

`ReloadingSearcher` is what a long-running action server holds: it looks at meta.json at most
every `interval` seconds and, when a newer generation was saved (by `hotline kb build`, from any
machine sharing the index directory), loads it in a background thread and swaps it in. Requests
keep being served from the old index meanwhile; an index that fails its checksum is ignored.

`apply_changes` puts changed entries (new, edited, retired) into an index without a rebuild.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from knowledge_base.encoder import Encoder
from knowledge_base.entry import KnowledgeEntry
from knowledge_base.index import IndexNotBuiltError, KnowledgeIndex
from knowledge_base.index_files import META_FILE, load_index
from knowledge_base.search import Decision, Hit, KnowledgeSearcher, Thresholds

logger = logging.getLogger(__name__)


def apply_changes(kb: KnowledgeIndex, entries: Iterable[KnowledgeEntry], encoder: Encoder) -> Counter[str]:
    """Upsert each entry (unpublished ones are removed); counts of added/updated/retired/unchanged."""
    return Counter(kb.upsert(entry, encoder) for entry in entries)


class ReloadingSearcher:
    """A KnowledgeSearcher that picks up a newly saved index without a restart."""

    def __init__(
        self,
        index_dir: Path,
        model_dir: Path,
        thresholds: Thresholds | None = None,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        background: bool = True,
        engine: str | None = None,
        max_seq_length: int | None = None,
    ) -> None:
        """``engine`` and ``max_seq_length``: how the encoder runs the model (knowledge_base.encoder.Encoder)."""
        self.index_dir = Path(index_dir)
        self.interval = interval
        self.background = background
        self._clock = clock
        self._stamp = self._meta_stamp()
        kb, meta = load_index(self.index_dir)
        self.generation = meta.get("generation")
        self._searcher = KnowledgeSearcher(kb, Encoder(model_dir, engine, max_seq_length), thresholds)
        self._checked = clock()
        self._lock = threading.Lock()
        self._loading = False

    def _meta_stamp(self) -> tuple[int, int] | None:
        try:
            stat = (self.index_dir / META_FILE).stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    @property
    def searcher(self) -> KnowledgeSearcher:
        """The current searcher, after starting a reload if meta.json changed."""
        now = self._clock()
        if now - self._checked >= self.interval:
            self._checked = now
            stamp = self._meta_stamp()
            if stamp is not None and stamp != self._stamp and not self._loading:
                self._loading = True
                if self.background:
                    threading.Thread(target=self._reload, args=(stamp,), daemon=True).start()
                else:
                    self._reload(stamp)
        return self._searcher

    def _reload(self, stamp: tuple[int, int]) -> None:
        try:
            kb, meta = load_index(self.index_dir)
        except (IndexNotBuiltError, OSError, ValueError) as error:
            logger.warning("knowledge index not reloaded (keeping generation %s): %s", self.generation, error)
        else:
            with self._lock:
                old = self._searcher
                self._searcher = KnowledgeSearcher(kb, old.encoder, old.thresholds)
                self.generation = meta.get("generation")
            logger.info("knowledge index generation %s loaded (%s entries)", self.generation, meta.get("entries"))
        finally:
            self._stamp = stamp
            self._loading = False

    # The KnowledgeSearcher interface actions use.
    def search(self, question: str, top_k: int = 5, on: date | None = None, region: str | None = None) -> list[Hit]:
        return self.searcher.search(question, top_k, on, region)

    def decide(self, question: str, on: date | None = None, top_k: int = 5, region: str | None = None) -> Decision:
        return self.searcher.decide(question, on, top_k, region)

    def judge(self, hits: list[Hit]) -> Decision:
        return self.searcher.judge(hits)

    def entry(self, entry_id: str) -> KnowledgeEntry | None:
        return self.searcher.entry(entry_id)


def entries_for_index(store: Any | None, knowledge_dir: Path) -> tuple[list[KnowledgeEntry], str]:
    """Published entries of the knowledge store when it has any, else the city's shipped files.

    Returns (entries, origin) with origin "store" or "city files". Expired entries are kept:
    search reports them as expired instead of serving them.
    """
    if store is not None:
        entries = store.published_entries()
        if entries:
            return entries, "store"
    from knowledge_base.catalog import load_city_knowledge

    return [entry for entry in load_city_knowledge(knowledge_dir) if entry.is_published], "city files"


def latest_update(entries: Iterable[KnowledgeEntry]) -> str:
    """The newest `updated_at` among entries ("" when none has one)."""
    return max((entry.updated_at for entry in entries if entry.updated_at), default="")
