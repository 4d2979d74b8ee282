"""The helpers of benchmarks/bench_completion.py (the benchmark itself runs with `make bench`)."""

from __future__ import annotations

import os

import pytest

from benchmarks.bench_completion import budget_result, percentile, time_to_prompt
from benchmarks.framework import Sample, Series, Unavailable


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    assert percentile(values, 50) == 50.0
    assert percentile([3.0], 95) == 3.0
    with pytest.raises(ValueError):
        percentile([], 95)


def test_budget_result_is_a_ratio_to_the_budget() -> None:
    series = Series("x", [Sample(v / 1000) for v in range(1, 21)])
    result = budget_result("figure", series, 0.050)
    assert result.subject_median == pytest.approx(0.019)
    assert result.ratio == pytest.approx(0.38)
    assert result.status == "PASS"


def test_time_to_prompt_in_a_pty() -> None:
    env = dict(os.environ)
    sample = time_to_prompt(["sh", "-c", "printf 'x\\033[0m #'; read line"], b"x #", env)
    assert 0 < sample.wall < 10
    with pytest.raises(Unavailable):
        time_to_prompt(["sh", "-c", "exit 0"], b"never", env, timeout=5)
