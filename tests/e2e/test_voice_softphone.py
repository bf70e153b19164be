"""`hotline call` and `hotline bench voice` against the real Rasa and action server: the softphone
plays a call through the signed webhooks; the benchmark reports its figures and a transcript."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from hotline.cli import app
from tests.e2e.conftest import Assistant

pytestmark = pytest.mark.e2e
runner = CliRunner()


def environment(assistant: Assistant) -> dict[str, str]:
    return {"HOTLINE_RASA_URL": assistant.rasa_url, "HOTLINE_DATABASE_URL": assistant.database_url}


def test_the_softphone_plays_a_call(assistant: Assistant) -> None:
    typed = "怎么办理居住证\n\n0\ny\n"  # a question, silence, 0 for a person, the agent answers
    result = runner.invoke(app, ["call"], input=typed, env=environment(assistant))
    assert result.exit_code == 0, result.output
    output = result.output.replace("\n", "")  # the console wraps long lines
    assert output.startswith("热线：您好，这里是幺二三四五热线。")
    said = output.split("您：")  # the caller's turns (typed input is not echoed)
    assert "居住证" in said[1] and "责任部门是市公安局" in said[1]
    assert "抱歉，没听清。还有别的问题吗？" in said[2]  # the silence: the last question again
    assert "转接人工客服" in said[3] and "排队等待人工坐席" in said[3]
    assert output.endswith("☎ 已挂机")


@pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("soxi")), reason="make setup-voice installs them")
def test_the_benchmark_reports_latency_and_prompt_durations(assistant: Assistant) -> None:
    result = runner.invoke(
        app, ["bench", "voice", "--rounds", "1", "--json", "--transcript"], env=environment(assistant)
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["calls"] == 6 and report["webhooks"] >= 20
    assert 0 < report["gateway_overhead_ms"]["p50"] <= report["gateway_overhead_ms"]["p95"]
    assert report["turn_ms"]["p95"] >= report["gateway_overhead_ms"]["p95"]
    durations = {row["prompt"]: row for row in report["prompts"]}
    assert durations["greeting+menu"]["seconds"] <= 12.0
    assert all(row["seconds"] <= row["limit"] for row in report["prompts"] if row["limit"])
    assert report["transcript"][0] == "☎ 来电" and report["twiml"][0].startswith("<?xml")
