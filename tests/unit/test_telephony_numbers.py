"""Speech results normalised before the NLU sees them; numbers grouped and spelled for reading back."""

from __future__ import annotations

import pytest

from telephony.numbers import (
    digit_groups,
    is_mobile,
    last_four,
    national_number,
    normalise_speech,
    phone_number,
    spell_digits,
)


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("幺三八 一二三四 五六七八", "13812345678"),  # spoken digit by digit, with pauses
        ("我的电话是１３８一二三四5678", "我的电话是13812345678"),  # full-width and mixed forms
        ("零三九一 三五六八八八八", "03913568888"),
        ("JZ二零二六一一二二杠零零零一", "JZ20261122-0001"),  # a work-order number said aloud
        ("二零二六年十二月", "2026年12月"),
        ("两百五十块", "250块"),
        ("三千块", "3000块"),
        ("請問居住證怎麼辦理。", "请问居住证怎么办理"),  # traditional characters, final full stop
    ],
)
def test_numbers_and_characters_are_normalised(heard: str, expected: str) -> None:
    assert normalise_speech(heard) == expected


@pytest.mark.parametrize("words", ["我想咨询一下", "统一办理", "第一次来办", "五一假期", "十分感谢", "一楼漏水"])
def test_everyday_words_keep_their_characters(words: str) -> None:
    assert normalise_speech(words) == words


@pytest.mark.parametrize(
    ("said", "number"),
    [
        ("13812345678", "13812345678"),
        ("幺三八，一二三四，五六七八", "13812345678"),
        ("电话是0391-3568888", "0391-3568888"),
        ("+86 138 1234 5678", "13812345678"),
        ("1381234567", None),  # ten digits: not a number
        ("12345", None),
        ("", None),
    ],
)
def test_phone_numbers_from_keys_or_speech(said: str, number: str | None) -> None:
    assert phone_number(said) == number


def test_the_calling_number_in_national_form() -> None:
    assert national_number("+8613812345678") == "13812345678"
    assert national_number("+863913568888") == "03913568888"
    assert national_number("+14155550100") is None  # not a mainland number: typed instead
    assert national_number("anonymous") is None
    assert is_mobile("13812345678") and not is_mobile("03913568888")
    assert last_four("+8613812345678") == "5678"


@pytest.mark.parametrize(
    ("number", "groups"),
    [
        ("13812345678", ["138", "1234", "5678"]),
        ("138 1234 5678", ["138", "1234", "5678"]),
        ("0391-3568888", ["0391", "356", "8888"]),
        ("03913568888", ["0391", "356", "8888"]),
        ("01012345678", ["010", "1234", "5678"]),
        ("12315", ["12315"]),
        ("20261122", ["2026", "1122"]),
    ],
)
def test_numbers_are_read_back_in_groups(number: str, groups: list[str]) -> None:
    assert digit_groups(number) == groups


def test_digits_are_spelled_one_by_one_with_yao_for_one() -> None:
    assert spell_digits("13807") == "幺三八零七"
    assert spell_digits("0391-12") == "零三九幺幺二"


def test_chinese_punctuation_is_kept() -> None:
    assert normalise_speech("烧烤摊很吵，严重影响休息；半夜也不停！") == "烧烤摊很吵，严重影响休息；半夜也不停"
    assert normalise_speech("ＪＺ２０２６") == "JZ2026"
