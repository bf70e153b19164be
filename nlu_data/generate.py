"""Generate city-specific NLU resources from a city directory.

Reads ``<city-dir>/city.yaml`` (districts and their aliases), when present
``<city-dir>/departments.yaml`` (departments and their aliases) and
``<city-dir>/knowledge/guides.yaml`` (the service items of the plain-language guides),
plus ``nlu_data/service_terms.yml`` (everyday names of services: 社保 → 社会保险), and writes:

* ``nlu_data/generated/districts.yml`` - Rasa 3.x lookup table and synonyms that
  map every district alias to its canonical district name;
* ``nlu_data/generated/departments.yml`` - synonyms mapping department aliases
  to canonical department names;
* ``nlu_data/generated/services.yml`` - ``service_item`` lookup table and synonyms
  (guide item names and everyday service names, aliases mapped to the formal name);
* ``nlu_data/jieba/userdict.txt`` - a jieba user dictionary ("word freq tag"
  per line) with all district, department and service names and aliases;
* ``nlu_data/generated/README.md`` - says all of the above is generated (the
  jieba dictionary has no comment syntax, so it cannot say so itself).

The jieba dictionary lives alone in its folder because Rasa's JiebaTokenizer
(``dictionary_path: nlu_data/jieba``) loads *every* file there as a dictionary.

Usage (from the repository root, in the main .venv)::

    python -m nlu_data.generate [--city-dir cities/jiaozuo] [--out-dir nlu_data]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CITY_DIR = REPO_ROOT / "cities" / "jiaozuo"
DEFAULT_OUT_DIR = REPO_ROOT / "nlu_data"

# Output paths, relative to the output directory (nlu_data/ by default).
GENERATED_DIR = "generated"
USERDICT_DIR = "jieba"
README_FILE = f"{GENERATED_DIR}/README.md"
DISTRICTS_FILE = f"{GENERATED_DIR}/districts.yml"
DEPARTMENTS_FILE = f"{GENERATED_DIR}/departments.yml"
SERVICES_FILE = f"{GENERATED_DIR}/services.yml"
SERVICE_TERMS_FILE = REPO_ROOT / "nlu_data" / "service_terms.yml"
GUIDES_FILE = "knowledge/guides.yaml"
# A guide's name is the item plus this marker (开办餐饮店“一件事”); callers say the item only.
GUIDE_NAME_SUFFIX = re.compile(r"[“”\"「」]*一件事[“”\"「」]*$")
USERDICT_FILE = f"{USERDICT_DIR}/userdict.txt"
OUTPUT_DIRS = (GENERATED_DIR, USERDICT_DIR)

# jieba's dictionary totals about 60 million; common words are 1e4..1e6.
# High frequencies make jieba keep these names as single tokens in context.
FREQ_DISTRICT_NAME = 100_000
FREQ_DISTRICT_ALIAS = 50_000
FREQ_DEPARTMENT_NAME = 50_000
FREQ_DEPARTMENT_ALIAS = 30_000
FREQ_SERVICE_NAME = 30_000
FREQ_SERVICE_ALIAS = 20_000
TAG_PLACE = "ns"
TAG_ORGANIZATION = "nt"
TAG_NOUN = "n"


@dataclass(frozen=True)
class NamedEntry:
    """A canonical name plus the other names callers use for it."""

    name: str
    aliases: tuple[str, ...] = field(default_factory=tuple)

    def terms(self) -> list[str]:
        """Canonical name first, then the aliases, without duplicates."""
        return _unique([self.name, *self.aliases])


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        text = str(item).strip()
        if text and text not in seen:
            seen[text] = None
    return list(seen)


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _entry_from_mapping(raw: dict[str, Any]) -> NamedEntry:
    """Build an entry; ``full_name`` (if any) counts as an alias."""
    extra = [raw["full_name"]] if raw.get("full_name") else []
    aliases = _unique([*extra, *(raw.get("aliases") or [])])
    name = str(raw["name"]).strip()
    return NamedEntry(name=name, aliases=tuple(a for a in aliases if a != name))


def load_districts(city_dir: Path) -> list[NamedEntry]:
    """Districts of the city, in the order of city.yaml."""
    data = _read_yaml(city_dir / "city.yaml") or {}
    return [_entry_from_mapping(raw) for raw in data.get("districts") or []]


def load_departments(city_dir: Path) -> list[NamedEntry]:
    """Departments from departments.yaml; empty when the file does not exist.

    Accepts either a top-level list or a mapping with a ``departments`` list.
    """
    path = city_dir / "departments.yaml"
    if not path.exists():
        return []
    data = _read_yaml(path) or []
    if isinstance(data, dict):
        data = data.get("departments") or []
    return [_entry_from_mapping(raw) for raw in data]


def load_guide_items(city_dir: Path) -> list[NamedEntry]:
    """Service items named by the city's plain-language guides (企业注销登记, 退休, …)."""
    path = city_dir / GUIDES_FILE
    if not path.exists():
        return []
    data = _read_yaml(path) or {}
    names = [GUIDE_NAME_SUFFIX.sub("", str(raw["name"])).strip() for raw in data.get("guides") or []]
    return [NamedEntry(name=name) for name in _unique(names)]


def load_service_terms(path: Path = SERVICE_TERMS_FILE) -> list[NamedEntry]:
    """Everyday service names and their formal names (nlu_data/service_terms.yml)."""
    if not path.exists():
        return []
    data = _read_yaml(path) or {}
    return [_entry_from_mapping(raw) for raw in data.get("terms") or []]


def load_service_items(city_dir: Path, terms_file: Path = SERVICE_TERMS_FILE) -> list[NamedEntry]:
    """Guide items first, then the everyday terms; a name already claimed is not repeated."""
    claimed: set[str] = set()
    result: list[NamedEntry] = []
    for entry in [*load_guide_items(city_dir), *load_service_terms(terms_file)]:
        terms = [t for t in entry.terms() if t not in claimed]
        if entry.name not in terms:
            continue
        claimed.update(terms)
        result.append(NamedEntry(entry.name, tuple(t for t in terms if t != entry.name)))
    return result


def _header(city_dir: Path, comment: str) -> list[str]:
    source = _display_path(city_dir)
    return [
        f"{comment} GENERATED FILE - do not edit by hand.",
        f"{comment} Source: {source}/city.yaml (+ departments.yaml, knowledge/guides.yaml when present)",
        f"{comment} and nlu_data/service_terms.yml.",
        f"{comment} Regenerate from the repository root: python -m nlu_data.generate",
    ]


def _display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.name


def _check_term(term: str) -> str:
    if any(ch.isspace() for ch in term) or any(ch in term for ch in "#:'\"[]{}"):
        raise ValueError(f"Unsupported character in name or alias: {term!r}")
    return term


def _examples_block(terms: Sequence[str]) -> list[str]:
    return ["  examples: |", *(f"    - {_check_term(t)}" for t in terms)]


def render_districts_yml(districts: Sequence[NamedEntry], city_dir: Path) -> str:
    """Rasa NLU yml with a ``district`` lookup table and alias synonyms."""
    lines = [*_header(city_dir, "#"), 'version: "3.1"', "nlu:", "- lookup: district"]
    lines += _examples_block(_unique(t for d in districts for t in d.terms()))
    for district in districts:
        if district.aliases:
            lines.append(f"- synonym: {_check_term(district.name)}")
            lines += _examples_block(district.aliases)
    return "\n".join(lines) + "\n"


def render_departments_yml(departments: Sequence[NamedEntry], city_dir: Path) -> str:
    """Rasa NLU yml with synonyms mapping department aliases to canonical names.

    Used by EntitySynonymMapper to normalise ``department`` entities found by
    the spaCy entity_ruler. An alias claimed by two departments keeps the first.
    """
    lines = [*_header(city_dir, "#"), 'version: "3.1"']
    claimed: set[str] = {d.name for d in departments}
    blocks: list[str] = []
    for department in departments:
        aliases = [a for a in department.aliases if a not in claimed]
        claimed.update(aliases)
        if aliases:
            blocks.append(f"- synonym: {_check_term(department.name)}")
            blocks += _examples_block(aliases)
    lines += ["nlu:", *blocks] if blocks else ["nlu: []"]
    return "\n".join(lines) + "\n"


def render_services_yml(items: Sequence[NamedEntry], city_dir: Path) -> str:
    """Rasa NLU yml with a ``service_item`` lookup table and alias synonyms."""
    lines = [*_header(city_dir, "#"), 'version: "3.1"']
    if not items:
        return "\n".join([*lines, "nlu: []"]) + "\n"
    lines += ["nlu:", "- lookup: service_item"]
    lines += _examples_block(_unique(t for item in items for t in item.terms()))
    for item in items:
        if item.aliases:
            lines.append(f"- synonym: {_check_term(item.name)}")
            lines += _examples_block(item.aliases)
    return "\n".join(lines) + "\n"


def _userdict_rows(
    entries: Sequence[NamedEntry], name_freq: int, alias_freq: int, tag: str
) -> list[tuple[str, int, str]]:
    rows = []
    for entry in entries:
        rows.append((entry.name, name_freq, tag))
        rows += [(alias, alias_freq, tag) for alias in entry.aliases]
    return rows


def render_userdict(
    districts: Sequence[NamedEntry],
    departments: Sequence[NamedEntry],
    city_dir: Path,
    services: Sequence[NamedEntry] = (),
) -> str:
    """jieba user dictionary: districts (ns), departments (nt), then service names (n)."""
    rows = _userdict_rows(districts, FREQ_DISTRICT_NAME, FREQ_DISTRICT_ALIAS, TAG_PLACE)
    rows += _userdict_rows(departments, FREQ_DEPARTMENT_NAME, FREQ_DEPARTMENT_ALIAS, TAG_ORGANIZATION)
    rows += _userdict_rows(services, FREQ_SERVICE_NAME, FREQ_SERVICE_ALIAS, TAG_NOUN)
    seen: set[str] = set()
    # No header here: jieba has no comment syntax, a "#" line would become a word.
    lines = []
    for word, freq, tag in rows:
        if word not in seen:
            seen.add(word)
            lines.append(f"{_check_term(word)} {freq} {tag}")
    return "\n".join(lines) + "\n"


def render_readme(city_dir: Path) -> str:
    """Explains the folder, since the jieba dictionary cannot carry a header."""
    lines = [line.replace("#", "", 1).strip() for line in _header(city_dir, "#")]
    return (
        "\n".join(
            [
                "# Generated NLU resources",
                "",
                *lines,
                "",
                f"- `nlu_data/{DISTRICTS_FILE}`: district lookup table and alias synonyms.",
                f"- `nlu_data/{DEPARTMENTS_FILE}`: department alias synonyms, which",
                "  normalise `department` entities from the spaCy entity_ruler.",
                f"- `nlu_data/{SERVICES_FILE}`: service_item lookup table and synonyms (guide",
                "  items and the everyday names of nlu_data/service_terms.yml).",
                f"- `nlu_data/{USERDICT_FILE}`: jieba user dictionary, `word freq tag` per",
                "  line (`ns` district names and aliases, `nt` department names and aliases,",
                "  `n` service names and aliases).",
                f"  Keep `nlu_data/{USERDICT_DIR}/` free of other files: Rasa's JiebaTokenizer",
                "  (`dictionary_path`) loads every file there as a jieba dictionary.",
            ]
        )
        + "\n"
    )


def render_all(city_dir: Path) -> dict[str, str]:
    """Relative output path -> file content for every generated file."""
    districts = load_districts(city_dir)
    departments = load_departments(city_dir)
    services = load_service_items(city_dir)
    return {
        README_FILE: render_readme(city_dir),
        DISTRICTS_FILE: render_districts_yml(districts, city_dir),
        DEPARTMENTS_FILE: render_departments_yml(departments, city_dir),
        SERVICES_FILE: render_services_yml(services, city_dir),
        USERDICT_FILE: render_userdict(districts, departments, city_dir, services),
    }


def write_all(city_dir: Path, out_dir: Path) -> list[Path]:
    """Render and write every generated file; returns the written paths."""
    files = render_all(city_dir)
    written = []
    for relative, content in files.items():
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        written.append(target)
    for stale in stale_files(out_dir, set(files)):
        stale.unlink()
    return written


def stale_files(out_dir: Path, expected: set[str]) -> list[Path]:
    """Files in the generator-owned folders that the generator did not write."""
    found = [
        path
        for folder in OUTPUT_DIRS
        if (out_dir / folder).is_dir()
        for path in sorted((out_dir / folder).rglob("*"))
        if path.is_file()
    ]
    return [path for path in found if path.relative_to(out_dir).as_posix() not in expected]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--city-dir", type=Path, default=DEFAULT_CITY_DIR)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for path in write_all(args.city_dir, args.out_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
