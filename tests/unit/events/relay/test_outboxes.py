"""Per-outbox facts the relay process is built from."""

from __future__ import annotations

import pytest

from events.relay.outboxes import RELAYED_SERVICES, topic_of, transactional_id
from events.relay.settings import RelaySettings


def test_every_relay_of_an_outbox_publishes_under_one_transactional_id_whatever_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A successor shares its predecessor's id, and so fences it."""
    monkeypatch.delenv("RELAY_TRANSACTIONAL_ID_PREFIX", raising=False)
    names = [RelaySettings(instance_id=name) for name in ("relay-a", "relay-b")]
    assert {transactional_id(s.transactional_id_prefix, "payment") for s in names} == {"relay-payment"}


def test_deployments_sharing_a_cluster_tell_their_ids_apart_by_prefix() -> None:
    assert transactional_id("relay-staging", "payment") != transactional_id("relay-production", "payment")


def test_no_two_outboxes_share_a_transactional_id_or_a_topic() -> None:
    assert len({transactional_id("relay", service) for service in RELAYED_SERVICES}) == len(RELAYED_SERVICES)
    assert len({topic_of(service) for service in RELAYED_SERVICES}) == len(RELAYED_SERVICES)
