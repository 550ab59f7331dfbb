"""The Redis price cache against an in-memory stand-in for Redis that can be switched off.

What it must never do: serve a price that the database no longer has once the change is committed
and invalidated, even when a reader raced the change or Redis failed during the invalidation.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

import pytest
import redis
from redis.exceptions import ConnectionError as RedisConnectionError

from services.common.money import Money
from services.pricing.adapters.redis_cache import RedisPriceCache, decode, encode
from services.pricing.service_layer.price_cache import NoPriceCache

PREFIX = "test:"


class FakeRedis:
    """The commands the cache uses, on a dict; ``down = True`` makes every call fail like Redis does."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.ttls: dict[str, int] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    def mget(self, keys: Sequence[str]) -> list[str | None]:
        self._check()
        return [self.data.get(key) for key in keys]

    def set(self, key: str, value: str, ex: int) -> None:
        self._check()
        self.data[key] = value
        self.ttls[key] = ex

    def incr(self, key: str) -> int:
        self._check()
        self.data[key] = str(int(self.data.get(key, "0")) + 1)
        return int(self.data[key])

    def delete(self, key: str) -> None:
        self._check()
        self.data.pop(key, None)

    def pipeline(self, transaction: bool) -> FakeRedis:
        self._check()
        return self

    def execute(self) -> None:
        self._check()

    def close(self) -> None:
        """Nothing to release."""


class Database:
    """Stands in for the price table; counts what the cache had to load."""

    def __init__(self, **prices: int) -> None:
        self.prices = {sku: Money(amount, "EUR") for sku, amount in prices.items()}
        self.loads: list[list[str]] = []

    def load(self, skus: Sequence[str]) -> dict[str, Money]:
        self.loads.append(list(skus))
        return {sku: self.prices[sku] for sku in skus if sku in self.prices}


def eur(amount_minor: int) -> Money:
    return Money(amount_minor, "EUR")


@pytest.fixture
def fake() -> FakeRedis:
    return FakeRedis()


@pytest.fixture
def cache(fake: FakeRedis) -> RedisPriceCache:
    return RedisPriceCache(cast(redis.Redis, fake), prefix=PREFIX, ttl_seconds=300)


def test_a_miss_loads_from_the_database_and_the_next_read_is_served_from_redis(
    fake: FakeRedis, cache: RedisPriceCache
) -> None:
    database = Database(A=100, B=200)
    assert cache.unit_prices(["B", "A", "Z"], database.load) == {"A": eur(100), "B": eur(200)}
    assert database.loads == [["A", "B", "Z"]]
    assert fake.data[f"{PREFIX}price:A"] == "0|100|EUR"
    assert fake.ttls[f"{PREFIX}price:A"] == 300
    database.prices["A"] = eur(999)  # changed behind the cache's back: the cache does not know
    assert cache.unit_prices(["A", "B"], database.load) == {"A": eur(100), "B": eur(200)}
    assert database.loads == [["A", "B", "Z"]]


def test_an_invalidation_makes_the_next_read_load_the_new_price(
    fake: FakeRedis, cache: RedisPriceCache
) -> None:
    database = Database(A=100)
    cache.unit_prices(["A"], database.load)
    database.prices["A"] = eur(150)
    cache.invalidate("A")
    assert fake.data[f"{PREFIX}generation:A"] == "1"
    assert cache.unit_prices(["A"], database.load) == {"A": eur(150)}
    assert fake.data[f"{PREFIX}price:A"] == "1|150|EUR"


def test_a_reader_that_loaded_the_old_price_before_a_change_cannot_make_it_stick(
    fake: FakeRedis, cache: RedisPriceCache
) -> None:
    """The reader read the generation, then the database (old price); the change committed and was
    invalidated; then the reader stored what it loaded. That entry carries the old generation."""
    database = Database(A=100)

    def load_then_change_commits(skus: Sequence[str]) -> dict[str, Money]:
        loaded = database.load(skus)
        database.prices["A"] = eur(150)
        cache.invalidate("A")
        return loaded

    assert cache.unit_prices(["A"], load_then_change_commits) == {"A": eur(100)}  # raced: fine for it
    assert fake.data[f"{PREFIX}price:A"] == "0|100|EUR"  # stored late, under generation 0...
    assert cache.unit_prices(["A"], database.load) == {"A": eur(150)}  # ...which no longer counts


def test_redis_down_falls_back_to_the_database_and_warns_once_per_outage(
    fake: FakeRedis, cache: RedisPriceCache, caplog: pytest.LogCaptureFixture
) -> None:
    database = Database(A=100)
    fake.down = True
    with caplog.at_level(logging.INFO, logger="services.pricing.adapters.redis_cache"):
        for _ in range(3):
            assert cache.unit_prices(["A"], database.load) == {"A": eur(100)}
        fake.down = False
        assert cache.unit_prices(["A"], database.load) == {"A": eur(100)}
        fake.down = True
        cache.unit_prices(["A"], database.load)
    levels = [(record.levelname, record.getMessage().split(";")[0]) for record in caplog.records]
    assert levels == [
        ("WARNING", "price cache: Redis failed (ConnectionError)"),
        ("INFO", "price cache: Redis answers again"),
        ("WARNING", "price cache: Redis failed (ConnectionError)"),
    ]
    assert "127.0.0.1" not in caplog.text


def test_an_invalidation_lost_to_an_outage_is_replayed_before_redis_is_trusted_again(
    fake: FakeRedis, cache: RedisPriceCache
) -> None:
    database = Database(A=100)
    cache.unit_prices(["A"], database.load)  # cached at 100
    fake.down = True
    database.prices["A"] = eur(150)
    cache.invalidate("A")  # the change committed, but Redis did not hear of it
    assert cache.unit_prices(["A"], database.load) == {"A": eur(150)}
    fake.down = False  # Redis is back, still holding the old entry
    assert fake.data[f"{PREFIX}price:A"] == "0|100|EUR"
    assert cache.unit_prices(["A"], database.load) == {"A": eur(150)}
    assert fake.data[f"{PREFIX}generation:A"] == "1"
    assert cache.unit_prices(["A"], database.load) == {"A": eur(150)}  # and cached again, correctly


def test_entries_that_are_not_prices_of_the_current_generation_are_misses() -> None:
    assert decode(encode("3", eur(5)), "3") == eur(5)
    for value in (None, "2|5|EUR", "3|5", "3|-5|EUR", "3|x|EUR", "3|5|XXX"):
        assert decode(value, "3") is None


def test_without_a_cache_every_read_goes_to_the_database() -> None:
    database = Database(A=100)
    cache = NoPriceCache()
    assert cache.unit_prices(["A", "A"], database.load) == {"A": eur(100)}
    cache.invalidate("A")
    assert cache.unit_prices(["A"], database.load) == {"A": eur(100)}
    assert database.loads == [["A"], ["A"]]


def test_a_real_client_on_a_closed_port_falls_back_at_once_without_retrying() -> None:
    cache = RedisPriceCache.from_url(
        "redis://127.0.0.1:1/0", prefix=PREFIX, ttl_seconds=5, timeout_seconds=0.2
    )
    client: Any = cache._client
    try:
        assert client.get_retry().get_retries() == 0
        assert client.connection_pool.connection_kwargs["socket_connect_timeout"] == 0.2
        database = Database(A=100)
        assert cache.unit_prices(["A"], database.load) == {"A": eur(100)}
        cache.invalidate("A")  # kept for later, not raised
        assert cache.unit_prices(["A"], database.load) == {"A": eur(100)}
    finally:
        cache.close()
