"""Block jobs on a real QEMU guest: merging and copying external snapshots.

Each flow runs on two identical guests, one per tool: an external disk-only
snapshot of the running guest, then the job.  virsh acts on ``<name>-a`` and
vsh on ``<name>-b``; their stdout, stderr and exit status must be the same
(with the guest's name swapped), and so must the ``domblklist`` each leaves.
``--verbose`` progress depends on when each poll lands, so only its shape and
its final ``[100 %]`` are compared (the harness reads text streams, so
virsh's ``\r`` arrives as a newline).
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable

import pytest

from tests.conformance.harness import VIRSH, VSH, Outcome, base_env
from tests.real.util import needs, ok, same, virsh, vsh

pytestmark = pytest.mark.real

Args = Callable[[str], list[str]]


def _pair(stack, guests, name: str, layers: int = 1) -> tuple[str, str]:
    """Two running guests, each with ``layers`` external disk-only snapshots."""
    a, b = f"{name}-a", f"{name}-b"
    for g in (a, b):
        guests(g, start=True)
        for i in range(1, layers + 1):
            ok(
                virsh(
                    stack,
                    "snapshot-create-as",
                    g,
                    f"s{i}",
                    "--disk-only",
                    "--atomic",
                    "--no-metadata",
                ),
                "snapshot-create-as",
            )
    return a, b


def _both(stack, a: str, b: str, args: Args) -> tuple[Outcome, Outcome]:
    """virsh on ``a``, vsh on ``b``; then both guests' domblklist must agree."""
    expected = virsh(stack, *args(a))
    actual = vsh(stack, *args(b))
    blk_a = ok(virsh(stack, "domblklist", a, "--details")).out
    blk_b = ok(virsh(stack, "domblklist", b, "--details")).out
    assert blk_b == blk_a.replace(a, b)
    return expected, actual


def _exact(stack, a: str, b: str, args: Args) -> Outcome:
    """_both, and the three streams must be identical (guest names swapped)."""
    expected, actual = _both(stack, a, b, args)
    assert actual.status == expected.status
    assert actual.out.replace(b, a) == expected.out
    assert actual.err.replace(b, a) == expected.err
    return actual


_PROGRESS = re.compile(r"([\r\n](?P<label>[A-Za-z ]+): \[(?: {2}\d| \d\d|100) %\])+")


def _progress_shape(err: str) -> tuple[str, str]:
    """(label, last line) of a --verbose progress stream; asserts its format."""
    match = _PROGRESS.fullmatch(err)
    assert match is not None, repr(err)
    return match.group("label"), err[max(err.rfind("\r"), err.rfind("\n")) + 1 :]


def _domblk(stack, g: str) -> str:
    return ok(virsh(stack, "domblklist", g)).out


@pytest.mark.real(timeout=200)
def test_blockcommit_active_pivot(real_stack, guests):
    needs("blockcommit", "blockjob")
    a, b = _pair(real_stack, guests, "bj-commit")
    assert ".s1" in _domblk(real_stack, a)
    # no job yet: same words, both tools
    for extra in ([], ["--raw"], ["--bytes"]):
        _exact(real_stack, a, b, lambda g, e=extra: ["blockjob", g, "vda", "--info", *e])
    out = _exact(
        real_stack, a, b, lambda g: ["blockcommit", g, "vda", "--active", "--pivot", "--wait"]
    )
    assert (out.status, out.out) == (0, "\nSuccessfully pivoted\n")
    assert f"{b}.qcow2" in _domblk(real_stack, b)


@pytest.mark.real(timeout=200)
def test_blockcommit_verbose_keep_overlay(real_stack, guests):
    needs("blockcommit")
    a, b = _pair(real_stack, guests, "bj-keep")
    args: Args = lambda g: [  # noqa: E731
        "blockcommit",
        g,
        "vda",
        "--keep-overlay",
        "--verbose",
        "--timeout",
        "60",
    ]
    expected, actual = _both(real_stack, a, b, args)
    assert (actual.status, actual.out) == (expected.status, expected.out)
    assert actual.out == "\nCommit complete, overlay image kept\n"
    assert _progress_shape(actual.err) == _progress_shape(expected.err)
    assert _progress_shape(actual.err) == ("Block commit", "Block commit: [100 %]")
    assert ".s1" in _domblk(real_stack, b)


@pytest.mark.real(timeout=200)
def test_blockpull(real_stack, guests):
    needs("blockpull")
    a, b = _pair(real_stack, guests, "bj-pull")
    out = _exact(real_stack, a, b, lambda g: ["blockpull", g, "vda", "--wait"])
    assert (out.status, out.out) == (0, "\nPull complete\n")
    xml = ok(virsh(real_stack, "dumpxml", b)).out
    assert "<backingStore/>" in xml  # the overlay holds the whole image now
    # the non-blocking start, then blockjob on the (possibly finished) job
    expected, actual = _both(
        real_stack, a, b, lambda g: ["blockpull", g, "vda", "--bandwidth", "1M", "--bytes"]
    )
    assert (actual.status, actual.out, actual.err) == (expected.status, expected.out, expected.err)
    assert actual.out == "Block Pull started\n"


@pytest.mark.real(timeout=200)
def test_blockcopy_finish(real_stack, guests):
    needs("blockcopy")
    a, b = _pair(real_stack, guests, "bj-copy")
    images = real_stack.root / "images"  # the stack's scratch dir; removed with the guests
    out = _exact(
        real_stack,
        a,
        b,
        lambda g: [
            "blockcopy",
            g,
            "vda",
            str(images / f"{g}.copy"),
            "--transient-job",
            "--wait",
            "--finish",
        ],
    )
    assert (out.status, out.out) == (0, "\nSuccessfully copied\n")
    assert (images / f"{b}.copy").exists()
    assert ".s1" in _domblk(real_stack, b)  # --finish leaves the guest on its disk
    # a persistent domain refuses a non-transient copy job: same error
    out = _exact(
        real_stack,
        a,
        b,
        lambda g: ["blockcopy", g, "vda", str(images / f"{g}.copy2"), "--wait", "--finish"],
    )
    assert out.status == 1 and "not transient" in out.err
    # --pivot moves the guest onto the copy
    out = _exact(
        real_stack,
        a,
        b,
        lambda g: [
            "blockcopy",
            g,
            "vda",
            "--dest",
            str(images / f"{g}.copy3"),
            "--transient-job",
            "--pivot",
        ],
    )
    assert (out.status, out.out) == (0, "\nSuccessfully pivoted\n")
    assert f"{b}.copy3" in _domblk(real_stack, b)


def _wait_synced(stack, g: str, timeout: float = 60) -> None:
    """Until the job's cur reaches its end (the progress virsh prints stops moving)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = ok(virsh(stack, "blockjob", g, "vda", "--raw")).out
        numbers = dict(re.findall(r" (cur|end)=(\d+)", raw))
        if numbers and numbers["cur"] == numbers["end"]:
            return
        time.sleep(0.2)
    pytest.fail(f"the copy job of {g} did not reach its mirroring phase")


@pytest.mark.real(timeout=200)
def test_blockjob_on_a_mirroring_copy(real_stack, guests):
    """A copy left in its mirroring phase: both tools read and change the same job."""
    needs("blockcopy", "blockjob")
    g = "bj-job"
    guests(g, start=True)
    images = real_stack.root / "images"
    started = same(
        real_stack,
        "blockcopy",
        g,
        "vda",
        str(images / f"{g}.mirror"),
        "--transient-job",
        "--print-xml",
    )
    assert f"<source file='{images / g}.mirror'/>" in started.out
    ok(
        vsh(
            real_stack,
            "blockcopy",
            g,
            "vda",
            str(images / f"{g}.mirror"),
            "--transient-job",
            "--bandwidth",
            "2",
        )
    )
    _wait_synced(real_stack, g)
    script = "; ".join(
        f"blockjob {g} vda {extra}"
        for extra in (
            "",
            "--info --bytes",
            "--raw",
            "--raw --bytes",
            "--bandwidth 3M",
            "",
            "--raw",
            "--bandwidth 2",
        )
    )
    out = same(real_stack, script)
    assert " type=Block Copy\n bandwidth=2\n" in out.out
    assert "Bandwidth limit: 2097152 bytes/s (2.000 MiB/s)" in out.out
    # the job is there until aborted; then both report none
    ok(vsh(real_stack, "blockjob", g, "vda", "--abort"))
    assert same(real_stack, "blockjob", g, "vda").out == "No current block job for vda\n"


@pytest.mark.real(timeout=200)
def test_blockpull_timeout_aborts(real_stack, guests):
    """--timeout ends a slow pull (1 byte/s) with virsh's words and status."""
    needs("blockpull")
    a, b = _pair(real_stack, guests, "bj-slow")
    out = _exact(
        real_stack,
        a,
        b,
        lambda g: [
            "blockpull",
            g,
            "vda",
            "--wait",
            "--timeout",
            "1",
            "--bandwidth",
            "1",
            "--bytes",
        ],
    )
    assert (out.status, out.out, out.err) == (1, "\nPull aborted\n", "")


@pytest.mark.real(timeout=200)
def test_ctrl_c_aborts_the_wait(real_stack, guests):
    """SIGINT during --wait aborts the job (virsh's virshCatchInt), as virsh does."""
    needs("blockpull")
    a, b = _pair(real_stack, guests, "bj-int")
    outcomes = []
    for program, g in (([VIRSH], a), (VSH, b)):
        argv = [
            *program,
            "-c",
            real_stack.uri,
            "blockpull",
            g,
            "vda",
            "--wait",
            "--bandwidth",
            "1",
            "--bytes",
        ]
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=base_env(),
        )
        time.sleep(2)  # past start-up: the job runs and the wait polls
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        outcomes.append((proc.returncode, out, err.replace(g, "G")))
    assert outcomes[1] == outcomes[0]
    assert outcomes[1] == (1, "\nPull aborted\n", "")
    for g in (a, b):
        assert same(real_stack, "blockjob", g, "vda").out == "No current block job for vda\n"
