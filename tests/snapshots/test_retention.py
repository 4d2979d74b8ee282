"""vsh.snapshots.retention: restic/borg retention rules, examples and properties.

The properties check :func:`retention.plan` against the rules' *definitions*
(written here independently: "the newest snapshot of each of the N most
recent periods that have one"), not against a copy of its algorithm.
"""

from __future__ import annotations

import calendar
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsh.snapshots import retention
from vsh.snapshots.retention import Policy, Snap


def ts(text: str) -> int:
    """Epoch seconds of a UTC 'YYYY-MM-DD HH:MM[:SS]'."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return calendar.timegm(time.strptime(text, fmt))


def snaps(*times: str) -> list[Snap]:
    return [Snap(f"s-{t}", ts(t)) for t in times]


NOW = ts("2026-12-06 12:00")

# ---------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------


def test_daily_keeps_newest_of_each_recent_day_that_has_one() -> None:
    history = snaps(
        "2026-12-06 03:00", "2026-12-06 01:00", "2026-12-05 23:59", "2026-12-05 02:00",
        "2026-12-01 02:00", "2026-11-30 02:00",
    )  # fmt: skip
    p = retention.plan(history, Policy(daily=3), now=NOW)
    assert p.keep == {
        "s-2026-12-06 03:00": ["daily 1", "newest"],
        "s-2026-12-05 23:59": ["daily 2"],
        "s-2026-12-01 02:00": ["daily 3"],  # days without snapshots do not count
    }
    assert p.delete == ["s-2026-11-30 02:00", "s-2026-12-05 02:00", "s-2026-12-06 01:00"]
    assert p.deferred == []


def test_rules_combine_and_report_every_reason() -> None:
    # 2026-12-06 is a Sunday: ISO week 49 runs Mon 11-30 .. Sun 12-06.
    history = snaps("2026-12-06 02:00", "2026-12-05 02:00", "2026-11-29 02:00", "2026-11-22 02:00")
    p = retention.plan(history, Policy(daily=2, weekly=3, last=1), now=NOW)
    assert p.keep == {
        "s-2026-12-06 02:00": ["last 1", "daily 1", "weekly 1", "newest"],
        "s-2026-12-05 02:00": ["daily 2"],
        "s-2026-11-29 02:00": ["weekly 2"],
        "s-2026-11-22 02:00": ["weekly 3"],
    }
    assert p.delete == []


def test_weeks_are_iso_weeks_in_utc() -> None:
    # 2021-01-03 (Sunday) belongs to ISO week 2020-W53, 2021-01-04 starts 2021-W01.
    history = snaps("2021-01-04 00:00", "2021-01-03 23:59", "2021-01-03 00:00", "2020-12-28 00:00")
    p = retention.plan(history, Policy(weekly=2), now=NOW)
    assert sorted(p.keep) == ["s-2021-01-03 23:59", "s-2021-01-04 00:00"]


def test_hourly_monthly_yearly() -> None:
    history = snaps(
        "2026-12-06 11:50", "2026-12-06 11:10", "2026-12-06 10:59", "2026-11-01 00:00",
        "2026-10-31 23:00", "2025-06-01 00:00", "2024-01-01 00:00",
    )  # fmt: skip
    p = retention.plan(history, Policy(hourly=2, monthly=3, yearly=3), now=NOW)
    assert p.keep["s-2026-12-06 11:50"] == ["hourly 1", "monthly 1", "yearly 1", "newest"]
    assert p.keep["s-2026-12-06 10:59"] == ["hourly 2"]
    assert p.keep["s-2026-11-01 00:00"] == ["monthly 2"]
    assert p.keep["s-2026-10-31 23:00"] == ["monthly 3"]
    assert p.keep["s-2025-06-01 00:00"] == ["yearly 2"]
    assert p.keep["s-2024-01-01 00:00"] == ["yearly 3"]
    assert p.delete == ["s-2026-12-06 11:10"]


def test_within_is_relative_to_now_and_strict() -> None:
    history = snaps("2026-12-06 11:00", "2026-12-05 00:01", "2026-12-05 00:00", "2026-12-04 23:00")
    p = retention.plan(history, Policy(within=retention.parse_duration("36h")), now=NOW)
    assert p.keep == {
        "s-2026-12-06 11:00": ["within 1d12h", "newest"],
        "s-2026-12-05 00:01": ["within 1d12h"],
    }
    # exactly 36h old (12-05 00:00) is not "newer than 36h"
    assert p.delete == ["s-2026-12-04 23:00", "s-2026-12-05 00:00"]


def test_protected_and_newest_are_never_deleted() -> None:
    history = snaps("2026-01-01 00:00", "2026-02-01 00:00", "2026-03-01 00:00")
    p = retention.plan(
        history, Policy(last=1), now=NOW, protected={"s-2026-01-01 00:00": "current"}
    )
    assert p.keep == {"s-2026-03-01 00:00": ["last 1", "newest"], "s-2026-01-01 00:00": ["current"]}
    assert p.delete == ["s-2026-02-01 00:00"]


def test_max_delete_takes_the_oldest_and_defers_the_rest() -> None:
    history = [Snap(f"s{i:02}", 1000 + i) for i in range(10)]
    p = retention.plan(history, Policy(last=2), now=NOW, max_delete=3)
    assert p.delete == ["s00", "s01", "s02"]
    assert p.deferred == ["s03", "s04", "s05", "s06", "s07"]
    assert retention.plan(history, Policy(last=2), now=NOW, max_delete=0).delete == []


def test_equal_times_are_ordered_by_name() -> None:
    history = [Snap("b", 5), Snap("a", 5), Snap("c", 5)]
    p = retention.plan(history, Policy(last=1), now=NOW)
    assert list(p.keep) == ["c"] and p.delete == ["a", "b"]


def test_empty_policy_is_refused() -> None:
    assert Policy().empty and Policy(within=0).empty and not Policy(yearly=1).empty
    with pytest.raises(ValueError):
        retention.plan(snaps("2026-01-01 00:00"), Policy(), now=NOW)


def test_no_snapshots() -> None:
    p = retention.plan([], Policy(last=3), now=NOW)
    assert p.keep == {} and p.delete == [] and p.deferred == []


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("36h", 129600), ("7d", 604800), ("1w2d", 777600), ("90m", 5400), ("45s", 45),
     ("3600", 3600), ("1D12H", 129600), (" 2h ", 7200), ("0s", 0)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: int) -> None:
    assert retention.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "3x", "1h 2m", "-1h", "1.5h", "2y", "h3", "1hh"])
def test_parse_duration_rejects(text: str) -> None:
    assert retention.parse_duration(text) is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (30, "30s"), (42 * 60 + 10, "42m 10s"), (5 * 3600, "5h"),
     (5 * 3600 + 59, "5h"), (2 * 86400 + 3 * 3600 + 5, "2d 3h"), (86400 + 60, "1d")],
)  # fmt: skip
def test_format_age(seconds: int, text: str) -> None:
    assert retention.format_age(seconds) == text


@given(st.integers(min_value=0, max_value=10**8))
def test_format_duration_round_trips(seconds: int) -> None:
    assert retention.parse_duration(retention.format_duration(seconds)) == seconds


# ---------------------------------------------------------------------------
# Properties over random histories and policies
# ---------------------------------------------------------------------------

START = ts("2024-01-01 00:00")
END = ts("2027-01-01 00:00")

# Clustered times (many per hour/day) and spread ones (years apart) both matter.
_time = st.one_of(
    st.integers(min_value=START, max_value=END),
    st.integers(min_value=0, max_value=72).map(lambda h: NOW - h * 1800),
)


@st.composite
def histories(draw: st.DrawFn, max_size: int = 60) -> list[Snap]:
    times = draw(st.lists(_time, max_size=max_size))
    return [Snap(f"s{i}", t) for i, t in enumerate(times)]


_count = st.integers(min_value=0, max_value=8)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    within = draw(st.none() | st.integers(min_value=1, max_value=90 * 86400))
    p = Policy(
        last=draw(_count), hourly=draw(_count), daily=draw(_count), weekly=draw(_count),
        monthly=draw(_count), yearly=draw(_count), within=within,
    )  # fmt: skip
    return p if not p.empty else Policy(last=1)


def _key(s: Snap) -> tuple[int, str]:
    return (s.time, s.name)


def defined_keep(history: list[Snap], policy: Policy, now: int) -> set[str]:
    """What the rules keep, by their definitions."""
    order = sorted(history, key=_key, reverse=True)
    kept = {s.name for s in order[: policy.last]}
    for rule, period in retention.BUCKETS:
        n = getattr(policy, rule)
        newest: dict[str, Snap] = {}
        for s in history:
            k = period(s.time)
            if k not in newest or _key(s) > _key(newest[k]):
                newest[k] = s
        for k in sorted(newest, reverse=True)[:n]:  # the N most recent periods
            kept.add(newest[k].name)
    if policy.within:
        kept |= {s.name for s in history if now - s.time < policy.within}
    return kept


@settings(max_examples=300)
@given(histories(), policies(), st.integers(min_value=0, max_value=5))
def test_plan_follows_the_definitions(history: list[Snap], policy: Policy, protect: int) -> None:
    names = [s.name for s in history]
    protected = {n: "current" for n in names[:protect]}
    p = retention.plan(history, policy, now=NOW, protected=protected)
    expected = defined_keep(history, policy, NOW) | set(protected)
    if history:
        expected.add(max(history, key=_key).name)  # the newest stays
    assert set(p.keep) == expected
    assert set(p.delete) == set(names) - expected
    assert p.deferred == []
    # oldest first
    times = {s.name: _key(s) for s in history}
    assert [times[n] for n in p.delete] == sorted(times[n] for n in p.delete)
    assert all(p.keep[n] for n in p.keep)


@settings(max_examples=200)
@given(histories(), policies())
def test_each_reason_names_a_rule_that_keeps_it(history: list[Snap], policy: Policy) -> None:
    p = retention.plan(history, policy, now=NOW)
    for name, reasons in p.keep.items():
        for reason in reasons:
            rule = reason.split()[0]
            if rule == "newest":
                continue
            alone = (
                Policy(**{rule: getattr(policy, rule)})
                if rule != "within"
                else Policy(within=policy.within)
            )
            assert name in defined_keep(history, alone, NOW), (name, reason)
    # slot numbers of a rule run 1..n over the snapshots it keeps, newest first
    for rule in ("last", *(r for r, _ in retention.BUCKETS)):
        slots = [int(r.split()[1]) for rs in p.keep.values() for r in rs if r.split()[0] == rule]
        assert slots == list(range(1, len(slots) + 1))


@settings(max_examples=200)
@given(histories(), policies(), st.integers(min_value=0, max_value=5))
def test_rotating_twice_deletes_nothing_the_second_time(
    history: list[Snap], policy: Policy, protect: int
) -> None:
    protected = {s.name: "current" for s in history[:protect]}
    first = retention.plan(history, policy, now=NOW, protected=protected)
    left = [s for s in history if s.name not in set(first.delete)]
    second = retention.plan(left, policy, now=NOW, protected=protected)
    assert second.delete == [] and second.deferred == []
    assert second.keep.keys() == first.keep.keys()


@settings(max_examples=200)
@given(histories(), policies(), st.integers(min_value=0, max_value=7))
def test_max_delete_runs_converge_to_the_unlimited_plan(
    history: list[Snap], policy: Policy, limit: int
) -> None:
    unlimited = retention.plan(history, policy, now=NOW)
    left = list(history)
    for _ in range(len(history) + 1):
        step = retention.plan(left, policy, now=NOW, max_delete=limit)
        assert len(step.delete) <= limit
        assert step.delete + step.deferred == retention.plan(left, policy, now=NOW).delete
        if not step.delete:
            break
        gone = set(step.delete)
        left = [s for s in left if s.name not in gone]
    if limit:
        assert {s.name for s in left} == set(unlimited.keep)


@settings(max_examples=100)
@given(histories(), policies(), st.sets(st.integers(min_value=0, max_value=59)))
def test_protected_and_newest_never_deleted(
    history: list[Snap], policy: Policy, picks: set[int]
) -> None:
    protected = {history[i].name: "pinned" for i in picks if i < len(history)}
    p = retention.plan(history, policy, now=NOW, protected=protected, max_delete=3)
    doomed = set(p.delete) | set(p.deferred)
    assert not doomed & set(protected)
    if history:
        assert max(history, key=_key).name not in doomed
        assert "newest" in p.keep[max(history, key=_key).name]
