"""When OutOfScopeGate overrides DIET, and what the ranking then looks like.

Plain functions over Rasa's ranking dictionaries ({"name": …, "confidence": …}), with no Rasa
import, so the rules can be unit-tested in the application environment.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List

from bot.components.letter_ranking import CONFIDENCE, NAME

OUT_OF_SCOPE = "out_of_scope"
IN_SCOPE = "in_scope"
# The intents that lead into the knowledge base, a form or a ticket lookup.
GATED_INTENTS = [
    "ask_info",
    "ask_facet",
    "inform",
    "complain",
    "seek_help",
    "suggest",
    "praise",
    "ask_ticket_status",
    "urge_ticket",
]


# Entities that do not mark a hotline matter: "那XX呢" and "不是这个" occur in everyday talk too. A facet
# (材料, 多少钱) does count: short follow-ups such as "材料有哪些" must not be taken for chit-chat
# (`hotline eval scope-gate`: with facets ignored, 13 held-out hotline turns gated at 0.7 instead of 2).
WEAK_ENTITIES = frozenset({"subject", "wrong_answer"})


def has_matter_entities(entities: Iterable[Dict[str, Any]]) -> bool:
    """Whether the message names something only a hotline matter has."""
    return any(entity.get("entity") not in WEAK_ENTITIES for entity in entities)


def scope_label(intent: str) -> str:
    """The gate's training label of an example of ``intent``."""
    return OUT_OF_SCOPE if intent == OUT_OF_SCOPE else IN_SCOPE


def gate_candidate(ranking: List[Dict[str, Any]], has_entities: bool, gated_intents: Iterable[str]) -> bool:
    """Whether OutOfScopeGate may second-guess DIET on this message at all.

    Only the intents that lead into the knowledge base, a form or a ticket lookup are gated;
    conversation turns (greet, affirm, request_human, emergency …) always keep DIET's decision.
    A message with a place, a phone or a ticket number in it is a caller answering a form, even
    when it reads like small talk ("塔北路88号", "我手机13700001111").
    """
    return bool(ranking) and not has_entities and ranking[0][NAME] in set(gated_intents)


def out_of_scope_first(ranking: List[Dict[str, Any]], p_out: float) -> List[Dict[str, Any]]:
    """The ranking with out_of_scope on top at ``p_out``; the rest share what is left, in DIET's proportions."""
    others = [item for item in ranking if item[NAME] != OUT_OF_SCOPE]
    total = sum(item[CONFIDENCE] for item in others)
    scale = (1.0 - p_out) / total if total > 0 else 0.0
    rest = [{NAME: item[NAME], CONFIDENCE: float(item[CONFIDENCE] * scale)} for item in others]
    return [{NAME: OUT_OF_SCOPE, CONFIDENCE: float(p_out)}] + sorted(rest, key=lambda i: i[CONFIDENCE], reverse=True)
