"""What each service wrote to its outbox, kept after the relay deleted it.

The relay deletes every row it published, so the outbox cannot say afterwards which events a
checkout caused; the tests that compare it with the topics need that. A trigger in each service's
database (PostgreSQL or MariaDB, as the stack runs them) copies every row inserted into ``outbox``
into ``outbox_written``, which nothing in the services knows of: the services, the relay and the
schema are untouched, only watched.
"""

from __future__ import annotations

import uuid
from functools import cache

from sqlalchemy import Column, Engine, MetaData, String, Table, Uuid, create_engine, select, text

from services.common.sqltypes import UtcDateTime

outbox_written = Table(
    "outbox_written",
    MetaData(),
    Column("event_id", Uuid),
    Column("event_type", String(100)),
    Column("checkout_id", String(100)),
    Column("occurred_at", UtcDateTime),
)

_COPY_EMPTY = "CREATE TABLE outbox_written AS SELECT event_id, event_type, checkout_id, occurred_at FROM outbox WHERE 1 = 0"
_INSERT = "INSERT INTO outbox_written VALUES (NEW.event_id, NEW.event_type, NEW.checkout_id, NEW.occurred_at)"
_TRIGGERS = {
    "postgresql": (
        f"CREATE FUNCTION outbox_written() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {_INSERT}; RETURN NULL; END $$",
        "CREATE TRIGGER outbox_written AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_written()",
    ),
    "mysql": (f"CREATE TRIGGER outbox_written AFTER INSERT ON outbox FOR EACH ROW {_INSERT}",),
}
_TRIGGERS["mariadb"] = _TRIGGERS["mysql"]


@cache
def _engine(database_url: str) -> Engine:
    """One engine per database for the whole session: the tests poll the ledger every tenth of a second."""
    return create_engine(database_url)


def start_recording(database_url: str) -> None:
    """From now on, copy every event the service writes into ``outbox_written``."""
    engine = _engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(_COPY_EMPTY))
        for statement in _TRIGGERS[engine.dialect.name]:
            connection.execute(text(statement))


def written(database_url: str, checkout_id: str) -> list[tuple[uuid.UUID, str]]:
    """The checkout's events the service wrote, (id, type), in the relay's order (time, then id)."""
    query = (
        select(outbox_written.c.event_id, outbox_written.c.event_type)
        .where(outbox_written.c.checkout_id == checkout_id)
        .order_by(outbox_written.c.occurred_at, outbox_written.c.event_id)
    )
    with _engine(database_url).connect() as connection:
        return [(event_id, event_type) for event_id, event_type in connection.execute(query)]
