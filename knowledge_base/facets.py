"""Facets: the parts of a service guide a caller asks about one at a time.

After a first answer, callers ask "要带什么材料", "在哪办", "收费吗": each is one facet of the
guide under discussion. A guide stores each facet's lines (``KnowledgeEntry.facets``); the NLU
names the facet asked for (the ``facet`` entity, nlu_data/facets.yml), and retrieval uses the
facet's label to rewrite an elliptical question ("退休“一件事” 所需材料").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SUMMARY = "summary"  # a first answer: what the service is, in a few lines
FULL = "full"  # the whole guide, when the caller asks for it

# facet → (written label, what a caller hears before the lines)
FACETS: Mapping[str, tuple[str, str]] = {
    "who": ("适用对象", "谁能办"),
    "conditions": ("办理条件", "办理条件"),
    "materials": ("所需材料", "要带的材料"),
    "place": ("办理方式和地点", "去哪办"),
    "online": ("网上办理", "网上怎么办"),
    "steps": ("办理流程", "办理流程"),
    "time_limit": ("办理时限", "多久办好"),
    "fee": ("收费标准", "收费"),
    "department": ("牵头部门", "负责部门"),
}
ANSWER_FACETS = (SUMMARY, FULL, *FACETS)

_ONLINE_MARKS = ("线上", "网上", "网办", "APP", "App", "app", "小程序", "掌上", "手机")


def label(facet: str) -> str:
    """The written heading of a facet (所需材料), for query rewriting; "" for summary/full."""
    return FACETS[facet][0] if facet in FACETS else ""


def spoken_label(facet: str) -> str:
    return FACETS[facet][1] if facet in FACETS else ""


def online_lines(how_and_where: Sequence[str]) -> tuple[str, ...]:
    """The lines of "how and where" that are about applying online."""
    return tuple(line for line in how_and_where if any(mark in line for mark in _ONLINE_MARKS))


def guide_facets(
    *,
    who: str,
    conditions: Sequence[str],
    materials: Sequence[str],
    how_and_where: Sequence[str],
    steps: Sequence[str],
    time_limit: str,
    fee: str,
    departments: Sequence[str],
) -> dict[str, tuple[str, ...]]:
    """Every facet of a structured guide; "online" only when the guide names an online channel."""
    facets = {
        "who": (who,),
        "conditions": tuple(conditions),
        "materials": tuple(materials),
        "place": tuple(how_and_where),
        "steps": tuple(steps),
        "time_limit": (time_limit,),
        "fee": (fee,),
        "department": tuple(departments),
    }
    online = online_lines(how_and_where)
    if online:
        facets["online"] = online
    return facets


def rewrite_query(topic: str, facet: str, subject: str = "") -> str:
    """A retrieval query for an elliptical follow-up: the topic (or the new subject) plus the facet label.

    "要带什么材料" about 退休“一件事” → "退休“一件事” 所需材料"; "那居住证呢" after a question about
    materials → "居住证 所需材料".
    """
    return " ".join(part for part in (subject or topic, label(facet)) if part)
