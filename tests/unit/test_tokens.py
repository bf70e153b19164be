"""API tokens: minimum length, expiry, revocation wherever a token comes from, the web app's cache."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from settings import Settings
from tickets.tokens import (
    CHINA_TZ,
    FILE_NAME,
    MIN_TOKEN_LENGTH,
    Principal,
    TokenConfigError,
    TokenRegistry,
    issue_token,
    revoke_tokens,
    token_hash,
)

CITY = Path(__file__).resolve().parents[2] / "cities" / "jiaozuo"
LONG = "chengguan-" + "k" * 40
AGENT = "agent-" + "a" * 40
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
CHENGGUAN = Principal("department", "市城管局")


@pytest.fixture
def var(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def injected() -> dict[str, str]:
    """The token variables' values, as the settings pass them in (tickets/ reads no environment)."""
    return {}


def departments(injected: dict[str, str], mapping: dict) -> None:
    injected["HOTLINE_DEPARTMENT_TOKENS"] = json.dumps(mapping, ensure_ascii=False)


def load(var: Path, injected: dict | None = None, now: datetime = NOW) -> TokenRegistry:
    return TokenRegistry.load(CITY, var / FILE_NAME, injected, now=now)


# ------------------------------------------------------------------------ length and format
def test_short_environment_tokens_are_refused_naming_variable_and_principal(
    var: Path, injected: dict[str, str]
) -> None:
    short = "s" * (MIN_TOKEN_LENGTH - 1)
    departments(injected, {"市城管局": LONG, "市生态环境局": short})
    with pytest.raises(TokenConfigError) as caught:
        load(var, injected)
    message = str(caught.value)
    assert "HOTLINE_DEPARTMENT_TOKENS" in message and "市生态环境局" in message and str(MIN_TOKEN_LENGTH) in message
    assert short not in message
    injected["HOTLINE_AGENT_TOKENS"] = json.dumps({"坐席01": {"token": "tok-agent"}})
    departments(injected, {"市城管局": LONG})
    with pytest.raises(TokenConfigError, match="HOTLINE_AGENT_TOKENS: agent 坐席01"):
        load(var, injected)


def test_exactly_the_minimum_length_is_accepted(var: Path, injected: dict) -> None:
    token = "m" * MIN_TOKEN_LENGTH
    departments(injected, {"市城管局": token})
    assert load(var, injected).identify(token) == CHENGGUAN


def test_sha256_values_must_be_64_hex_digits(var: Path, injected: dict) -> None:
    departments(injected, {"市城管局": "sha256:" + token_hash(LONG).upper()})
    assert load(var, injected).identify(LONG) == CHENGGUAN
    for bad in ("sha256:abc", "sha256:" + "g" * 64, "sha256:" + "a" * 65):
        departments(injected, {"市城管局": bad})
        with pytest.raises(TokenConfigError, match="64 hexadecimal digits") as caught:
            load(var, injected)
        assert "市城管局" in str(caught.value) and bad not in str(caught.value)


def test_malformed_hashes_in_a_token_file_are_refused(var: Path) -> None:
    (var / "department_tokens.yaml").write_text(
        yaml.safe_dump({"tokens": [{"kind": "department", "name": "市城管局", "sha256": "1234"}]}, allow_unicode=True),
        encoding="utf-8",
    )
    with pytest.raises(TokenConfigError, match="市城管局"):
        load(var)


def test_invalid_json_does_not_echo_the_variable(var: Path, injected: dict) -> None:
    injected["HOTLINE_DEPARTMENT_TOKENS"] = '{"市城管局": "' + LONG
    with pytest.raises(TokenConfigError) as caught:
        load(var, injected)
    assert LONG not in str(caught.value)


# ------------------------------------------------------------------------ expiry
def test_issued_tokens_expire_after_90_days_by_default(var: Path) -> None:
    path = var / "department_tokens.yaml"
    token = issue_token(path, "市城管局", now=NOW)
    item = yaml.safe_load(path.read_text(encoding="utf-8"))["tokens"][0]
    assert datetime.fromisoformat(item["expires_at"]) == NOW + timedelta(days=90)
    assert load(var).identify(token) == CHENGGUAN
    assert load(var, now=NOW + timedelta(days=89)).identify(token) == CHENGGUAN
    assert load(var, now=NOW + timedelta(days=90)).identify(token) is None


def test_a_cached_registry_refuses_tokens_once_they_expire(var: Path) -> None:
    token = issue_token(var / "department_tokens.yaml", "市城管局", now=NOW, days=1)
    registry = load(var)
    assert registry.identify(token, now=NOW + timedelta(hours=23)) == CHENGGUAN
    assert registry.identify(token, now=NOW + timedelta(days=1, seconds=1)) is None


def test_issue_refuses_zero_days(var: Path) -> None:
    with pytest.raises(ValueError):
        issue_token(var / "department_tokens.yaml", "市城管局", days=0)


def test_environment_entries_may_carry_an_expiry(var: Path, injected: dict) -> None:
    other = "huanjing-" + "h" * 40
    departments(
        injected,
        {
            "市城管局": {"token": LONG, "expires_at": "2027-01-01"},
            "市生态环境局": {"token": "sha256:" + token_hash(other), "expires_at": "2026-11-01T00:00:00+08:00"},
        },
    )
    registry = load(var, injected)
    assert registry.identify(LONG) == CHENGGUAN
    assert registry.identify(other) is None  # expired before NOW: ignored
    # A bare date is 00:00 China time that day.
    end = datetime(2027, 1, 1, tzinfo=CHINA_TZ)
    assert registry.identify(LONG, now=end - timedelta(seconds=1)) == CHENGGUAN
    assert registry.identify(LONG, now=end) is None


def test_environment_objects_are_checked(var: Path, injected: dict) -> None:
    departments(injected, {"市城管局": {"token": LONG, "expire_at": "2027-01-01"}})
    with pytest.raises(TokenConfigError, match="unknown keys"):
        load(var, injected)
    departments(injected, {"市城管局": {"token": LONG, "expires_at": "next year"}})
    with pytest.raises(TokenConfigError, match="expires_at"):
        load(var, injected)
    departments(injected, {"市城管局": {"expires_at": "2027-01-01"}})
    with pytest.raises(TokenConfigError, match="市城管局"):
        load(var, injected)


def test_plain_environment_tokens_do_not_expire_but_are_reported(var: Path, injected: dict, caplog) -> None:
    departments(injected, {"市城管局": LONG})
    assert load(var, injected, NOW + timedelta(days=3650)).identify(LONG) == CHENGGUAN
    assert "市城管局" in caplog.text and "no expires_at" in caplog.text and LONG not in caplog.text


# ------------------------------------------------------------------------ revocation
def test_revocation_applies_to_environment_tokens(var: Path, injected: dict) -> None:
    departments(injected, {"市城管局": LONG, "市生态环境局": "huanjing-" + "h" * 40})
    path = var / "department_tokens.yaml"
    issued = issue_token(path, "市城管局", now=NOW - timedelta(days=1))
    # The revoking shell need not see the variables: the principal and time are recorded.
    assert revoke_tokens(path, "市城管局", now=NOW) == 1
    registry = load(var, injected, NOW + timedelta(minutes=1))
    assert registry.identify(LONG) is None and registry.identify(issued) is None
    assert registry.identify("huanjing-" + "h" * 40) == Principal("department", "市生态环境局")
    revocation = yaml.safe_load(path.read_text(encoding="utf-8"))["revocations"][0]
    assert revocation["name"] == "市城管局" and token_hash(issued) in revocation["sha256"]


def test_a_new_token_after_revocation_works(var: Path, injected: dict) -> None:
    path = var / "department_tokens.yaml"
    old = issue_token(path, "市城管局", now=NOW - timedelta(days=1))
    revoke_tokens(path, "市城管局", now=NOW)
    new = issue_token(path, "市城管局", now=NOW + timedelta(seconds=1))
    registry = load(var, injected, NOW + timedelta(minutes=1))
    assert registry.identify(old) is None and registry.identify(new) == CHENGGUAN
    # An environment token issued after the revocation is accepted; one without issued_at is not.
    rotated = "rotated-" + "r" * 40
    departments(injected, {"市城管局": {"token": rotated, "issued_at": "2026-11-22T11:00:00+08:00"}})
    assert load(var, injected, NOW + timedelta(hours=2)).identify(rotated) == CHENGGUAN
    departments(injected, {"市城管局": rotated})
    assert load(var, injected, NOW + timedelta(hours=2)).identify(rotated) is None


def test_a_revoked_hash_stays_refused(var: Path, injected: dict) -> None:
    path = var / "department_tokens.yaml"
    revoke_tokens(path, "市城管局", now=NOW, known_hashes=[token_hash(LONG)])
    departments(injected, {"市城管局": {"token": LONG, "issued_at": "2030-01-01"}})
    assert load(var, injected, NOW + timedelta(days=1)).identify(LONG) is None


def test_revocation_is_per_principal_and_kind(var: Path, injected: dict) -> None:
    injected["HOTLINE_AGENT_TOKENS"] = json.dumps({"市城管局": AGENT}, ensure_ascii=False)
    departments(injected, {"市城管局": LONG})
    revoke_tokens(var / "department_tokens.yaml", "市城管局", kind="agent", now=NOW)
    registry = load(var, injected, NOW + timedelta(minutes=1))
    assert registry.identify(AGENT) is None and registry.identify(LONG) == CHENGGUAN


# ------------------------------------------------------------------------ the command
def test_token_command_days_and_revoke(var: Path, monkeypatch) -> None:
    from hotline.cli import app

    monkeypatch.setenv("HOTLINE_VAR_DIR", str(var))
    monkeypatch.delenv("HOTLINE_TOKENS_FILE", raising=False)
    runner = CliRunner()
    result = runner.invoke(app, ["tickets", "token", "城管局", "--days", "7"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    item = yaml.safe_load((var / "department_tokens.yaml").read_text(encoding="utf-8"))["tokens"][0]
    lifetime = datetime.fromisoformat(item["expires_at"]) - datetime.fromisoformat(item["issued_at"])
    assert abs(lifetime - timedelta(days=7)) < timedelta(seconds=1)
    assert runner.invoke(app, ["tickets", "token", "城管局", "--days", "0"]).exit_code != 0
    monkeypatch.setenv("HOTLINE_DEPARTMENT_TOKENS", json.dumps({"市城管局": LONG}, ensure_ascii=False))
    injected = {"HOTLINE_DEPARTMENT_TOKENS": json.dumps({"市城管局": LONG}, ensure_ascii=False)}
    assert load(var, injected, datetime.now(UTC)).identify(LONG) == CHENGGUAN
    revoked = runner.invoke(app, ["tickets", "token", "城管局", "--revoke"])
    assert revoked.exit_code == 0, revoked.output
    assert "1 from the environment" in " ".join(revoked.stdout.split())
    registry = load(var, injected, datetime.now(UTC))
    assert registry.identify(LONG) is None and registry.identify(token) is None


def test_revoke_works_with_a_broken_variable(var: Path, monkeypatch) -> None:
    from hotline.cli import app

    monkeypatch.setenv("HOTLINE_VAR_DIR", str(var))
    monkeypatch.delenv("HOTLINE_TOKENS_FILE", raising=False)
    monkeypatch.setenv("HOTLINE_DEPARTMENT_TOKENS", json.dumps({"市城管局": "short"}, ensure_ascii=False))
    result = CliRunner().invoke(app, ["tickets", "token", "城管局", "--revoke"])
    assert result.exit_code == 0, result.output
    revocation = yaml.safe_load((var / "department_tokens.yaml").read_text(encoding="utf-8"))["revocations"][0]
    assert revocation["name"] == "市城管局" and revocation["sha256"] == []


# ------------------------------------------------------------------------ the web app
def _web_registry(services: object, var: Path, **tokens: str) -> TokenRegistry:
    from webapp import auth

    settings = Settings.from_values(var_dir=var, **tokens)
    return auth.registry(services, settings)  # type: ignore[arg-type]


def test_web_app_cache_notices_revocation(var: Path) -> None:
    from webapp.deps import WebServices

    services = WebServices(Settings.from_values(var_dir=var))
    tokens = {"department_tokens": json.dumps({"市城管局": LONG}, ensure_ascii=False)}
    path = var / "department_tokens.yaml"
    issued = issue_token(path, "市城管局")
    assert _web_registry(services, var, **tokens).identify(LONG) == CHENGGUAN
    assert _web_registry(services, var, **tokens).identify(issued) == CHENGGUAN
    revoke_tokens(path, "市城管局")
    assert _web_registry(services, var, **tokens).identify(LONG) is None
    assert _web_registry(services, var, **tokens).identify(issued) is None


def test_web_app_refuses_requests_while_the_token_config_is_bad(var: Path) -> None:
    from webapp.deps import WebServices
    from webapp.errors import ApiError

    services = WebServices(Settings.from_values(var_dir=var))
    with pytest.raises(ApiError) as caught:
        _web_registry(services, var, department_tokens=json.dumps({"市城管局": "short-token"}))
    assert caught.value.status == 503 and "short-token" not in caught.value.message
    fixed = _web_registry(services, var, department_tokens=json.dumps({"市城管局": LONG}))
    assert fixed.identify(LONG) == CHENGGUAN


def test_the_tokens_file_setting_moves_the_local_file(var: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    from webapp.deps import WebServices

    elsewhere = tmp_path_factory.mktemp("secrets") / "tokens.yaml"
    token = issue_token(elsewhere, "市城管局")
    services = WebServices(Settings.from_values(var_dir=var))
    assert _web_registry(services, var, tokens_file=str(elsewhere)).identify(token) == CHENGGUAN
    assert _web_registry(services, var).identify(token) is None
