"""Static attribute values become FEEL string literals that evaluate back to the same text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.bpmn.values import string_literal


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_static_text_round_trips_through_a_feel_string_literal(text: str) -> None:
    assert string_literal(text).evaluate({}) == text


def test_quotes_backslashes_and_newlines_survive() -> None:
    text = 'a "quoted" \\path\\ with\nlines\tand tabs'

    assert string_literal(text).evaluate({}) == text
