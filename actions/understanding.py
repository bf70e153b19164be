"""Small, rasa-free readings of what a caller said: ratings, corrections, places.

Emergencies are read by routing.emergency, the one place that knows them.

Kept apart from rasa-sdk so the unit tests can exercise them directly.
"""

from __future__ import annotations

import re

SKIPPED = "skipped"

_CN_DIGITS = {"一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5}
_SCORE_NUMBER = re.compile(r"(?<![\d.])([1-5１-５])(?![\d.])|([一壹二两贰三叁四肆五伍])(?:分|星|颗星|个星)")
_BARE_CN_SCORE = re.compile(r"^[\s,，。.!！]*(?:打|给|评)?([一壹二两贰三叁四肆五伍])[\s,，。.!！]*$")
# Most specific first: "非常不满意" before "不满意" before "满意".
_SCORE_WORDS = (
    ("非常不满意", 1),
    ("很不满意", 1),
    ("特别不满意", 1),
    ("太差", 1),
    ("不满意", 2),
    ("不太满意", 2),
    ("差", 2),
    ("一般", 3),
    ("还行", 3),
    ("凑合", 3),
    ("马马虎虎", 3),
    ("非常满意", 5),
    ("很满意", 5),
    ("特别满意", 5),
    ("十分满意", 5),
    ("满分", 5),
    ("太好了", 5),
    ("比较满意", 4),
    ("满意", 4),
    ("挺好", 4),
    ("不错", 4),
    ("好", 4),
)
_DECLINE = re.compile(r"不评|不打分|不用评|不想评|不评价|不用了|算了|跳过|没空|不打了")


def parse_rating(text: str) -> int | None:
    """A 1..5 satisfaction score from what the caller said ("5分", "五星", "非常满意"), else None."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    match = _SCORE_NUMBER.search(cleaned)
    if match:
        digit = match.group(1)
        if digit:
            return int(digit.translate(str.maketrans("１２３４５", "12345")))
        return _CN_DIGITS[match.group(2)]
    bare = _BARE_CN_SCORE.match(cleaned)
    if bare:
        return _CN_DIGITS[bare.group(1)]
    for word, score in _SCORE_WORDS:
        if word in cleaned:
            return score
    return None


def declines_rating(text: str) -> bool:
    """ "不评了", "算了", "跳过": the caller does not want to rate."""
    return bool(_DECLINE.search(text or ""))


# ---- corrections at the read-back ---------------------------------------------------------
_CORRECTION_PREFIX = re.compile(
    r"^(?:不对|不是|错了|搞错了|说错了|嗯|那个|[，,。\s])*"
    r"(?:(?:地点|地址|位置|地方)(?:错了|不对)?(?:应该)?(?:是|在|改成|改为)?|应该是|应该在|是在|是|在|改成|改为)?"
    r"[，,：:\s]*"
)


def correction_text(text: str) -> str:
    """The corrected value without the "不对，地址是" lead-in."""
    value = (text or "").strip()
    while True:  # "地址错了 是塔北路88号": several lead-ins in a row
        shorter = _CORRECTION_PREFIX.sub("", value, count=1).strip(" ，,。.！!")
        if shorter == value or not shorter:
            return shorter or value
        value = shorter


_PLACE_FILLER = re.compile(r"[在是就的那个嗯啊呢吧哦呃，。,.、！!？?\s]|焦作市|焦作")


def names_only_a_district(text: str, district_names: tuple[str, ...]) -> bool:
    """Whether an answer to "where?" gives the district and nothing more ("在解放区")."""
    rest = text or ""
    for name in sorted(district_names, key=len, reverse=True):
        rest = rest.replace(name, "")
    return len(_PLACE_FILLER.sub("", rest)) < 2


# What may follow a town or road in a spoken address: villages, compounds, numbers, landmarks,
# and where at the landmark ("东王封村北头", "3号楼2单元", "菜市场门口").
_PLACE_PART = re.compile(
    r"(?:(?![的了有在是个跟把被给说要想就都也还很太])[\u4e00-\u9fa5\d]){0,6}?"
    r"(?:村|庄|屯|组|社区|小区|花园|家园|新村|大道|大街|街(?![道灯边上])|路(?![灯边上面])|巷|胡同|号院|号楼|号|栋|"
    r"楼(?![下上道])|单元|广场|市场|学校|医院|公园|桥|门口|路口|北头|南头|东头|西头|附近|旁边|对面|东侧|西侧|南侧|北侧)"
)


def place_phrase(text: str, spans: list[tuple[int, int]]) -> str:
    """The whole place a caller named, from the first place entity on.

    The town and road regexes catch "待王镇" but not the village after it; an address cut there
    sends the department to the wrong end of the town. Continues over village, compound, number
    and landmark parts that follow directly ("待王镇东王封村北头有人烧秸秆" → "待王镇东王封村北头").
    """
    if not spans:
        return ""
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    while True:
        match = _PLACE_PART.match(text, end)
        if match is None or match.end() == end:
            return text[start:end].strip()
        end = match.end()


def mentions_location(text: str) -> bool:
    """Whether a correction is about the place ("地址错了，是塔北路88号")."""
    return bool(re.search(r"地点|地址|位置|地方|路|街|小区|村|镇|号院", text or ""))
