"""Kit schema version 4 on every backend, through a service that has it (inventory, revision 0005):
the relay of version 3 marked the rows it published, the relay of version 4 deletes them, and the
migration turns one outbox into the other without losing an event still to publish, nor the writes
of the previous release's processes, which run beside the new ones during a rolling upgrade.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine, inspect, select, update

from services.common.migrations import downgrade_to, upgrade_to
from services.common.tables import outbox

PACKAGE = "services.inventory"
BEFORE, WITH_V4 = "0004", "0005"
MOMENT = datetime(2026, 11, 27, 12, tzinfo=UTC)


def write_as_version_3(engine: Engine, **published_at: datetime | None) -> dict[str, uuid.UUID]:
    """One row per keyword, as the previous release writes and marks them: its note the keyword and
    its ``published_at`` the value. Their ids."""
    ids = {note: uuid.uuid4() for note in published_at}
    with engine.begin() as connection:
        for note, published in published_at.items():
            connection.execute(
                outbox.insert().values(
                    event_id=ids[note],
                    event_type="Noted",
                    schema_version=1,
                    checkout_id="chk-1",
                    payload={"note": note},
                    occurred_at=MOMENT,
                    published_at=published,
                )
            )
    return ids


def event_ids_left(engine: Engine) -> set[uuid.UUID]:
    with engine.connect() as connection:
        return set(connection.execute(select(outbox.c.event_id)).scalars())


def index_names(engine: Engine) -> set[str]:
    return {index["name"] or "" for index in inspect(engine).get_indexes("outbox")}


def test_the_upgrade_deletes_the_events_marked_published_and_keeps_those_still_to_publish(
    engine: Engine,
) -> None:
    upgrade_to(engine, PACKAGE, BEFORE)
    ids = write_as_version_3(engine, sent=MOMENT, waiting=None, also_waiting=None)

    upgrade_to(engine, PACKAGE, WITH_V4)

    assert event_ids_left(engine) == {ids["waiting"], ids["also_waiting"]}
    assert index_names(engine) == {"ix_outbox_occurred_at_event_id"}


def test_the_previous_release_still_writes_and_marks_its_events_after_the_upgrade(engine: Engine) -> None:
    upgrade_to(engine, PACKAGE, WITH_V4)

    ids = write_as_version_3(engine, waiting=None, sent=None)
    with engine.begin() as connection:
        marked = connection.execute(
            update(outbox).where(outbox.c.event_id == ids["sent"]).values(published_at=MOMENT)
        )

    assert marked.rowcount == 1
    assert event_ids_left(engine) == set(ids.values())


def test_the_downgrade_keeps_every_event_left_and_brings_back_the_indexes_of_version_3(
    engine: Engine,
) -> None:
    upgrade_to(engine, PACKAGE, BEFORE)
    ids = write_as_version_3(engine, waiting=None)
    upgrade_to(engine, PACKAGE, WITH_V4)

    downgrade_to(engine, PACKAGE, BEFORE)

    assert event_ids_left(engine) == {ids["waiting"]}
    assert index_names(engine) == {"ix_outbox_unpublished", "ix_outbox_checkout_id"}
