"""Configuration shared by every service: one pydantic-settings object per service, built on this base.

A service subclasses :class:`ServiceSettings`, gives it an ``env_prefix`` (``INVENTORY_``...) and declares
its ``database_url`` and ``port`` with :func:`database_url_field` and :func:`port_field`, so each
default is written (and documented) once, next to the service that owns it. Values come from the
environment only; the database URL is a secret (it may hold a password) and is never shown in full.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import make_url


def service_settings_config(env_prefix: str) -> SettingsConfigDict:
    """The settings config every service uses: its own prefix, immutable, unknown variables ignored.

    Fields may also be given by name in code (``InventorySettings(database_url=...)``), as tests do.
    """
    return SettingsConfigDict(
        env_prefix=env_prefix, frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )


def database_url_field(service: str, env_prefix: str) -> Any:
    """``<PREFIX>DATABASE_URL``, else plain ``DATABASE_URL``, else ``sqlite:///var/<service>.db``.

    The plain name is what one service per process (a container) expects; the prefixed one wins so a
    shell that starts several services can give each its own database. The SQLite default lets the
    whole stack run with no database server at all.
    """
    return Field(
        default=SecretStr(f"sqlite:///var/{service}.db"),
        validation_alias=AliasChoices(f"{env_prefix}DATABASE_URL", "DATABASE_URL"),
        description=(
            f"SQLAlchemy URL of the {service} database (default sqlite:///var/{service}.db; "
            "postgresql://, mysql:// and mariadb:// URLs get the psycopg / pymysql drivers)."
        ),
    )


def port_field(default: int) -> Any:
    """The HTTP port, with the service's own default (see the table in ``services/README.md``)."""
    return Field(default=default, ge=0, le=65535, description="HTTP port (0 picks a free one).")


class ServiceSettings(BaseSettings):
    """What every service can be told; subclasses add ``database_url``/``port`` defaults and their own."""

    model_config = service_settings_config("SERVICE_")

    database_url: SecretStr
    port: int
    host: str = Field(default="127.0.0.1", description="Bind address: loopback unless deliberately exposed.")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field(
        default="info", description="uvicorn and application log level."
    )
    migrate_on_startup: bool = Field(
        default=True, description="Apply the service's Alembic migrations to head when it starts."
    )
    db_pool_size: int = Field(default=10, ge=1, description="Connections kept open (server databases).")
    db_max_overflow: int = Field(
        default=30, ge=0, description="Extra connections allowed under load (server databases)."
    )
    db_pool_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a request waits for a pooled connection before a 503."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=30_000, ge=0, description="How long a SQLite writer waits for the write lock."
    )
    keep_idempotency_keys_days: float = Field(
        default=30.0,
        ge=0,
        description="Idempotency keys (and their stored replies) are deleted once claimed this long "
        "ago, checked hourly; 0 keeps them for ever. Services only: the gateway keeps no such keys.",
    )

    def safe_database_url(self) -> str:
        """The database URL with its password masked: the only form that may reach a log line."""
        return make_url(self.database_url.get_secret_value()).render_as_string(hide_password=True)
