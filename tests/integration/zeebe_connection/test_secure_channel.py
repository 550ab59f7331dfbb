"""The channel to a real Camunda 8: TLS with a private CA, OAuth client credentials from a token
endpoint, and ``checkout-saga deploy`` through it, against the local engine served over TLS.

An interceptor in front of the engine does what a secured Zeebe gateway does: it refuses every call
without a bearer token the authorization server handed out (UNAUTHENTICATED), and records what it saw.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from pyzeebe import ZeebeClient
from pyzeebe.errors import ZeebeGatewayUnavailableError
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from engine.server import RunningEngine, start_engine
from engine.settings import EngineSettings
from tests.oauth_token_server import TokenServer, token_endpoint
from zeebe_connection import ZeebeSettings, open_channel

ROOT = Path(__file__).resolve().parents[3]
CLIENT_ID = "checkout-ci"
CLIENT_SECRET = "s3cret-" + os.urandom(8).hex()
AUDIENCE = "zeebe-api"


@dataclass(frozen=True)
class Certificate:
    certificate: Path
    private_key: Path


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for localhost and 127.0.0.1: its own CA, as a private PKI's would be."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "gateway.pem", folder / "gateway-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return Certificate(cert, key)


@dataclass
class BearerCheck(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Lets a call through only with ``authorization: Bearer <a token the server issued>``."""

    tokens: TokenServer
    seen: list[tuple[str, str | None]] = field(default_factory=list)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],  # type: ignore[type-arg]
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:  # type: ignore[type-arg]
        metadata = dict(details.invocation_metadata or ())  # type: ignore[attr-defined]
        authorization = metadata.get("authorization")
        self.seen.append((details.method, authorization))  # type: ignore[attr-defined]
        handler = await continuation(details)
        if authorization is not None and authorization.removeprefix("Bearer ") in self.tokens.issued:
            return handler

        async def refuse(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "a valid bearer token is required")

        handler_kind = (
            grpc.unary_stream_rpc_method_handler
            if handler.unary_stream
            else grpc.unary_unary_rpc_method_handler
        )
        return handler_kind(
            refuse,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


@pytest.fixture
def tokens(certificate: Certificate) -> Iterator[tuple[TokenServer, str]]:
    """The authorization server, over HTTPS (OAuth refuses anything else) with the same private CA."""
    server = TokenServer(client_secret=CLIENT_SECRET)
    with token_endpoint(server, tls=(certificate.certificate, certificate.private_key)) as url:
        yield server, url


@asynccontextmanager
async def engine_serving(
    data_dir: Path, certificate: Certificate | None = None, check: BearerCheck | None = None
) -> AsyncIterator[RunningEngine]:
    """The local engine over TLS with ``certificate`` (else plaintext), behind ``check`` if given."""
    settings = EngineSettings(
        port=0,
        http_port=-1,
        data_dir=data_dir,
        tls_certificate_path=None if certificate is None else certificate.certificate,
        tls_private_key_path=None if certificate is None else certificate.private_key,
    )
    running = await start_engine(settings, interceptors=[] if check is None else [check])
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def secured_engine(
    tmp_path: Path, certificate: Certificate, tokens: tuple[TokenServer, str]
) -> AsyncIterator[tuple[RunningEngine, BearerCheck]]:
    check = BearerCheck(tokens[0])
    async with engine_serving(tmp_path / "engine", certificate, check) as running:
        yield running, check


def plaintext_oauth(port: int, token_url: str) -> ZeebeSettings:
    return ZeebeSettings(
        address=f"127.0.0.1:{port}",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authorization_server_url=token_url,
        insecure_connection=True,
    )


def camunda_environment(
    port: int, token_url: str, ca: Path | None, secret: str = CLIENT_SECRET
) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("ZEEBE_", "CAMUNDA_"))}
    environment = {
        **inherited,
        "ZEEBE_ADDRESS": f"localhost:{port}",
        "CAMUNDA_CLIENT_ID": CLIENT_ID,
        "CAMUNDA_CLIENT_SECRET": secret,
        "CAMUNDA_OAUTH_URL": token_url,
        "CAMUNDA_TOKEN_AUDIENCE": AUDIENCE,
    }
    if ca is not None:
        environment["ZEEBE_CA_CERTIFICATE_PATH"] = environment["REQUESTS_CA_BUNDLE"] = str(ca)
    return environment


async def deploy_command(environment: dict[str, str]) -> tuple[int, str]:
    """Run ``checkout-saga deploy`` as an operator would; its exit status and everything it printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "checkout_saga.cli",
        "deploy",
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_deploy_over_tls_with_oauth_prints_the_deployed_versions(
    secured_engine: tuple[RunningEngine, BearerCheck],
    tokens: tuple[TokenServer, str],
    certificate: Certificate,
) -> None:
    (running, _check), (_server, token_url) = secured_engine, tokens

    status, output = await deploy_command(
        camunda_environment(running.port, token_url, certificate.certificate)
    )

    assert status == 0, output
    assert re.search(
        rf"deployed checkout version 1 \(key \d+\) to localhost:{running.port} \(oauth\)", output
    )


async def test_the_token_is_asked_for_with_the_client_credentials_and_audience(
    secured_engine: tuple[RunningEngine, BearerCheck],
    tokens: tuple[TokenServer, str],
    certificate: Certificate,
) -> None:
    (running, _check), (server, token_url) = secured_engine, tokens

    await deploy_command(camunda_environment(running.port, token_url, certificate.certificate))

    assert server.requests[0]["grant_type"] == "client_credentials"
    assert server.requests[0]["client_id"] == CLIENT_ID
    assert server.requests[0]["audience"] == AUDIENCE


async def test_the_gateway_receives_the_token_as_a_bearer(
    secured_engine: tuple[RunningEngine, BearerCheck],
    tokens: tuple[TokenServer, str],
    certificate: Certificate,
) -> None:
    (running, check), (_server, token_url) = secured_engine, tokens

    await deploy_command(camunda_environment(running.port, token_url, certificate.certificate))

    assert ("/gateway_protocol.Gateway/DeployResource", "Bearer token-1") in check.seen


async def test_a_refused_secret_fails_the_deploy_without_printing_the_secret(
    secured_engine: tuple[RunningEngine, BearerCheck],
    tokens: tuple[TokenServer, str],
    certificate: Certificate,
) -> None:
    (running, check), (_server, token_url) = secured_engine, tokens
    wrong = "wrong-" + os.urandom(8).hex()

    status, output = await deploy_command(
        camunda_environment(running.port, token_url, certificate.certificate, secret=wrong)
    )

    assert status == 1
    assert f"deploy to localhost:{running.port} (oauth) failed: UNAVAILABLE" in output
    assert wrong not in output
    assert check.seen == []


async def test_a_gateway_certificate_from_an_unknown_ca_is_not_trusted(
    secured_engine: tuple[RunningEngine, BearerCheck], tokens: tuple[TokenServer, str]
) -> None:
    (running, check), (_server, token_url) = secured_engine, tokens

    status, output = await deploy_command(camunda_environment(running.port, token_url, ca=None))

    assert status == 1
    assert "CERTIFICATE_VERIFY_FAILED" in output
    assert check.seen == []


async def test_tls_alone_reaches_a_gateway_without_oauth(tmp_path: Path, certificate: Certificate) -> None:
    async with engine_serving(tmp_path / "engine", certificate) as running:
        zeebe = ZeebeSettings(
            address=f"localhost:{running.port}", ca_certificate_path=certificate.certificate
        )
        channel = open_channel(zeebe)
        try:
            topology = await ZeebeClient(channel).topology()
        finally:
            await channel.close(grace=None)

    assert zeebe.kind() == "tls"
    assert topology.brokers


async def test_oauth_over_plaintext_puts_one_token_on_every_call_streams_included(
    tmp_path: Path,
    tokens: tuple[TokenServer, str],
    certificate: Certificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, token_url = tokens
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.certificate))  # the token endpoint's CA, for httpx
    check = BearerCheck(server)
    async with engine_serving(tmp_path / "engine", check=check) as running:
        zeebe = plaintext_oauth(running.port, token_url)
        channel = open_channel(zeebe)
        try:
            client = ZeebeClient(channel)
            await client.deploy_resource(str(ROOT / "bpmn" / "checkout.bpmn"))
            await client.run_process("checkout", {"checkoutId": "c-1"})
            request = pb.ActivateJobsRequest(
                type="saga.started", worker="test", timeout=1000, maxJobsToActivate=1, requestTimeout=2000
            )
            stream = GatewayStub(channel).ActivateJobs(request)  # type: ignore[no-untyped-call]
            activated = [job async for response in stream for job in response.jobs]
        finally:
            await channel.close(grace=None)

    assert zeebe.kind() == "oauth-plaintext"
    assert len(activated) == 1
    assert {authorization for _, authorization in check.seen} == {"Bearer token-1"}
    assert {method.rsplit("/", 1)[1] for method, _ in check.seen} >= {
        "DeployResource",
        "CreateProcessInstance",
        "ActivateJobs",
    }
    assert [form["audience"] for form in server.requests] == ["zeebe-api"]


async def test_oauth_over_plaintext_without_a_token_fails_like_an_unreachable_gateway(
    tmp_path: Path,
) -> None:
    server = TokenServer(refuse=True)
    check = BearerCheck(server)
    with token_endpoint(server) as token_url:
        async with engine_serving(tmp_path / "engine", check=check) as running:
            channel = open_channel(plaintext_oauth(running.port, token_url))
            try:
                with pytest.raises(ZeebeGatewayUnavailableError):
                    await ZeebeClient(channel).topology()
            finally:
                await channel.close(grace=None)

    assert check.seen == []
