"""Engine configuration, read from ``ENGINE_*`` environment variables; command-line flags win."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EngineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENGINE_")

    host: str = Field(
        "127.0.0.1", description="Address both servers bind to; loopback unless told otherwise."
    )
    port: int = Field(26500, description="gRPC port of Zeebe's gateway protocol (Zeebe's default).")
    http_port: int = Field(8081, description="HTTP port of the Operate-shaped read API.")
    data_dir: Path = Field(Path("var/engine"), description="Where the state lives; survives kill -9.")
    synchronous: Literal["FULL", "NORMAL"] = Field(
        "FULL",
        description="SQLite synchronous mode: FULL survives power loss, NORMAL only process crashes (faster).",
    )
    max_pending: int = Field(
        5000, description="Commands awaiting their write before new ones are refused with RESOURCE_EXHAUSTED."
    )
