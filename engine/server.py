"""Runs the engine: state and store, the gRPC gateway, the read API and its ``/metrics``, until SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import uvicorn

from engine.grpc_api.server import start_grpc
from engine.metrics import endpoint
from engine.metrics.registry import EngineMetrics
from engine.read_api.app import create_app
from engine.runtime.lifecycle import LifecycleObserver
from engine.service import EngineService
from engine.settings import EngineSettings
from engine.tracing import lifecycle_observer

log = logging.getLogger(__name__)


@dataclass
class RunningEngine:
    """A started engine; ``port`` and ``http_port`` are the bound ports (useful with port 0)."""

    service: EngineService
    metrics: EngineMetrics
    grpc_server: grpc.aio.Server
    http_server: uvicorn.Server | None
    http_task: asyncio.Task[None] | None
    port: int
    http_port: int

    async def stop(self) -> None:
        """Stop accepting work, let in-flight calls finish briefly, write everything, close."""
        await self.grpc_server.stop(grace=2)
        if self.http_server is not None and self.http_task is not None:
            self.http_server.should_exit = True
            await self.http_task
        await self.service.close()


async def start_engine(
    settings: EngineSettings,
    lifecycle: LifecycleObserver | None = None,
    interceptors: Sequence[grpc.aio.ServerInterceptor[Any, Any]] = (),
) -> RunningEngine:
    """Start everything inside the running event loop (tests use this to embed the engine).

    ``lifecycle`` hears of instances and elements starting and ending; by default the tracing observer
    (spans when ``configure_tracing`` installed a provider, nothing otherwise). Tests pass their own to
    read the spans of an embedded engine without touching the process-global provider. ``interceptors``
    stand in front of the gRPC API (tests check there what a real cluster's gateway would see).
    """
    service = EngineService(
        settings.data_dir,
        synchronous=settings.synchronous,
        max_pending=settings.max_pending,
        lifecycle=lifecycle_observer() if lifecycle is None else lifecycle,
    )
    service.start()
    metrics = EngineMetrics.of(service.partition)
    grpc_server, port = await start_grpc(
        service, settings.host, settings.port, metrics.latency, settings.tls_credentials(), interceptors
    )
    http_server: uvicorn.Server | None = None
    http_task: asyncio.Task[None] | None = None
    http_port = settings.http_port
    if http_port >= 0:
        app = create_app(service.store.path, service)
        endpoint.install(app, metrics.registry)
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=http_port,
            log_level="warning",
            lifespan="on",
        )
        http_server = uvicorn.Server(config)
        http_task = asyncio.get_running_loop().create_task(http_server.serve())
        while not http_server.started:
            if http_task.done():
                await http_task
                raise RuntimeError(f"the read API could not start on {settings.host}:{http_port}")
            await asyncio.sleep(0.01)
        http_port = http_server.servers[0].sockets[0].getsockname()[1]
    return RunningEngine(service, metrics, grpc_server, http_server, http_task, port, http_port)


def _freeze_startup_objects() -> None:
    """Leave what start-up created (modules, the gRPC and HTTP stacks, deployed definitions: some 80,000
    objects) out of the garbage collector's full collections, which otherwise walk all of it every few
    seconds under load: about 2% of the engine's CPU, in pauses of some 50 ms. Garbage already there is
    collected first; what is frozen stays referenced for the life of the process anyway, and objects that
    go away later still do through reference counting. Only ``serve`` does this: it owns the process,
    whereas an engine embedded by ``start_engine`` (tests) shares its process with others."""
    gc.collect()
    gc.freeze()


async def serve(settings: EngineSettings) -> None:
    running = await start_engine(settings)
    _freeze_startup_objects()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    transport = "TLS" if settings.tls_certificate_path else "plaintext"
    print(
        f"engine ready: gRPC {settings.host}:{running.port} ({transport}), read API http://{settings.host}:{running.http_port}, "
        f"data {settings.data_dir}",
        flush=True,
    )
    await stop.wait()
    log.info("stopping engine")
    with contextlib.suppress(asyncio.CancelledError):
        await running.stop()
