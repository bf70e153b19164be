"""Readings of what callers say: ratings, corrections, places (no Rasa needed)."""

from __future__ import annotations

import pytest

from actions.understanding import (
    correction_text,
    declines_rating,
    mentions_location,
    names_only_a_district,
    parse_rating,
)


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("5分", 5),
        ("五分", 5),
        ("4", 4),
        ("打三分吧", 3),
        ("五", 5),
        ("五星", 5),
        ("给你打5分", 5),
        ("非常满意", 5),
        ("满意", 4),
        ("一般般", 3),
        ("不满意", 2),
        ("非常不满意", 1),
        ("２分", 2),
    ],
)
def test_ratings_are_read_from_digits_numerals_and_words(text: str, score: int) -> None:
    assert parse_rating(text) == score


@pytest.mark.parametrize("text", ["", "嗯", "我还有个问题", "12345", "6分"])
def test_no_rating_in_other_words(text: str) -> None:
    assert parse_rating(text) is None


def test_declining_the_rating() -> None:
    assert declines_rating("不评了") and declines_rating("算了吧") and not declines_rating("5分")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("不对，是山阳区", "山阳区"),
        ("地址错了 是塔北路88号", "塔北路88号"),
        ("不对 地点是解放区民主路", "解放区民主路"),
        ("应该是中站区", "中站区"),
    ],
)
def test_corrections_lose_their_lead_in(text: str, value: str) -> None:
    assert correction_text(text) == value


def test_location_corrections_are_recognised() -> None:
    assert mentions_location("地址错了 是塔北路88号")
    assert not mentions_location("电话不对")


@pytest.mark.parametrize("text", ["解放区", "在解放区", "嗯 是解放区的", "焦作市解放区", "解放"])
def test_a_bare_district_is_not_an_address(text: str) -> None:
    assert names_only_a_district(text, ("解放区", "解放"))


@pytest.mark.parametrize("text", ["解放区民主南路88号", "民主南路", "解放区和平小区门口"])
def test_a_street_or_landmark_is_an_address(text: str) -> None:
    assert not names_only_a_district(text, ("解放区", "解放"))


def test_a_place_runs_on_past_the_town_to_the_village_and_landmark() -> None:
    from actions.understanding import place_phrase

    text = "待王镇东王封村北头有人烧秸秆，烟太大了"
    assert place_phrase(text, [(0, 3)]) == "待王镇东王封村北头"
    text = "我要投诉民主路和平小区3号楼门口的烧烤摊"
    start = text.index("民主路")
    assert place_phrase(text, [(start, start + 3)]) == "民主路和平小区3号楼门口"
    assert place_phrase("郇封镇的路灯坏了", [(0, 3)]) == "郇封镇"
    assert place_phrase("随便说说", []) == ""
