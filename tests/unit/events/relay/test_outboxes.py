"""Per-outbox facts the relay process is built from."""

from __future__ import annotations

from events.relay.outboxes import RELAYED_SERVICES, topic_of, transactional_id
from events.relay.settings import RelaySettings


def test_every_relay_of_an_outbox_publishes_under_that_outboxs_transactional_id() -> None:
    """Whatever a relay instance is called, a successor shares its predecessor's id and so fences it."""
    assert RelaySettings().instance_id != RelaySettings().instance_id
    assert transactional_id("payment") == "relay-payment"


def test_no_two_outboxes_share_a_transactional_id_or_a_topic() -> None:
    assert len({transactional_id(service) for service in RELAYED_SERVICES}) == len(RELAYED_SERVICES)
    assert len({topic_of(service) for service in RELAYED_SERVICES}) == len(RELAYED_SERVICES)
