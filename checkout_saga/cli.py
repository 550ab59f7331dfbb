"""``checkout-saga``: up | demo | deploy."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from checkout_saga.settings import StackSettings


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
    from checkout_saga.deploy import deploy_diagrams, diagrams_in
    from zeebe_connection import ZeebeSettings

    zeebe = ZeebeSettings()
    for process_id, version, key in asyncio.run(deploy_diagrams(diagrams_in(settings.bpmn_dir), zeebe)):
        print(f"deployed {process_id} version {version} (key {key}) to {zeebe.describe()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="checkout-saga", description="Run, demo and deploy the checkout saga."
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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    result: int = args.run(args, StackSettings())
    return result


if __name__ == "__main__":
    sys.exit(main())
