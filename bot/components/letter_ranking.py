"""How the letter kind chosen by LetterTypeClassifier is merged into DIET's intent ranking.

Plain functions over Rasa's ranking dictionaries ({"name": …, "confidence": …}), with no Rasa
import, so the arithmetic can be unit-tested in the application environment.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List

NAME = "name"  # rasa.shared.nlu.constants.INTENT_NAME_KEY
CONFIDENCE = "confidence"  # rasa.shared.nlu.constants.PREDICTED_CONFIDENCE_KEY


def letter_mass(ranking: List[Dict[str, Any]], letter_intents: Iterable[str]) -> float:
    """The confidence DIET gave to the letter intents together."""
    wanted = set(letter_intents)
    return sum(item[CONFIDENCE] for item in ranking if item[NAME] in wanted)


def is_letter(ranking: List[Dict[str, Any]], text: str, letter_intents: Iterable[str], min_chars: int) -> bool:
    """Whether DIET's ranking says this message is a letter of some kind.

    Short messages are conversation turns and stay with DIET. On long ones DIET spreads its
    confidence over the letter kinds when it cannot tell them apart, so a complaint that also gives
    an address and a phone number can lose to ``inform`` although DIET is sure it is a letter: the
    letter intents are therefore weighed together against the best other intent.
    """
    if len(text.strip()) < min_chars or not ranking:
        return False
    wanted = set(letter_intents)
    others = [item[CONFIDENCE] for item in ranking if item[NAME] not in wanted]
    return letter_mass(ranking, wanted) > max(others, default=0.0)


def share_out(ranking: List[Dict[str, Any]], letter_probs: Dict[str, float]) -> List[Dict[str, Any]]:
    """DIET's ranking with its letter intents re-ranked by ``letter_probs``.

    The most likely kind keeps the confidence DIET gave to the letter intents together (how sure we
    are that this is a letter we understood, which is what the fallback threshold asks); the other
    kinds get that confidence times their probability, so the ranking still shows the runner-up.
    """
    mass = letter_mass(ranking, letter_probs)
    best = max(letter_probs, key=letter_probs.get)
    others = [item for item in ranking if item[NAME] not in letter_probs]
    letters = [{NAME: name, CONFIDENCE: float(mass if name == best else mass * p)} for name, p in letter_probs.items()]
    return sorted(others + letters, key=lambda item: item[CONFIDENCE], reverse=True)
