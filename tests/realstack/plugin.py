"""pytest glue for ``@pytest.mark.real`` tests (imported by tests/conftest.py).

* ``real_stack`` (session): starts one private stack (tests/realstack/stack.py) the
  first time a real test runs and stops it at the end of the session, whatever
  happened.  If the stack cannot start, every real test is skipped with the reason,
  and the terminal summary says so in capitals; with ``VSH_REQUIRE_REAL=1`` each of
  them fails instead (and so does any other skip of a real test).
* Every real test runs under a deadline (``@pytest.mark.real(timeout=SECONDS)``,
  default ``DEFAULT_TIMEOUT``): SIGALRM fails the test, and a last-resort
  faulthandler exit 60 s later ends a wedged run (tini's parent-death signal then
  tears the stack down).  Before each real test libvirtd is restarted if an earlier
  test left it dead.
* ``guests``: a factory defining guests that are removed when the test ends.
* ``stack_pair`` (session): two more private stacks, each with its own
  ``host_uuid`` and no cgroup controllers, for migration between them;
  started the first time a test asks for it, stopped at the end, with the
  same skip/fail rules as ``real_stack``.  A real test using it does not
  start ``real_stack``.
* ``stack_trio`` (session): three more private stacks (fleet mode, ``vsh -H``),
  as ``stack_pair`` (own ``host_uuid``, no cgroup controllers); a real test
  using it does not start ``real_stack`` either.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.realstack.stack import Guest, Stack

DEFAULT_TIMEOUT = 240.0
REQUIRE_ENV = "VSH_REQUIRE_REAL"


def require_real() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0", "no", "false")


class _State:
    reason: str | None = None  # why the stack is unavailable
    started: float | None = None
    skipped: list[str] = []  # noqa: RUF012
    pair_reason: str | None = None  # why the stack pair is unavailable
    trio_reason: str | None = None  # why the three stacks are unavailable


def _unavailable(reason: str) -> None:
    """Skip, or fail under VSH_REQUIRE_REAL, because a stack could not start."""
    text = f"REAL STACK UNAVAILABLE: {reason.splitlines()[0]}"  # logs: in the summary
    if require_real():
        pytest.fail(f"{text} ({REQUIRE_ENV}=1 makes this a failure)", pytrace=False)
    pytest.skip(text)


@pytest.fixture(scope="session")
def real_stack() -> Iterator[Stack]:
    # private_net: the networks tests start stay in the stack's own namespace
    stack = Stack(keep=bool(os.environ.get("VSH_REAL_KEEP")), private_net=True)
    try:
        stack.start()
    except Exception as exc:  # StackUnavailable, StackError, OSError, bugs: all skip
        stack.stop()  # whatever part of it got started, and the scratch directory
        _State.reason = f"{type(exc).__name__}: {exc}"
    if _State.reason is not None:  # outside the except: no chained traceback in the report
        _unavailable(_State.reason)
    _State.started = stack.timings.get("start")
    try:
        yield stack
    finally:
        stack.stop()


@dataclass(frozen=True)
class StackPair:
    """Two daemons that see each other as different hosts (migration)."""

    source: Stack
    destination: Stack

    @property
    def stacks(self) -> tuple[Stack, Stack]:
        return (self.source, self.destination)


@pytest.fixture(scope="session")
def stack_pair() -> Iterator[StackPair]:
    keep = bool(os.environ.get("VSH_REAL_KEEP"))
    # each Stack draws its own host_uuid; no cgroups: the same guest id on both
    # daemons would collide in cgroup names
    pair = StackPair(Stack(keep=keep, cgroups=False), Stack(keep=keep, cgroups=False))
    try:
        for stack in pair.stacks:
            stack.start()
    except Exception as exc:  # as real_stack: every failure skips
        for stack in pair.stacks:
            stack.stop()
        _State.pair_reason = f"{type(exc).__name__}: {exc}"
    if _State.pair_reason is not None:
        _unavailable(_State.pair_reason)
    try:
        yield pair
    finally:
        for stack in pair.stacks:
            stack.stop()


@pytest.fixture(scope="session")
def stack_trio() -> Iterator[tuple[Stack, Stack, Stack]]:
    keep = bool(os.environ.get("VSH_REAL_KEEP"))
    trio = (
        Stack(keep=keep, cgroups=False),
        Stack(keep=keep, cgroups=False),
        Stack(keep=keep, cgroups=False),
    )
    try:
        for stack in trio:
            stack.start()
    except Exception as exc:  # as real_stack: every failure skips
        for stack in trio:
            stack.stop()
        _State.trio_reason = f"{type(exc).__name__}: {exc}"
    if _State.trio_reason is not None:
        _unavailable(_State.trio_reason)
    try:
        yield trio
    finally:
        for stack in trio:
            stack.stop()


@pytest.fixture(autouse=True)
def _real_test_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    marker = request.node.get_closest_marker("real")
    if marker is None:
        yield
        return
    limit = float(marker.kwargs.get("timeout", DEFAULT_TIMEOUT))
    # first the stack (it may skip; installing packages has its own, longer timeouts)
    if "stack_pair" in request.fixturenames:
        stacks: tuple[Stack, ...] = request.getfixturevalue("stack_pair").stacks
    elif "stack_trio" in request.fixturenames:
        stacks = request.getfixturevalue("stack_trio")
    else:
        stacks = (request.getfixturevalue("real_stack"),)

    def on_alarm(_signum: int, _frame: object) -> None:
        pytest.fail(f"real test exceeded its {limit:.0f} s deadline", pytrace=True)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    faulthandler.dump_traceback_later(limit + 60, exit=True)
    try:
        for stack in stacks:
            if stack.pid("libvirtd") is None:  # an earlier test left the daemon dead
                stack.start_daemon()
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def guests(real_stack: Stack) -> Iterator[Callable[..., Guest]]:
    """``guests(name, start=False)`` defines a guest; all are removed after the test."""
    made: list[str] = []

    def make(name: str, *, start: bool = False, define: bool = True) -> Guest:
        made.append(name)
        if not define:
            return real_stack.prepare_guest(name)
        return real_stack.define_guest(name, start=start)

    try:
        yield make
    finally:
        for name in reversed(made):
            try:
                real_stack.remove_guest(name)
            except Exception as exc:  # cleanup must go on
                sys.stderr.write(f"cleanup of guest {name} failed: {exc}\n")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.skipped and item.get_closest_marker("real") is not None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _State.skipped.append(f"{item.nodeid}: {reason}")
        if require_real():
            report.outcome = "failed"
            report.longrepr = f"{REQUIRE_ENV}=1 but this real test was skipped: {reason}"
    return report


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    tr = terminalreporter
    if _State.reason is not None:
        tr.section("REAL LIBVIRT STACK UNAVAILABLE", sep="!", red=True, bold=True)
        tr.write_line(_State.reason.splitlines()[0], red=True, bold=True)
        for line in _State.reason.splitlines()[1:]:
            tr.write_line(f"    {line}")
        if require_real():
            tr.write_line(
                f"every @pytest.mark.real test FAILED: {REQUIRE_ENV}=1 requires the stack",
                red=True,
                bold=True,
            )
        else:
            tr.write_line(
                f"{len(_State.skipped)} @pytest.mark.real tests were SKIPPED "
                f"(set {REQUIRE_ENV}=1 to make unavailability fail the run)",
                red=True,
                bold=True,
            )
    elif _State.skipped:
        tr.section("real tests skipped", sep="-", yellow=True)
        for line in _State.skipped:
            tr.write_line(line, yellow=True)
    elif _State.started is not None:
        tr.write_line(f"real libvirt stack started in {_State.started:.2f} s")
