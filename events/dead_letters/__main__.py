"""``python -m events.dead_letters replay --group <group> [--max N] [--dry-run]``: put a consumer group's
dead letters back on their original topics, exactly once (see :mod:`events.dead_letters.replay`).

Prints a line per record and a summary; exit status 0 when done, 1 when the replay stopped on an error
(the batches printed before it are committed; run it again for the rest), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys

from events.dead_letters.replay import KafkaDeadLetterReplay, ReplayFailed, ReplaySettings
from events.settings import EventsSettings


def build_parser() -> argparse.ArgumentParser:
    """The command line, also for checking that the commands the runbook shows parse."""
    parser = argparse.ArgumentParser(
        prog="python -m events.dead_letters", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    replay = commands.add_parser(
        "replay",
        help="republish <group>.dead-letter to the records' original topics; the replay's own offsets are "
        "committed in the same Kafka transaction",
    )
    replay.add_argument(
        "--group", required=True, help="the consumer group whose dead letters to replay, e.g. loyalty-points"
    )
    replay.add_argument("--max", type=int, help="replay at most this many records (default: all)")
    replay.add_argument("--dry-run", action="store_true", help="print what would be replayed; change nothing")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.max is not None and args.max < 1:
        parser.error("--max must be at least 1")
    bootstrap = EventsSettings().kafka_bootstrap_servers
    if not bootstrap:
        parser.error(
            "KAFKA_BOOTSTRAP_SERVERS is not set: replay needs Kafka's transactions (the local log of "
            "`make run` is not supported)"
        )
    run = KafkaDeadLetterReplay(bootstrap, args.group, ReplaySettings(), dry_run=args.dry_run)
    try:
        report = run.run(args.max)
    except ReplayFailed as error:
        print(f"error: {error}")
        return 1
    print(report.summary(dry_run=args.dry_run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
