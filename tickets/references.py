"""Public references: short random codes a caller may be told instead of the sequential number.

Work-order numbers (JZ20261122-0001) count up through the day, so whoever knows one can guess the
next. A public reference is 8 characters drawn with ``secrets`` from an alphabet without the
look-alikes 0/O, 1/I/L: 31^8 ≈ 8.5 × 10^11 values, so guessing one is hopeless. The assistant may
generate it before anything is written (it can tell the caller a reference while the database is
down) and the store uses it as the idempotency key of that submission.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8

_CHARS = f"[{ALPHABET}]"
# Inside free text: 8 reference characters, optionally split 4-4 by a space or dash as a
# person may read or type it, not glued to other letters or digits.
_IN_TEXT = re.compile(rf"(?<![A-Z0-9])({_CHARS}{{4}})[\s-]?({_CHARS}{{4}})(?![A-Z0-9])")
_SEPARATORS = re.compile(r"[\s\-_—–‐‑－]+")


def new_public_ref() -> str:
    """A fresh random reference, e.g. ``"7KQ3M9XH"``."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_public_ref(text: str | None) -> str | None:
    """The canonical form of ``text`` if it is a reference and nothing else, otherwise None.

    Case-insensitive and full-width tolerant ("ｋ７ｑ３-ｍ９ｘｈ" → "K7Q3M9XH").
    """
    if not text:
        return None
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if len(cleaned) == LENGTH and all(char in ALPHABET for char in cleaned):
        return cleaned
    return None


def find_public_ref(text: str | None) -> str | None:
    """The first reference found inside free text ("我的查询码是7kq3m9xh" → "7KQ3M9XH")."""
    if not text:
        return None
    match = _IN_TEXT.search(unicodedata.normalize("NFKC", text).upper())
    return match.group(1) + match.group(2) if match else None


def submission_ref(conversation_id: str | None, fingerprint: str) -> str:
    """The reference of one submission: the same conversation filing the same content gets the
    same reference, however often it is retried (a second "对", a redelivery from the outbox), so
    what the caller was told always names the order that exists.

    Derived from the conversation id, which is 128 random bits issued by the server, so it is as
    hard to guess as a random reference. Without a conversation id it is simply random.
    """
    if not conversation_id:
        return new_public_ref()
    digest = int.from_bytes(hashlib.sha256(f"{conversation_id}\n{fingerprint}".encode()).digest(), "big")
    chars = []
    for _ in range(LENGTH):
        digest, index = divmod(digest, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)
