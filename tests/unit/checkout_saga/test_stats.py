"""Nearest-rank percentiles, as the demo and the benchmarks report them."""

from __future__ import annotations

import math

from checkout_saga.stats import percentile


def test_the_median_of_an_odd_count_is_the_middle_value() -> None:
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3.0


def test_p99_of_a_hundred_values_is_the_99th_smallest() -> None:
    assert percentile([float(v) for v in range(1, 101)], 0.99) == 99.0


def test_p100_is_the_largest_value() -> None:
    assert percentile([2.0, 9.0, 4.0], 1.0) == 9.0


def test_no_values_have_no_percentile() -> None:
    assert math.isnan(percentile([], 0.5))
