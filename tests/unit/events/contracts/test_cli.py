"""``python -m events.contracts generate | check``: exit codes and what they print."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from events.contracts.__main__ import main
from events.contracts.registry import REGISTRY
from events.contracts.schemas import DIRECTORY, write
from tests.unit.events.contracts.widgets import BREAKING, COMPATIBLE

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    """A copy of the committed schema directory, free to spoil."""
    copy = tmp_path / "schemas"
    shutil.copytree(DIRECTORY, copy)
    return copy


def test_check_exits_0_with_a_one_line_summary_when_all_agree(
    schemas: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--schemas", str(schemas)]) == 0

    out = capsys.readouterr().out
    count, types = len(REGISTRY.contracts()), len(REGISTRY.event_types())
    assert out.startswith(f"event contracts OK: {count} schemas of {types} event types up to date")
    assert out.count("\n") == 1


def test_check_exits_1_listing_a_schema_that_drifted(
    schemas: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drifted = schemas / "order.events" / "OrderCreated.v1.json"
    drifted.write_text(drifted.read_text().replace('"payment_id"', '"payment_ref"'))

    assert main(["check", "--schemas", str(schemas)]) == 1

    assert "order.events/OrderCreated.v1.json: differs from its model" in capsys.readouterr().err


def test_check_exits_1_when_a_registered_schema_was_never_generated(
    schemas: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (schemas / "loyalty.events" / "PointsRevoked.v1.json").unlink()

    assert main(["check", "--schemas", str(schemas)]) == 1

    assert "loyalty.events/PointsRevoked.v1.json: missing" in capsys.readouterr().err


def test_check_exits_1_when_a_committed_version_lost_its_contract(
    schemas: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(
        schemas / "order.events" / "OrderCreated.v1.json", schemas / "order.events" / "OrderCreated.v2.json"
    )

    assert main(["check", "--schemas", str(schemas)]) == 1

    assert "order.events/OrderCreated.v2.json: no registered contract generates it" in capsys.readouterr().err


def test_check_exits_1_when_a_version_breaks_the_one_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(BREAKING, tmp_path)

    assert main(["check", "--schemas", str(tmp_path)], registry=BREAKING) == 1

    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"event contracts: 2 problem(s) in {tmp_path}",
        "  - WidgetMade v3 breaks consumers of v2: widget_id: type changed: string -> integer",
        "  - WidgetMade v3 breaks consumers of v2: colour: required field removed: consumers of the old version read it",
    ]


def test_generate_writes_what_check_then_accepts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--schemas", str(tmp_path)], registry=COMPATIBLE) == 0
    assert capsys.readouterr().out == f"2 event schemas in {tmp_path}, 2 written\n"

    assert main(["check", "--schemas", str(tmp_path)], registry=COMPATIBLE) == 0


def test_python_m_events_contracts_check_passes_on_the_committed_schemas() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "events.contracts", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert (finished.returncode, finished.stderr) == (0, "")
    assert finished.stdout.startswith("event contracts OK")


def test_python_m_events_contracts_exits_1_on_a_spoilt_schema_directory(schemas: Path) -> None:
    (schemas / "cart.events" / "CartReserved.v1.json").write_text("{}\n")

    finished = subprocess.run(
        [sys.executable, "-m", "events.contracts", "check", "--schemas", str(schemas)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert finished.returncode == 1
    assert "cart.events/CartReserved.v1.json: differs from its model" in finished.stderr
