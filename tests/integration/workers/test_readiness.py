"""The workers' readiness: ready while Zeebe (here the real local engine) answers on their channel."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry
from pyzeebe import create_insecure_channel

from engine.server import start_engine
from engine.settings import EngineSettings
from workers.status import status_app, zeebe_problem


async def readiness(channel_address: str) -> httpx.Response:
    channel = create_insecure_channel(grpc_address=channel_address)
    app = status_app({}, CollectorRegistry(), zeebe_problem(channel))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://workers") as client:
            return await client.get("/health/ready")
    finally:
        await channel.close(grace=None)


async def test_workers_are_ready_while_zeebe_answers(tmp_path: Path) -> None:
    engine = await start_engine(EngineSettings(port=0, http_port=-1, data_dir=tmp_path / "engine"))
    try:
        response = await readiness(f"127.0.0.1:{engine.port}")
    finally:
        await engine.stop()

    assert (response.status_code, response.json()) == (200, {"status": "UP"})


async def test_workers_are_not_ready_when_zeebe_is_gone(tmp_path: Path) -> None:
    engine = await start_engine(EngineSettings(port=0, http_port=-1, data_dir=tmp_path / "engine"))
    address = f"127.0.0.1:{engine.port}"
    await engine.stop()

    response = await readiness(address)

    assert (response.status_code, response.json()) == (
        503,
        {"status": "DOWN", "problems": {"zeebe": "UNAVAILABLE"}},
    )
