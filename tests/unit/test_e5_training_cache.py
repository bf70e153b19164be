"""The e5 vectors of training examples are computed once per text (issue 15: an unchanged NLU is
not embedded again). Runs in the Rasa environment, where the featurizer lives."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from hotline.processes import RASA_BIN
from settings import PROJECT_ROOT

SCRIPT = r"""
import json, sys
import numpy as np
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.components.e5_featurizer import E5SentenceFeaturizer

calls = []
class Counting(E5SentenceFeaturizer):
    def embed(self, texts, threads=1):
        calls.append(len(texts))
        return np.stack([np.full(384, float(len(t))) for t in texts])

def run(texts):
    featurizer = Counting({**E5SentenceFeaturizer.get_default_config(), "alias": "e5"}, "e5")
    data = TrainingData([Message(data={"text": t}) for t in texts])
    featurizer.process_training_data(data)
    return [m.features[0].features[0][0] for m in data.training_examples]

first = run(["路灯坏了", "社保卡怎么办"])
second = run(["路灯坏了", "社保卡怎么办", "新来的一句话"])
print(json.dumps({"calls": calls, "first": first, "second": second}))
"""


def test_training_texts_are_embedded_once(tmp_path) -> None:
    python = RASA_BIN.parent / "python"
    if not python.exists():
        pytest.skip("the Rasa environment is not built")
    env = {**os.environ, "HOTLINE_E5_CACHE_DIR": str(tmp_path / "e5"), "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [str(python), "-c", SCRIPT], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["calls"] == [2, 1]  # the second training embeds only the new text
    assert report["second"][:2] == report["first"] == [4.0, 6.0]
