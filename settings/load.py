"""Reading the settings from the environment, with errors that name the variable."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from settings.model import Settings


class SettingsError(ValueError):
    """An environment variable holds a value the settings refuse (the message names each one)."""


def load_settings(**overrides: Any) -> Settings:
    """The settings of this process from its environment; ``overrides`` (by field name) win.

    Reads the environment on every call: composition roots load once and pass the result on.
    Raises :class:`SettingsError` naming every variable with a bad value.
    """
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe(error)) from None


def describe(error: ValidationError) -> str:
    """One line per problem: the variable, its value (never a secret's) and what is wrong."""
    lines = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        known = Settings.model_fields.get(field) or next(
            (info for info in Settings.model_fields.values() if info.validation_alias == field), None
        )
        if known is None:
            name = field.upper() or "settings"
            lines.append(f"{name}: {problem['msg']}")
            continue
        variable = field if known.validation_alias == field else Settings.variable(field)
        shown = "" if not known.repr or isinstance(problem.get("input"), dict) else f"={problem.get('input')!r}"
        lines.append(f"{variable}{shown}: {problem['msg']}")
    return "invalid configuration: " + "; ".join(lines)
