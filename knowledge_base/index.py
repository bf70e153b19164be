"""The knowledge index: dense FAISS vectors plus a lexical BM25 index over the same entries.

Each published entry gets a stable *slot* (a 40-bit hash of its id) and several vectors: its
question variants and title (query-side embeddings) and its passage, split into chunks when long.
Vector ids are ``slot << 8 | n``, so one entry's vectors are removed together with an id range and
any entry can be added, updated or retired without a rebuild.

The FAISS index type follows the size: exact inner product (``IndexIDMap(IndexFlatIP)``) up to
`IndexConfig.flat_limit` vectors, an inverted-file index (``IndexIVFFlat``, which also supports
removal) beyond, with `nprobe` chosen by measured recall against exact search.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import faiss
import numpy as np

from knowledge_base.encoder import Encoder
from knowledge_base.entry import KnowledgeEntry
from knowledge_base.lexical import LexicalIndex

Progress = Callable[[int, int], None]
VECTOR_BITS = 8  # up to 255 vectors per entry
MAX_VECTORS = (1 << VECTOR_BITS) - 1
SLOT_BITS = 40


class IndexNotBuiltError(RuntimeError):
    """No usable index on disk (run `hotline kb build`)."""


@dataclass(frozen=True)
class IndexConfig:
    """How entries become vectors and which FAISS index holds them."""

    flat_limit: int = 100_000  # exact search up to this many vectors
    chunk_chars: int = 200  # long answers are embedded in chunks of about this many characters
    max_chunks: int = 8
    ivf_target_recall: float = 0.95  # nprobe is raised until recall@10 vs exact reaches this


def slot_of(entry_id: str) -> int:
    """The preferred slot of an entry: a 40-bit hash of its id (collisions are probed onwards)."""
    digest = hashlib.blake2b(entry_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> (64 - SLOT_BITS)


def vector_id(slot: int, n: int) -> int:
    return (slot << VECTOR_BITS) | n


def chunks(text: str, size: int, limit: int) -> list[str]:
    """Split `text` into about `size`-character pieces at sentence ends (。！？；\\n)."""
    text = text.strip()
    if len(text) <= size * 1.5:
        return [text] if text else []
    pieces, current = [], ""
    for sentence in _sentences(text):
        if current and len(current) + len(sentence) > size:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return pieces[:limit]


def _sentences(text: str) -> Iterable[str]:
    start = 0
    for i, char in enumerate(text):
        if char in "。！？；\n":
            yield text[start : i + 1]
            start = i + 1
    if start < len(text):
        yield text[start:]


def query_texts(entry: KnowledgeEntry) -> list[str]:
    """Texts embedded as queries: the title and each question variant."""
    return [text for text in dict.fromkeys((entry.title, *entry.questions)) if text.strip()]


def passage_texts(entry: KnowledgeEntry, config: IndexConfig) -> list[str]:
    """Texts embedded as passages: the whole passage, or title + chunk for long answers."""
    parts = chunks(entry.answer, config.chunk_chars, config.max_chunks)
    if len(parts) <= 1:
        parts = [entry.answer.strip()]
    return ["\n".join(text for text in (entry.title, part) if text) for part in parts]


def lexical_text(entry: KnowledgeEntry) -> str:
    """Text indexed for BM25: title, variants and keywords (the way callers ask) and the answer."""
    return "\n".join([entry.title, *entry.questions, " ".join(entry.keywords), entry.answer])


def choose_index_kind(n_vectors: int, config: IndexConfig = IndexConfig()) -> str:
    """ "flat" (exact) up to `config.flat_limit` vectors, else "ivf"."""
    return "flat" if n_vectors <= config.flat_limit else "ivf"


def _ivf(dim: int, vectors: np.ndarray, ids: np.ndarray) -> faiss.Index:
    nlist = max(1, min(int(2 * math.sqrt(len(vectors))), len(vectors) // 39))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    sample = vectors[rng.choice(len(vectors), size=min(len(vectors), nlist * 40), replace=False)]
    index.train(sample)
    index.add_with_ids(vectors, ids)
    return index


def tune_nprobe(
    index: faiss.Index, vectors: np.ndarray, ids: np.ndarray, target: float, k: int = 10
) -> tuple[int, float]:
    """Smallest power-of-two nprobe whose recall@k against exact search reaches `target`.

    Queries are 200 indexed vectors with a little noise, so they sit where real queries do.
    Returns (nprobe, measured recall).
    """
    k = min(k, len(vectors))
    rng = np.random.default_rng(1)
    queries = vectors[rng.choice(len(vectors), size=min(200, len(vectors)), replace=False)]
    queries = queries + rng.normal(0, 0.02, queries.shape).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, exact_pos = exact.search(queries, k)
    exact_ids = ids[exact_pos]
    ivf = faiss.extract_index_ivf(index)
    nprobe, recall = 1, 0.0
    while True:
        ivf.nprobe = nprobe
        _, found = index.search(queries, k)
        recall = (
            sum(len(set(a.tolist()) & set(e.tolist())) for a, e in zip(found, exact_ids, strict=True)) / exact_ids.size
        )
        if recall >= target or nprobe >= ivf.nlist:
            return nprobe, recall
        nprobe = min(nprobe * 2, ivf.nlist)


@dataclass
class KnowledgeIndex:
    """Published entries by slot, their FAISS vectors and their lexical rows."""

    dim: int
    config: IndexConfig = field(default_factory=IndexConfig)
    by_slot: dict[int, KnowledgeEntry] = field(default_factory=dict)
    slots: dict[str, int] = field(default_factory=dict)  # entry id → slot
    rows: dict[int, int] = field(default_factory=dict)  # slot → lexical row
    row_slots: list[int] = field(default_factory=list)  # lexical row → slot (-1 removed)
    dense: faiss.Index | None = None
    lexical: LexicalIndex = field(default_factory=LexicalIndex)
    kind: str = "flat"
    nprobe: int = 0
    ivf_recall: float | None = None

    def __post_init__(self) -> None:
        if self.dense is None:
            self.dense = faiss.IndexIDMap(faiss.IndexFlatIP(self.dim))

    # ----- reading --------------------------------------------------------------------------
    @property
    def entries(self) -> list[KnowledgeEntry]:
        return list(self.by_slot.values())

    @property
    def dense_index(self) -> faiss.Index:
        """The FAISS index (created in __post_init__ when not given)."""
        if self.dense is None:
            raise RuntimeError("the knowledge index has no dense index")
        return self.dense

    @property
    def vectors(self) -> int:
        return int(self.dense_index.ntotal)

    def get(self, entry_id: str) -> KnowledgeEntry | None:
        slot = self.slots.get(entry_id)
        return None if slot is None else self.by_slot[slot]

    def search_dense(self, vectors: np.ndarray, depth: int) -> list[dict[int, float]]:
        """Per query: {slot: best cosine over the entry's vectors} among the `depth` nearest vectors."""
        depth = min(max(self.vectors, 1), depth)
        scores, ids = self.dense_index.search(np.ascontiguousarray(vectors, dtype=np.float32), depth)
        results = []
        for row_scores, row_ids in zip(scores, ids, strict=True):
            best: dict[int, float] = {}
            for score, vid in zip(row_scores.tolist(), row_ids.tolist(), strict=True):
                if vid >= 0:
                    slot = vid >> VECTOR_BITS
                    if slot not in best:
                        best[slot] = score
            results.append(best)
        return results

    def search_lexical(self, text: str, depth: int) -> dict[int, float]:
        """{slot: coverage} of the `depth` best BM25 rows."""
        return {self.row_slots[row]: cover for row, cover in self.lexical.top(text, depth)}

    # ----- building and updating ------------------------------------------------------------
    def _new_slot(self, entry_id: str) -> int:
        slot = slot_of(entry_id)
        while slot in self.by_slot:
            slot = (slot + 1) % (1 << SLOT_BITS)
        return slot

    def _texts(
        self, entries: Sequence[KnowledgeEntry], slots: Sequence[int]
    ) -> tuple[list[str], list[bool], list[int]]:
        texts, is_query, ids = [], [], []
        for entry, slot in zip(entries, slots, strict=True):
            items = [(t, True) for t in query_texts(entry)] + [(t, False) for t in passage_texts(entry, self.config)]
            for n, (text, query) in enumerate(items[:MAX_VECTORS]):
                texts.append(text)
                is_query.append(query)
                ids.append(vector_id(slot, n))
        return texts, is_query, ids

    def _embed(self, encoder: Encoder, texts: list[str], is_query: list[bool], progress: Progress | None) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        step = 512
        for start in range(0, len(texts), step):
            end = min(start + step, len(texts))
            flags = np.asarray(is_query[start:end])
            batch = texts[start:end]
            for flag, encode in ((True, encoder.queries), (False, encoder.passages)):
                chosen = np.flatnonzero(flags == flag)
                if len(chosen):
                    out[start + chosen] = encode([batch[i] for i in chosen])
            if progress:
                progress(end, len(texts))
        return out

    def _register(self, entries: Sequence[KnowledgeEntry]) -> list[int]:
        slots = []
        for entry in entries:
            slot = self._new_slot(entry.id)
            self.by_slot[slot] = entry
            self.slots[entry.id] = slot
            slots.append(slot)
        return slots

    def add(self, entries: Sequence[KnowledgeEntry], encoder: Encoder, progress: Progress | None = None) -> None:
        """Add entries that are not in the index yet (use `upsert` for possibly known ones)."""
        entries = [entry for entry in entries if entry.is_published]
        if not entries:
            return
        slots = self._register(entries)
        texts, is_query, ids = self._texts(entries, slots)
        vectors = self._embed(encoder, texts, is_query, progress)
        self.dense_index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
        for entry, slot in zip(entries, slots, strict=True):
            self.rows[slot] = self.lexical.add(lexical_text(entry))
            self.row_slots.append(slot)

    def retire(self, entry_id: str) -> bool:
        """Remove an entry's vectors and lexical row; False when it was not indexed."""
        slot = self.slots.pop(entry_id, None)
        if slot is None:
            return False
        del self.by_slot[slot]
        selector = faiss.IDSelectorRange(vector_id(slot, 0), vector_id(slot + 1, 0))
        self.dense_index.remove_ids(selector)
        row = self.rows.pop(slot)
        self.lexical.remove(row)
        self.row_slots[row] = -1
        return True

    def upsert(self, entry: KnowledgeEntry, encoder: Encoder) -> str:
        """Index a new or changed entry ("added" / "updated" / "retired" / "unchanged")."""
        known = self.get(entry.id)
        if known == entry:
            return "unchanged"
        existed = self.retire(entry.id)
        if not entry.is_published:
            return "retired" if existed else "unchanged"
        self.add([entry], encoder)
        return "updated" if existed else "added"

    def compact(self) -> None:
        """Renumber lexical rows after many updates (done before saving)."""
        mapping = self.lexical.compact()
        self.row_slots = [-1] * self.lexical.size
        rows = {}
        for slot, row in self.rows.items():
            new_row = mapping[row]
            rows[slot] = new_row
            self.row_slots[new_row] = slot
        self.rows = rows


def build_index(
    entries: Sequence[KnowledgeEntry],
    encoder: Encoder,
    progress: bool | Progress = False,
    config: IndexConfig = IndexConfig(),
) -> KnowledgeIndex:
    """Embed every published entry into a fresh index of the type its size calls for."""
    kb = KnowledgeIndex(encoder.dim, config)
    entries = [entry for entry in entries if entry.is_published]
    slots = kb._register(entries)
    texts, is_query, ids = kb._texts(entries, slots)
    callback = _TqdmProgress(len(texts)) if progress is True else (progress or None)
    vectors = kb._embed(encoder, texts, is_query, callback)
    if callback is not None and hasattr(callback, "close"):
        callback.close()
    lexical = LexicalIndex.build([lexical_text(entry) for entry in entries])
    return assemble(kb, vectors, np.asarray(ids, dtype=np.int64), lexical, slots)


def assemble(
    kb: KnowledgeIndex, vectors: np.ndarray, ids: np.ndarray, lexical: LexicalIndex, row_slots: list[int]
) -> KnowledgeIndex:
    """Put embedded vectors and a lexical index (rows in `row_slots` order) into `kb`."""
    kb.kind = choose_index_kind(len(vectors), kb.config)
    if kb.kind == "flat":
        kb.dense = faiss.IndexIDMap(faiss.IndexFlatIP(kb.dim))
        kb.dense.add_with_ids(vectors, ids)
    else:
        kb.dense = _ivf(kb.dim, vectors, ids)
        kb.nprobe, kb.ivf_recall = tune_nprobe(kb.dense, vectors, ids, kb.config.ivf_target_recall)
        faiss.extract_index_ivf(kb.dense).nprobe = kb.nprobe
    kb.lexical = lexical
    kb.row_slots = list(row_slots)
    kb.rows = {slot: row for row, slot in enumerate(row_slots)}
    return kb


class _TqdmProgress:
    def __init__(self, total: int) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit="text", desc="embedding")

    def __call__(self, done: int, total: int) -> None:
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        self._bar.close()
