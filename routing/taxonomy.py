"""The matter taxonomy (诉求分类) of a city: category > matter > leaf, from ``matters.yaml``.

Each leaf has an owner department, whether the local government co-handles it (属地管理), an
urgency tier and whether the owner's parallel hotline takes it (transfer). Routing picks the
department; the taxonomy then names the matter among that department's leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from routing.aliases import LOCAL_LABEL
from routing.directory import CityDirectory

MATTERS_FILE = "matters.yaml"
DEFAULT_TIERS = ("一般", "紧急", "特急")
_INHERITED = ("owner", "local", "tier", "transfer")


@dataclass(frozen=True)
class Matter:
    """A leaf of the taxonomy."""

    path: tuple[str, ...]
    owner: str
    local: bool
    tier: str
    transfer: bool
    keywords: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return "/".join(self.path)

    @property
    def name(self) -> str:
        return self.path[-1]


class MatterTaxonomy:
    """Leaves of the matter tree with owner look-ups and keyword matching."""

    def __init__(
        self,
        leaves: list[Matter],
        tiers: tuple[str, ...] = DEFAULT_TIERS,
        urgency_cues: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.leaves = tuple(leaves)
        self.tiers = tiers
        self.urgency_cues = dict(urgency_cues or {})
        self._by_id = {leaf.id: leaf for leaf in self.leaves}
        if len(self._by_id) != len(self.leaves):
            raise ValueError("matters.yaml: duplicate matter path")
        for leaf in self.leaves:
            if leaf.tier not in tiers:
                raise ValueError(f"{leaf.id}: unknown tier {leaf.tier!r} (tiers: {tiers})")
        for tier in self.urgency_cues:
            if tier not in tiers:
                raise ValueError(f"urgency_cues: unknown tier {tier!r}")

    @classmethod
    def load(cls, city_dir: Path, directory: CityDirectory) -> MatterTaxonomy:
        """Read ``matters.yaml``; owners are canonicalised through ``directory``."""
        path = Path(city_dir) / MATTERS_FILE
        with path.open(encoding="utf-8") as handle:
            data: dict[str, Any] = yaml.safe_load(handle) or {}
        tiers = tuple(str(t) for t in data.get("tiers") or DEFAULT_TIERS)
        defaults = {"local": False, "tier": str(data.get("default_tier", tiers[0])), "transfer": False}
        leaves: list[Matter] = []
        for node in data.get("matters") or []:
            _walk(node, (), defaults, directory, leaves)
        cues = {str(t): tuple(str(w) for w in words or ()) for t, words in (data.get("urgency_cues") or {}).items()}
        return cls(leaves, tiers, cues)

    @classmethod
    def empty(cls) -> MatterTaxonomy:
        return cls([])

    # ------------------------------------------------------------------ look-ups
    def get(self, matter_id: str) -> Matter | None:
        return self._by_id.get(matter_id)

    def owned_by(self, department: str) -> list[Matter]:
        """Leaves owned by ``department`` (canonical name, or LOCAL_LABEL for local governments)."""
        return [leaf for leaf in self.leaves if leaf.owner == department]

    def owners(self) -> set[str]:
        return {leaf.owner for leaf in self.leaves}

    def match(self, text: str, department: str) -> Matter | None:
        """The leaf of ``department`` whose keywords best match ``text``, else its first leaf."""
        owned = self.owned_by(department)
        if not owned:
            return None
        best, best_score = owned[0], 0
        for leaf in owned:
            score = sum(len(k) for k in leaf.keywords if k in text)
            if score > best_score:
                best, best_score = leaf, score
        return best

    def tier_for(self, text: str, matter: Matter | None) -> str:
        """The matter's tier, raised (never lowered) by urgency cues in ``text``."""
        tier = matter.tier if matter else self.tiers[0]
        rank = self.tiers.index(tier)
        for cue_tier, words in self.urgency_cues.items():
            if self.tiers.index(cue_tier) > rank and any(w in text for w in words):
                tier, rank = cue_tier, self.tiers.index(cue_tier)
        return tier


def _walk(
    node: dict[str, Any],
    parent: tuple[str, ...],
    inherited: dict[str, Any],
    directory: CityDirectory,
    out: list[Matter],
) -> None:
    path = (*parent, str(node["name"]).strip())
    here = {**inherited, **{k: node[k] for k in _INHERITED if k in node}}
    children = node.get("children") or []
    if children:
        for child in children:
            _walk(child, path, here, directory, out)
        return
    owner_raw = here.get("owner")
    if not owner_raw:
        raise ValueError(f"{'/'.join(path)}: no owner")
    out.append(
        Matter(
            path=path,
            owner=_canonical_owner(str(owner_raw), directory, path),
            local=bool(here["local"]),
            tier=str(here["tier"]),
            transfer=bool(here["transfer"]),
            keywords=tuple(str(k) for k in node.get("keywords") or ()),
        )
    )


def _canonical_owner(owner: str, directory: CityDirectory, path: tuple[str, ...]) -> str:
    if owner == LOCAL_LABEL:
        return LOCAL_LABEL
    department = directory.department(owner)
    if department is None:
        raise ValueError(f"{'/'.join(path)}: unknown owner {owner!r}")
    return LOCAL_LABEL if department.is_local_government else department.name
