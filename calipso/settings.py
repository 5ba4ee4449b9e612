"""Deployment settings: every one is a ``CALIPSO_*`` environment variable, read once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from calipso.errors import ConfigError


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class AuthMode(StrEnum):
    REQUIRED = "required"
    NONE = "none"


def parse_bind(value: str) -> tuple[str, int]:
    """Split ``host:port`` (IPv6 as ``[::1]:8000``) into its parts."""
    host, sep, port = value.rpartition(":")
    if not sep or not host:
        raise ValueError("expected HOST:PORT, e.g. 127.0.0.1:8000")
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"port {port!r} is not a number from 0 to 65535")
    return host.strip("[]"), int(port)


class Settings(BaseSettings):
    """All deployment settings; the README lists each with its default."""

    model_config = SettingsConfigDict(
        env_prefix="CALIPSO_", extra="ignore", frozen=True, case_sensitive=False
    )

    mongo_uri: SecretStr | None = Field(
        None, description="MongoDB URI; unset starts the embedded SecantusDB server"
    )
    db_name: str = Field("calipso", min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    data_dir: Path = Field(Path("./calipso-data"), description="embedded database and state")
    config_dir: Path | None = Field(None, description="metadata directory (default: shipped)")
    api_bind: str = Field("127.0.0.1:8000", description="HOST:PORT the HTTP API listens on")
    log_level: LogLevel = LogLevel.INFO
    log_format: LogFormat = LogFormat.TEXT
    mongo_timeout: float = Field(5.0, gt=0, description="seconds to wait for MongoDB")
    shutdown_grace: float = Field(
        4.0, gt=0, le=5.0, description="seconds running work gets to finish on SIGTERM"
    )
    part_restart_max_backoff: float = Field(30.0, gt=0)
    auth: AuthMode = AuthMode.REQUIRED
    admin_password: SecretStr | None = None
    token_lifetime: int = Field(86400, gt=0, description="API token lifetime in seconds")

    @field_validator("mongo_uri", "admin_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("api_bind")
    @classmethod
    def _check_bind(cls, value: str) -> str:
        parse_bind(value)
        return value

    @property
    def api_host_port(self) -> tuple[str, int]:
        return parse_bind(self.api_bind)


def load_settings(**overrides: object) -> Settings:
    """Read the environment; a bad value becomes one ConfigError line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        first = err.errors()[0]
        name = "CALIPSO_" + "_".join(str(p) for p in first["loc"]).upper()
        value = first.get("input")
        shown = "" if "password" in name.lower() or "uri" in name.lower() else f" ({value!r})"
        raise ConfigError(f"invalid setting {name}{shown}: {first['msg']}") from None
