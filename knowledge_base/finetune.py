"""Fine-tune the e5 model on a centre's own question → answer pairs (in-batch negatives).

A centre that has answered citizens for years holds pairs of real questions and the answers it gave;
contrastive fine-tuning on them teaches the encoder how its callers phrase things. The loss is the
usual multiple-negatives ranking loss: in a batch, each question must score its own answer above the
other answers (scale 20 on cosine similarity, as sentence-transformers does). The word-embedding table
(250k × 384, most of the model's weights) is frozen: the pairs are far too few to move it usefully,
and freezing it keeps a CPU epoch short.

The result is a complete model folder (a copy of the base folder with new transformer weights), so
every engine that reads a folder — sentence-transformers, ONNX — can serve it. The base folder's
tokenizer files are kept as they are: re-saving a tokenizer through transformers may drop our
normaliser (see embedding_model.py).
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from knowledge_base.embedding_model import PASSAGE_PROMPT, QUERY_PROMPT
from knowledge_base.encoder import FINETUNED_MARK

SCALE = 20.0


@dataclass(frozen=True)
class FinetuneSettings:
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 3e-5
    max_seq_length: int = 256
    seed: int = 0


@dataclass
class FinetuneReport:
    pairs: int
    epochs: int
    steps: int
    seconds: float
    loss_per_epoch: list[float]
    settings: dict[str, Any]
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _batches(pairs: Sequence[tuple[str, str]], size: int, rng: random.Random) -> list[list[tuple[str, str]]]:
    """Shuffled batches of answers of similar length, no answer twice in a batch (a false negative).

    Grouping by length (with jitter, so batches differ between epochs) keeps padding, and so the cost
    of a CPU step, low; the batch order is shuffled.
    """
    order = sorted(pairs, key=lambda pair: len(pair[1]) * rng.uniform(0.8, 1.25))
    batches: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    seen: set[str] = set()
    for pair in order:
        if pair[1] in seen or len(current) == size:
            if len(current) > 1:
                batches.append(current)
            current, seen = [], set()
        current.append(pair)
        seen.add(pair[1])
    if len(current) > 1:
        batches.append(current)
    rng.shuffle(batches)
    return batches


def _embed(model: Any, texts: list[str]) -> Any:  # a torch.Tensor (torch is imported lazily)
    import torch

    prepare = getattr(model, "preprocess", None) or model.tokenize  # `tokenize` is deprecated in v6
    features = prepare(texts)
    output = model(features)["sentence_embedding"]
    return torch.nn.functional.normalize(output, dim=-1)


def finetune(
    model_dir: Path,
    pairs: Sequence[tuple[str, str]],
    out_dir: Path,
    settings: FinetuneSettings = FinetuneSettings(),
    source: str = "",
    progress: Callable[[str], None] = lambda _: None,
) -> FinetuneReport:
    """Train on (question, answer) pairs and write a model folder to `out_dir`."""
    import torch
    from sentence_transformers import SentenceTransformer

    if len(pairs) < 2:
        raise ValueError("fine-tuning needs at least two question/answer pairs")
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    model = SentenceTransformer(str(model_dir), device="cpu")
    model.max_seq_length = settings.max_seq_length
    transformer: Any = model[0].auto_model
    transformer.embeddings.word_embeddings.weight.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=settings.learning_rate)
    model.train()
    losses, steps, started = [], 0, time.perf_counter()
    for epoch in range(settings.epochs):
        total, batches = 0.0, _batches(pairs, settings.batch_size, rng)
        for batch in _progress(batches, f"epoch {epoch + 1}/{settings.epochs}"):
            questions = _embed(model, [QUERY_PROMPT + q for q, _ in batch])
            answers = _embed(model, [PASSAGE_PROMPT + a for _, a in batch])
            scores = SCALE * questions @ answers.T
            loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(batch)))
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]  # untyped in torch
            optimizer.step()
            total += loss.item()
            steps += 1
        losses.append(round(total / max(1, len(batches)), 4))
        progress(f"epoch {epoch + 1}/{settings.epochs}: loss {losses[-1]}")
    model.eval()
    _write_folder(model_dir, transformer, out_dir)
    report = FinetuneReport(
        len(pairs), settings.epochs, steps, round(time.perf_counter() - started, 1), losses, asdict(settings), source
    )
    (out_dir / FINETUNED_MARK).write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    return report


def _progress(batches: list[Any], label: str) -> Any:  # a tqdm iterator
    from tqdm import tqdm

    return tqdm(batches, desc=label, unit="batch", leave=False)


def _write_folder(base_dir: Path, transformer: Any, out_dir: Path) -> None:
    """Copy the base folder, then replace only the transformer weights (atomically, via a temp folder)."""
    temp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(temp, ignore_errors=True)
    shutil.copytree(base_dir, temp)
    transformer.save_pretrained(str(temp), safe_serialization=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    temp.rename(out_dir)
