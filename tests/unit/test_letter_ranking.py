"""The arithmetic that merges LetterTypeClassifier's choice into DIET's ranking."""

from __future__ import annotations

import pytest

from bot.components.letter_ranking import is_letter, letter_mass, share_out

LETTERS = ["ask_info", "complain", "seek_help", "suggest", "praise"]
LONG = "我住在中站，楼下饭店油烟太大，电话13912345678"


def _ranking(**confidences: float) -> list[dict]:
    return [{"name": n, "confidence": c} for n, c in sorted(confidences.items(), key=lambda kv: -kv[1])]


def test_letter_mass_adds_only_letter_intents() -> None:
    ranking = _ranking(inform=0.4, complain=0.35, ask_info=0.15, greet=0.1)
    assert letter_mass(ranking, LETTERS) == pytest.approx(0.5)


def test_letter_kinds_weighed_together_beat_inform() -> None:
    # DIET unsure which kind of letter, but sure it is one: a letter, not a form answer.
    assert is_letter(_ranking(inform=0.4, complain=0.35, ask_info=0.15, greet=0.1), LONG, LETTERS, 15)


def test_clear_other_intent_is_kept() -> None:
    assert not is_letter(_ranking(out_of_scope=0.6, ask_info=0.3, complain=0.1), LONG, LETTERS, 15)
    assert not is_letter(_ranking(emergency=0.9, complain=0.1), LONG, LETTERS, 15)


def test_short_turns_stay_with_diet() -> None:
    assert not is_letter(_ranking(complain=0.9, inform=0.1), "我要投诉", LETTERS, 15)
    assert not is_letter([], LONG, LETTERS, 15)


def test_share_out_gives_the_chosen_kind_the_letter_mass() -> None:
    ranking = _ranking(inform=0.4, complain=0.35, ask_info=0.15, greet=0.1)
    merged = share_out(ranking, {"complain": 0.7, "ask_info": 0.2, "suggest": 0.1})
    assert merged[0] == {"name": "complain", "confidence": pytest.approx(0.5)}
    by_name = {item["name"]: item["confidence"] for item in merged}
    assert by_name["inform"] == 0.4 and by_name["greet"] == 0.1
    assert by_name["ask_info"] == pytest.approx(0.1) and by_name["suggest"] == pytest.approx(0.05)
    confidences = [item["confidence"] for item in merged]
    assert confidences == sorted(confidences, reverse=True)
