"""Scoring of the intent evaluation (no Rasa server needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.intents_eval import (
    LabelMap,
    RasaParser,
    RasaUnavailable,
    load_jsonl,
    plot_confusion,
    score_expected,
    score_labelled,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
MSGA_MAP = REPO_ROOT / "evaluation" / "label_maps" / "msga_type.yaml"


def test_the_msga_label_map_covers_the_work_order_intents() -> None:
    labels = LabelMap.load(MSGA_MAP)
    assert labels("ask_info") == "咨询"
    assert labels("complain") == labels("seek_help") == "投诉/求助"
    assert labels("suggest") == labels("praise") == "建言"
    assert labels("greet") == "其他"


def test_labelled_scores(tmp_path: Path) -> None:
    labels = LabelMap({"ask_info": "咨询", "complain": "投诉/求助", "suggest": "建言"})
    gold = ["咨询", "咨询", "投诉/求助", "建言"]
    intents = ["ask_info", "greet", "complain", "suggest"]
    result = score_labelled(["a", "b", "c", "d"], gold, intents, labels)
    assert result.accuracy == 0.75
    assert result.labels[-1] == "其他"
    assert result.per_class["咨询"]["recall"] == 0.5
    assert result.errors == [{"text": "b", "gold": "咨询", "predicted": "其他", "intent": "greet"}]
    png = plot_confusion(result, tmp_path / "cm.png", "test")
    assert png.stat().st_size > 1000


def test_expected_share_counts_the_fallback() -> None:
    result = score_expected(
        ["a", "b", "c", "d"],
        ["out_of_scope", "nlu_fallback", "greet", "out_of_scope"],
        ["out_of_scope", "nlu_fallback"],
    )
    assert result.share == 0.75 and result.errors == [{"text": "c", "intent": "greet"}]


def test_jsonl_rows_without_text_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(r, ensure_ascii=False) for r in [{"text": "你好", "type": "咨询"}, {"text": "", "type": "建言"}]
        )
        + "\n",
        encoding="utf-8",
    )
    assert load_jsonl(path, "text", "type") == [("你好", "咨询")]


def test_an_unreachable_rasa_is_reported_clearly() -> None:
    with pytest.raises(RasaUnavailable, match="no Rasa server"):
        RasaParser("http://127.0.0.1:9", timeout=1).check()


def test_the_commands_say_clearly_when_rasa_is_not_running(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from hotline.commands import eval_nlu

    app = typer.Typer()
    app.command("intents")(eval_nlu.intents)
    app.command("bench-nlu")(eval_nlu.bench_nlu)
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"text": "今天天气怎么样"}, ensure_ascii=False) + "\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "intents",
            "--dataset",
            str(data),
            "--expect",
            "out_of_scope",
            "--rasa-url",
            "http://127.0.0.1:9",
        ],
    )
    assert result.exit_code == 1 and "Cannot reach the trained NLU" in " ".join(result.output.split())
    result = runner.invoke(app, ["intents", "--dataset", str(tmp_path / "missing.jsonl"), "--expect", "out_of_scope"])
    assert result.exit_code == 1 and "not found" in " ".join(result.output.split())


def test_batch_parsing_says_clearly_what_is_missing(tmp_path: Path) -> None:
    from evaluation.intents_eval import batch_intents

    with pytest.raises(RasaUnavailable, match="Rasa environment is missing"):
        batch_intents(tmp_path / "python", REPO_ROOT, tmp_path / "model.tar.gz", ["你好"])
    python = tmp_path / "python"
    python.touch()
    with pytest.raises(RasaUnavailable, match="not trained"):
        batch_intents(python, REPO_ROOT, tmp_path / "model.tar.gz", ["你好"])
