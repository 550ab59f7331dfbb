"""What the stack is made of: its processes, their ports and how they find each other.

`up` uses the default ports; the end-to-end tests use the same composition on free ports with the CI
databases, so what they test is what `up` runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from checkout_saga.processes import ProcessSpec, python_module

SERVICE_NAMES = ("cart", "pricing", "payment", "inventory", "order", "loyalty")


@dataclass(frozen=True)
class Ports:
    engine_grpc: int = 26500
    engine_http: int = 8081
    gateway: int = 8000
    workers_status: int = 8090
    relay_status: int = 8091
    loyalty_points_status: int = 8092
    cart_checkouts_status: int = 8093
    payment_provider: int = 8110
    cart: int = 8101
    pricing: int = 8102
    payment: int = 8103
    inventory: int = 8104
    order: int = 8105
    loyalty: int = 8106

    def of(self, name: str) -> int:
        port: int = getattr(self, name)
        return port


def local(port: int, path: str = "") -> str:
    return f"http://127.0.0.1:{port}{path}"


@dataclass(frozen=True)
class StackLayout:
    """``zeebe_address`` None means: start the local engine and use it. ``env`` adds variables per process
    (database URLs, Redis, tuning); ``api_keys`` is GATEWAY_API_KEYS."""

    var_dir: Path
    api_keys: str
    ports: Ports = field(default_factory=Ports)
    zeebe_address: str | None = None
    operate_url: str | None = None
    env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def url(self, name: str, path: str = "") -> str:
        return local(self.ports.of(name), path)

    def _env(self, name: str, own: dict[str, str]) -> dict[str, str]:
        return {**own, **self.env.get(name, {})}

    def _zeebe_env(self) -> dict[str, str]:
        return {"ZEEBE_ADDRESS": self.zeebe_address or f"127.0.0.1:{self.ports.engine_grpc}"}

    def database_url(self, name: str) -> str:
        """The service's database: the SQLite default unless the layout's env gives one."""
        variable = f"{name.upper()}_DATABASE_URL"
        return self.env.get(name, {}).get(variable, f"sqlite:///{self.var_dir.resolve() / f'{name}.db'}")

    def _events_env(self) -> dict[str, str]:
        """The local log file (used unless KAFKA_BOOTSTRAP_SERVERS is exported or set per process)."""
        return {"EVENTS_LOCAL_LOG_PATH": str(self.var_dir.resolve() / "events" / "log.sqlite")}

    def _service(self, name: str, prefix: str) -> ProcessSpec:
        own = {f"{prefix}_PORT": str(self.ports.of(name)), f"{prefix}_DATABASE_URL": self.database_url(name)}
        if name == "payment":
            own["PAYMENT_PROVIDER_URL"] = self.url("payment_provider")
        return ProcessSpec(
            name, python_module(f"services.{name}"), self.url(name, "/health/ready"), self._env(name, own)
        )

    def specs(self) -> list[ProcessSpec]:
        """The processes in start order; each starts only after the previous one answers."""
        specs: list[ProcessSpec] = []
        if self.zeebe_address is None:
            engine_args = [
                "serve",
                "--port",
                str(self.ports.engine_grpc),
                "--http-port",
                str(self.ports.engine_http),
            ]
            engine_args += ["--data-dir", str(self.var_dir / "engine")]
            specs.append(
                ProcessSpec(
                    "engine",
                    python_module("engine", *engine_args),
                    self.url("engine_http", "/v1/health"),
                    self._env("engine", {}),
                )
            )
        specs.append(self._service("payment_provider", "PROVIDER"))
        specs += [self._service(name, name.upper()) for name in SERVICE_NAMES]
        specs += self._events_specs()
        workers = {
            **self._zeebe_env(),
            **self._events_env(),
            "WORKERS_STATUS_PORT": str(self.ports.workers_status),
            **{f"WORKERS_{name.upper()}_URL": self.url(name) for name in SERVICE_NAMES if name != "loyalty"},
        }
        specs.append(
            ProcessSpec(
                "workers",
                python_module("workers"),
                self.url("workers_status", "/health/ready"),
                self._env("workers", workers),
            )
        )
        gateway = {
            **self._zeebe_env(),
            **self._events_env(),
            "GATEWAY_PORT": str(self.ports.gateway),
            "GATEWAY_API_KEYS": self.api_keys,
            "GATEWAY_DATABASE_URL": f"sqlite:///{self.var_dir.resolve() / 'gateway.db'}",
            "GATEWAY_OPERATE_URL": self.operate_url or self.url("engine_http"),
        }
        specs.append(
            ProcessSpec(
                "gateway",
                python_module("gateway"),
                self.url("gateway", "/health/ready"),
                self._env("gateway", gateway),
            )
        )
        return specs

    def _events_specs(self) -> list[ProcessSpec]:
        """One relay process for every outbox (it reads each service's database) and one process per
        consumer group; all after the services, whose migrations create the outbox tables."""
        relay = {
            **self._events_env(),
            **{f"{name.upper()}_DATABASE_URL": self.database_url(name) for name in SERVICE_NAMES},
        }
        return [
            ProcessSpec(
                "relay",
                python_module("events.relay", "--all", "--status-port", str(self.ports.relay_status)),
                self.url("relay_status", "/health/ready"),
                self._env("relay", relay),
            ),
            self._consumer("loyalty_points", "loyalty"),
            self._consumer("cart_checkouts", "cart"),
        ]

    def _consumer(self, name: str, service: str) -> ProcessSpec:
        """Group ``name`` (underscored), calling ``service``, with its inbox in ``var/events``."""
        group = name.replace("_", "-")
        prefix = name.upper()
        own = {
            **self._events_env(),
            f"{prefix}_{service.upper()}_URL": self.url(service),
            f"{prefix}_DATABASE_URL": f"sqlite:///{self.var_dir.resolve() / 'events' / f'{group}.db'}",
        }
        status = f"{name}_status"
        return ProcessSpec(
            name,
            python_module("events.consumers", group, "--status-port", str(self.ports.of(status))),
            self.url(status, "/health/ready"),
            self._env(name, own),
        )

    def with_env(self, name: str, **variables: str) -> StackLayout:
        """A copy with more variables for process ``name`` (later ones win)."""
        merged = {**self.env, name: {**self.env.get(name, {}), **variables}}
        return dataclasses.replace(self, env=merged)
