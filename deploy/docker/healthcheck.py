"""The image's HEALTHCHECK: probe the HTTP health endpoint of whichever component the container runs.

Standard library only, so it costs a fraction of a second. The container's component is found among
its processes (``/proc/<pid>/cmdline``): the one started as ``python -m <component> [args]`` (the
image's ENTRYPOINT). Its address comes from the same settings the component reads:

| Component | Port (default) | Bind host | Path (``--ready``) |
|---|---|---|---|
| ``gateway`` | ``GATEWAY_PORT`` (8000) | ``GATEWAY_HOST`` | ``/health/live`` (``/health/ready``) |
| ``services.<name>`` | ``<PREFIX>PORT`` (8101-8106, provider 8110) | ``<PREFIX>HOST`` | the same |
| ``workers`` | ``WORKERS_STATUS_PORT`` (8090) | ``WORKERS_STATUS_HOST`` | the same |
| ``events.relay``, ``events.consumers`` | ``--status-port`` argument | ``--host`` argument | the same |
| ``engine`` | ``--http-port`` / ``ENGINE_HTTP_PORT`` (8081) | ``--host`` / ``ENGINE_HOST`` | ``/v1/health`` |

A wildcard bind host (``0.0.0.0``, ``::``) is probed on loopback. The relay and the consumers serve
HTTP only when given ``--status-port``; without it (and for one-shot commands such as
``checkout_saga.cli deploy``) there is nothing to ask, and the check says so and passes: all that is
known is that the process runs. ``HEALTHCHECK_URL`` overrides everything with a URL to GET.

Exit status 0 when the endpoint answers 2xx within ``--timeout`` seconds (default 4), else 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

LIVE = "/health/live"
READY = "/health/ready"

SERVICES: dict[str, tuple[str, int]] = {
    "cart": ("CART_", 8101),
    "pricing": ("PRICING_", 8102),
    "payment": ("PAYMENT_", 8103),
    "inventory": ("INVENTORY_", 8104),
    "order": ("ORDER_", 8105),
    "loyalty": ("LOYALTY_", 8106),
    "payment_provider": ("PROVIDER_", 8110),
}
"""``services.<name>``: the prefix of its settings and its default port (``services/<name>/settings.py``)."""

GATEWAY_PORT = 8000
WORKERS_STATUS_PORT = 8090
ENGINE_HTTP_PORT = 8081
LOOPBACK_HOST = "127.0.0.1"
STATUS_SERVERS = ("events.relay", "events.consumers")
COMPONENTS = ("gateway", "workers", "engine", *STATUS_SERVERS, *(f"services.{name}" for name in SERVICES))


@dataclass(frozen=True)
class Probe:
    host: str
    port: int
    path: str

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.path}"


class NothingToProbe(Exception):
    """The component serves no health endpoint; the message says why."""


class Misconfigured(Exception):
    """The component's settings name no address that can be probed."""


def probe_host(bound: str) -> str:
    """Where to reach a server bound to ``bound``: loopback for the wildcard addresses."""
    if bound in ("", "0.0.0.0"):
        return LOOPBACK_HOST
    if bound == "::":
        return "::1"
    return bound


def _port(value: str, where: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise Misconfigured(f"{where}={value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise Misconfigured(f"{where}={port}: no fixed port to probe (0 means a random one)")
    return port


def _env_port(env: Mapping[str, str], name: str, default: int) -> int:
    return _port(env[name], name) if env.get(name) else default


def _option(args: Sequence[str], name: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` in ``args`` (the last one wins, as argparse)."""
    found: str | None = None
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            found = args[index + 1]
        elif arg.startswith(f"{name}="):
            found = arg.partition("=")[2]
    return found


def probe_for(module: str, args: Sequence[str], env: Mapping[str, str], ready: bool = False) -> Probe:
    """The endpoint that tells whether ``python -m module args...`` is healthy, under ``env``."""
    path = READY if ready else LIVE
    if module == "gateway":
        port = _env_port(env, "GATEWAY_PORT", GATEWAY_PORT)
        return Probe(probe_host(env.get("GATEWAY_HOST", LOOPBACK_HOST)), port, path)
    if module == "workers":
        port = _env_port(env, "WORKERS_STATUS_PORT", WORKERS_STATUS_PORT)
        return Probe(probe_host(env.get("WORKERS_STATUS_HOST", LOOPBACK_HOST)), port, path)
    if module.startswith("services.") and module.removeprefix("services.") in SERVICES:
        prefix, default = SERVICES[module.removeprefix("services.")]
        port = _env_port(env, f"{prefix}PORT", default)
        return Probe(probe_host(env.get(f"{prefix}HOST", LOOPBACK_HOST)), port, path)
    if module in STATUS_SERVERS:
        status_port = _option(args, "--status-port")
        if status_port is None:
            raise NothingToProbe(f"{module} runs without --status-port, so it serves no health endpoint")
        return Probe(
            probe_host(_option(args, "--host") or LOOPBACK_HOST), _port(status_port, "--status-port"), path
        )
    if module == "engine":
        http_port = _option(args, "--http-port")
        port = (
            _port(http_port, "--http-port")
            if http_port is not None
            else _env_port(env, "ENGINE_HTTP_PORT", ENGINE_HTTP_PORT)
        )
        host = _option(args, "--host") or env.get("ENGINE_HOST", LOOPBACK_HOST)
        return Probe(probe_host(host), port, "/v1/health")
    raise NothingToProbe(f"{module} is not a server of checkout-saga (a one-shot command?)")


def component_of(cmdline: Sequence[str]) -> tuple[str, list[str]] | None:
    """``(module, args)`` of a ``python -m module args...`` command line, else None."""
    if len(cmdline) < 3 or not Path(cmdline[0]).name.startswith("python") or cmdline[1] != "-m":
        return None
    return cmdline[2], list(cmdline[3:])


def find_component(proc: Path = Path("/proc"), own_pid: int | None = None) -> tuple[str, list[str]] | None:
    """The ``python -m`` process of this container (the lowest pid if several), from ``proc``."""
    own = os.getpid() if own_pid is None else own_pid
    pids = sorted(
        int(entry.name) for entry in proc.iterdir() if entry.name.isdigit() and int(entry.name) != own
    )
    for pid in pids:
        try:
            raw = (proc / str(pid) / "cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile, or not ours to read
        found = component_of([part.decode(errors="replace") for part in raw.split(b"\0") if part])
        if found is not None:
            return found
    return None


def answers(url: str, timeout: float) -> tuple[bool, str]:
    """Whether a GET of ``url`` answers 2xx, and what happened."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status: int = response.status
    except urllib.error.HTTPError as error:
        return False, f"{url} answered {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return False, f"{url} unreachable: {getattr(error, 'reason', error)}"
    return 200 <= status < 300, f"{url} answered {status}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ready", action="store_true", help="probe readiness where the component has it")
    parser.add_argument("--timeout", type=float, default=4.0, help="seconds to wait for the answer")
    options = parser.parse_args(argv)
    url = os.environ.get("HEALTHCHECK_URL")
    if not url:
        component = find_component()
        if component is None:
            print("healthcheck: no `python -m <component>` process in this container", file=sys.stderr)
            return 1
        module, args = component
        try:
            url = probe_for(module, args, os.environ, options.ready).url
        except NothingToProbe as reason:
            print(f"healthcheck: not checked: {reason}; the process runs")
            return 0
        except Misconfigured as problem:
            print(f"healthcheck: {module}: {problem}", file=sys.stderr)
            return 1
    healthy, what = answers(url, options.timeout)
    print(f"healthcheck: {what}", file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
