"""The relay lease on every backend: one holder at a time, takeover after expiry, fencing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from events.relay.lease import Lease, LeaseStore
from services.common.database import Database

LONG = timedelta(minutes=5)
EXPIRED = timedelta(seconds=-1)


def hold(database: Database, store: LeaseStore) -> Lease | None:
    with database.write_sessions.begin() as session:
        return store.hold(session)


def confirm(database: Database, store: LeaseStore, lease: Lease) -> bool:
    with database.write_sessions.begin() as session:
        return store.confirm(session, lease)


def test_the_first_relay_takes_the_lease_and_a_second_waits(database: Database) -> None:
    first, second = LeaseStore("relay-a", LONG), LeaseStore("relay-b", LONG)
    assert hold(database, first) == Lease("relay-a", 1)
    assert hold(database, second) is None


def test_renewing_keeps_the_fencing_token(database: Database) -> None:
    store = LeaseStore("relay-a", LONG)
    assert hold(database, store) == hold(database, store) == Lease("relay-a", 1)


def test_an_expired_lease_is_taken_over_with_a_new_fencing_token(database: Database) -> None:
    assert hold(database, LeaseStore("relay-a", EXPIRED)) == Lease("relay-a", 1)
    assert hold(database, LeaseStore("relay-b", LONG)) == Lease("relay-b", 2)


def test_a_relay_that_lost_its_lease_cannot_confirm_it(database: Database) -> None:
    stale_store = LeaseStore("relay-a", EXPIRED)
    stale = hold(database, stale_store)
    assert stale is not None
    hold(database, LeaseStore("relay-b", LONG))
    assert not confirm(database, stale_store, stale)


def test_the_holder_confirms_its_lease(database: Database) -> None:
    store = LeaseStore("relay-a", LONG)
    lease = hold(database, store)
    assert lease is not None
    assert confirm(database, store, lease)


def test_a_released_lease_is_taken_at_once(database: Database) -> None:
    store = LeaseStore("relay-a", LONG)
    lease = hold(database, store)
    assert lease is not None
    with database.write_sessions.begin() as session:
        store.release(session, lease)
    assert hold(database, LeaseStore("relay-b", LONG)) == Lease("relay-b", 2)


def test_relays_starting_together_elect_exactly_one_holder(database: Database) -> None:
    stores = [LeaseStore(f"relay-{i}", LONG) for i in range(6)]

    def attempt(store: LeaseStore) -> Lease | None:
        last: DBAPIError | None = None
        for _ in range(20):  # SQLite answers "busy" to some of the simultaneous writers
            try:
                return hold(database, store)
            except DBAPIError as error:  # which transient error differs per backend
                last = error
        assert last is not None
        raise last

    with ThreadPoolExecutor(len(stores)) as pool:
        leases = list(pool.map(attempt, stores))
    assert len([lease for lease in leases if lease is not None]) == 1
