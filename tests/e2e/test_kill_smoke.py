"""A small kill test (issue 14, item 11): the action server and the web app are SIGKILLed and
restarted during ten complaint conversations on SQLite; nothing the callers were told may be lost.

The full runs (200 conversations, random kills of every process and the database, SQLite and
PostgreSQL) are `hotline bench kill`; this one keeps `make test` under a few minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.kill_test import ACTION, WEB, KillTestConfig, run_kill_test
from hotline.processes import RASA_BIN, RASA_MODEL

pytestmark = pytest.mark.e2e


def test_killing_the_action_server_and_the_web_app_loses_nothing(tmp_path: Path) -> None:
    if not RASA_BIN.exists() or not RASA_MODEL.exists():
        pytest.fail("Rasa environment or trained model missing: run `make setup` first")
    # Ten conversations send about 45 messages: kill the action server at the 12th, the web app at the 30th.
    config = KillTestConfig(
        conversations=10, database="sqlite", seed=1, threads=3, plan=((ACTION, 12), (WEB, 30)), workdir=tmp_path
    )
    report = run_kill_test(config)
    summary = {key: report[key] for key in ("kills", "accepted", "losses", "duplicates", "unclear")}
    assert report["kills"] == {ACTION: 1, WEB: 1}, summary
    assert not report["kill_errors"], report["kill_errors"]
    assert report["losses"] == 0, report["loss_details"]
    assert report["duplicates"] == 0, report["duplicate_details"]
    assert report["unclear"] == 0, report["unclear_details"]
    assert report["accepted"] + report["cancelled"] + report["ended_on_clear_message"] == 10, summary
    assert report["accepted"] >= 5, summary  # the callers repeat after a failure: most get through
