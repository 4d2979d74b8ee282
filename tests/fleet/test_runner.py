"""The fleet's host runner with fake one-shot hosts (threads, clocks, abandonment).

The end-to-end behaviour over real vsh hosts is in test_main.py and
tests/real/test_fleet.py; here each host is a function whose timing the test
controls.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

import pytest

from vsh.fleet.hostspec import Host
from vsh.fleet.report import FAILED, INTERRUPTED, OK, SKIPPED, TIMEOUT, UNREACHABLE, HostResult
from vsh.fleet.runner import HostRun, Limits, Runner, batch_uri, host_argv

HOSTS = [Host(f"h{i}", f"test:///h{i}") for i in range(1, 6)]


def runner(
    one_shot: Callable[[HostRun], int], limits: Limits | None = None, **kw: object
) -> Runner:
    return Runner(HOSTS, lambda host: [host.name], limits or Limits(), one_shot, **kw)  # type: ignore[arg-type]


def by_name(results: list[HostResult]) -> dict[str, HostResult]:
    return {r.name: r for r in results}


def test_statuses_output_and_order() -> None:
    def one_shot(run: HostRun) -> int:
        name = run.argv[0]
        if name == "h2":
            run.events.append("unreachable")
            run.err.write("error: failed to connect to the hypervisor\n")
            return 1
        run.events.append("connected")
        run.out.write(f"{name} out\n")
        if name == "h4":
            run.events.append("lost")
            return 1
        return 1 if name == "h3" else 0

    results = runner(one_shot).run()
    assert [r.name for r in results] == [h.name for h in HOSTS]
    found = by_name(results)
    assert [found[n].status for n in ("h1", "h2", "h3", "h4", "h5")] == [
        OK, UNREACHABLE, FAILED, UNREACHABLE, OK,
    ]  # fmt: skip
    assert found["h1"] == HostResult("h1", OK, 0, "h1 out\n", "")
    assert found["h2"].stderr == "error: failed to connect to the hypervisor\n"
    assert found["h3"].exit == 1


def test_at_most_fanout_hosts_run_at_once() -> None:
    lock = threading.Lock()
    now = [0, 0]  # running, most seen

    def one_shot(run: HostRun) -> int:
        with lock:
            now[0] += 1
            now[1] = max(now)
        time.sleep(0.05)
        with lock:
            now[0] -= 1
        return 0

    results = runner(one_shot, Limits(fanout=2)).run()
    assert [r.status for r in results] == [OK] * 5
    assert now[1] == 2


def test_a_host_stuck_connecting_is_abandoned_as_unreachable() -> None:
    release = threading.Event()

    def one_shot(run: HostRun) -> int:
        if run.argv[0] == "h3":
            run.out.write("before\n")
            release.wait(30)  # libvirt's open on a socket that never answers
            run.out.write("too late\n")
            return 0
        run.events.append("connected")
        return 0

    start = time.monotonic()
    results = by_name(runner(one_shot, Limits(connect_timeout=0.3)).run())
    assert time.monotonic() - start < 5
    assert results["h3"] == HostResult(
        "h3", UNREACHABLE, None, "before\n", "error: connect timed out after 0.3 s\n"
    )
    assert [results[n].status for n in ("h1", "h2", "h4", "h5")] == [OK] * 4
    release.set()


def test_a_command_past_its_timeout_is_abandoned_and_runs_no_further_command() -> None:
    release = threading.Event()
    abandoned: list[bool] = []

    def one_shot(run: HostRun) -> int:
        run.events.append("connected")
        if run.argv[0] != "h1":
            return 0
        release.wait(30)
        abandoned.append(run.abandoned.is_set())
        return 0

    results = by_name(runner(one_shot, Limits(command_timeout=0.3)).run())
    assert results["h1"].status == TIMEOUT
    assert results["h1"].stderr == "error: command timed out after 0.3 s\n"
    release.set()
    deadline = time.monotonic() + 5
    while not abandoned and time.monotonic() < deadline:
        time.sleep(0.01)
    assert abandoned == [True]  # the session's runner sees it before its next command


def test_the_connect_timeout_stops_counting_once_connected() -> None:
    def one_shot(run: HostRun) -> int:
        run.events.append("connected")
        time.sleep(0.5)
        return 0

    results = runner(one_shot, Limits(connect_timeout=0.2)).run()
    assert [r.status for r in results] == [OK] * 5


def test_fail_fast_skips_the_hosts_not_started() -> None:
    def one_shot(run: HostRun) -> int:
        return 1 if run.argv[0] == "h2" else 0

    results = by_name(runner(one_shot, Limits(fanout=1, fail_fast=True)).run())
    assert [results[n].status for n in ("h1", "h2", "h3", "h4", "h5")] == [
        OK, FAILED, SKIPPED, SKIPPED, SKIPPED,
    ]  # fmt: skip


def test_a_host_that_raises_is_a_failed_host() -> None:
    def one_shot(run: HostRun) -> int:
        if run.argv[0] == "h1":
            raise RuntimeError("boom")
        return 0

    results = by_name(runner(one_shot).run())
    assert results["h1"] == HostResult("h1", FAILED, 1, "", "error: RuntimeError: boom\n")


def test_ctrl_c_keeps_what_every_host_printed() -> None:
    release = threading.Event()
    reported: list[str] = []

    def one_shot(run: HostRun) -> int:
        run.events.append("connected")
        run.out.write(f"{run.argv[0]} so far\n")
        if run.argv[0] in ("h1", "h2"):
            return 0
        release.wait(30)
        return 0

    def interrupt() -> None:
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGINT)

    fleet = runner(one_shot, on_done=lambda r: reported.append(r.name))
    threading.Thread(target=interrupt).start()
    with pytest.raises(KeyboardInterrupt):
        fleet.run()
    release.set()
    results = by_name(fleet.ordered())
    assert results["h1"].status == OK and results["h2"].status == OK
    for name in ("h3", "h4", "h5"):
        assert results[name] == HostResult(name, INTERRUPTED, None, f"{name} so far\n", "")
    assert sorted(fleet.reported) == sorted(reported)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("qemu+ssh://root@hv01/system", "qemu+ssh://root@hv01/system?no_tty=1"),
        ("qemu+ssh://hv01/system?keyfile=/k", "qemu+ssh://hv01/system?keyfile=/k&no_tty=1"),
        ("qemu+ssh://hv01/system?no_tty=0", "qemu+ssh://hv01/system?no_tty=0"),
        ("qemu+libssh2://hv01/system", "qemu+libssh2://hv01/system"),
        ("qemu+tls://hv01/system", "qemu+tls://hv01/system"),
        ("test:///default", "test:///default"),
    ],
)
def test_ssh_hosts_never_prompt(uri: str, expected: str) -> None:
    assert batch_uri(uri) == expected
    assert host_argv(Host("h", uri), ["-q"], ["list"]) == ["-q", "-c", expected, "--", "list"]
