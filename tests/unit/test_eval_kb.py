"""`eval retrieval` / `eval ood` commands on tiny home-made datasets (never the public ones)."""

from __future__ import annotations

import json
import math

import pytest
import typer
from typer.testing import CliRunner

from evaluation.retrieval import distractor_entries, in_part, load_dataset, metrics
from evaluation.synthetic import SYNTHETIC_PREFIX, synthetic_entries
from hotline.commands.eval_kb import ood, retrieval
from settings import load_settings

QA = [
    ("社保卡丢了怎么补办", "社保卡丢失后先挂失，再到银行网点补办新卡。"),
    ("公积金能不能租房提取", "无自有住房的职工租房可以申请提取住房公积金。"),
    ("开饭店要办什么证", "开饭店需要营业执照和食品经营许可证。"),
    ("新生儿怎么上户口", "新生儿落户凭出生医学证明到派出所办理。"),
]
OTHER = [
    "今天天气怎么样",
    "播放一首周杰伦的歌",
    "明天去北京的机票",
    "讲个笑话吧",
    "红烧肉怎么做",
    "打开手机相册",
    "最近有什么好看的电影",
    "帮我订一个闹钟",
]

app = typer.Typer()
app.command("retrieval")(retrieval)
app.command("ood")(ood)
runner = CliRunner()


@pytest.fixture(autouse=True)
def _model() -> None:
    if not (load_settings().model_dir / "modules.json").exists():
        pytest.fail("embedding model not built: run `make setup` (or `hotline model build`)")


def _write(path, rows) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def test_retrieval_reports_metrics_and_writes_a_plot(tmp_path) -> None:
    data = tmp_path / "qa.jsonl"
    _write(data, [{"q": q, "a": a} for q, a in QA])
    result = runner.invoke(
        app,
        [
            "retrieval",
            "--dataset",
            str(data),
            "--question-field",
            "q",
            "--answer-field",
            "a",
            "--distractors",
            "20",
            "--out",
            str(tmp_path / "out"),
            "--no-cache",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["questions"] == 4 and doc["entries"] == 4 and doc["distractors"] == 20
    assert doc["recall_at_5"] >= 0.75 and len(doc["recall_at_k"]) == 20
    assert (tmp_path / "out" / "retrieval_qa_d20.png").stat().st_size > 0
    assert "SYNTHETIC" in doc["notes"][0]


def test_grouped_entries_hold_every_answer_of_their_document(tmp_path) -> None:
    data = tmp_path / "spans.jsonl"
    rows = [
        {"question": "补贴标准是多少", "answer": "每人每月五百元", "doc": "d1"},
        {"question": "补贴发多久", "answer": "最长六个月", "doc": "d1"},
        {"question": "谁来发放", "answer": "每人每月五百元", "doc": "d1"},
        {"question": "找哪个部门", "answer": "人社局", "doc": "d2"},
    ]
    _write(data, rows)
    entries, pairs = load_dataset(data, group_field="doc")
    assert len(entries) == 2
    first = next(entry for entry in entries if "五百元" in entry.answer)
    assert first.answer == "每人每月五百元\n最长六个月"  # each distinct answer once
    assert [pair.answer_id for pair in pairs[:3]] == [first.id] * 3
    ungrouped, _ = load_dataset(data)
    assert len(ungrouped) == 3


def test_ood_calibrates_on_one_half(tmp_path) -> None:
    qa, other = tmp_path / "qa.jsonl", tmp_path / "other.jsonl"
    _write(qa, [{"question": q, "answer": a} for q, a in QA])
    _write(other, [{"text": t} for t in OTHER])
    config = tmp_path / "search.yaml"
    result = runner.invoke(
        app,
        ["ood", "--dataset", str(other), "--in-domain", str(qa), "--no-cache", "--write-config", str(config), "--json"],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc["report_part"]) >= {"ood_wrongly_answered", "in_domain_answered"}
    assert "answer" in config.read_text(encoding="utf-8")


def test_missing_dataset_fails_clearly(tmp_path) -> None:
    result = runner.invoke(app, ["retrieval", "--dataset", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 1 and "not found" in result.output


def test_metrics_and_split_helpers() -> None:
    figures = metrics([1, 2, 0, 6])
    assert figures["top1"] == 0.25 and figures["recall_at_5"] == 0.5
    assert figures["mrr"] == pytest.approx((1 + 0.5 + 1 / 6) / 4)
    halves = [in_part(str(i), "calibrate") for i in range(200)]
    assert 60 < sum(halves) < 140 and all(in_part(str(i), "report") != h for i, h in enumerate(halves))


def test_synthetic_entries_are_labelled_and_reproducible() -> None:
    first = list(synthetic_entries(5))
    assert first == list(synthetic_entries(5))
    assert all(e.id.startswith(SYNTHETIC_PREFIX) and "合成" in e.source.title for e in first)
    padding = distractor_entries(3)
    assert len(padding) == 3 and all(e.id.startswith(SYNTHETIC_PREFIX) for e in padding)


def test_the_scope_model_moves_to_the_prior_of_questions_that_reach_the_search() -> None:
    from evaluation.ood import Probe, fit_scope

    def probe(dense: float, in_domain: bool) -> Probe:
        signals = (dense, 0.0, 0.01)
        return Probe("q", in_domain, signals, signals, 0.01, signals, in_domain, False, True)

    probes = [probe(0.86 + i / 200, True) for i in range(10)] + [probe(0.80 + i / 200, False) for i in range(10)]
    half, _, _ = fit_scope(probes, in_domain_prior=0.5)
    mostly_in, _, _ = fit_scope(probes, in_domain_prior=0.95)
    assert mostly_in - half == pytest.approx(math.log(0.95 / 0.05), rel=1e-6)
