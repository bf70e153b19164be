"""Custom Rasa components of the hotline bot (loaded by module path from bot/config.yml)."""
