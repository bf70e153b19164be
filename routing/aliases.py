"""Alias tables: department or domain names of other cities and datasets → this city's departments.

An alias file (``cities/<city>/aliases/*.yaml``) maps a foreign name to a department name or alias
of the directory, or to ``kind:<functional kind>`` when the city has exactly one department of that
kind, or to ``null`` (no counterpart: the record is skipped). Names the table does not list are
looked up in the directory itself (so 人社局 or 市医保局 work without an entry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from routing.directory import LOCAL_GOVERNMENT_KIND, CityDirectory

KIND_PREFIX = "kind:"
# Label of the classifier for "the local government of the named district".
LOCAL_LABEL = LOCAL_GOVERNMENT_KIND


@dataclass
class AliasTable:
    """Foreign names → canonical department names of one directory."""

    directory: CityDirectory
    aliases: dict[str, str | None] = field(default_factory=dict)
    strip_prefixes: tuple[str, ...] = ()

    @classmethod
    def load(cls, directory: CityDirectory, path: Path | None) -> AliasTable:
        """Read an alias file; ``None`` gives an empty table (directory names only)."""
        if path is None:
            return cls(directory)
        with Path(path).open(encoding="utf-8") as handle:
            data: dict[str, Any] = yaml.safe_load(handle) or {}
        raw = data.get("aliases") or {}
        table = cls(
            directory,
            {str(k).strip(): (None if v is None else str(v).strip()) for k, v in raw.items()},
            tuple(str(p) for p in data.get("strip_prefixes") or ()),
        )
        table.check()
        return table

    def check(self) -> None:
        """Every target must resolve; raises ValueError naming the bad entries."""
        bad = [
            f"{name} → {target}"
            for name, target in self.aliases.items()
            if target is not None and self._target(target) is None
        ]
        if bad:
            raise ValueError("alias targets not in the directory: " + "; ".join(bad))

    def _target(self, target: str) -> str | None:
        if target == LOCAL_LABEL:
            return LOCAL_LABEL
        if target.startswith(KIND_PREFIX):
            kind = target[len(KIND_PREFIX) :].strip()
            if kind == LOCAL_GOVERNMENT_KIND:
                return LOCAL_LABEL
            found = self.directory.departments_of_kind(kind)
            return found[0].name if len(found) == 1 else None
        department = self.directory.department(target)
        if department is None:
            return None
        return LOCAL_LABEL if department.is_local_government else department.name

    def _variants(self, name: str) -> list[str]:
        variants = [name]
        for prefix in self.strip_prefixes:
            if name.startswith(prefix) and len(name) > len(prefix):
                variants.append(name[len(prefix) :])
        return variants

    def resolve(self, name: str | None) -> str | None:
        """Canonical department (or :data:`LOCAL_LABEL`) for ``name``; None when it has none."""
        name = (name or "").strip()
        if not name:
            return None
        for variant in self._variants(name):
            if variant in self.aliases:
                target = self.aliases[variant]
                return None if target is None else self._target(target)
        for variant in self._variants(name):
            found = self._target(variant)
            if found is not None:
                return found
        return None

    def knows(self, name: str) -> bool:
        """True when ``name`` is listed (even as null) or resolves through the directory."""
        return any(v in self.aliases for v in self._variants(name.strip())) or self.resolve(name) is not None
