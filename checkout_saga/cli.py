"""``checkout-saga``: up | demo | deploy | incidents list|resolve."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TYPE_CHECKING

from checkout_saga.settings import StackSettings

if TYPE_CHECKING:
    from checkout_saga.incidents import IncidentFilter, IncidentSettings


def _up(args: argparse.Namespace, settings: StackSettings) -> int:
    from checkout_saga.stack import up

    return up(settings)


def _demo(args: argparse.Namespace, settings: StackSettings) -> int:
    from checkout_saga.demo import run_demo, summary

    if settings.demo_api_key is not None:
        key = settings.demo_api_key.get_secret_value()
    else:
        path = settings.var_dir / "demo-api-key"
        if not path.exists():
            print(f"no API key: set STACK_DEMO_API_KEY or run `checkout-saga up` (it writes {path})")
            return 2
        key = path.read_text().strip()
    outcomes = asyncio.run(run_demo(settings.gateway_url, key, args.count, args.concurrency, args.seed))
    print(summary(outcomes))
    return 0 if all(o.status == o.scenario.expected for o in outcomes) else 1


def _deploy(args: argparse.Namespace, settings: StackSettings) -> int:
    from checkout_saga.deploy import DeployFailed, deploy_diagrams, diagrams_in
    from zeebe_connection import ZeebeSettings

    zeebe = ZeebeSettings()
    try:
        deployed = asyncio.run(deploy_diagrams(diagrams_in(settings.bpmn_dir), zeebe))
    except DeployFailed as failure:
        print(f"deploy to {zeebe.describe()} failed: {failure}", file=sys.stderr)
        return 1
    for process_id, version, key in deployed:
        print(f"deployed {process_id} version {version} (key {key}) to {zeebe.describe()}")
    return 0


def _incident_filter(args: argparse.Namespace) -> tuple[IncidentFilter, IncidentSettings]:
    """The filter the flags ask for; without ``--process-id`` the configured process (checkout), so a
    bare ``incidents resolve`` never touches another team's processes on a shared cluster."""
    from checkout_saga.incidents import IncidentFilter, IncidentSettings

    incidents = IncidentSettings()
    process_id = None if args.all_processes else (args.process_id or incidents.process_id)
    selection = IncidentFilter(process_id, args.version, args.error_type, args.element)
    return selection, incidents


def _incidents_list(args: argparse.Namespace, settings: StackSettings) -> int:
    from checkout_saga.incidents import list_incidents
    from zeebe_connection import ZeebeSettings

    selection, incidents = _incident_filter(args)
    return asyncio.run(list_incidents(selection, incidents, ZeebeSettings()))


def _incidents_resolve(args: argparse.Namespace, settings: StackSettings) -> int:
    from checkout_saga.incidents import resolve_incidents
    from zeebe_connection import ZeebeSettings

    selection, incidents = _incident_filter(args)
    retries = args.retries if args.retries is not None else incidents.retries
    return asyncio.run(
        resolve_incidents(selection, incidents, ZeebeSettings(), retries=retries, dry_run=args.dry_run)
    )


def _add_incident_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--process-id", help="BPMN process id (default: INCIDENTS_PROCESS_ID, which defaults to checkout)"
    )
    parser.add_argument("--all-processes", action="store_true", help="incidents of every process")
    parser.add_argument("--version", type=int, help="only this version of the process")
    parser.add_argument("--error-type", help="only this Operate incident type, e.g. JOB_NO_RETRIES")
    parser.add_argument("--element", help="only incidents at this BPMN element id, e.g. capture_payment")


def _add_incident_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    incidents = commands.add_parser(
        "incidents",
        help="list or resolve open incidents in bulk (Operate REST API v1 + Zeebe gRPC)",
        description="Open incidents are found through the Operate REST API v1 (INCIDENTS_OPERATE_URL, "
        "default the local engine's http://127.0.0.1:8081) and resolved over the Zeebe channel "
        "(ZEEBE_ADDRESS and the OAuth/SaaS variables).",
    )
    actions = incidents.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="print the open incidents the filters select")
    _add_incident_filters(listing)
    listing.set_defaults(run=_incidents_list)
    resolve = actions.add_parser(
        "resolve",
        help="give each job incident's job retries, then resolve the incident; exit 1 if any failed",
    )
    _add_incident_filters(resolve)
    resolve.add_argument(
        "--retries", type=int, help="retries for each incident's job (default: INCIDENTS_RETRIES, 1)"
    )
    resolve.add_argument(
        "--dry-run", action="store_true", help="print what would be resolved, change nothing"
    )
    resolve.set_defaults(run=_incidents_resolve)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, also for checking that the commands the runbook shows parse."""
    parser = argparse.ArgumentParser(
        prog="checkout-saga",
        description="Run, demo and deploy the checkout saga; resolve its incidents in bulk.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "up", help="start engine, services, workers and gateway; Ctrl-C stops them"
    ).set_defaults(run=_up)
    demo = commands.add_parser("demo", help="start N checkouts with a mix of outcomes and summarise them")
    demo.add_argument("--count", type=int, default=20, help="checkouts to start (default 20)")
    demo.add_argument("--concurrency", type=int, default=8, help="checkouts in flight at once (default 8)")
    demo.add_argument("--seed", type=int, default=1, help="random seed of the scenario mix (default 1)")
    demo.set_defaults(run=_demo)
    commands.add_parser(
        "deploy", help="deploy bpmn/*.bpmn to the Zeebe of ZEEBE_ADDRESS (OAuth and SaaS variables honoured)"
    ).set_defaults(run=_deploy)
    _add_incident_commands(commands)
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """``argv`` parsed and checked; a usage error exits with status 2, as argparse's own do."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "retries", None) is not None and args.retries < 1:
        parser.error("--retries must be at least 1 (Zeebe refuses to resolve a job incident without retries)")
    if getattr(args, "version", None) is not None and args.all_processes:
        parser.error("--version needs a process: drop --all-processes")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    result: int = args.run(args, StackSettings())
    return result


if __name__ == "__main__":
    sys.exit(main())
