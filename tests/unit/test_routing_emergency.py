from __future__ import annotations

import pytest

from routing.emergency import detect_emergency


@pytest.mark.parametrize(
    "text, kind, number",
    [
        ("我家楼下的饭店着火了，烟特别大", "fire", "119"),
        ("厨房里燃气泄漏了，满屋子味道", "fire", "119"),
        ("有人拿刀在街上追着人砍", "police", "110"),
        ("隔壁又在家暴，女的一直在喊救命", "police", "110"),
        ("有个老人在公交站晕倒了，叫不醒", "medical", "120"),
        ("工地上有工人从架子上摔下来骨折了", "medical", "120"),
    ],
)
def test_detects_emergencies(text: str, kind: str, number: str) -> None:
    advice = detect_emergency(text)
    assert advice is not None
    assert advice.kind == kind and advice.number == number
    assert f"请立即拨打{number}" in advice.advice


@pytest.mark.parametrize(
    "text",
    [
        "楼下饭店烧烤油烟太大",
        "小区消防通道被车堵了",
        "仓库里堆了很多纸箱，有火灾隐患",
        "上个月电动车被偷了，想问问案子有没有进展",
        "路灯坏了好几天",
        "",
    ],
)
def test_ordinary_requests_are_not_emergencies(text: str) -> None:
    assert detect_emergency(text) is None


def test_fight_with_injury_names_both_numbers() -> None:
    advice = detect_emergency("门口有人打架，一个人被打得头上流血不止")
    assert advice.kind == "police" and advice.number == "110"
    assert ("medical", "120") in advice.also
    assert "120" in advice.advice


def test_numbers_can_come_from_the_city() -> None:
    advice = detect_emergency("仓库起火了", {"fire": "96119"})
    assert advice.number == "96119" and "96119" in advice.advice
