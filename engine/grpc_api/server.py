"""The gRPC server: Zeebe's gateway service plus the standard health service pyzeebe checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from pyzeebe.proto.gateway_pb2_grpc import add_GatewayServicer_to_server

from engine.grpc_api.servicer import Gateway
from engine.metrics.latency import CommandLatency
from engine.service import EngineService

GATEWAY_SERVICE = "gateway_protocol.Gateway"


async def start_grpc(
    service: EngineService,
    host: str,
    port: int,
    latency: CommandLatency,
    tls: tuple[bytes, bytes] | None = None,
    interceptors: Sequence[grpc.aio.ServerInterceptor[Any, Any]] = (),
) -> tuple[grpc.aio.Server, int]:
    """Start serving, timing commands into ``latency``; returns the server and the port bound (``port=0``
    picks a free one). ``tls`` is (private key, certificate chain) in PEM: TLS only, no plaintext port.
    ``interceptors`` see every call first (an authentication check in front of the engine, say)."""
    server = grpc.aio.server(
        interceptors=interceptors,
        options=[
            ("grpc.max_receive_message_length", 4 * 1024 * 1024),
            ("grpc.so_reuseport", 0),
        ],
    )
    address = f"{host}:{port}"
    if tls is None:
        bound = server.add_insecure_port(address)
    else:
        bound = server.add_secure_port(address, grpc.ssl_server_credentials([tls]))
    # The stubs mark every RPC abstract; those the engine lacks answer UNIMPLEMENTED from the base class.
    add_GatewayServicer_to_server(Gateway(service, host, bound, latency), server)  # type: ignore[abstract]
    health_servicer = health.aio.HealthServicer()  # type: ignore[attr-defined]
    await health_servicer.set(GATEWAY_SERVICE, health_pb2.HealthCheckResponse.SERVING)
    await health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    await server.start()
    return server, bound
