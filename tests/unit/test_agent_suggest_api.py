"""POST /api/agent/suggest (issue 19) through the real app: agent tokens only, 422 on empty or too
long text, and the suggestions' JSON for a real question, on an index of the city's guides and
services saved to disk and loaded by the app from its settings with the real model."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from knowledge_base.encoder import Encoder
from knowledge_base.index import build_index
from knowledge_base.index_files import save_index
from settings import Settings, load_settings
from tests.unit.test_suggestions import CARD, PERMIT, REISSUE, city_entries
from webapp.app import create_app

DEPARTMENT, AGENT = "dept-" + "d" * 40, "agent-" + "a" * 40
PHONE = "13812345678"
TITLE = "焦作市进一步优化政务服务提升行政效能推动“高效办成一件事”工作方案"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def index_dir(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kb")
    save_index(build_index(city_entries(expired="2025-12-31"), encoder), directory, encoder.name)
    return directory


@pytest.fixture(scope="module")
def api(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    settings = Settings.from_values(
        var_dir=tmp_path_factory.mktemp("var"),
        index_dir=index_dir,
        model_dir=load_settings().model_dir,
        sweep_interval_seconds=0,
        retention_interval_seconds=0,
        department_tokens=json.dumps({"市人力资源社会保障局": DEPARTMENT}),
        agent_tokens=json.dumps({"坐席01": AGENT}),
    )
    return TestClient(create_app(settings))


def test_only_agents_get_suggestions(api: TestClient) -> None:
    question = {"text": "社保卡丢了怎么补办"}
    missing = api.post("/api/agent/suggest", json=question)
    assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"
    assert api.post("/api/agent/suggest", json=question, headers=bearer("agent-" + "x" * 40)).status_code == 401
    refused = api.post("/api/agent/suggest", json=question, headers=bearer(DEPARTMENT))
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"


@pytest.mark.parametrize("body", [{"text": ""}, {"text": " \n\t "}, {"text": "\x00"}, {"text": "问" * 2001}, {}])
def test_empty_or_too_long_text_is_refused_with_a_message(api: TestClient, body: dict) -> None:
    response = api.post("/api/agent/suggest", json=body, headers=bearer(AGENT))
    assert response.status_code == 422
    error = response.json()
    assert error["error"] and "text" in error["message"] and "问问问" not in response.text


def test_a_question_gets_the_top_three_entries_with_answer_source_validity_and_confidence(
    api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = api.post(
            "/api/agent/suggest", json={"text": f"社保卡丢了怎么补办，我电话{PHONE}"}, headers=bearer(AGENT)
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["decision"] == "answer" and len(body["suggestions"]) == 3
    first = body["suggestions"][0]
    assert first["entry_id"] == CARD and first["title"] == "社会保障卡居民服务“一件事”"
    assert first["answer"].startswith("【社会保障卡居民服务“一件事”】一张社保卡")
    assert first["source"] == {
        "title": TITLE,
        "doc_number": "焦政办〔2024〕21号",
        "issuer": "焦作市人民政府办公室",
        "section": "附件 第11项",
        "department": "市人力资源社会保障局",
        "citation": f"《{TITLE}》（焦政办〔2024〕21号）附件 第11项",
    }
    assert first["valid_from"] == "2024-09-24" and first["valid_to"] is None and first["expired"] is False
    assert 0.5 <= first["confidence"] <= 1 and isinstance(first["truncated"], bool)
    assert REISSUE in [item["entry_id"] for item in body["suggestions"]]
    assert set(first) == {
        "entry_id", "title", "answer", "truncated", "source", "valid_from", "valid_to", "expired", "confidence"
    }  # fmt: skip
    assert PHONE not in caplog.text and "社保卡" not in caplog.text


def test_an_expired_entry_is_flagged(api: TestClient) -> None:
    response = api.post("/api/agent/suggest", json={"text": "外地人在焦作住，怎么办居住证"}, headers=bearer(AGENT))
    body = response.json()
    assert body["decision"] == "expired"
    first = body["suggestions"][0]
    assert first["entry_id"] == PERMIT and first["expired"] is True and first["valid_to"] == "2025-12-31"
    assert first["answer"].startswith("【已失效】")


def test_without_an_index_the_agent_is_told_suggestions_are_unavailable(tmp_path: Path) -> None:
    settings = Settings.from_values(
        var_dir=tmp_path, sweep_interval_seconds=0, agent_tokens=json.dumps({"坐席01": AGENT})
    )
    response = TestClient(create_app(settings)).post(
        "/api/agent/suggest", json={"text": "社保卡"}, headers=bearer(AGENT)
    )
    assert response.status_code == 503 and response.json()["error"] == "index_not_built"
