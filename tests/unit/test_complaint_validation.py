"""Validation of what callers give the complaint form."""

from __future__ import annotations

import pytest

from actions.complaint import is_meaningful_description, normalize_phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13912345678", "13912345678"),
        ("我的电话是 139 1234 5678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),
        ("0391-2345678", "0391-2345678"),
        ("座机03912345678", "03912345678"),
    ],
)
def test_valid_phone_numbers_are_normalized(text: str, expected: str) -> None:
    assert normalize_phone(text) == expected


@pytest.mark.parametrize("text", ["12345", "1391234567", "23912345678", "电话没有", "0391-123"])
def test_invalid_phone_numbers_are_refused(text: str) -> None:
    assert normalize_phone(text) is None


@pytest.mark.parametrize("text", ["我要投诉", "我想反映个问题", "投诉！", "求助"])
def test_generic_openings_are_not_descriptions(text: str) -> None:
    assert not is_meaningful_description(text)


def test_a_real_description_is_kept() -> None:
    assert is_meaningful_description("小区门口的烧烤摊半夜还很吵")
