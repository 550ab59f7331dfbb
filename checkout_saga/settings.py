"""Settings of the ``checkout-saga`` command (``STACK_`` variables) with documented defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STACK_", frozen=True, extra="ignore")

    var_dir: Path = Field(default=Path("var"), description="Databases, engine state and logs of `up`.")
    bpmn_dir: Path = Field(default=Path("bpmn"), description="Diagrams deployed by `up` and `deploy`.")
    gateway_url: str = Field(default="http://127.0.0.1:8000", description="Where `demo` reaches the gateway.")
    demo_api_key: SecretStr | None = Field(
        default=None,
        description="API key `demo` uses (default: the key `up` wrote to <var_dir>/demo-api-key).",
    )
    engine_read_api_url: str = Field(
        default="http://127.0.0.1:8081", description="The local engine's read API (Operate REST v1 shape)."
    )
