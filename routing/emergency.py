"""Emergencies that must go to 110 / 119 / 120 at once, never become ordinary work orders.

``detect_emergency`` looks for a fire, a crime in progress or violence, and an injury or acute illness
in what the caller says and returns caller-facing advice in Chinese; the router and the web app use it
on every message. ``advice_for_emergency`` answers a message already known to be an emergency (the
NLU's ``emergency`` intent) and always gives a number, and ``emergency_message`` is what the caller is
told. The cue lists are about the language, not the city; the numbers come from ``city.yaml``
(``emergency_numbers``), with the national ones as defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_NUMBERS = {"police": "110", "fire": "119", "medical": "120"}

# Phrases that mention the cue words without an emergency happening now (hazard reports, prevention).
_NOT_NOW = (
    "火灾隐患",
    "消防隐患",
    "防火",
    "消防通道",
    "消防栓",
    "消防安全",
    "灭火器",
    "消防检查",
    "打架斗殴的视频",
    "防诈骗",
    "上火",
    "发火",
    "火车",
    "火锅",
    "火腿",
    "烟火气",
    "烧烤",
    "急救知识",
    "急救培训",
    "120急救中心收费",
    "救护车收费",
)
_PAST = re.compile(r"(上个?月|上周|上星期|去年|前年|以前|之前|前几天|几天前|那年|当时)")

_FIRE = (
    "着火",
    "起火",
    "失火",
    "火灾",
    "烧起来",
    "冒浓烟",
    "冒大烟",
    "火势",
    "火苗窜",
    "爆炸",
    "燃气泄漏",
    "煤气泄漏",
    "漏煤气",
    "漏气了",
)
_POLICE = (
    "抢劫",
    "抢钱",
    "持刀",
    "拿刀",
    "砍人",
    "杀人",
    "行凶",
    "绑架",
    "劫持",
    "拐卖",
    "拐走",
    "强奸",
    "正在偷",
    "入室盗窃",
    "小偷在",
    "有人撬门",
    "撬锁",
    "打人",
    "被打",
    "殴打",
    "群殴",
    "打架",
    "家暴",
    "跳楼",
    "要跳河",
    "轻生",
    "闹自杀",
    "威胁要杀",
    "开枪",
    "被人打",
    "有人打我",
    "被刀捅",
    "捅人",
    "动刀",
    "闯进我家",
    "闯进来",
    "砸门",
    "砸我家",
    "砸车",
    "被人抱走",
    "掉河里",
    "掉水里",
    "快报警",
    "我要报警",
    "帮我报警",
)
_MEDICAL = (
    "昏迷",
    "晕倒",
    "晕过去",
    "不省人事",
    "没有呼吸",
    "没呼吸",
    "没了心跳",
    "心脏骤停",
    "抽搐",
    "大出血",
    "流血不止",
    "血流不止",
    "骨折",
    "摔伤",
    "撞伤",
    "受伤了",
    "中毒",
    "喘不上气",
    "呼吸困难",
    "心脏病犯了",
    "脑梗",
    "中风",
    "休克",
    "溺水",
    "触电",
    "被车撞",
    "快不行了",
    "吐血",
    "心脏病发作",
    "在流血",
    "羊水破",
    "喝农药",
    "割腕",
    "半边身子不能动",
    "突然说不出话",
    "叫救护车",
)

# For a message already known to be an emergency that names none of the cues above ("救命",
# "快来人啊", "救护车 快"): broader hints of which service it needs. Broad on purpose, so never used
# to decide whether there is an emergency at all; with no hint the police (110) take it.
_FIRE_HINT = re.compile(r"火|烟|燃气|煤气|天然气|爆炸|泄漏")
_MEDICAL_HINT = re.compile(
    r"晕|昏迷|不省人事|心脏|救护|流血|摔倒|中毒|溺水|触电|生了|要生|羊水|喝农药|割腕|说不出话|受伤|撞|吃错药|抽搐"
)

_ADVICE = {
    "fire": "请立即拨打{fire}火警电话，说清楚地址和着火情况，并马上离开危险区域，不要乘坐电梯。"
    "如果是燃气泄漏，请不要开关电器、不要使用明火，打开门窗后到室外再打电话。",
    "police": "请立即拨打{police}报警，先确保自己安全，远离危险的人，说清楚地点和现场情况。",
    "medical": "请立即拨打{medical}急救电话，说清楚地址、病人情况和联系电话，"
    "在救护车到达前不要随意搬动伤者，保持电话畅通。",
}
_PRIORITY = ("fire", "police", "medical")


@dataclass(frozen=True)
class EmergencyAdvice:
    """What to tell the caller: the number to call, why, and every emergency found."""

    kind: str  # fire / police / medical
    number: str
    advice: str
    matched: tuple[str, ...]
    also: tuple[tuple[str, str], ...] = ()  # other (kind, number) that apply as well


def _without_not_now(text: str) -> str:
    cleaned = text or ""
    for phrase in _NOT_NOW:
        cleaned = cleaned.replace(phrase, "")
    return cleaned


def detect_emergency(text: str, numbers: dict[str, str] | None = None) -> EmergencyAdvice | None:
    """Advice when ``text`` describes a fire, crime/violence or injury/illness happening now."""
    numbers = {**DEFAULT_NUMBERS, **(numbers or {})}
    cleaned = _without_not_now(text)
    if not cleaned.strip() or _PAST.search(cleaned):
        return None
    found: dict[str, list[str]] = {}
    for kind, cues in (("fire", _FIRE), ("police", _POLICE), ("medical", _MEDICAL)):
        hits = [cue for cue in cues if cue in cleaned]
        if hits:
            found[kind] = hits
    if not found:
        return None
    kinds = [k for k in _PRIORITY if k in found]
    first = kinds[0]
    advice = _ADVICE[first].format(**numbers)
    others = tuple((k, numbers[k]) for k in kinds[1:])
    if others:
        advice += "".join(f"同时请拨打{number}。" for _, number in others)
    return EmergencyAdvice(
        kind=first,
        number=numbers[first],
        advice=advice,
        matched=tuple(word for k in kinds for word in found[k]),
        also=others,
    )


def emergency_hint(text: str) -> bool:
    """Broader words of a fire or an illness (烟, 晕) than ``detect_emergency`` acts on alone."""
    cleaned = _without_not_now(text)
    return bool(_FIRE_HINT.search(cleaned) or _MEDICAL_HINT.search(cleaned))


def advice_for_emergency(text: str, numbers: dict[str, str] | None = None) -> EmergencyAdvice:
    """Advice for a message already recognised as an emergency: always a number to call.

    What ``detect_emergency`` finds, else the service the broader hints point to (fire before
    medical), else the police: someone crying for help gets 110 rather than nothing.
    """
    found = detect_emergency(text, numbers)
    if found is not None:
        return found
    numbers = {**DEFAULT_NUMBERS, **(numbers or {})}
    cleaned = _without_not_now(text)
    kind = "fire" if _FIRE_HINT.search(cleaned) else "medical" if _MEDICAL_HINT.search(cleaned) else "police"
    return EmergencyAdvice(kind=kind, number=numbers[kind], advice=_ADVICE[kind].format(**numbers), matched=())


def emergency_message(number: str, advice: str) -> str:
    """What the caller is told: the number first (on a phone line the caller may hang up after the
    first sentence), without saying it twice when the advice already opens with it."""
    text = advice.strip()
    if re.match(rf"(情况紧急，)?请(立即|马上|立刻|赶快)拨打{re.escape(number)}", text):
        return text if text.startswith("情况紧急") else f"情况紧急，{text}"
    return f"情况紧急，请立即拨打{number}。{text}"
