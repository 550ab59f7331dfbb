"""The price cache on PostgreSQL + Redis: cached prices are served, a PUT makes the next quote use the new
price, and a Redis that cannot be reached changes nothing but the speed.

"Served from the cache" is shown by changing a price row behind the API's back: the database then
says one thing and the cache another, and the quote follows the cache until an invalidation.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest
import redis

from tests.integration.services.pricing.conftest import Pricing, serve_pricing
from tests.settings import TestServers
from tests.unit.services.support import unique


def unit_price(pricing: Pricing, sku: str) -> int:
    """The unit price a fresh checkout is quoted for ``sku``."""
    response = pricing.quote(unique("chk"), [(sku, 1)], region="US-NY")
    assert response.status_code == 201, response.text
    return int(response.json()["lines"][0]["unit_price"]["amount_minor"])


def closed_port() -> int:
    """A local port nothing listens on (it was free a moment ago and is closed again)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def cached(request: pytest.FixtureRequest, servers: TestServers) -> Iterator[Pricing]:
    with serve_pricing(request, "postgresql", servers.redis_url) as service:
        yield service


@pytest.fixture(scope="module")
def unreachable(request: pytest.FixtureRequest) -> Iterator[Pricing]:
    with serve_pricing(request, "postgresql", f"redis://127.0.0.1:{closed_port()}/0") as service:
        yield service


def test_a_cached_price_is_served_until_a_put_invalidates_it(
    cached: Pricing, redis_client: redis.Redis
) -> None:
    sku = cached.new_sku(1000)
    assert unit_price(cached, sku) == 1000  # a miss: loaded from the database and cached
    prefix = cached.redis_prefix
    assert redis_client.get(f"{prefix}generation:{sku}") == "1"  # the creating PUT invalidated too
    assert redis_client.get(f"{prefix}price:{sku}") == "1|1000|EUR"
    assert 0 < redis_client.ttl(f"{prefix}price:{sku}") <= 300

    cached.set_price_behind_the_api(sku, 2000)
    assert unit_price(cached, sku) == 1000  # served from Redis, the database was not asked

    assert cached.put_price(sku, 3000).status_code == 200
    assert redis_client.get(f"{prefix}generation:{sku}") == "2"
    assert unit_price(cached, sku) == 3000  # the very next quote after the PUT answered
    assert redis_client.get(f"{prefix}price:{sku}") == "2|3000|EUR"


def test_a_repeated_put_clears_an_entry_even_when_the_price_did_not_change(cached: Pricing) -> None:
    sku = cached.new_sku(1000)
    assert unit_price(cached, sku) == 1000
    cached.set_price_behind_the_api(sku, 1200)
    assert cached.put_price(sku, 1200).status_code == 200  # no change, no event, but no stale entry
    assert unit_price(cached, sku) == 1200
    assert [
        e["payload"]["unit_price"]["amount_minor"] for e in cached.admin_events("PriceChanged", sku=sku)
    ] == [1000]


def test_every_key_is_under_the_configured_prefix(cached: Pricing, redis_client: redis.Redis) -> None:
    sku = cached.new_sku(500)
    unit_price(cached, sku)
    cached.put_price(sku, 600)
    unit_price(cached, sku)
    keys = sorted(key for key in redis_client.scan_iter(match=f"*{sku}*"))
    assert keys == [f"{cached.redis_prefix}generation:{sku}", f"{cached.redis_prefix}price:{sku}"]


def test_an_unreachable_redis_still_quotes_correctly_and_warns_once(
    unreachable: Pricing, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="services.pricing.adapters.redis_cache"):
        sku = unreachable.new_sku(1000)
        code = unreachable.new_promotion(percent_off=25)
        checkout = unique("chk")
        response = unreachable.quote(checkout, [(sku, 3)], region="US-CA", promo=code)
        assert response.status_code == 201, response.text
        # 3000 - 750 = 2250; 7.25 % = 163.125 -> 163; total 2413.
        amounts = [response.json()[k]["amount_minor"] for k in ("subtotal", "discount", "tax", "total")]
        assert amounts == [3000, 750, 163, 2413]
        assert unreachable.put_price(sku, 1100).status_code == 200
        assert unit_price(unreachable, sku) == 1100
        assert unreachable.void(checkout).json()["outcome"] == "COMPENSATED"
    warnings = [r for r in caplog.records if r.name == "services.pricing.adapters.redis_cache"]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert "Redis failed" in warnings[0].getMessage()
