"""`hotline eval intents` parses in batches in one process: it must give the server's intents."""

from __future__ import annotations

import httpx

from evaluation.intents_eval import BENCH_SENTENCES, batch_intents
from hotline.processes import PROJECT_ROOT, RASA_BIN, RASA_MODEL
from tests.e2e.conftest import Assistant


def test_batch_parsing_gives_the_intents_of_the_running_server(assistant: Assistant) -> None:
    texts = list(BENCH_SENTENCES)
    served = [
        httpx.post(
            f"{assistant.rasa_url}/model/parse", json={"text": text}, params=assistant.rasa_api_params, timeout=60
        ).json()["intent"]["name"]
        for text in texts
    ]
    batched = batch_intents(RASA_BIN.parent / "python", PROJECT_ROOT, RASA_MODEL, texts, batch_size=4)
    assert batched == served
    assert len(set(served)) > 3  # the sentences span several intents, so agreement means something
