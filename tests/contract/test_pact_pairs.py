"""The pairs table in ``events/pacts/README.md``, the committed pacts and the contract tests agree.

The table is the list of pairs CI verifies: a pact file nobody lists would still be verified but
never regenerated, and a listed pair without its file or its tests would be checked by nothing.
"""

from __future__ import annotations

import json

import httpx

from events.consumers import __main__ as consumers
from events.consumers import cart_checkouts, loyalty_points
from events.topics import SAGA_TOPIC
from gateway.adapters import projection, projection_consumer
from tests.contract.pacts import PACT_DIR, pairs


def groups_in_code() -> dict[str, tuple[str, set[str]]]:
    """Each consumer group the code runs: the topic it reads and the event types it handles."""
    (loyalty_topic,) = loyalty_points.TOPICS
    (cart_topic,) = cart_checkouts.TOPICS
    with httpx.Client() as unused:  # the handlers only close over the client
        loyalty_types = set(loyalty_points.handlers(loyalty_points.LoyaltyClient(unused)))
        cart_types = set(cart_checkouts.handlers(cart_checkouts.CartClient(unused)))
    return {
        loyalty_points.GROUP_ID: (loyalty_topic, loyalty_types),
        cart_checkouts.GROUP_ID: (cart_topic, cart_types),
        projection_consumer.GROUP_ID: (SAGA_TOPIC, set(projection.HANDLERS)),
    }


def event_type(message: str) -> str:
    """``an OrderCreated event`` -> ``OrderCreated``."""
    return message.split()[1]


def test_every_consumer_group_the_code_runs_is_listed_with_every_event_type_it_handles() -> None:
    # python -m events.consumers runs these groups; the gateway runs its projection in-process.
    assert set(consumers.GROUPS) | {projection_consumer.GROUP_ID} == set(groups_in_code())
    listed = {row.consumer: (row.topic, {event_type(m) for m in row.messages}) for row in pairs()}
    assert listed == groups_in_code()


def test_every_committed_pact_is_a_listed_pair_and_every_listed_pair_is_committed() -> None:
    assert {path.name for path in PACT_DIR.glob("*.json")} == {row.pact_file for row in pairs()}


def test_each_pact_file_names_its_pair_and_holds_exactly_the_listed_messages() -> None:
    for row in pairs():
        document = json.loads(row.pact_path.read_text())
        assert row.pact_file == f"{row.consumer}-{row.provider}.json"
        assert (document["consumer"]["name"], document["provider"]["name"]) == (row.consumer, row.provider)
        assert sorted(i["description"] for i in document["interactions"]) == sorted(row.messages)
        assert {i["type"] for i in document["interactions"]} == {"Asynchronous/Messages"}


def test_each_listed_pair_has_a_consumer_test_and_a_provider_test() -> None:
    for row in pairs():
        assert row.consumer_test.is_file(), f"{row.consumer} <- {row.provider}: no {row.consumer_test}"
        assert row.provider_test.is_file(), f"{row.consumer} <- {row.provider}: no {row.provider_test}"
