"""DIET's transformer sees at most the first tokens of a long letter; the sentence features of the
whole text stay (issue 15: where `rasa train`'s time went). Runs in the Rasa environment, where the
component lives, on the real tokenizer and featurizers."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from hotline.processes import RASA_BIN
from settings import PROJECT_ROOT

SCRIPT = r"""
import json
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer import LexicalSyntacticFeaturizer
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.components.sequence_truncator import SequenceTruncator

from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.graph import ExecutionContext
import tempfile, pathlib

storage = LocalModelStorage(pathlib.Path(tempfile.mkdtemp()))
context = ExecutionContext(graph_schema=None, node_name="x")
tokenizer = JiebaTokenizer.create({**JiebaTokenizer.get_default_config()}, storage, Resource("t"), context)
counts = CountVectorsFeaturizer.create(
    {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 2},
    storage, Resource("c"), context,
)
lexical = LexicalSyntacticFeaturizer.create(
    LexicalSyntacticFeaturizer.get_default_config(), storage, Resource("l"), context
)
truncator = SequenceTruncator.create({"max_tokens": 8}, storage, Resource("s"), context)

letter = "我家楼下的路灯已经坏了三个多月了，晚上一片漆黑，老人孩子出门很不安全，多次反映没有人管，希望尽快修好"
texts = [letter, "对"]
data = TrainingData([Message(data={"text": t, "intent": "x"}) for t in texts])
tokenizer.process_training_data(data)
counts.train(data); counts.process_training_data(data)
lexical.train(data); lexical.process_training_data(data)

def shapes(message):
    return sorted([f.type, f.origin, list(f.features.shape)] for f in message.features)

before = [shapes(m) for m in data.training_examples]
truncator.process_training_data(data)
after = [shapes(m) for m in data.training_examples]
seq, sent = data.training_examples[0].get_sparse_features("text")
print(json.dumps({"before": before, "after": after, "tokens": len(data.training_examples[0].get("text_tokens")),
                  "combined": [list(seq.features.shape), list(sent.features.shape)]}))
"""


def test_long_letters_keep_their_head_and_their_whole_sentence_features() -> None:
    python = RASA_BIN.parent / "python"
    if not python.exists():
        pytest.skip("the Rasa environment is not built")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [str(python), "-c", SCRIPT], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    letter_before, short_before = report["before"]
    letter_after, short_after = report["after"]
    assert report["tokens"] > 8  # the letter itself keeps every token
    for (kind, origin, shape), (kind_after, origin_after, shape_after) in zip(letter_before, letter_after, strict=True):
        assert (kind, origin) == (kind_after, origin_after)
        expected = [8, shape[1]] if kind == "sequence" else shape
        assert shape_after == expected
    assert any(kind == "sequence" and shape[0] > 8 for kind, _, shape in letter_before)
    assert short_after == short_before  # "对" is untouched
    assert report["combined"][0][0] == 8 and report["combined"][1][0] == 1
