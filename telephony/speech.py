"""What the caller hears: a prompt as text parts and numbers to read digit by digit.

A reply written for chat says "工单号是J Z 2026 1122 0001" or "联系电话是138 1234 5678"; read by a
speech engine those become amounts ("两千零二十六"). :func:`prompt` cuts a text into spoken parts and
:class:`Digits` (phone numbers 3-4-4, work-order numbers in their groups, service numbers such as
12345, years), which the carrier renders with a pause between groups and each digit as a word
(telephony.carriers.twilio builds the SSML; :meth:`Prompt.plain` is the same for espeak-ng and the
terminal softphone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telephony.numbers import digit_groups, spell_digits

# Group separator in plain renderings: a comma makes speech engines pause.
GROUP_PAUSE = "，"

_NUMBERS = re.compile(
    r"(?P<ticket>(?P<letters>[A-Z](?:\s?[A-Z])+)\s?(?P<t1>\d{4})\s?(?P<t2>\d{4})[\s-]?(?P<t3>\d{3,6}))"
    r"|(?P<phone>(?<!\d)(?:1[3-9]\d(?:\s?\d{4}){2}|0\d{2,3}-?\d{7,8})(?!\d))"
    r"|(?P<year>(?<!\d)\d{4}(?=年))"
    r"|(?P<long>(?<!\d)\d{5,}(?!\d))"
    r"|(?P<emergency>(?<!\d)(?:110|119|120|122)(?![\d万元块个岁号米]))"  # 幺幺零, never 一百一十
)


@dataclass(frozen=True)
class Digits:
    """A number read digit by digit, with a short pause between its groups."""

    groups: tuple[str, ...]

    def plain(self) -> str:
        return GROUP_PAUSE.join(spell_digits(group) for group in self.groups)


Segment = str | Digits


@dataclass(frozen=True)
class Prompt:
    """One thing said to the caller, in order: text parts and digit groups."""

    segments: tuple[Segment, ...]

    def plain(self) -> str:
        """The prompt as one string for a plain speech engine (digits spelled out as words)."""
        return "".join(part if isinstance(part, str) else part.plain() for part in self.segments)

    def __add__(self, other: Prompt) -> Prompt:
        return Prompt(self.segments + other.segments)

    @property
    def empty(self) -> bool:
        return not any(part.strip() if isinstance(part, str) else part.groups for part in self.segments)


def prompt(text: str) -> Prompt:
    """``text`` as a :class:`Prompt`: phone, work-order and service numbers become :class:`Digits`."""
    segments: list[Segment] = []
    position = 0
    for match in _NUMBERS.finditer(text):
        if match.start() > position:
            segments.append(text[position : match.start()])
        if match.group("ticket"):
            segments.append(match.group("letters").replace(" ", "") + " ")
            segments.append(Digits((match.group("t1"), match.group("t2"), match.group("t3"))))
        else:
            segments.append(Digits(tuple(digit_groups(match.group(0)))))
        position = match.end()
    if position < len(text):
        segments.append(text[position:])
    return Prompt(tuple(segments))


def join(*texts: str) -> Prompt:
    """Several texts said one after the other (empty ones skipped)."""
    return Prompt(tuple(part for text in texts if text for part in prompt(text).segments))
