"""The deployment-history NLU variant: a stable split and training data Rasa can read."""

from __future__ import annotations

import yaml

from evaluation.intents_eval import LabelMap
from evaluation.nlu_history import history_nlu_yaml, intent_for_label, split_halves

LABELS = LabelMap(
    labels={
        "ask_info": "咨询",
        "nlu_fallback": "咨询",
        "ask_ticket_status": "咨询",
        "complain": "投诉/求助",
        "seek_help": "投诉/求助",
        "suggest": "建言",
    }
)
ROWS = [
    ("请问公租房怎么申请", "咨询"),
    ("楼下饭店油烟太大\n天天呛人", "投诉/求助"),
    ("建议公交站加个遮阳棚", "建言"),
    ("请问公租房怎么申请", "咨询"),
    ("这句话的标签没人认识", "别的"),
]


def test_each_label_trains_the_first_intent_mapped_to_it() -> None:
    assert intent_for_label(LABELS) == {"咨询": "ask_info", "投诉/求助": "complain", "建言": "suggest"}


def test_the_split_is_stable_and_complete() -> None:
    rows = [(f"第{i}条留言", "咨询") for i in range(200)]
    train, test = split_halves(rows, seed=7)
    assert split_halves(rows, seed=7) == (train, test)
    assert sorted(train + test) == sorted(rows) and not set(train) & set(test)
    assert 60 < len(train) < 140
    assert split_halves(rows, seed=8)[0] != train


def test_history_becomes_rasa_training_data_one_line_per_message() -> None:
    data = yaml.safe_load(history_nlu_yaml(ROWS, LABELS))
    examples = {item["intent"]: item["examples"].splitlines() for item in data["nlu"]}
    assert examples == {
        "ask_info": ["- 请问公租房怎么申请"],
        "complain": ["- 楼下饭店油烟太大 天天呛人"],
        "suggest": ["- 建议公交站加个遮阳棚"],
    }


def test_long_letters_are_cut_and_entity_markup_is_neutralised() -> None:
    rows = [("关于[小区](place)停车难的问题，" + "情况说明" * 30, "建言")]
    data = yaml.safe_load(history_nlu_yaml(rows, LABELS, max_chars=20))
    (line,) = data["nlu"][0]["examples"].splitlines()
    assert line == "- 关于【小区】(place)停车难的问题，"
