"""What both sides of the message pacts share: the pairs, the committed files, and the verifier run.

The pairs come from the table in ``events/pacts/README.md``, so the page people read is the list the
tests hold the files to. The pact-python pitfalls are handled here once: its string results are
FFI-backed ``OwnedString`` objects (copied with ``str()`` before they are kept or raised), and a
verifier that finds no interaction for its provider passes, so every run is checked against the
interactions the pact files hold.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pact import Pact, Verifier
from pact.types import Message

REPO_ROOT = Path(__file__).resolve().parents[2]
PACT_DIR = REPO_ROOT / "events" / "pacts"
PAIRS_TABLE = PACT_DIR / "README.md"
CONTRACT_TESTS = Path(__file__).resolve().parent

UPDATE_VARIABLE = "PACT_UPDATE"
"""Set to ``1`` to let the consumer tests rewrite the committed pacts instead of comparing."""

CONTENT_TYPE = "application/json"

_TABLE_HEADER = "| Consumer group | Topic | Provider | Messages | Pact file |"


@dataclass(frozen=True)
class Pair:
    """One consumer group and the service whose messages it reads, as a row of the pairs table."""

    consumer: str
    topic: str
    provider: str
    messages: tuple[str, ...]
    pact_file: str

    @property
    def pact_path(self) -> Path:
        return PACT_DIR / self.pact_file

    @property
    def consumer_test(self) -> Path:
        return CONTRACT_TESTS / "consumers" / f"test_{self.consumer.replace('-', '_')}_pact.py"

    @property
    def provider_test(self) -> Path:
        return CONTRACT_TESTS / "providers" / f"test_{self.provider.replace('-', '_')}_pact.py"


def pairs() -> list[Pair]:
    """The rows of the table in ``events/pacts/README.md`` (backticks and quotes taken off)."""
    lines = PAIRS_TABLE.read_text().splitlines()
    start = lines.index(_TABLE_HEADER) + 2  # past the header and its |---| line
    rows: list[Pair] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        consumer, topic, provider, messages, pact_file = (
            cell.strip().strip("`") for cell in line.strip().strip("|").split("|")
        )
        rows.append(Pair(consumer, topic, provider, tuple(re.findall(r'"([^"]+)"', messages)), pact_file))
    return rows


def pair(consumer: str, provider: str) -> Pair:
    """The row for ``consumer`` and ``provider``; a test of a pair the table does not list fails."""
    for row in pairs():
        if (row.consumer, row.provider) == (consumer, provider):
            return row
    raise LookupError(f"{consumer} <- {provider} is not in the pairs table of {PAIRS_TABLE}")


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The pact without the versions of the Rust library that wrote it: a pact-python patch release
    must not make every committed pact stale."""
    metadata = {key: value for key, value in document.get("metadata", {}).items() if key != "pactRust"}
    return {**document, "metadata": metadata}


def check_committed(pact: Pact, row: Pair, scratch: Path) -> None:
    """Fail unless the committed pact of ``row`` is what ``pact`` writes; with ``PACT_UPDATE=1``,
    rewrite the committed file instead.

    Generated into ``scratch`` with ``overwrite=True`` (a merge would keep interactions the consumer
    no longer declares), so CI catches a consumer whose expectations changed without its pact.
    """
    if os.environ.get(UPDATE_VARIABLE) == "1":
        pact.write_file(PACT_DIR, overwrite=True)
        return
    pact.write_file(scratch, overwrite=True)
    generated = json.loads((scratch / row.pact_file).read_text())
    pact_path, test = (path.relative_to(REPO_ROOT) for path in (row.pact_path, row.consumer_test))
    regenerate = f"regenerate it with {UPDATE_VARIABLE}=1 .venv/bin/pytest {test} and commit it"
    assert row.pact_path.exists(), f"{pact_path} is missing; {regenerate}"
    committed = json.loads(row.pact_path.read_text())
    assert _comparable(committed) == _comparable(generated), (
        f"{pact_path} is not what {test.name} declares; {regenerate}"
    )


def expected_interactions(provider: str) -> set[tuple[str, str]]:
    """(consumer, description) of every interaction in the committed pacts naming ``provider``."""
    expected: set[tuple[str, str]] = set()
    for row in pairs():
        if row.provider == provider:
            document = json.loads(row.pact_path.read_text())
            expected |= {(row.consumer, i["description"]) for i in document["interactions"]}
    return expected


MessageProducer = Callable[[], Message]


def message(value: bytes, headers: Mapping[str, str]) -> Message:
    """A Kafka record as the message the verifier compares: value as contents, headers as metadata."""
    return Message(contents=value, metadata=dict(headers), content_type=CONTENT_TYPE)


@dataclass(frozen=True)
class Verification:
    """What one verifier run found: whether each interaction it ran passed, and its report."""

    passed: bool
    interactions: dict[tuple[str, str], bool]
    output: str


def run_verifier(
    provider: str, producers: Mapping[str, MessageProducer], description: str | None = None
) -> Verification:
    """Verify the committed pacts naming ``provider`` against ``producers`` (one per description).

    One run covers every consumer of the provider: each run costs about half a second of fixed
    shutdown time in pact's message relay. ``description`` (a regular expression) narrows the run.
    """
    sources = [row.pact_path for row in pairs() if row.provider == provider]
    assert sources, f"no pact in {PAIRS_TABLE} names provider {provider!r}"
    verifier = Verifier(provider).message_handler(dict(producers)).set_coloured_output(enabled=False)
    for source in sources:
        verifier.add_source(source)
    if description is not None:
        verifier.filter(description)
    try:
        verifier.verify()
        passed = True
    except RuntimeError:  # says only "Failed to execute verifier"; the report is in the output
        passed = False
    results = verifier.results
    interactions = {
        (str(result["consumer"]), str(result["description"])): result["result"] == "OK"
        for result in results["interactionResults"]
    }
    return Verification(
        passed and bool(results["result"]), interactions, str(verifier.output(strip_ansi=True))
    )
