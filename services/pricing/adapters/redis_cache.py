"""The price cache in Redis: read-through per SKU, never trusted over the database.

Keys (all under the configured prefix): ``price:<sku>`` holds ``<generation>|<amount_minor>|<currency>``
with the cache TTL, ``generation:<sku>`` a counter bumped by every invalidation (absent = ``0``).

* **Reads** fetch both keys of every SKU in one ``MGET``. A price counts only when it was stored under
  the SKU's current generation; the rest are loaded from the database and stored tagged with the
  generation read *before* that database read. So a reader that loaded the old price just before a
  change committed cannot make it stick: the change's invalidation bumped the generation, and the
  late entry no longer counts.
* **Invalidation** (after the change committed) is ``INCR generation:<sku>`` then ``DEL price:<sku>``.
* **Failures**: any Redis error makes the call use the database; the first failure of an outage is
  logged as a warning, the recovery as info. An invalidation that failed is kept and replayed before
  this process trusts Redis again, and until it succeeds every read goes to the database: a price
  cached before a change is never served after the change's ``PUT`` answered. (Another replica of
  the service whose Redis stayed reachable while this one's did not could still serve it until the
  entry's TTL; repeating the ``PUT`` once Redis is back clears it.)

redis-py's own retries are switched off: a failed call falls back at once instead of sleeping.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import cast

import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from services.common.money import Money
from services.pricing.service_layer.price_cache import PriceLoader

log = logging.getLogger(__name__)

NO_GENERATION = "0"


def encode(generation: str, price: Money) -> str:
    return f"{generation}|{price.amount_minor}|{price.currency}"


def decode(value: str | None, generation: str) -> Money | None:
    """The cached price if ``value`` is one stored under ``generation``; anything else is a miss."""
    if value is None:
        return None
    parts = value.split("|")
    if len(parts) != 3 or parts[0] != generation or not parts[1].isdigit():
        return None
    try:
        return Money(int(parts[1]), parts[2])
    except ValueError:
        return None


class RedisPriceCache:
    """:class:`~services.pricing.service_layer.price_cache.PriceCache` on a Redis client.

    Thread-safe: the app's request threads share one instance (and the client's connection pool).
    """

    def __init__(self, client: redis.Redis, *, prefix: str, ttl_seconds: int) -> None:
        self._client = client
        self._prefix = prefix
        self._ttl_seconds = ttl_seconds
        self._lock = threading.Lock()  # guards _pending
        self._pending: set[str] = set()
        self._state_lock = threading.Lock()  # guards _available: one warning per outage
        self._available = True

    @classmethod
    def from_url(cls, url: str, *, prefix: str, ttl_seconds: int, timeout_seconds: float) -> RedisPriceCache:
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=timeout_seconds,
            socket_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 0),
        )
        return cls(client, prefix=prefix, ttl_seconds=ttl_seconds)

    def _price_key(self, sku: str) -> str:
        return f"{self._prefix}price:{sku}"

    def _generation_key(self, sku: str) -> str:
        return f"{self._prefix}generation:{sku}"

    def unit_prices(self, skus: Sequence[str], load: PriceLoader) -> dict[str, Money]:
        wanted = sorted(set(skus))
        if not wanted or not self._replay_invalidations():
            return load(wanted)
        keys = [key for sku in wanted for key in (self._generation_key(sku), self._price_key(sku))]
        try:
            values = cast(list[str | None], self._client.mget(keys))
        except RedisError as error:
            self._failed(error)
            return load(wanted)
        self._answered()
        found: dict[str, Money] = {}
        generations: dict[str, str] = {}
        for index, sku in enumerate(wanted):
            generation = values[2 * index] or NO_GENERATION
            cached = decode(values[2 * index + 1], generation)
            if cached is None:
                generations[sku] = generation
            else:
                found[sku] = cached
        if generations:
            loaded = load(sorted(generations))
            found.update(loaded)
            self._store({sku: (generations[sku], price) for sku, price in loaded.items()})
        return found

    def _store(self, entries: dict[str, tuple[str, Money]]) -> None:
        if not entries:
            return
        try:
            pipeline = self._client.pipeline(transaction=False)
            for sku, (generation, price) in entries.items():
                pipeline.set(self._price_key(sku), encode(generation, price), ex=self._ttl_seconds)
            pipeline.execute()
        except RedisError as error:
            self._failed(error)

    def invalidate(self, sku: str) -> None:
        with self._lock:
            self._pending.add(sku)
        self._replay_invalidations()

    def _replay_invalidations(self) -> bool:
        """Carry out the invalidations not yet done; ``True`` when none is left (Redis may be read)."""
        if not self._pending:
            return True
        with self._lock:  # one replay at a time, so an invalidation added meanwhile is never dropped
            for sku in sorted(self._pending):
                try:
                    self._client.incr(self._generation_key(sku))
                    self._client.delete(self._price_key(sku))
                except RedisError as error:
                    self._failed(error)
                    return False
                self._pending.discard(sku)
        self._answered()
        return True

    def _failed(self, error: RedisError) -> None:
        with self._state_lock:
            if not self._available:
                return
            self._available = False
        log.warning(
            "price cache: Redis failed (%s); reading prices from the database until it answers again",
            type(error).__name__,
        )

    def _answered(self) -> None:
        with self._state_lock:
            if self._available:
                return
            self._available = True
        log.info("price cache: Redis answers again")

    def close(self) -> None:
        self._client.close()
