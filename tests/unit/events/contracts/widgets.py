"""A tiny registry of made-up events, for checks that need versions the real contracts do not have."""

from __future__ import annotations

from events.contracts.base import EventPayload, Topic
from events.contracts.registry import Registry


class WidgetMadeV1(EventPayload):
    event_type = "WidgetMade"
    schema_version = 1
    widget_id: str
    colour: str | None


class WidgetMadeV2(EventPayload):
    """Compatible with v1: one optional field more."""

    event_type = "WidgetMade"
    schema_version = 2
    widget_id: str
    colour: str | None
    size: int | None = None


class WidgetMadeV3(EventPayload):
    """Breaks v2: ``widget_id`` became an int, ``colour`` is gone."""

    event_type = "WidgetMade"
    schema_version = 3
    widget_id: int
    size: int | None = None


COMPATIBLE = Registry([Topic("widget.events", (WidgetMadeV1, WidgetMadeV2))])
BREAKING = Registry([Topic("widget.events", (WidgetMadeV1, WidgetMadeV2, WidgetMadeV3))])
