"""Build the Chinese spaCy pipeline that Rasa's SpacyNLP loads (runs in .venv-rasa).

The pipeline is ``spacy.blank("zh")`` with the jieba segmenter plus an
``entity_ruler`` that tags district names/aliases (label ``district``),
department names/aliases (label ``department``) and service items - the
guides' items and everyday service names - (label ``service_item``); each
pattern's ``id`` is the canonical name, so ``ent.ent_id_`` gives the
normalised value. All names come from nlu_data/generate.py's loaders, the same
source as the jieba dictionary and the Rasa synonyms.

Robustness: spaCy's jieba segmenter uses the *global* jieba module and stores no
user dictionary in the saved pipeline, so in a fresh process the segmentation
depends on whether somebody (Rasa's JiebaTokenizer with ``dictionary_path``)
loaded the user dictionary (nlu_data/jieba/userdict.txt). An entity_ruler only matches whole tokens, so each
name gets token patterns for every way jieba might cut it:

* names up to ``MAX_SPLIT_CHARS`` characters: every split into consecutive
  pieces (so "中站" matches both ``中站`` and ``中 | 站``);
* longer names: the cut with the user dictionary and the cut of jieba's
  default dictionary.

The pipeline thus finds a name whenever both of its ends fall on token
boundaries, with or without the user dictionary. The "char" segmenter would
guarantee that too, but it also matches inside longer words (the alias "解放"
in "解放军") and gives Rasa meaningless single-character tokens.

Usage (from the repository root)::

    .venv-rasa/bin/python bot/spacy_pipeline.py --city-dir cities/jiaozuo \
        --userdict nlu_data/jieba/userdict.txt --out var/spacy_zh
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from nlu_data.generate import (  # noqa: E402
    USERDICT_FILE,
    NamedEntry,
    load_departments,
    load_districts,
    load_service_items,
)

DEFAULT_CITY_DIR = REPO_ROOT / "cities" / "jiaozuo"
DEFAULT_USERDICT = REPO_ROOT / "nlu_data" / USERDICT_FILE
DEFAULT_OUT = REPO_ROOT / "var" / "spacy_zh"
DISTRICT_LABEL = "district"
DEPARTMENT_LABEL = "department"
SERVICE_LABEL = "service_item"
# 2**(n-1) splits for n characters: 8 characters -> 128 patterns per name.
MAX_SPLIT_CHARS = 8
PIPELINE_NAME = "hotline_zh"

Pattern = dict[str, Any]


def all_splits(term: str) -> Iterator[tuple[str, ...]]:
    """Every way to cut ``term`` into consecutive non-empty pieces."""
    cuts_positions = range(1, len(term))
    for count in range(len(term)):
        for cuts in itertools.combinations(cuts_positions, count):
            bounds = (0, *cuts, len(term))
            yield tuple(term[a:b] for a, b in zip(bounds, bounds[1:]))


def jieba_cuts(term: str, segmenters: Sequence[Any]) -> set[tuple[str, ...]]:
    """How each of the given jieba tokenizers cuts ``term`` on its own."""
    return {tuple(w for w in seg.cut(term, HMM=True) if w) for seg in segmenters}


def token_variants(term: str, segmenters: Sequence[Any]) -> list[tuple[str, ...]]:
    """Token sequences an occurrence of ``term`` may be segmented into."""
    if len(term) <= MAX_SPLIT_CHARS:
        return sorted(set(all_splits(term)), key=len)
    return sorted(jieba_cuts(term, segmenters), key=len)


def patterns_for(entries: Iterable[NamedEntry], label: str, segmenters: Sequence[Any]) -> list[Pattern]:
    """entity_ruler token patterns for every name and alias of ``entries``."""
    patterns: list[Pattern] = []
    for entry in entries:
        for term in entry.terms():
            for tokens in token_variants(term, segmenters):
                pattern = [{"ORTH": token} for token in tokens]
                patterns.append({"label": label, "id": entry.name, "pattern": pattern})
    return patterns


def make_segmenters(userdict: Path | None) -> list[Any]:
    """Global jieba (with the user dictionary loaded) and a default-dictionary one."""
    import jieba

    if userdict is not None:
        jieba.load_userdict(str(userdict))
    plain = jieba.Tokenizer()
    return [jieba.dt, plain]


def build_nlp(
    districts: Sequence[NamedEntry],
    departments: Sequence[NamedEntry],
    userdict: Path | None,
    services: Sequence[NamedEntry] = (),
) -> Any:
    """spacy.blank("zh") with jieba segmentation and the entity_ruler."""
    import spacy

    segmenters = make_segmenters(userdict)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["description"] = "jieba segmentation + entity_ruler for districts/departments/services"
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(patterns_for(districts, DISTRICT_LABEL, segmenters))
    ruler.add_patterns(patterns_for(departments, DEPARTMENT_LABEL, segmenters))
    ruler.add_patterns(patterns_for(services, SERVICE_LABEL, segmenters))
    return nlp


def build_and_save(city_dir: Path, userdict: Path | None, out: Path) -> Any:
    """Build the pipeline for ``city_dir`` and save it to ``out``."""
    nlp = build_nlp(load_districts(city_dir), load_departments(city_dir), userdict, load_service_items(city_dir))
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    return nlp


def describe(nlp: Any, text: str) -> str:
    """One line: the tokens and the entities found in ``text``."""
    doc = nlp(text)
    ents = ", ".join(f"{e.text}/{e.label_}->{e.ent_id_}" for e in doc.ents)
    return f"{text} | {'/'.join(t.text for t in doc)} | {ents or '-'}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--city-dir", type=Path, default=DEFAULT_CITY_DIR)
    parser.add_argument("--userdict", type=Path, default=DEFAULT_USERDICT)
    parser.add_argument("--no-userdict", action="store_true")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check", nargs="*", default=[], metavar="TEXT", help="sentences to run through the saved pipeline"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    userdict = None if args.no_userdict else args.userdict
    if userdict is not None and not userdict.exists():
        print(f"user dictionary {userdict} is missing: run python -m nlu_data.generate")
        return 1
    nlp = build_and_save(args.city_dir, userdict, args.out)
    print(f"saved {args.out} ({len(nlp.get_pipe('entity_ruler'))} patterns)")
    for text in args.check:
        print(describe(nlp, text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
