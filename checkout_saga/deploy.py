"""Deploy every diagram in a folder to Zeebe: the local engine, a self-managed cluster or Camunda SaaS,
whichever ``ZEEBE_ADDRESS`` and the OAuth variables point at (see :mod:`zeebe_connection`)."""

from __future__ import annotations

from pathlib import Path

import grpc
from pyzeebe import ZeebeClient
from pyzeebe.errors import PyZeebeError, ZeebeError
from pyzeebe.grpc_internals.types import DeployResourceResponse

from zeebe_connection import ZeebeSettings, open_channel


class DeployFailed(Exception):
    """The deployment did not happen; the message says why in the gateway's words (no secret in it)."""


def diagrams_in(bpmn_dir: Path) -> list[Path]:
    diagrams = sorted(bpmn_dir.glob("*.bpmn"))
    if not diagrams:
        raise FileNotFoundError(f"no .bpmn files in {bpmn_dir}")
    return diagrams


async def deploy_diagrams(diagrams: list[Path], zeebe: ZeebeSettings) -> list[tuple[str, int, int]]:
    """Deploy ``diagrams`` in one request; ``(process id, version, key)`` of each process.

    Zeebe deploys all or nothing, and a diagram identical to the deployed version keeps its version.
    """
    channel = open_channel(zeebe)
    try:
        deployment = await ZeebeClient(channel).deploy_resource(*diagrams)
    except ZeebeError as error:
        raise DeployFailed(f"{error.grpc_error.code().name}: {error.grpc_error.details()}") from None
    except (PyZeebeError, grpc.RpcError) as error:
        raise DeployFailed(type(error).__name__) from None
    finally:
        await channel.close(grace=None)
    return [
        (p.bpmn_process_id, p.version, p.process_definition_key)
        for p in deployment.deployments
        if isinstance(p, DeployResourceResponse.ProcessMetadata)
    ]
