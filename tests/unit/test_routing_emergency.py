from __future__ import annotations

import pytest

from routing.emergency import advice_for_emergency, detect_emergency


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


@pytest.mark.parametrize(
    "text, kind",
    [
        ("有人心脏病发作了", "medical"),
        ("有人被刀捅了", "police"),
        ("我被人打了 他们还在外面", "police"),
        ("嗯 救命啊 有人打我", "police"),
        ("有人闯进我家了", "police"),
        ("有人在砸我家门 我很害怕", "police"),
        ("家门口有人砸车", "police"),
        ("小孩掉河里了", "police"),
        ("我家孩子被人抱走了", "police"),
        ("我被骗了 对方还在跟我要钱 我要报警", "police"),
        ("救命 他们动刀了", "police"),
        ("家里老人摔倒了 起不来 头在流血", "medical"),
        ("那个 快点 我老婆要生了 羊水破了", "medical"),
        ("有人喝农药了", "medical"),
        ("有人割腕了", "medical"),
        ("老人突然说不出话 半边身子不能动", "medical"),
        ("有人晕倒了 快叫救护车", "medical"),
    ],
)
def test_detects_what_callers_say_in_an_emergency(text: str, kind: str) -> None:
    """Phrases the actions' old regex fallback caught; the router and the web app see them now too."""
    advice = detect_emergency(text)
    assert advice is not None and advice.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "我们报警好几次 警察来了就小声一会 走了又开大",
        "120救护车都被堵过，希望有关部门管一管",
        "我现在一个人在武陟县租房住，快要生了，身上没有多少钱",
        "请打我电话 13812345678",
        "本单元的人上周砸门，今天又来吵",
    ],
)
def test_the_new_cues_do_not_flag_ordinary_letters(text: str) -> None:
    assert detect_emergency(text) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("楼下着火了", "119"),
        ("闻到很大的煤气味", "119"),
        ("我爸突然晕倒了", "120"),
        ("有人被车撞了", "120"),
        ("救护车 快", "120"),
        ("有人在砸我家门", "110"),
        ("有人抢劫", "110"),
        ("救命", "110"),
        ("快来人啊", "110"),
        ("我被困在电梯里了 里面很闷", "110"),
        ("", "110"),
    ],
)
def test_a_known_emergency_always_gets_a_number(text: str, number: str) -> None:
    """The NLU said emergency: what the cues find, else the broader hints, else the police."""
    advice = advice_for_emergency(text)
    assert advice.number == number and f"请立即拨打{number}" in advice.advice


def test_a_known_emergency_uses_the_city_numbers() -> None:
    numbers = {"police": "0391110", "fire": "96119", "medical": "96120"}
    assert advice_for_emergency("闻到很大的煤气味", numbers).number == "96119"
    assert advice_for_emergency("快来人啊", numbers).number == "0391110"
    assert advice_for_emergency("有人割腕了", numbers).number == "96120"


def test_hints_skip_phrases_that_are_no_emergency() -> None:
    """A cry for help at the "火车站" is no fire: the police take it."""
    assert advice_for_emergency("救命 我在火车站").number == "110"
