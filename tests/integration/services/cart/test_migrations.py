"""The cart's schema on every backend it supports: SQLite, PostgreSQL and MariaDB.

Version 4 lets a reservation end checked out; the rows a running cart wrote before it stay readable,
and the status check still refuses what no version of the code writes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.exc import DBAPIError

from services.cart.adapters.orm import metadata
from services.common.migrations import alembic_config, downgrade_to, upgrade_to, upgrade_to_head
from services.common.tables import kit_metadata
from tests.unit.services.support import unique

PACKAGE = "services.cart"


def insert_reservation(engine: Engine, status: str) -> str:
    checkout = unique("chk")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO reservations (checkout_id, status) VALUES (:checkout, :status)"),
            {"checkout": checkout, "status": status},
        )
    return checkout


def insert_line(engine: Engine, checkout: str) -> None:
    """A product and one reservation line of ``checkout`` (lines refer to their reservation)."""
    sku = unique("SKU")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO products (sku, name, list_price_minor, currency, max_per_order, sellable,"
                " reserved_quantity, updated_at)"
                " VALUES (:sku, 'Mug', 500, 'EUR', 10, :sellable, 2, :now)"
            ),
            {"sku": sku, "sellable": True, "now": datetime.now(UTC).replace(tzinfo=None)},
        )
        connection.execute(
            text(
                "INSERT INTO reservation_lines (checkout_id, sku, name, quantity, unit_price_minor)"
                " VALUES (:checkout, :sku, 'Mug', 2, 500)"
            ),
            {"checkout": checkout, "sku": sku},
        )


def line_count(engine: Engine, checkout: str) -> int:
    with engine.connect() as connection:
        query = text("SELECT COUNT(*) FROM reservation_lines WHERE checkout_id = :checkout")
        return int(connection.execute(query, {"checkout": checkout}).scalar_one())


def status_of(engine: Engine, checkout: str) -> str:
    with engine.connect() as connection:
        query = text("SELECT status FROM reservations WHERE checkout_id = :checkout")
        return str(connection.execute(query, {"checkout": checkout}).scalar_one())


def test_migrations_go_up_down_and_up_and_match_the_models(engine: Engine) -> None:
    upgrade_to_head(engine, PACKAGE)
    expected = MetaData()
    for table in (*metadata.tables.values(), *kit_metadata.tables.values()):
        table.to_metadata(expected)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), expected) == []
    downgrade_to(engine, PACKAGE, "base")
    upgrade_to_head(engine, PACKAGE)


def test_reservations_written_before_version_4_keep_their_status_and_lines(engine: Engine) -> None:
    upgrade_to(engine, PACKAGE, "0003")
    reserved, released = insert_reservation(engine, "RESERVED"), insert_reservation(engine, "RELEASED")
    insert_line(engine, reserved)
    upgrade_to_head(engine, PACKAGE)
    assert (status_of(engine, reserved), status_of(engine, released)) == ("RESERVED", "RELEASED")
    assert line_count(engine, reserved) == 1


def test_version_4_admits_checked_out_and_still_refuses_an_unknown_status(engine: Engine) -> None:
    upgrade_to_head(engine, PACKAGE)
    assert status_of(engine, insert_reservation(engine, "CHECKED_OUT")) == "CHECKED_OUT"
    with pytest.raises(DBAPIError, match="ck_reservations_status_known"):
        insert_reservation(engine, "SHIPPED")


def test_going_back_to_version_3_makes_checked_out_reservations_released_when_they_were_checked_out(
    engine: Engine,
) -> None:
    upgrade_to_head(engine, PACKAGE)
    checked_out = insert_reservation(engine, "CHECKED_OUT")
    insert_line(engine, checked_out)
    moment = datetime(2026, 6, 1, 12, 0)
    with engine.begin() as connection:
        connection.execute(text("UPDATE reservations SET checked_out_at = :moment"), {"moment": moment})
        command.downgrade(alembic_config(PACKAGE, connection), "0003")
    assert status_of(engine, checked_out) == "RELEASED"
    with engine.connect() as connection:
        query = text("SELECT released_at FROM reservations WHERE checkout_id = :checkout")
        released_at = connection.execute(query, {"checkout": checked_out}).scalar_one()
    assert str(released_at).startswith("2026-06-01 12:00:00")
    assert line_count(engine, checked_out) == 1
    with pytest.raises(DBAPIError, match="ck_reservations_status_known"):
        insert_reservation(engine, "CHECKED_OUT")
