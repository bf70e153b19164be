"""Checks of the hand-written NLU data and the generated city resources."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from nlu_data import generate
from nlu_data.examples import ANNOTATION, block_examples, plain_text

REPO_ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = REPO_ROOT / "nlu_data"
NLU_FILES = sorted(NLU_DIR.glob("nlu*.yml"))
CITY_DIR = REPO_ROOT / "cities" / "jiaozuo"

REQUIRED_INTENTS = (
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "ask_info",
    "complain",
    "seek_help",
    "suggest",
    "praise",
    "ask_ticket_status",
    "urge_ticket",
    "request_human",
    "emergency",
    "out_of_scope",
    "bot_identity",
    "restart",
    "inform",
)
MIN_EXAMPLES = 40
# Found by the spaCy entity_ruler (generated from the city directory and the guides).
RULER_ENTITIES = {"district", "department", "service_item"}
# Found by regexes (nlu_data/regex.yml); RegexEntityExtractor needs one annotation of each.
REGEX_ENTITIES = {
    "phone",
    "ticket_number",
    "town",
    "address",
    "date",
    "time",
    "person_name",
    "facet",
    "subject",
    "wrong_answer",
}
ALLOWED_ENTITIES = RULER_ENTITIES | REGEX_ENTITIES


@dataclass(frozen=True)
class Annotation:
    """One entity annotation inside a training example."""

    example: str
    entity: str
    text: str
    value: str
    start: int  # offsets in the plain text (annotations removed)
    end: int


def _load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _intent_examples() -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for path in NLU_FILES:
        for item in _load_yaml(path).get("nlu") or []:
            if "intent" in item:
                result.setdefault(item["intent"], []).extend(block_examples(item["examples"]))
    return result


def _annotations(example: str) -> Iterator[Annotation]:
    removed = 0
    for match in ANNOTATION.finditer(example):
        text = match.group("text")
        if match.group("json"):
            spec = json.loads(match.group("json"))
            entity, value = spec["entity"], spec.get("value", text)
        else:
            entity, value = match.group("entity"), match.group("value") or text
        start = match.start() - removed
        removed += len(match.group(0)) - len(text)
        yield Annotation(example, entity.strip(), text, value.strip(), start, start + len(text))


def _all_annotations() -> list[Annotation]:
    return [
        annotation
        for examples in _intent_examples().values()
        for example in examples
        for annotation in _annotations(example)
    ]


def _regexes() -> dict[str, list[re.Pattern[str]]]:
    """Every regex of every nlu_data/*.yml file (regex.yml, nlu_facets.yml)."""
    return {
        item["regex"]: [re.compile(p) for p in block_examples(item["examples"])]
        for path in sorted(NLU_DIR.glob("*.yml"))
        for item in _load_yaml(path).get("nlu") or []
        if "regex" in item
    }


def _known_district_terms() -> set[str]:
    return {term for d in generate.load_districts(CITY_DIR) for term in d.terms()}


@pytest.mark.parametrize("intent", REQUIRED_INTENTS)
def test_intent_has_enough_unique_examples(intent: str) -> None:
    examples = _intent_examples().get(intent, [])
    unique = {plain_text(e) for e in examples}
    assert len(unique) >= MIN_EXAMPLES, f"{intent}: {len(unique)} unique examples"
    assert len(unique) == len(examples), f"{intent} repeats an example"


def test_no_example_in_two_intents() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for intent, examples in _intent_examples().items():
        for text in {plain_text(e) for e in examples}:
            if owner.setdefault(text, intent) != intent:
                clashes.append((text, owner[text], intent))
    assert not clashes


def test_entities_are_known() -> None:
    entities = {a.entity for a in _all_annotations()}
    assert entities <= ALLOWED_ENTITIES
    assert entities == ALLOWED_ENTITIES, "every entity needs training examples"


def test_district_values_are_city_districts() -> None:
    known = _known_district_terms()
    unknown = [a for a in _all_annotations() if a.entity == "district" and a.value not in known]
    assert not unknown


@pytest.mark.parametrize("entity", sorted(REGEX_ENTITIES))
def test_pattern_entities_match_regex(entity: str) -> None:
    patterns = _regexes()[entity]
    for annotation in (a for a in _all_annotations() if a.entity == entity):
        plain = plain_text(annotation.example)
        spans = {(m.start(), m.end()) for p in patterns for m in p.finditer(plain)}
        assert (annotation.start, annotation.end) in spans, annotation


def test_regexes_find_numbers_in_chinese_text() -> None:
    regexes = _regexes()
    found = lambda name, text: [m.group(0) for p in regexes[name] for m in p.finditer(text)]  # noqa: E731
    assert found("phone", "我电话是13912345678谢谢") == ["13912345678"]
    assert found("phone", "座机0391-1234567") == ["0391-1234567"]
    assert found("phone", "号码139123456789") == []
    assert found("ticket_number", "单号jz20261122-0001呢") == ["jz20261122-0001"]


def test_annotations_align_with_jieba_tokens() -> None:
    """Rasa's JiebaTokenizer (with the generated user dictionary) must not cut
    through an annotated entity, or the entity can't be learned."""
    jieba = pytest.importorskip("jieba")
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(NLU_DIR / generate.USERDICT_FILE))
    misaligned = []
    for annotation in _all_annotations():
        plain = plain_text(annotation.example)
        bounds = {b for _, s, e in tokenizer.tokenize(plain) for b in (s, e)}
        if annotation.start not in bounds or annotation.end not in bounds:
            misaligned.append(annotation)
    assert not misaligned


def _owned_files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for folder in generate.OUTPUT_DIRS
        for p in (root / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_files_are_up_to_date(tmp_path: Path) -> None:
    generate.write_all(CITY_DIR, tmp_path)
    expected = _owned_files(tmp_path)
    assert _owned_files(NLU_DIR) == expected, "stale or missing: run python -m nlu_data.generate"
    for relative in sorted(expected):
        fresh = (tmp_path / relative).read_text(encoding="utf-8")
        stored = (NLU_DIR / relative).read_text(encoding="utf-8")
        assert stored == fresh, f"{relative} is outdated: run python -m nlu_data.generate"


def test_generator_removes_stale_files(tmp_path: Path) -> None:
    stray = tmp_path / generate.USERDICT_DIR / "old_dict.txt"
    stray.parent.mkdir()
    stray.write_text("旧词 1 n\n", encoding="utf-8")
    generate.write_all(CITY_DIR, tmp_path)
    assert not stray.exists()


def test_generated_district_synonyms_cover_all_aliases() -> None:
    data = _load_yaml(NLU_DIR / generate.DISTRICTS_FILE)
    synonyms = {
        alias: item["synonym"]
        for item in data["nlu"]
        if "synonym" in item
        for alias in block_examples(item["examples"])
    }
    lookup = next(item for item in data["nlu"] if item.get("lookup") == "district")
    for district in generate.load_districts(CITY_DIR):
        assert district.name in block_examples(lookup["examples"])
        for alias in district.aliases:
            assert synonyms[alias] == district.name


def test_userdict_lines_have_jieba_format() -> None:
    lines = (NLU_DIR / generate.USERDICT_FILE).read_text(encoding="utf-8").splitlines()
    words = [line.split(" ")[0] for line in lines]
    assert all(re.fullmatch(r"\S+ \d+ [a-z]+", line) for line in lines)
    assert len(words) == len(set(words))
    assert _known_district_terms() <= set(words)


def test_generator_without_departments(tmp_path: Path) -> None:
    city_dir = tmp_path / "city"
    city_dir.mkdir()
    (city_dir / "city.yaml").write_text("districts:\n  - name: 甲区\n    aliases: [甲]\n", encoding="utf-8")
    files = generate.render_all(city_dir)
    # District words first; the everyday service names (not city-specific) follow.
    assert files[generate.USERDICT_FILE].startswith(
        f"甲区 {generate.FREQ_DISTRICT_NAME} ns\n甲 {generate.FREQ_DISTRICT_ALIAS} ns\n"
    )
    assert all(line.endswith(" n") for line in files[generate.USERDICT_FILE].splitlines()[2:])
    assert yaml.safe_load(files[generate.DEPARTMENTS_FILE])["nlu"] == []


def test_service_items_come_from_the_guides_and_the_everyday_names() -> None:
    items = {item.name: item for item in generate.load_service_items(CITY_DIR)}
    assert "企业注销登记" in items and "开办餐饮店" in items  # guide names without “一件事”
    assert "社保" in items["社会保险"].aliases
    data = _load_yaml(NLU_DIR / generate.SERVICES_FILE)
    synonyms = {
        alias: item["synonym"]
        for item in data["nlu"]
        if "synonym" in item
        for alias in block_examples(item["examples"])
    }
    assert synonyms["公积金"] == "住房公积金"


def test_regexes_find_places_dates_and_names() -> None:
    regexes = _regexes()
    found = lambda name, text: [m.group(0) for p in regexes[name] for m in p.finditer(text)]  # noqa: E731
    assert found("town", "我家在修武县郇封镇") == ["郇封镇"]
    assert found("address", "在解放区民主路25号附近") == ["民主路25号"]
    assert found("date", "2026年5月报的名") == ["2026年5月"]
    assert found("time", "半夜十二点还在施工") == ["半夜十二点"]
    assert found("person_name", "我叫张伟电话是") == ["张伟"]
