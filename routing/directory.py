"""The city's districts and departments, read from the city directory.

Everything city-specific lives in ``cities/<city>/city.yaml`` and ``departments.yaml``;
this module only knows their shape.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LOCAL_GOVERNMENT_KIND = "属地政府"

_tokenizer_lock = threading.Lock()
_tokenizer: Any = None


def shared_tokenizer(extra_words: Iterable[str] = ()) -> Any:
    """Return a process-wide private jieba tokenizer, adding ``extra_words`` to its dictionary.

    A private ``jieba.Tokenizer`` keeps our place and keyword words out of the global jieba
    instance other code (Rasa's JiebaTokenizer) may use; it is shared because building one
    costs about a second.
    """
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _tokenizer = tokenizer
        for word in extra_words:
            if word:
                _tokenizer.add_word(word)
        return _tokenizer


def token_spans(text: str, tokenizer: Any) -> list[tuple[int, int, str]]:
    """(start, end, token) of every jieba token of ``text``."""
    spans: list[tuple[int, int, str]] = []
    position = 0
    for token in tokenizer.lcut(text):
        spans.append((position, position + len(token), token))
        position += len(token)
    return spans


@dataclass(frozen=True)
class District:
    """A district, county or county-level city of the city."""

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    full_name: str | None = None

    @property
    def all_names(self) -> tuple[str, ...]:
        names = [self.name, *self.aliases]
        if self.full_name:
            names.append(self.full_name)
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Department:
    """A department, local government or utility that work orders can be sent to."""

    name: str
    kind: str
    duties: str
    aliases: tuple[str, ...] = ()
    district: str | None = None
    parallel_hotline: str | None = None

    @property
    def all_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([self.name, *self.aliases]))

    @property
    def is_local_government(self) -> bool:
        return self.kind == LOCAL_GOVERNMENT_KIND


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def _str_tuple(values: Any) -> tuple[str, ...]:
    return tuple(str(value).strip() for value in (values or []) if str(value).strip())


def _parse_district(raw: dict[str, Any]) -> District:
    return District(
        name=str(raw["name"]).strip(),
        kind=str(raw.get("kind", "district")),
        aliases=_str_tuple(raw.get("aliases")),
        full_name=(str(raw["full_name"]).strip() if raw.get("full_name") else None),
    )


def _parse_department(raw: dict[str, Any]) -> Department:
    return Department(
        name=str(raw["name"]).strip(),
        kind=str(raw["kind"]).strip(),
        duties=str(raw.get("duties", "")).strip(),
        aliases=_str_tuple(raw.get("aliases")),
        district=(str(raw["district"]).strip() if raw.get("district") else None),
        parallel_hotline=(str(raw["parallel_hotline"]) if raw.get("parallel_hotline") else None),
    )


class CityDirectory:
    """Districts and departments of one city, with name/alias look-ups."""

    def __init__(
        self,
        *,
        name: str,
        ticket_prefix: str,
        districts: Iterable[District],
        departments: Iterable[Department],
        short_name: str | None = None,
        hotline: str = "12345",
        emergency_numbers: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.short_name = short_name or name
        self.ticket_prefix = ticket_prefix
        self.hotline = hotline
        self.emergency_numbers = dict(emergency_numbers or {})
        self.districts: tuple[District, ...] = tuple(districts)
        self.departments: tuple[Department, ...] = tuple(departments)
        self._district_by_name = self._index_districts()
        self._department_by_name = self._index_departments()
        self._check_local_governments()

    @classmethod
    def load(cls, city_dir: Path) -> CityDirectory:
        """Read ``city.yaml`` and ``departments.yaml`` from ``city_dir``."""
        city_dir = Path(city_dir)
        city = _read_yaml(city_dir / "city.yaml")
        departments = _read_yaml(city_dir / "departments.yaml")
        return cls(
            name=str(city["name"]),
            short_name=city.get("short_name"),
            ticket_prefix=str(city["ticket_prefix"]),
            hotline=str(city.get("hotline", "12345")),
            emergency_numbers={k: str(v) for k, v in (city.get("emergency_numbers") or {}).items()},
            districts=[_parse_district(raw) for raw in city.get("districts") or []],
            departments=[_parse_department(raw) for raw in departments.get("departments") or []],
        )

    # ------------------------------------------------------------------ indexes
    def _index_districts(self) -> dict[str, District]:
        index: dict[str, District] = {}
        for district in self.districts:
            for name in district.all_names:
                other = index.setdefault(name, district)
                if other is not district:
                    raise ValueError(f"district name {name!r} used by {other.name} and {district.name}")
        return index

    def _index_departments(self) -> dict[str, Department]:
        index: dict[str, Department] = {}
        for department in self.departments:
            for name in department.all_names:
                other = index.setdefault(name, department)
                if other is not department:
                    raise ValueError(f"department name {name!r} used by {other.name} and {department.name}")
        return index

    def _check_local_governments(self) -> None:
        for department in self.departments:
            if department.district and department.district not in self._district_by_name:
                raise ValueError(f"{department.name}: unknown district {department.district!r}")

    # ------------------------------------------------------------------ look-ups
    def district(self, name_or_alias: str) -> District | None:
        """The district called exactly ``name_or_alias`` (canonical name, alias or full name)."""
        return self._district_by_name.get(name_or_alias.strip())

    def find_district(self, text: str) -> str | None:
        """Canonical name of the district that ``text`` mentions, preferring the longest mention.

        Canonical and full names match anywhere; bare aliases (山阳, 博爱) only when they form a
        whole jieba token, so 解放军 or 博爱路 do not count as 解放区 / 博爱县.
        """
        if not text:
            return None
        matches = self._district_mentions(text)
        if not matches:
            return None
        _start, _end, district = max(matches, key=lambda m: (m[1] - m[0], -m[0]))
        return district.name

    def _district_mentions(self, text: str) -> list[tuple[int, int, District]]:
        mentions: list[tuple[int, int, District]] = []
        alias_hits: list[tuple[int, int, District]] = []
        for district in self.districts:
            formal = {district.name, district.full_name}
            for name in district.all_names:
                for start in _find_all(text, name):
                    target = mentions if name in formal else alias_hits
                    target.append((start, start + len(name), district))
        if alias_hits:
            words = [name for d in self.districts for name in d.all_names]
            boundaries = token_spans(text, shared_tokenizer(words))
            starts = {s for s, _, _ in boundaries}
            ends = {e for _, e, _ in boundaries}
            mentions += [hit for hit in alias_hits if hit[0] in starts and hit[1] in ends]
        return mentions

    def department(self, name_or_alias: str) -> Department | None:
        """The department called ``name_or_alias``; tolerates a missing or extra city prefix."""
        query = (name_or_alias or "").strip()
        if not query:
            return None
        for candidate in self._name_variants(query):
            found = self._department_by_name.get(candidate)
            if found is not None:
                return found
        return None

    def _name_variants(self, query: str) -> list[str]:
        variants = [query, "市" + query]
        for prefix in (self.name, self.short_name):
            if prefix and query.startswith(prefix) and len(query) > len(prefix):
                rest = query[len(prefix) :]
                variants += [rest, "市" + rest]
        return variants

    def local_government(self, district: str | None) -> Department | None:
        """The local government (属地政府) of a district given by name or alias."""
        if not district:
            return None
        found = self.district(district)
        if found is None:
            name = self.find_district(district)
            found = self.district(name) if name else None
        if found is None:
            return None
        for department in self.departments:
            if department.is_local_government and department.district == found.name:
                return department
        return None

    def departments_of_kind(self, kind: str) -> list[Department]:
        return [department for department in self.departments if department.kind == kind]

    def all_place_names(self) -> list[str]:
        """District names, full names and aliases (for NLU lookup tables and jieba)."""
        return sorted({name for district in self.districts for name in district.all_names})

    def all_department_names(self) -> list[str]:
        """Department names and aliases (for NLU lookup tables and jieba)."""
        return sorted({name for department in self.departments for name in department.all_names})


def _find_all(text: str, needle: str) -> Iterable[int]:
    start = text.find(needle)
    while start != -1:
        yield start
        start = text.find(needle, start + 1)
