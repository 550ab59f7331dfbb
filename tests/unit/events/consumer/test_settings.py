"""What a consumer group may be configured to do."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from events.consumer.settings import ConsumerSettings


@pytest.mark.parametrize("days", [0, 7, 14, 365])
def test_the_inbox_keeps_its_rows_for_ever_or_at_least_as_long_as_the_topics_keep_records(
    days: float,
) -> None:
    assert ConsumerSettings(keep_processed_days=days).keep_processed_days == days


@pytest.mark.parametrize("days", [0.5, 6.9])
def test_an_inbox_forgetting_events_the_topics_still_hold_is_refused_at_start_up(days: float) -> None:
    with pytest.raises(ValidationError, match="at least the topics' retention, 7 days"):
        ConsumerSettings(keep_processed_days=days)
