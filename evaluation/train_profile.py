"""Where `rasa train` spends its time: one training run, timed per component from Rasa's own log.

Rasa logs "Starting to train component 'X'" / "Finished training component 'X'" with a timestamp;
the e5 featurizer logs when it starts embedding the examples. From those lines this module gives
the seconds of every trained component, of the e5 embedding, DIET's seconds per epoch and the
wall time of the whole run.

A *cold* run starts from empty caches (Rasa's training cache and the e5 vectors), as on a fresh
machine; a *warm* run keeps them in ``work_dir`` between runs, so only what changed is trained.
Variants of bot/config.yml for an ablation: DIET options (``diet={"epochs": 3}``) and pipeline
entries left out (``drop=["CountVectorsFeaturizer:char_wb"]``: name, or name:analyzer).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

_STAMP = r"(?P<stamp>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"
_START = re.compile(_STAMP + r".*Starting to train component '(?P<name>[^']+)'")
_FINISH = re.compile(_STAMP + r".*Finished training component '(?P<name>[^']+)'")
_E5 = re.compile(_STAMP + r".*Embedding (?P<count>\d+) of (?P<total>\d+) training examples with e5")


@dataclass
class TrainProfile:
    config: str
    cold: bool
    total_s: float
    components_s: dict[str, float] = field(default_factory=dict)
    e5_embedding_s: float | None = None
    e5_embedded: int | None = None
    diet_epochs: int | None = None
    diet_s_per_epoch: float | None = None
    exit_code: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def variant_config(base: Path, diet: Mapping[str, Any], drop: Sequence[str]) -> dict[str, Any]:
    """bot/config.yml with DIET options replaced and some pipeline entries left out."""
    config = yaml.safe_load(base.read_text(encoding="utf-8"))
    pipeline = []
    for entry in config["pipeline"]:
        keys = {entry["name"], f"{entry['name']}:{entry.get('analyzer', 'word')}"}
        if keys & set(drop):
            continue
        if entry["name"] == "DIETClassifier":
            entry = {**entry, **diet}
        pipeline.append(entry)
    missing = [name for name in drop if not any(name.split(":")[0] == e["name"] for e in config["pipeline"])]
    if missing:
        raise ValueError(f"not in {base}: {', '.join(missing)}")
    return {**config, "pipeline": pipeline}


def _seconds(start: str, end: str) -> float:
    fmt = "%Y-%m-%d %H:%M:%S"
    return (datetime.strptime(end, fmt) - datetime.strptime(start, fmt)).total_seconds()


def parse_log(lines: Sequence[str]) -> tuple[dict[str, float], float | None, int | None]:
    """(seconds per trained component, seconds of the e5 embedding, examples embedded) from a log.

    Components of the same name (two CountVectorsFeaturizers) are numbered in order: X, X#2.
    The e5 embedding runs from its log line to the start of the next trained component.
    """
    running: dict[str, tuple[str, str]] = {}  # component name -> (report key, start stamp)
    components: dict[str, float] = {}
    e5_at: str | None = None
    e5_count: int | None = None
    e5_seconds: float | None = None
    for line in lines:
        if match := _E5.search(line):
            e5_at, e5_count = match["stamp"], int(match["count"])
        elif match := _START.search(line):
            name = match["name"]
            seen = sum(1 for key in components if key == name or key.startswith(f"{name}#"))
            running[name] = (f"{name}#{seen + 1}" if seen else name, match["stamp"])
            if e5_at is not None and e5_seconds is None:
                e5_seconds = _seconds(e5_at, match["stamp"])
        elif (match := _FINISH.search(line)) and match["name"] in running:
            key, stamp = running.pop(match["name"])
            components[key] = _seconds(stamp, match["stamp"])
    return components, e5_seconds, e5_count


def profile_training(
    rasa_bin: Path,
    project_root: Path,
    work_dir: Path,
    config: Path,
    cold: bool = True,
    diet: Mapping[str, Any] | None = None,
    drop: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> TrainProfile:
    """Train the whole assistant (NLU and dialogue) as `make setup` does and time it.

    ``env`` is the environment of the child process (the caller's, usually); the training caches
    are pointed into ``work_dir``.
    """
    if cold and work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    derived = work_dir / "config.yml"
    derived.write_text(
        yaml.safe_dump(variant_config(config, diet or {}, drop), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    command = [str(rasa_bin), "train", "--config", str(derived), "--domain", "bot/domain.yml"]
    command += ["--data", "nlu_data", "bot/data", "--out", str(work_dir / "models"), "--fixed-model-name", "profile"]
    child_env = {
        **(env or {}),
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(work_dir / "cache"),
        "RASA_MAX_CACHE_SIZE": "4000",
        "HOTLINE_E5_CACHE_DIR": str(work_dir / "e5"),
    }
    started = time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen(
        command, cwd=project_root, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            sys.stderr.write(line)
    total = time.perf_counter() - started
    components, e5_seconds, e5_count = parse_log(lines)
    (work_dir / "train.log").write_text("".join(lines), encoding="utf-8")
    epochs = int((diet or {}).get("epochs") or _diet_option(config, "epochs") or 0) or None
    diet_seconds = components.get("DIETClassifier")
    return TrainProfile(
        config=str(config),
        cold=cold,
        total_s=round(total, 1),
        components_s=components,
        e5_embedding_s=e5_seconds,
        e5_embedded=e5_count,
        diet_epochs=epochs,
        diet_s_per_epoch=round(diet_seconds / epochs, 1) if diet_seconds and epochs else None,
        exit_code=proc.returncode,
    )


def _diet_option(config: Path, key: str) -> Any:
    for entry in yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]:
        if entry["name"] == "DIETClassifier":
            return entry.get(key)
    return None
