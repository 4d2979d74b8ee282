"""Migration between two real libvirtd daemons (the ``stack_pair`` fixture).

Each scenario runs twice from the same start, once per tool: a fresh guest
on the source daemon, ``migrate`` to the destination, then what both
daemons say about the guest (``list --all --name``, ``domstate --reason``,
``dominfo`` without its Id and CPU time lines, ``domblklist``), then the
guest is removed from both.  virsh's and vsh's migrate must print the same
and leave the same state.

Two daemons on one machine (tests/realstack/plugin.py): each has its own
``host_uuid``; the guest's image path is the same for both (shared
storage), so migration needs ``--unsafe``; ``--migrateuri tcp://127.0.0.1``
because qemu.conf's migration address may not be a loopback one.

A slowed migration (``--copy-storage-all --bandwidth 1`` of a disk holding
a few MiB of data) lets ``domjobinfo`` be read while it runs (labels
compared: the values move) and ``--verbose`` print its progress; after it,
``domjobinfo --completed`` is the same for both tools.  The harness reads
text streams, so virsh's ``\\r`` arrives as a newline.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.conformance.harness import VIRSH, VSH, Outcome, base_env
from tests.real.util import ok, virsh, vsh
from tests.realstack.plugin import StackPair
from tests.realstack.ptyshell import PtyShell
from tests.realstack.stack import QEMU_IMG, Stack

pytestmark = pytest.mark.real

LOCAL_URI = ("--migrateuri", "tcp://127.0.0.1")
TOOLS = ("virsh", "vsh")
SLOW_DISK_MIB = 8  # data copied at 1 MiB/s: the job runs for seconds


def run(tool: str, stack: Stack, *args: str, timeout: float = 180) -> Outcome:
    return (virsh if tool == "virsh" else vsh)(stack, *args, timeout=timeout)


def observe(pair: StackPair, name: str) -> dict[str, str]:
    """What each daemon says about the guest, one virsh process per side."""
    seen = {}
    for side, stack in (("source", pair.source), ("destination", pair.destination)):
        proc = stack.virsh(
            f"list --all --name; domstate {name} --reason; dominfo {name}; domblklist {name}",
            check=False,
        )
        seen[side] = re.sub(r"(?m)^(Id|CPU time):.*\n", "", proc.stdout + proc.stderr)
    return seen


def clean(pair: StackPair, name: str) -> None:
    """The guest off both daemons (the destination first: it may use the source's disk)."""
    pair.destination.remove_guest(name)
    pair.source.remove_guest(name)


def fresh(pair: StackPair, name: str, *, start: bool = True, data_mib: int = 0) -> None:
    """A new guest on the source; ``data_mib`` MiB of data on its disk after the boot sector."""
    clean(pair, name)
    g = pair.source.prepare_guest(name)
    if data_mib:
        size = f"{data_mib + 1}M"
        subprocess.run([QEMU_IMG, "resize", str(g.disk), size], check=True, capture_output=True)
        subprocess.run(
            ["/usr/bin/qemu-io", "-f", "qcow2", "-c", f"write -P 0x5a 1M {data_mib}M", str(g.disk)],
            check=True,
            capture_output=True,
        )
    pair.source.virsh("define", str(g.xml))
    if start:
        pair.source.start_guest(name)


def copy_target(pair: StackPair, name: str, size_mib: int = 1) -> Path:
    """A pre-created destination image and the --xml naming it; the XML file's path."""
    disk = pair.destination.root / "images" / f"{name}.qcow2"
    subprocess.run(
        [QEMU_IMG, "create", "-f", "qcow2", str(disk), f"{size_mib}M"],
        check=True,
        capture_output=True,
    )
    xml = pair.source.virsh("dumpxml", "--migratable", name).stdout
    source_disk = str(pair.source.guest(name).disk)
    assert source_disk in xml
    path = pair.destination.root / "xml" / f"{name}-migrate.xml"
    path.write_text(xml.replace(source_disk, str(disk)))
    return path


def compare(
    pair: StackPair,
    name: str,
    args: Sequence[str],
    *,
    start: bool = True,
    before: Callable[[], None] | None = None,
) -> None:
    """``migrate NAME DESTURI ARGS`` by each tool from the same start; same output, same state."""
    seen: dict[str, tuple[Outcome, dict[str, str]]] = {}
    for tool in TOOLS:
        fresh(pair, name, start=start)
        try:
            if before is not None:
                before()
            outcome = run(tool, pair.source, "migrate", name, pair.destination.uri, *args)
            seen[tool] = (outcome, observe(pair, name))
        finally:
            clean(pair, name)
    (expected, expected_state), (actual, actual_state) = seen["virsh"], seen["vsh"]
    assert expected.status == 0, f"virsh's migration failed: {expected.err}"
    assert (actual.err, actual.out, actual.status) == (expected.err, expected.out, expected.status)
    assert actual_state == expected_state


@pytest.mark.real(timeout=240)
def test_live(stack_pair: StackPair) -> None:
    compare(stack_pair, "mig-live", ["--live", "--unsafe", *LOCAL_URI])


@pytest.mark.real(timeout=240)
def test_live_persistent_undefinesource(stack_pair: StackPair) -> None:
    args = ["--live", "--unsafe", "--persistent", "--undefinesource", *LOCAL_URI]
    compare(stack_pair, "mig-undef", args)


@pytest.mark.real(timeout=240)
def test_p2p(stack_pair: StackPair) -> None:
    compare(stack_pair, "mig-p2p", ["--live", "--p2p", "--unsafe", *LOCAL_URI])


@pytest.mark.real(timeout=240)
def test_p2p_tunnelled(stack_pair: StackPair) -> None:
    compare(stack_pair, "mig-tun", ["--live", "--p2p", "--tunnelled", "--unsafe"])


@pytest.mark.real(timeout=240)
def test_offline_persistent(stack_pair: StackPair) -> None:
    compare(stack_pair, "mig-off", ["--offline", "--persistent"], start=False)


@pytest.mark.real(timeout=240)
def test_copy_storage_all(stack_pair: StackPair) -> None:
    name = "mig-copy"
    xml = stack_pair.destination.root / "xml" / f"{name}-migrate.xml"

    def before() -> None:
        assert copy_target(stack_pair, name) == xml

    args = ["--live", "--copy-storage-all", "--xml", str(xml), *LOCAL_URI]
    compare(stack_pair, name, args, before=before)


@pytest.mark.real(timeout=240)
def test_errors_against_real_daemons(stack_pair: StackPair) -> None:
    """Refusals from the daemons, the same through both tools."""
    src, dst = stack_pair.source, stack_pair.destination
    name = "mig-err"
    fresh(stack_pair, name)
    try:
        for args in (
            ["migrate", name, dst.uri, *LOCAL_URI],  # not --unsafe: local disk
            ["migrate", name, dst.uri, "--offline"],  # offline needs --persistent
            ["migrate", name, src.uri, "--live", "--unsafe", *LOCAL_URI],  # to itself
            ["migrate", name, dst.uri, "--live", "--unsafe", "--migrateuri", "bogus://x"],
            ["migrate", "nosuch", dst.uri, "--live"],
        ):
            expected, actual = run("virsh", src, *args), run("vsh", src, *args)
            assert expected.status == 1
            assert (actual.err, actual.out, actual.status) == (
                expected.err,
                expected.out,
                expected.status,
            ), args
        assert src.domstate(name) == "running"
    finally:
        clean(stack_pair, name)


# -- a slowed migration: domjobinfo while it runs, --verbose, --completed, abort --------


def slow_argv(pair: StackPair, tool: str, name: str, *extra: str) -> list[str]:
    """A fresh guest with data on its disk and the command line migrating it
    slowly: ``--copy-storage-all --bandwidth 1``."""
    fresh(pair, name, data_mib=SLOW_DISK_MIB)
    xml = copy_target(pair, name, SLOW_DISK_MIB + 1)
    program = [VIRSH] if tool == "virsh" else VSH
    argv = [*program, "-c", pair.source.uri, "migrate", name, pair.destination.uri]
    argv += ["--live", "--copy-storage-all", "--bandwidth", "1", "--xml", str(xml), *LOCAL_URI]
    return [*argv, *extra]


def wait_running(pair: StackPair, name: str, alive: Callable[[], bool]) -> None:
    """Until the source shows the migration job running."""
    deadline = time.monotonic() + 60
    while "Unbounded" not in pair.source.virsh("domjobinfo", name, check=False).stdout:
        assert alive(), "the migration ended before its job showed"
        assert time.monotonic() < deadline, "the migration job never showed"
        time.sleep(0.1)


def start_slow(pair: StackPair, tool: str, name: str, *extra: str) -> subprocess.Popen[str]:
    """The slowed migration in the background; returns once its job runs."""
    proc = subprocess.Popen(
        slow_argv(pair, tool, name, *extra),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=base_env(),
    )
    wait_running(pair, name, lambda: proc.poll() is None)
    return proc


def labels(text: str) -> list[str]:
    return re.findall(r"(?m)^([^:\n]+):", text)


def finish(proc: subprocess.Popen[str]) -> Outcome:
    out, err = proc.communicate(timeout=180)
    return Outcome(proc.returncode, out, err)


PROGRESS = re.compile(r"Migration: \[(?: {0,2}\d{1,2}|100) %\]")


def progress_shape(err: str) -> tuple[str, ...]:
    """--verbose's stderr: every line a progress line, the last one [100 %]."""
    lines = [line for line in err.split("\n") if line]
    assert lines and all(PROGRESS.fullmatch(line) for line in lines), err
    return ("progress", lines[-1])


@pytest.mark.real(timeout=400)
def test_slowed_migration_jobinfo_and_verbose(stack_pair: StackPair) -> None:
    src = stack_pair.source
    name = "mig-slow"
    results: dict[str, tuple[Outcome, tuple[str, ...], dict[str, str], str]] = {}
    for tool in TOOLS:
        proc = start_slow(stack_pair, tool, name, "--verbose")
        try:
            # the job as both tools see it while it runs: the same labels
            # (values move between the two reads; retry if a phase changed)
            matched = 0
            for _ in range(6):
                during = run("virsh", src, "domjobinfo", name), run("vsh", src, "domjobinfo", name)
                if proc.poll() is not None:
                    break
                assert during[0].status == during[1].status == 0
                assert "Job type:         Unbounded" in during[1].out
                assert "Operation:        Outgoing migration" in during[1].out
                matched += labels(during[0].out) == labels(during[1].out)
                time.sleep(0.3)
            assert matched, "no two consecutive domjobinfo reads had the same labels"
            outcome = finish(proc)
            # the finished job, read without discarding it first, then by vsh
            kept = ok(run("virsh", src, "domjobinfo", name, "--completed", "--keep-completed"))
            completed = run("vsh", src, "domjobinfo", name, "--completed")
            assert completed == kept
            assert "Job type:         Completed" in kept.out
            results[tool] = (
                outcome,
                progress_shape(outcome.err),
                observe(stack_pair, name),
                kept.out,
            )
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            clean(stack_pair, name)
    (e, e_shape, e_state, e_done), (a, a_shape, a_state, a_done) = results["virsh"], results["vsh"]
    assert e.status == 0, e.err
    assert (a.status, a.out, a_shape) == (e.status, e.out, e_shape)
    assert a_state == e_state
    assert labels(a_done) == labels(e_done)  # the completed jobs of the two runs


@pytest.mark.real(timeout=300)
def test_domjobabort_ends_a_running_migration(stack_pair: StackPair) -> None:
    src = stack_pair.source
    name = "mig-abort"
    results: dict[str, tuple[Outcome, dict[str, str]]] = {}
    for tool in TOOLS:
        proc = start_slow(stack_pair, tool, name)
        try:
            ok(virsh(src, "domjobabort", name), "domjobabort")
            results[tool] = (finish(proc), observe(stack_pair, name))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            clean(stack_pair, name)
    (expected, expected_state), (actual, actual_state) = results["virsh"], results["vsh"]
    assert expected.status == 1 and "abort" in expected.err, expected
    assert (actual.err, actual.out, actual.status) == (expected.err, expected.out, expected.status)
    assert actual_state == expected_state
    assert "running" in expected_state["source"]


@pytest.mark.real(timeout=300)
def test_ctrl_c_on_a_terminal_aborts_the_migration(stack_pair: StackPair) -> None:
    """The interrupt key, read from the terminal once the job runs, aborts it."""
    name = "mig-intr"
    results: dict[str, tuple[int, str, dict[str, str]]] = {}
    for tool in TOOLS:
        try:
            with PtyShell(slow_argv(stack_pair, tool, name, "--verbose"), env=base_env()) as sh:
                wait_running(stack_pair, name, lambda: sh.proc.poll() is None)
                time.sleep(1.5)  # the watch has seen the job: the key is a byte now
                sh.send("\x03")
                sh.proc.wait(60)
                text = sh.settle(quiet=0.2, timeout=5)
                results[tool] = (sh.proc.returncode, text, observe(stack_pair, name))
        finally:
            clean(stack_pair, name)
    (e_status, e_text, e_state), (a_status, a_text, a_state) = results["virsh"], results["vsh"]
    error = "error: operation aborted: migration out: canceled by client"
    assert e_status == 1 and e_text.rstrip("\n").endswith(error), e_text
    assert a_status == e_status
    # the progress lines before it depend on when each poll landed
    assert PROGRESS.match(a_text), a_text
    assert PROGRESS.sub("", a_text) == PROGRESS.sub("", e_text)  # the echoed ^C, the error
    assert a_state == e_state
    assert "running" in e_state["source"]
