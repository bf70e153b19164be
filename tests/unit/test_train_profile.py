"""The training profile: per-component seconds read from Rasa's log, and config variants."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evaluation.train_profile import parse_log, variant_config

ROOT = Path(__file__).resolve().parents[2]

LOG = """\
2026-12-07 02:19:10 INFO     rasa.engine.training.hooks  - Starting to train component 'CountVectorsFeaturizer'.
2026-12-07 02:19:14 INFO     rasa.engine.training.hooks  - Finished training component 'CountVectorsFeaturizer'.
2026-12-07 02:19:23 INFO     rasa.engine.training.hooks  - Starting to train component 'CountVectorsFeaturizer'.
2026-12-07 02:19:24 INFO     rasa.nlu.featurizers.sparse_featurizer  - 33986 vocabulary items were created.
2026-12-07 02:19:26 INFO     rasa.engine.training.hooks  - Finished training component 'CountVectorsFeaturizer'.
2026-12-07 02:19:34 INFO     bot.components.e5_featurizer  - Embedding 3788 of 3788 training examples with e5 (0 cached)
2026-12-07 02:21:23 INFO     rasa.engine.training.hooks  - Starting to train component 'DIETClassifier'.
Epochs:  12%|#         | 3/25 [03:56<28:10, 76.85s/it, t_loss=3.13, i_acc=0.871]
2026-12-07 02:44:23 INFO     rasa.engine.training.hooks  - Finished training component 'DIETClassifier'.
"""


def test_parse_log_times_each_component_and_the_e5_embedding() -> None:
    components, e5_seconds, e5_count = parse_log(LOG.splitlines())
    assert components == {"CountVectorsFeaturizer": 4.0, "CountVectorsFeaturizer#2": 3.0, "DIETClassifier": 1380.0}
    assert e5_seconds == 109.0
    assert e5_count == 3788


def test_parse_log_of_a_run_without_those_lines_is_empty() -> None:
    assert parse_log(["Epochs: 100%", "Your Rasa model is trained"]) == ({}, None, None)


def test_variant_config_changes_diet_and_drops_the_char_ngrams() -> None:
    config = variant_config(
        ROOT / "bot" / "config.yml",
        {"epochs": 3, "number_of_transformer_layers": 0},
        ["CountVectorsFeaturizer:char_wb"],
    )
    names = [entry["name"] for entry in config["pipeline"]]
    shipped = yaml.safe_load((ROOT / "bot" / "config.yml").read_text(encoding="utf-8"))
    assert len(names) == len(shipped["pipeline"]) - 1
    assert names.count("CountVectorsFeaturizer") == 1
    diet = next(entry for entry in config["pipeline"] if entry["name"] == "DIETClassifier")
    assert diet["epochs"] == 3 and diet["number_of_transformer_layers"] == 0
    assert config["policies"] == shipped["policies"]


def test_variant_config_names_an_entry_that_is_not_there() -> None:
    with pytest.raises(ValueError, match="NoSuchFeaturizer"):
        variant_config(ROOT / "bot" / "config.yml", {}, ["NoSuchFeaturizer"])
