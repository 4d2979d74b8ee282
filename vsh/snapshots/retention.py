"""The retention policy of ``snapshot-rotate``: which snapshots stay, and why.

Pure: snapshots are (name, creation time in seconds) pairs, the answer is a
:class:`Plan`.  Nothing here talks to libvirt.

The rules are restic's and borg's ``forget``/``prune`` rules, in UTC:

* ``last N``: the N newest snapshots;
* ``hourly/daily/weekly/monthly/yearly N``: going from the newest snapshot
  to the oldest, the first snapshot of each period (hour, day, ISO week,
  month, year) not yet seen is kept, until N periods are filled.  So
  ``daily 7`` keeps the newest snapshot of each of the 7 most recent days
  that have one (days without a snapshot do not count);
* ``within D``: every snapshot newer than ``now - D`` (borg's reading:
  relative to the time of the run, not to the newest snapshot).

Rules combine: one snapshot may fill a daily and a weekly slot, and it
stays if any rule keeps it.  The reasons are kept for the report
(``["daily 1", "weekly 2"]``: the first daily slot and the second weekly).
Some snapshots are never deleted whatever the rules say (the domain's
current snapshot, the newest one, snapshots marked to be kept): the caller
passes them as ``protected`` with their reason.

Deletions go oldest first, at most ``max_delete`` of them per run; the rest
are ``deferred`` to the next run (a backlog never holds up the new snapshot).
Ties in creation time are broken by name, so every plan is deterministic.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from vsh.core.record import FrozenRecord, Record, fresh

__all__ = [
    "BUCKETS",
    "Plan",
    "Policy",
    "Snap",
    "format_age",
    "parse_duration",
    "plan",
]


class Snap(FrozenRecord):
    """One snapshot the policy may consider: its name and creation time (epoch seconds)."""

    name: str
    time: int


def _period(fmt: str) -> Callable[[int], str]:
    def key(seconds: int) -> str:
        return time.strftime(fmt, time.gmtime(seconds))

    return key


# The periodic rules, in report order: (rule name, period of a time in UTC).
# Weeks are ISO weeks (Monday first, ISO year), as restic and borg count them.
BUCKETS: tuple[tuple[str, Callable[[int], str]], ...] = (
    ("hourly", _period("%Y-%m-%d %H")),
    ("daily", _period("%Y-%m-%d")),
    ("weekly", _period("%G-W%V")),
    ("monthly", _period("%Y-%m")),
    ("yearly", _period("%Y")),
)


class Policy(FrozenRecord):
    """How many snapshots each rule keeps (0: the rule is off); ``within`` in seconds."""

    last: int = 0
    hourly: int = 0
    daily: int = 0
    weekly: int = 0
    monthly: int = 0
    yearly: int = 0
    within: int | None = None

    def counts(self) -> dict[str, int]:
        return {
            "last": self.last,
            "hourly": self.hourly,
            "daily": self.daily,
            "weekly": self.weekly,
            "monthly": self.monthly,
            "yearly": self.yearly,
        }

    @property
    def empty(self) -> bool:
        """No rule at all: refused (it would mean "delete everything")."""
        return not any(self.counts().values()) and not self.within


class Plan(Record):
    """The outcome of :func:`plan` for one domain."""

    # name -> the rules (and protections) that keep it, in rule order
    keep: dict[str, list[str]] = fresh(dict)
    # to delete now, oldest first (at most max_delete)
    delete: list[str] = fresh(list)
    # would be deleted, but over max_delete: left for the next run, oldest first
    deferred: list[str] = fresh(list)


def newest_first(snaps: Iterable[Snap]) -> list[Snap]:
    return sorted(snaps, key=lambda s: (s.time, s.name), reverse=True)


def plan(
    snaps: Sequence[Snap],
    policy: Policy,
    *,
    now: int,
    protected: Mapping[str, str] = {},
    max_delete: int | None = None,
) -> Plan:
    """Which of ``snaps`` stay (and why) and which go.

    ``protected``: name -> reason for snapshots never deleted; the newest of
    ``snaps`` is always protected (reason ``newest``).
    """
    if policy.empty:
        raise ValueError("a retention policy needs at least one rule")
    order = newest_first(snaps)
    reasons: dict[str, list[str]] = {s.name: [] for s in order}
    for n, s in enumerate(order[: policy.last], 1):
        reasons[s.name].append(f"last {n}")
    for rule, period in BUCKETS:
        wanted = getattr(policy, rule)
        filled = 0
        seen: str | None = None
        for s in order:
            if filled >= wanted:
                break
            key = period(s.time)
            if key != seen:
                seen = key
                filled += 1
                reasons[s.name].append(f"{rule} {filled}")
    if policy.within:
        label = f"within {format_duration(policy.within)}"
        for s in order:
            if s.time > now - policy.within:
                reasons[s.name].append(label)
    if order:
        reasons[order[0].name].append("newest")
    for name, why in protected.items():
        if name in reasons and why not in reasons[name]:
            reasons[name].append(why)
    result = Plan()
    doomed = [s.name for s in reversed(order) if not reasons[s.name]]
    limit = len(doomed) if max_delete is None else max(0, max_delete)
    result.delete = doomed[:limit]
    result.deferred = doomed[limit:]
    result.keep = {s.name: reasons[s.name] for s in order if reasons[s.name]}
    return result


# ---------------------------------------------------------------------------
# Durations
# ---------------------------------------------------------------------------

_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(\d+)([wdhms])")


def parse_duration(text: str) -> int | None:
    """Seconds in ``36h``, ``7d``, ``1w2d``, ``90m``, ``45s`` or a bare number of seconds.

    Units are fixed lengths (weeks, days, hours, minutes, seconds): no months
    or years, whose length depends on the calendar.  None when malformed.
    """
    word = text.strip().lower()
    if word.isdigit():
        return int(word)
    pos, total = 0, 0
    for m in _DURATION.finditer(word):
        if m.start() != pos:
            return None
        total += int(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(word) or not word:
        return None
    return total


def format_duration(seconds: int) -> str:
    """The shortest exact spelling: ``36h``, ``2d``, ``1d12h``, ``90s``."""
    if seconds <= 0:
        return "0s"
    out = []
    for unit in ("d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out)


def format_age(seconds: int) -> str:
    """A rounded age for people: ``2d 3h``, ``5h``, ``42m 10s``, ``30s`` (two units at most)."""
    left = max(0, seconds)
    amounts = []
    for unit in ("d", "h", "m", "s"):
        amounts.append((left // _UNITS[unit], unit))
        left %= _UNITS[unit]
    first = next((i for i, (n, _) in enumerate(amounts) if n), len(amounts) - 1)
    shown = [f"{n}{u}" for n, u in amounts[first : first + 2] if n]
    return " ".join(shown) or "0s"
