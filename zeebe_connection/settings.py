"""Connection settings, read from the environment variables Camunda's own clients use.

The names are Camunda's (``ZEEBE_ADDRESS``, ``ZEEBE_CLIENT_ID``, ``CAMUNDA_CLUSTER_ID``...), so a shell
already configured for zbctl or the Java client configures this project too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_ENGINE_ADDRESS = "127.0.0.1:26500"

ConnectionKind = Literal["plaintext", "tls", "oauth", "oauth-plaintext", "saas"]

SELF_MANAGED_AUDIENCE = "zeebe-api"
"""The token audience Camunda 8 Self-Managed's Zeebe gateway expects unless configured otherwise."""


class ZeebeSettings(BaseSettings):
    """Where Zeebe is and how to authenticate; the defaults reach the local engine in plaintext."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", validate_by_name=True)

    address: str = Field(
        default=LOCAL_ENGINE_ADDRESS,
        validation_alias=AliasChoices("ZEEBE_ADDRESS", "ZEEBE_GRPC_ADDRESS"),
        description="host:port of the Zeebe gateway (default: the local engine, 127.0.0.1:26500).",
    )
    client_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ZEEBE_CLIENT_ID", "CAMUNDA_CLIENT_ID"),
        description="OAuth client id; when set, the channel uses TLS and OAuth client credentials.",
    )
    client_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ZEEBE_CLIENT_SECRET", "CAMUNDA_CLIENT_SECRET"),
        description="OAuth client secret (never logged).",
    )
    authorization_server_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ZEEBE_AUTHORIZATION_SERVER_URL", "CAMUNDA_OAUTH_URL"),
        description="OAuth token endpoint (SaaS default: https://login.cloud.camunda.io/oauth/token).",
    )
    token_audience: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ZEEBE_TOKEN_AUDIENCE", "CAMUNDA_TOKEN_AUDIENCE"),
        description="OAuth audience (SaaS default: zeebe.camunda.io).",
    )
    cluster_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CAMUNDA_CLUSTER_ID"),
        description="Camunda SaaS cluster id; when set (with client credentials) the SaaS channel is used.",
    )
    cluster_region: str = Field(
        default="bru-2",
        validation_alias=AliasChoices("CAMUNDA_CLUSTER_REGION"),
        description="Camunda SaaS region (default bru-2).",
    )

    ca_certificate_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("ZEEBE_CA_CERTIFICATE_PATH", "CAMUNDA_CA_CERTIFICATE_PATH"),
        description="PEM file of the CA that signed the gateway's TLS certificate (default: the system's "
        "roots); set without client credentials, the channel uses TLS without OAuth.",
    )

    insecure_connection: bool = Field(
        default=False,
        validation_alias=AliasChoices("ZEEBE_INSECURE_CONNECTION"),
        description="With client credentials: send the OAuth token over plaintext gRPC (a gateway inside "
        "the cluster, as Camunda's Helm chart installs it, without TLS). Default: OAuth over TLS.",
    )

    def kind(self) -> ConnectionKind:
        """Which channel these settings call for: SaaS, self-managed OAuth (over TLS, or plaintext when
        asked for), TLS alone, or plaintext to the local engine."""
        if self.client_id is None:
            return "plaintext" if self.ca_certificate_path is None else "tls"
        if self.cluster_id:
            return "saas"
        return "oauth-plaintext" if self.insecure_connection else "oauth"

    def self_managed_audience(self) -> str:
        return self.token_audience or SELF_MANAGED_AUDIENCE

    def root_certificates(self) -> bytes | None:
        """The CA certificates to trust, or None for the system's."""
        return None if self.ca_certificate_path is None else self.ca_certificate_path.read_bytes()

    def describe(self) -> str:
        """Where the channel goes, safe to log (no secret)."""
        if self.kind() == "saas":
            return f"Camunda SaaS cluster {self.cluster_id} ({self.cluster_region})"
        return f"{self.address} ({self.kind()})"
