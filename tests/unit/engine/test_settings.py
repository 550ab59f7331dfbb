"""The engine's TLS settings: both files or neither, read as the gRPC server wants them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from engine.settings import EngineSettings


def test_without_certificate_files_the_engine_serves_plaintext() -> None:
    assert EngineSettings().tls_credentials() is None


def test_a_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="go together"):
        EngineSettings(tls_certificate_path=tmp_path / "cert.pem")


def test_the_key_and_chain_are_read_for_the_server(tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_bytes(b"CHAIN")
    (tmp_path / "key.pem").write_bytes(b"KEY")

    settings = EngineSettings(
        tls_certificate_path=tmp_path / "cert.pem", tls_private_key_path=tmp_path / "key.pem"
    )

    assert settings.tls_credentials() == (b"KEY", b"CHAIN")
