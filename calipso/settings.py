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
        3.0, gt=0, le=3.5, description="seconds running work gets to finish on SIGTERM"
    )
    part_restart_max_backoff: float = Field(30.0, gt=0)
    events_reconcile_interval: float = Field(
        600.0, ge=0, description="seconds between two hosts' reconciliation; 0: none")
    events_agent_poll_interval: float = Field(
        30.0, ge=0, description="seconds between two checks of the agents and Nova services "
                                "of a listened environment; 0: none")
    ui_poll_interval: float = Field(
        2.0, gt=0, le=60, description="seconds between the UI's looks for changes when the "
                                      "database has no change streams")
    ui_changes: str = Field("auto", pattern=r"^(auto|poll)$",
                            description="auto: the database's change stream when it has one")
    ui_max_live_clients: int = Field(200, ge=1, le=10000,
                                     description="open live-update streams per process")
    auth: AuthMode = AuthMode.REQUIRED
    admin_password: SecretStr | None = None
    token_lifetime: int = Field(86400, gt=0, description="API token lifetime in seconds")
    auth_cache_seconds: float = Field(
        10.0, ge=0, le=300,
        description="how long a checked token or Basic login is trusted without a lookup",
    )
    login_fail_delay: float = Field(
        1.0, ge=0, le=30, description="seconds added to the answer of a failed login, doubling"
    )
    ldap_url: str | None = Field(None, description="ldap:// or ldaps:// URL; unset: no LDAP")
    ldap_user_id_attribute: str = Field("uid", pattern=r"^[A-Za-z][A-Za-z0-9-]*$")
    ldap_user_tree_dn: str = Field("", description="users are <attr>=<name>,<this DN>")
    ldap_ca_file: Path | None = None
    ldap_role: str = Field("viewer", pattern=r"^(admin|viewer)$")
    ldap_timeout: float = Field(5.0, gt=0, le=60)
    connection_test_timeout: float = Field(
        10.0, gt=0, le=120, description="seconds each target of a connection test may take"
    )
    max_connection_tests: int = Field(
        4, ge=1, le=64, description="connection tests run at the same time"
    )

    # Discovery: bounds on fan-out and time. 0 is never "unlimited".
    max_ssh_connections: int = Field(64, ge=1, description="SSH connections open at once")
    max_ssh_channels_per_host: int = Field(4, ge=1, description="commands at once on one host")
    max_ssh_handshakes_per_jump: int = Field(
        8, ge=1, le=10, description="SSH handshakes at once through one jump host"
    )
    max_api_calls: int = Field(16, ge=1, description="OpenStack API calls in flight")
    max_db_queries: int = Field(8, ge=1, description="MySQL queries in flight")
    max_concurrent_scans: int = Field(2, ge=1, description="scans one process runs at once")
    ssh_connect_timeout: float = Field(10.0, gt=0)
    ssh_command_timeout: float = Field(30.0, gt=0)
    api_call_timeout: float = Field(30.0, gt=0)
    db_query_timeout: float = Field(30.0, gt=0)
    scan_lease: float = Field(60.0, ge=5, description="seconds a claimed scan stays ours unrenewed")
    scan_poll_interval: float = Field(1.0, gt=0, le=60)
    scan_max_attempts: int = Field(3, ge=1, description="tries of a scan whose worker died")
    history_enabled: bool = Field(True, description="record revisions of every change")
    history_retention_days: float = Field(30.0, gt=0, description="days revisions are kept")
    webhook_concurrency: int = Field(8, ge=1, description="webhook deliveries sent at once")
    webhook_timeout: float = Field(10.0, gt=0, description="seconds a receiver has to answer")
    webhook_retry_base: float = Field(2.0, gt=0, description="first retry after, doubling")
    webhook_max_backoff: float = Field(600.0, gt=0, description="longest wait between tries")
    webhook_max_attempts: int = Field(12, ge=1, description="tries before a delivery fails")
    webhook_poll_interval: float = Field(1.0, gt=0, le=60, description="new changes checked")

    # Monitoring: Calipso's own checks and the Sensu results intake
    monitoring_check_interval: float = Field(
        60.0, ge=1, le=86400, description="seconds between two rounds of own checks")
    monitoring_check_hosts: int = Field(
        8, ge=1, le=256, description="hosts checked at once per environment (at most "
        "half of CALIPSO_MAX_SSH_CONNECTIONS is used)")
    monitoring_max_batch: int = Field(
        500, ge=1, le=10000, description="check results written in one batch")

    @field_validator("mongo_uri", "admin_password", "ldap_url", "ldap_ca_file", mode="before")
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
