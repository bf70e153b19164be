"""The Rasa test conversations in bot/tests/ (NLU + dialogue policy), run by `rasa test core`.

They need the trained model only (custom actions are not executed; the stories say which
slots the actions set), so they run without the servers of the other end-to-end tests.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from hotline.processes import RASA_BIN, RASA_MODEL
from settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e
STORIES = PROJECT_ROOT / "bot" / "tests"
MIN_STORIES = 30


def _story_names() -> list[str]:
    names = []
    for path in sorted(STORIES.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names += [story["story"] for story in data.get("stories") or []]
    return names


def test_there_are_enough_test_conversations() -> None:
    names = _story_names()
    assert len(names) >= MIN_STORIES
    assert len(names) == len(set(names)), "story names must be unique"


def test_rasa_test_stories_all_pass(tmp_path: Path) -> None:
    if not RASA_BIN.exists() or not RASA_MODEL.exists():
        pytest.fail("Rasa environment or trained model missing: run `make setup` first")
    out = tmp_path / "results"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    completed = subprocess.run(
        [
            str(RASA_BIN),
            "test",
            "core",
            "--stories",
            str(STORIES),
            "--model",
            str(RASA_MODEL),
            "--out",
            str(out),
            "--no-plot",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    failed = out / "failed_test_stories.yml"
    content = failed.read_text(encoding="utf-8") if failed.exists() else ""
    failed_names = [line.split("story:", 1)[1].strip() for line in content.splitlines() if "- story:" in line]
    assert not failed_names, f"failed test stories: {failed_names}\n{content[:4000]}"
