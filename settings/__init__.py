"""The project's configuration: one validated :class:`Settings` of every HOTLINE_* variable and path.

A small neutral package: the composition roots (actions/, webapp/, hotline/) import it; the domain
packages (knowledge_base/, routing/, tickets/) never do, they take plain values as arguments.
"""

from settings.load import SettingsError, load_settings
from settings.model import PROJECT_ROOT, Settings
from settings.rate import Rate

__all__ = ["PROJECT_ROOT", "Rate", "Settings", "SettingsError", "load_settings"]
