"""Plain-language (白话版) service guides: load, render, turn into knowledge entries.

A guide is the structured 白话版 of one service: one of the "高效办成一件事" items
(guides.yaml) or another frequent service (services.yaml). Each fact lives once, in the
structure; it is rendered three times:
- formal (`render_formal_text`, the entry's `answer`): the complete guide under the usual
  办事指南 headings (适用对象、办理条件、所需材料 …);
- plain (`render_plain_text`, `plain_answer`): short sections in everyday words for chat;
- voice (`render_voice`, `voice_answer`): one or two spoken sentences for the phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.entry import KnowledgeEntry, Source, require_unique_ids
from knowledge_base.facets import guide_facets

VOICE_MAX_CHARS = 119  # voice replies must stay under 120 characters
_URL = re.compile(r"(https?://|www\.)", re.IGNORECASE)

_TEXT_FIELDS = (
    "id",
    "name",
    "summary",
    "who",
    "time_limit",
    "fee",
    "lead_department",
)
_LIST_FIELDS = (
    "conditions",
    "materials",
    "how_and_where",
    "steps",
    "partner_departments",
    "sub_items",
    "questions",
    "keywords",
)


@dataclass(frozen=True)
class ServiceGuide:
    """One plain-language guide, as written in guides.yaml."""

    id: str
    name: str
    summary: str
    who: str
    conditions: tuple[str, ...]
    materials: tuple[str, ...]
    how_and_where: tuple[str, ...]
    steps: tuple[str, ...]
    time_limit: str
    fee: str
    lead_department: str
    partner_departments: tuple[str, ...]
    sub_items: tuple[str, ...]
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    source: Source
    launch: str = ""  # the city's roll-out deadline from the annex table
    basis: str = ""  # 文件依据 of the item, e.g. 国发〔2024〕3号
    voice: str = ""  # hand-written spoken answer, for items the template would misstate
    category: str = ""  # e.g. 社会保障, 户籍证件; "" = the default for its file


def _require_text(record: dict[str, Any], key: str, guide_id: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"guide {guide_id}: field '{key}' must be a non-empty string")
    return value.strip()


def _require_list(record: dict[str, Any], key: str, guide_id: str) -> tuple[str, ...]:
    value = record.get(key)
    if not isinstance(value, list) or not value:
        raise ValueError(f"guide {guide_id}: field '{key}' must be a non-empty list")
    items = tuple(str(item).strip() for item in value)
    if any(not item for item in items):
        raise ValueError(f"guide {guide_id}: field '{key}' has an empty item")
    return items


def _source(record: dict[str, Any], guide_id: str) -> Source:
    data = record.get("source")
    if not isinstance(data, dict) or not str(data.get("title", "")).strip():
        raise ValueError(f"guide {guide_id}: source.title is required")
    return Source(
        title=str(data["title"]).strip(),
        doc_number=str(data.get("doc_number", "")).strip(),
        issuer=str(data.get("issuer", "")).strip(),
        date=str(data.get("date", "")).strip(),
        section=str(data.get("section", "")).strip(),
    )


def guide_from_dict(record: dict[str, Any]) -> ServiceGuide:
    """Build and validate one guide; raises ValueError naming the guide id."""
    guide_id = str(record.get("id") or "<missing id>")
    values: dict[str, Any] = {key: _require_text(record, key, guide_id) for key in _TEXT_FIELDS}
    values.update({key: _require_list(record, key, guide_id) for key in _LIST_FIELDS})
    return ServiceGuide(
        **values,
        source=_source(record, guide_id),
        launch=str(record.get("launch", "")).strip(),
        basis=str(record.get("basis", "")).strip(),
        voice=str(record.get("voice", "")).strip(),
        category=str(record.get("category", "")).strip(),
    )


def load_guides(path: str | Path) -> list[ServiceGuide]:
    """Read guides.yaml (a mapping with a `guides` list, or a bare list)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    records = data.get("guides", []) if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise ValueError(f"{path}: expected a list of guides")
    return require_unique_ids((guide_from_dict(record) for record in records), "guide")


def _sentence(text: str) -> str:
    """End a fragment with Chinese sentence punctuation, without doubling it."""
    text = text.strip()
    return text if text[-1] in "。！？；" else text + "。"


def _bullets(items: tuple[str, ...]) -> str:
    return "\n".join(f"- {_sentence(item)}" for item in items)


def _numbered(items: tuple[str, ...]) -> str:
    return "\n".join(f"{index}. {_sentence(item)}" for index, item in enumerate(items, 1))


def _partners(guide: ServiceGuide) -> list[str]:
    """The partner departments other than the lead ones (partners often repeat the lead department)."""
    lead_names = set(guide.lead_department.split("、"))
    return [name for name in guide.partner_departments if name not in lead_names]


def _departments(guide: ServiceGuide) -> str:
    partners = _partners(guide)
    text = f"牵头部门：{guide.lead_department}。"
    if partners:
        text += f"\n一起办理的部门：{'、'.join(partners)}。"
    return text


def render_plain_text(guide: ServiceGuide) -> str:
    """The 白话版 answer: short sections, each fact stated in one place."""
    sections = [
        f"【{guide.name}】{_sentence(guide.summary)}",
        f"包括这些事：{'；'.join(guide.sub_items)}。",
        f"谁能办：{_sentence(guide.who)}",
        f"办理条件：\n{_bullets(guide.conditions)}",
        f"要带什么：\n{_bullets(guide.materials)}",
        f"去哪办：\n{_bullets(guide.how_and_where)}",
        f"怎么办：\n{_numbered(guide.steps)}",
        f"多久办好：{_sentence(guide.time_limit)}",
        f"要不要钱：{_sentence(guide.fee)}",
        f"找哪个部门：{_departments(guide)}",
    ]
    # One block (chat channels split messages at blank lines); the reply adds the
    # citation, so the source is not repeated here.
    return "\n".join(sections)


def render_formal_text(guide: ServiceGuide) -> str:
    """The complete guide under the formal 办事指南 headings (the entry's `answer`)."""
    partners = _partners(guide)
    sections = [
        f"【{guide.name}】{_sentence(guide.summary)}",
        f"具体事项：{'；'.join(guide.sub_items)}。",
        f"适用对象：{_sentence(guide.who)}",
        f"办理条件：\n{_numbered(guide.conditions)}",
        f"所需材料：\n{_numbered(guide.materials)}",
        f"办理方式和地点：\n{_numbered(guide.how_and_where)}",
        f"办理流程：\n{_numbered(guide.steps)}",
        f"办理时限：{_sentence(guide.time_limit)}",
        f"收费标准：{_sentence(guide.fee)}",
        f"牵头部门：{guide.lead_department}。",
    ]
    if partners:
        sections.append(f"联办部门：{'、'.join(partners)}。")
    if guide.basis:
        sections.append(f"文件依据：{guide.basis}。")
    return "\n".join(sections)


def _voice_candidates(guide: ServiceGuide) -> list[str]:
    """Spoken answers from most to least detailed; the first short enough wins."""
    summary = _sentence(guide.summary)
    where = "您可以到政务服务中心综合窗口或在网上申办"
    hand_written = [guide.voice] if guide.voice else []
    return hand_written + [
        f"{summary}{where}，牵头部门是{guide.lead_department}。",
        f"{summary}牵头部门是{guide.lead_department}。",
        f"{guide.name}{where}，牵头部门是{guide.lead_department}。",
        f"{guide.name}由{guide.lead_department}牵头，详情可拨打12345咨询。",
    ]


_SENTENCE_RE = re.compile(r"[^。！？]+[。！？]?")
_URL_TOKEN = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_PARENTHETICAL = re.compile(r"（[^（）]*）|\([^()]*\)")


def _speakable(text: str) -> str:
    """One line without links, list markers, bracketed headings or markdown."""
    text = _URL_TOKEN.sub("", text)
    text = re.sub(r"【[^】]*】", "", text)
    text = re.sub(r"(?m)^\s*(?:[-*•]|\d{1,2}[.、])\s*", "", text)
    text = text.replace("**", "").replace("#", "")
    return re.sub(r"\s+", "", text)


def _fit(sentence: str, limit: int) -> str:
    """Shorten one sentence to `limit` characters: drop asides in brackets, then cut at a clause."""
    if len(sentence) <= limit:
        return sentence
    sentence = _sentence(_PARENTHETICAL.sub("", sentence))
    if len(sentence) <= limit:
        return sentence
    cut = max(sentence.rfind(mark, 0, limit) for mark in "，；：、")
    if cut <= 0:
        cut = limit - 1
    return sentence[:cut] + "。"


def spoken_form(text: str, limit: int = VOICE_MAX_CHARS) -> str:
    """One or two spoken sentences from a written answer: its first sentence, plus the second when
    the first is short and both fit. No line breaks, lists or links."""
    sentences = [s for s in _SENTENCE_RE.findall(_speakable(text)) if s.strip("。！？ ")]
    if not sentences:
        return ""
    first = _fit(_sentence(sentences[0]), limit)
    if len(sentences) > 1 and len(first) < 40:
        second = _sentence(sentences[1])
        if len(first) + len(second) <= limit or len(first) <= 10:
            # a bare "能。" / "可以。" needs the sentence that explains it
            return first + _fit(second, limit - len(first))
    return first


def render_voice(guide: ServiceGuide) -> str:
    """One or two spoken sentences: no lists, no line breaks, no links."""
    for candidate in _voice_candidates(guide):
        if len(candidate) <= VOICE_MAX_CHARS and not _URL.search(candidate):
            return candidate
    return f"{guide.name}的详情可拨打12345咨询。"


def facets_of(guide: ServiceGuide) -> dict[str, tuple[str, ...]]:
    """The guide's facets (knowledge_base.facets), each stated as in the plain-language version."""
    return guide_facets(
        who=_sentence(guide.who),
        conditions=[_sentence(item) for item in guide.conditions],
        materials=[_sentence(item) for item in guide.materials],
        how_and_where=[_sentence(item) for item in guide.how_and_where],
        steps=[_sentence(item) for item in guide.steps],
        time_limit=_sentence(guide.time_limit),
        fee=_sentence(guide.fee),
        departments=_department_lines(guide),
    )


def _department_lines(guide: ServiceGuide) -> tuple[str, ...]:
    """Who is responsible, said plainly: the lead department, then the others taking part."""
    partners = _partners(guide)
    lines = [f"{guide.lead_department}牵头办理。"]
    if partners:
        lines.append(f"一起办理的还有{'、'.join(partners)}。")
    return tuple(lines)


def guide_to_entry(guide: ServiceGuide, default_category: str = "高效办成一件事") -> KnowledgeEntry:
    """A guide as a knowledge-base entry (kind="guide", valid from its document date).

    `answer` is the formal text, `plain_answer` the 白话版, `voice_answer` the spoken form.
    """
    return KnowledgeEntry(
        id=guide.id,
        title=guide.name,
        answer=render_formal_text(guide),
        source=guide.source,
        questions=guide.questions,
        department=guide.lead_department,
        region="",
        valid_from=guide.source.date,
        valid_to="",
        kind="guide",
        keywords=guide.keywords,
        plain_answer=render_plain_text(guide),
        voice_answer=render_voice(guide),
        category=guide.category or default_category,
        facets=facets_of(guide),
    )


def guide_entries(path: str | Path, default_category: str = "高效办成一件事") -> list[KnowledgeEntry]:
    """Load a guides file (guides.yaml, services.yaml) and return one knowledge entry per guide."""
    return [guide_to_entry(guide, default_category) for guide in load_guides(path)]


def voice_answers(path: str | Path) -> dict[str, str]:
    """Voice answer per guide id, for the telephone channel."""
    return {guide.id: render_voice(guide) for guide in load_guides(path)}
