"""Deployed process definitions and their versions."""

from __future__ import annotations

from dataclasses import dataclass

from engine.bpmn.model import Process
from engine.dmn import DecisionRequirements


@dataclass(frozen=True, slots=True)
class DeployedProcess:
    key: int
    bpmn_process_id: str
    version: int
    resource_name: str
    checksum: str
    """Digest of the process's own XML fragment: an unchanged redeploy keeps the version."""
    resource: bytes
    process: Process
    deployment_key: int
    deployed_at: float


class Definitions:
    """All deployed versions, by key and by BPMN process id."""

    __slots__ = ("_by_id", "_by_key")

    def __init__(self) -> None:
        self._by_key: dict[int, DeployedProcess] = {}
        self._by_id: dict[str, list[DeployedProcess]] = {}

    def add(self, definition: DeployedProcess) -> None:
        self._by_key[definition.key] = definition
        versions = self._by_id.setdefault(definition.bpmn_process_id, [])
        versions.append(definition)
        versions.sort(key=lambda d: d.version)

    def by_key(self, key: int) -> DeployedProcess | None:
        return self._by_key.get(key)

    def latest(self, bpmn_process_id: str) -> DeployedProcess | None:
        versions = self._by_id.get(bpmn_process_id)
        return versions[-1] if versions else None

    def version(self, bpmn_process_id: str, version: int) -> DeployedProcess | None:
        for definition in self._by_id.get(bpmn_process_id, ()):
            if definition.version == version:
                return definition
        return None

    def latest_versions(self) -> list[DeployedProcess]:
        return [versions[-1] for versions in self._by_id.values()]


@dataclass(frozen=True, slots=True)
class DeployedDecisions:
    """One version of a DMN resource: its requirements graph key and a key per decision."""

    key: int
    version: int
    resource_name: str
    checksum: str
    resource: bytes
    requirements: DecisionRequirements
    decision_keys: tuple[int, ...]
    deployment_key: int
    deployed_at: float


class DecisionRegistry:
    """Deployed DMN resources by decision requirements id, oldest version first."""

    __slots__ = ("_by_id",)

    def __init__(self) -> None:
        self._by_id: dict[str, list[DeployedDecisions]] = {}

    def add(self, deployed: DeployedDecisions) -> None:
        versions = self._by_id.setdefault(deployed.requirements.id, [])
        versions.append(deployed)
        versions.sort(key=lambda d: d.version)

    def latest(self, requirements_id: str) -> DeployedDecisions | None:
        versions = self._by_id.get(requirements_id)
        return versions[-1] if versions else None
