"""vsh.virt.snapshotstore: snapshot listing over libvirt and the look-ahead
existence check that snapshot-redefine's target uses.

The target itself (defining, rolling back, the test driver's DISK_ONLY and
METADATA_ONLY quirks) is exercised through snapshot-redefine in
tests/commands/bulk/test_redefine.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.commands.bulk.support import libvirt, lv_error
from tests.fixtures.snapgen import write_fixture
from vsh.virt.snapshotstore import (
    Lookahead,
    current_name,
    is_test_driver,
    parent_name,
    snapshots_parents_first,
)


def test_listing_helpers_on_the_test_driver(tmp_path, monkeypatch) -> None:
    info = write_fixture(tmp_path / "f.xml", shape="random", count=30, seed=4, current=12)
    conn = libvirt.open(info.uri)
    try:
        assert is_test_driver(conn)
        dom = conn.lookupByName("dom0")
        assert current_name(dom) == info.current
        snaps = snapshots_parents_first(dom)
        seen: set[str] = set()
        for snap in snaps:  # parents first, as the server sorts them
            parent = parent_name(snap)
            assert parent is None or parent in seen
            seen.add(snap.getName())
        assert len(seen) == 30

        # A driver without LIST_TOPOLOGICAL: the same order rule, computed here.
        real = libvirt.virDomain.listAllSnapshots

        def no_topological(self, flags=0):
            if flags & libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL:
                raise lv_error("unsupported flags (0x400)", libvirt.VIR_ERR_INVALID_ARG)
            return list(reversed(real(self, flags)))

        with monkeypatch.context() as patch:
            patch.setattr(libvirt.virDomain, "listAllSnapshots", no_topological)
            names = [snap.getName() for snap in snapshots_parents_first(dom)]
        assert sorted(names) == sorted(seen)
        parents = {snap.getName(): parent_name(snap) for snap in snaps}
        assert all(parents[n] is None or names.index(parents[n]) < i for i, n in enumerate(names))

        for snap in reversed(snaps):
            snap.delete(0)
        assert current_name(dom) is None
    finally:
        conn.close()


class _SlowChecks:
    """A check that records what it was asked, in which thread, and can fail."""

    def __init__(self, present=(), fail=None) -> None:
        import threading

        self.present = set(present)
        self.fail = dict(fail or {})
        self.asked: list[str] = []
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, name: str) -> bool:
        import threading

        with self.lock:
            self.asked.append(name)
            self.threads.add(threading.current_thread().name)
        if name in self.fail:
            raise self.fail[name]
        return name in self.present


def _wait_for(predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not predicate():
        assert time.monotonic() < deadline, "the look-ahead never asked"
        time.sleep(0.001)


def test_lookahead_checks_the_next_names_before_they_are_asked() -> None:

    assert Lookahead.DEPTH == 2
    check = _SlowChecks(present={"c"})
    ahead = Lookahead(check, ["a", "b", "c", "d"])
    try:
        _wait_for(lambda: check.asked == ["a", "b"])  # before exists("a")
        assert ahead.exists("a") is False
        _wait_for(lambda: check.asked == ["a", "b", "c"])  # "c" while "a" is defined
        assert ahead.exists("b") is False
        assert ahead.exists("c") is True
        assert ahead.exists("d") is False
    finally:
        ahead.close()
    assert check.asked == ["a", "b", "c", "d"]
    assert check.threads == {"vsh-lookahead"}
    assert not ahead.thread.is_alive()


def test_lookahead_close_waits_for_checks_in_flight() -> None:

    check = _SlowChecks()
    ahead = Lookahead(check, ["a", "b", "c"])
    ahead.exists("a")
    ahead.close()  # "b" and "c" were asked: both answered before the thread ends
    assert not ahead.thread.is_alive()
    assert check.asked == ["a", "b", "c"]
    assert ahead.results.empty()


def test_lookahead_answers_other_names_directly() -> None:
    """After a failure execute() re-checks the in-flight name: never a stale answer."""

    check = _SlowChecks()
    ahead = Lookahead(check, ["a", "b"])
    try:
        assert ahead.exists("a") is False
        check.present.add("a")  # defined meanwhile
        assert ahead.exists("a") is True  # asked again, in this thread
        assert ahead.exists("zz") is False
    finally:
        ahead.close()
    assert check.asked.count("a") == 2 and "zz" in check.asked


def test_lookahead_hands_errors_to_the_caller() -> None:
    from vsh.snapshots.redefine import TargetError

    lost = TargetError("End of file while reading data", fatal=True)
    check = _SlowChecks(fail={"b": lost})
    ahead = Lookahead(check, ["a", "b", "c"])
    try:
        assert ahead.exists("a") is False
        with pytest.raises(TargetError) as caught:
            ahead.exists("b")
        assert caught.value is lost
    finally:
        ahead.close()
    assert not ahead.thread.is_alive()
