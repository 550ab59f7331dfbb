"""The pairs table in ``events/pacts/README.md``, the committed pacts and the contract tests agree.

The table is the list of pairs CI verifies: a pact file nobody lists would still be verified but
never regenerated, and a listed pair without its file or its tests would be checked by nothing.
"""

from __future__ import annotations

import json

from tests.contract.pacts import PACT_DIR, pairs


def test_the_pairs_table_lists_at_least_the_loyalty_points_group() -> None:
    assert ("loyalty-points", "order.events", "order") in {
        (row.consumer, row.topic, row.provider) for row in pairs()
    }


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
