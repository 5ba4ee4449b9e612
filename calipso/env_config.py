"""The environment configuration (`environments_config` documents), validated by pydantic.

This is the contract between the API (which accepts and masks these documents), the
simulator (which writes one for each simulated cloud) and discovery (which reads one per
scan). The original's sections and keys are kept; optional keys added for today's clouds
(Keystone v3 domains, catalog interface and region, endpoint-host override, per-host SSH
settings, known_hosts, MySQL schema names) all have defaults that match the original.
Secrets are ``SecretStr``: printing or logging a config never shows them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)

from calipso.errors import ConfigError

HOST_PATTERN = r"^[A-Za-z0-9_.:\[\]-]+$"
Host = Annotated[str, Field(min_length=1, max_length=255, pattern=HOST_PATTERN)]
Port = Annotated[int, Field(ge=1, le=65535)]
AbsPath = Annotated[str, Field(pattern=r"^/")]

SECRET_MASK = "********"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class OpenStackSection(_Section):
    name: Literal["OpenStack"]
    host: Host
    port: Port = 5000
    user: str = Field(min_length=1)
    pwd: SecretStr
    admin_token: SecretStr | None = None  # required by the original, never used by it
    admin_project: str = "admin"
    auth_url: str | None = Field(
        None, pattern=r"^https?://", description="full Keystone URL; overrides host/port"
    )
    keystone_version: Literal["auto", "v3", "v2.0"] = "auto"
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"
    region_name: str | None = Field(None, description="scan only this region")
    interface: Literal["public", "internal", "admin"] = "public"
    endpoint_host: str | None = Field(
        None, description="replace the host of every catalog URL (NAT, internal names)"
    )
    verify_tls: bool = True
    timeout: float = Field(30.0, gt=0, le=600)

    @property
    def keystone_url(self) -> str:
        if self.auth_url:
            return self.auth_url.rstrip("/")
        return f"http://{self.host}:{self.port}"


class MysqlSection(_Section):
    name: Literal["mysql"]
    host: Host
    port: Port = 3306
    user: str = Field(min_length=1)
    pwd: SecretStr
    schema_: str = Field("nova", alias="schema", description="the nova schema")
    neutron_schema: str | None = Field(None, description="default: the one schema named *neutron*")
    keystone_schema: str = "keystone"
    connect_timeout: float = Field(5.0, gt=0, le=120)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CliHostSection(_Section):
    """How to reach one host directly, overriding the master-host route."""

    host: Host
    port: Port = 22
    user: str | None = None
    pwd: SecretStr | None = None
    key: AbsPath | None = None


class CliSection(_Section):
    name: Literal["CLI"]
    host: Host = Field(description="the master (jump) host")
    port: Port = 22
    user: str = Field(min_length=1)
    pwd: SecretStr | None = None
    key: AbsPath | None = None
    hosts: dict[str, CliHostSection] = Field(default_factory=dict)
    known_hosts: AbsPath | None = Field(
        None, description="check host keys against this file; unset: pin on first use"
    )
    use_sudo: bool = True
    direct: bool = Field(False, description="reach every host directly, not via the master")

    @model_validator(mode="after")
    def _one_credential(self) -> CliSection:
        if self.pwd is None and self.key is None:
            raise ValueError("CLI needs pwd or key")
        return self


class AmqpSection(_Section):
    name: Literal["AMQP"]
    host: Host
    port: Port = 5672
    user: str = Field(min_length=1)
    pwd: SecretStr
    vhost: str = "/"


class MonitoringSection(_Section):
    name: Literal["Monitoring"]
    config_folder: AbsPath
    provision: Literal["None", "Deploy", "Files", "DB"]
    env_type: Literal["development", "testing", "staging", "production"]
    api_port: Port
    rabbitmq_pass: SecretStr
    rabbitmq_user: str
    rabbitmq_port: Port
    server_ip: Host
    server_name: str
    type: Literal["Sensu"]
    ssh_port: Port | None = None
    ssh_user: str | None = None
    ssh_password: SecretStr | None = None
    install_monitoring_client: bool = False
    results_token: SecretStr | None = Field(
        None, min_length=16, description="token Sensu handlers give to POST /monitoring/results")
    own_checks: bool = Field(False, description="Calipso runs its own checks too")
    rabbitmq_vhost: str = Field("/sensu", description="Sensu classic's transport vhost")
    listen_results: bool = Field(
        True, description="consume Sensu classic results from its RabbitMQ (type Sensu)")


class NfvProviderSection(_Section):
    name: Literal["NFV_provider"]
    host: Host
    nfv_token: SecretStr
    port: Port
    user: str
    pwd: SecretStr


class AciSection(_Section):
    name: Literal["ACI"]
    host: Host
    user: str
    pwd: SecretStr


class KubernetesSection(_Section):
    name: Literal["Kubernetes"]
    host: Host
    port: Port
    user: str
    token: SecretStr


Section = Annotated[
    OpenStackSection | MysqlSection | CliSection | AmqpSection | MonitoringSection
    | NfvProviderSection | AciSection | KubernetesSection,
    Field(discriminator="name"),
]

REQUIRED_SECTIONS: dict[str, tuple[str, ...]] = {
    "OpenStack": ("OpenStack", "CLI"),  # mysql is optional: it only enriches
    "Kubernetes": ("Kubernetes", "CLI"),
}


class EnvironmentConfig(BaseModel):
    """One ``environments_config`` document."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    type: Literal["environment"] = "environment"
    environment_type: Literal["OpenStack", "Kubernetes", "VMware", "Bare-metal"] = "OpenStack"
    # optional: clique types then follow the mechanism and type drivers (env_support.py)
    distribution: str | None = Field(None, min_length=1)
    distribution_version: str | None = Field(None, min_length=1)
    mechanism_drivers: list[str] = Field(min_length=1)
    type_drivers: str = Field(min_length=1)
    app_path: str | None = None
    configuration: list[Section]
    listen: bool = False
    scanned: bool = False
    last_scanned: datetime | None = None
    operational: Literal["stopped", "running", "error"] = "stopped"
    enable_monitoring: bool = False
    monitoring_setup_done: bool = False
    aci_enabled: bool = False
    user: str | None = None
    auth: dict[str, list[str]] | None = None

    @model_validator(mode="after")
    def _sections(self) -> EnvironmentConfig:
        names = [s.name for s in self.configuration]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"configuration: section {dupes[0]} given more than once")
        for needed in REQUIRED_SECTIONS.get(self.environment_type, ()):
            if needed not in names:
                raise ValueError(f"configuration: section {needed} is mandatory")
        if self.listen and "AMQP" not in names:
            raise ValueError("listen: true needs an AMQP section")
        return self

    def section(self, name: str) -> Any:
        """The section named ``name`` or None."""
        return next((s for s in self.configuration if s.name == name), None)

    @property
    def openstack(self) -> OpenStackSection:
        return self.section("OpenStack")

    @property
    def mysql(self) -> MysqlSection | None:
        return self.section("mysql")

    @property
    def cli(self) -> CliSection:
        return self.section("CLI")

    @property
    def amqp(self) -> AmqpSection | None:
        return self.section("AMQP")

    def to_doc(self, *, reveal: bool = False) -> dict[str, Any]:
        """The document to store (``reveal=True``) or to show (secrets masked)."""
        doc = self.model_dump(mode="python", by_alias=True, exclude_none=True)
        return _unwrap_secrets(doc, reveal)


def parse_environment(doc: Any, where: str) -> EnvironmentConfig:
    """Validate a stored or given document; the first problem as one ``ConfigError`` line."""
    try:
        return EnvironmentConfig.model_validate(doc)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{where}: {field}: {first['msg']}") from None


def _unwrap_secrets(value: Any, reveal: bool) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value() if reveal else SECRET_MASK
    if isinstance(value, dict):
        return {k: _unwrap_secrets(v, reveal) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_secrets(v, reveal) for v in value]
    return value


def _secret_field_names() -> frozenset[str]:
    names: set[str] = set()
    models: list[type[BaseModel]] = [
        OpenStackSection, MysqlSection, CliHostSection, CliSection, AmqpSection,
        MonitoringSection, NfvProviderSection, AciSection, KubernetesSection,
    ]
    for model in models:
        for field_name, info in model.model_fields.items():
            if "SecretStr" in str(info.annotation):
                names.add(info.alias or field_name)
    return frozenset(names)


SECRET_FIELDS = _secret_field_names()
"""Keys that hold a secret in any configuration section (``pwd``, ``admin_token``, ...)."""


def mask_secrets(value: Any) -> Any:
    """A copy of a stored document (or part) with every secret key's value masked.

    Works on what is stored, whether or not it still validates against the models.
    """
    if isinstance(value, dict):
        return {k: (SECRET_MASK if k in SECRET_FIELDS and v is not None else mask_secrets(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


def section_to_doc(section: BaseModel, *, reveal: bool = False) -> dict[str, Any]:
    """One configuration section as stored (``reveal=True``) or shown (secrets masked)."""
    doc = section.model_dump(mode="python", by_alias=True, exclude_none=True)
    return _unwrap_secrets(doc, reveal)
