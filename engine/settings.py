"""Engine configuration, read from ``ENGINE_*`` environment variables; command-line flags win."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
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
    tls_certificate_path: Path | None = Field(
        None,
        description="PEM certificate chain of the gRPC server; with the private key, gRPC is served over "
        "TLS only (as Zeebe's gateway with security enabled). Unset: plaintext.",
    )
    tls_private_key_path: Path | None = Field(None, description="PEM private key of that certificate.")

    @model_validator(mode="after")
    def _tls_needs_both_files(self) -> EngineSettings:
        if (self.tls_certificate_path is None) != (self.tls_private_key_path is None):
            raise ValueError("ENGINE_TLS_CERTIFICATE_PATH and ENGINE_TLS_PRIVATE_KEY_PATH go together")
        return self

    def tls_credentials(self) -> tuple[bytes, bytes] | None:
        """(private key, certificate chain) read from the files, or None for plaintext."""
        if self.tls_certificate_path is None or self.tls_private_key_path is None:
            return None
        return self.tls_private_key_path.read_bytes(), self.tls_certificate_path.read_bytes()
