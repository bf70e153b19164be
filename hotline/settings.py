"""Kept for the modules not yet moved to the ``settings`` package: import from ``settings``."""

from settings import PROJECT_ROOT, Settings, SettingsError, load_settings

__all__ = ["PROJECT_ROOT", "Settings", "SettingsError", "load_settings"]
