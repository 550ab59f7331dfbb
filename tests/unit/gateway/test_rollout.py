"""Which diagram version a new checkout starts on: latest unless pinned; a pinned gateway sends its
canary share to the latest version, always the same checkouts for the same share."""

from __future__ import annotations

import uuid

import pytest

from gateway.domain.rollout import LATEST_VERSION, Rollout, canary_bucket

CHECKOUTS = [str(uuid.UUID(int=n)) for n in range(2000)]


def test_without_a_pinned_version_every_checkout_starts_on_the_latest() -> None:
    assert {Rollout().version_for(c) for c in CHECKOUTS} == {LATEST_VERSION}


def test_a_pinned_version_without_canary_takes_every_checkout() -> None:
    assert {Rollout(pinned_version=3).version_for(c) for c in CHECKOUTS} == {3}


def test_a_full_canary_sends_every_checkout_to_the_latest_version() -> None:
    rollout = Rollout(pinned_version=3, canary_percent=100)

    assert {rollout.version_for(c) for c in CHECKOUTS} == {LATEST_VERSION}


def test_a_canary_share_takes_about_that_share_of_checkouts() -> None:
    rollout = Rollout(pinned_version=3, canary_percent=10)

    on_latest = sum(rollout.version_for(c) == LATEST_VERSION for c in CHECKOUTS)

    # 2000 draws at 10%: the binomial's standard deviation is ~13, so 150-250 is ~4 sigma either way.
    assert 150 <= on_latest <= 250


def test_a_checkout_gets_the_same_version_every_time_it_is_asked() -> None:
    rollout = Rollout(pinned_version=3, canary_percent=50)

    assert [rollout.version_for(c) for c in CHECKOUTS] == [rollout.version_for(c) for c in CHECKOUTS]


def test_growing_the_canary_only_moves_checkouts_to_the_latest_version() -> None:
    small, large = Rollout(3, 10), Rollout(3, 40)

    moved_back = [
        c for c in CHECKOUTS if small.version_for(c) == LATEST_VERSION and large.version_for(c) == 3
    ]

    assert moved_back == []


def test_buckets_cover_zero_to_ninety_nine() -> None:
    assert {canary_bucket(c) for c in CHECKOUTS} == set(range(100))


@pytest.mark.parametrize(("pinned", "canary"), [(0, 0), (-1, 0), (1, -1), (1, 101)])
def test_impossible_rollouts_are_refused(pinned: int, canary: int) -> None:
    with pytest.raises(ValueError, match=r"pinned version|percentage"):
        Rollout(pinned_version=pinned, canary_percent=canary)


def test_the_description_names_the_pinned_version_and_the_canary_share() -> None:
    assert Rollout(2, 25).describe() == (
        "new checkouts start on diagram version 2, 25% of them on the latest version"
    )
    assert Rollout().describe() == "new checkouts start on the latest diagram version"
