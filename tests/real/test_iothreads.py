"""IOThreads and emulator/vCPU pinning on real QEMU guests, vsh against virsh.

The guests start with no IOThread; each step runs virsh on ``<name>-a`` and
vsh on ``<name>-b`` (same three streams, names swapped), and after it both
guests must look the same: ``iothreadinfo`` (live and ``--config``), the
inactive XML's ``<iothreadids>``, and ``domstats --iothread`` (the polling
values QEMU reports back).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.conformance.harness import Outcome
from tests.real.util import needs, ok, same, virsh, vsh
from tests.realstack.stack import Stack

pytestmark = pytest.mark.real

Args = Callable[[str], list[str]]


def _exact(stack: Stack, a: str, b: str, args: Args) -> Outcome:
    expected, actual = virsh(stack, *args(a)), vsh(stack, *args(b))
    assert actual.status == expected.status, (args(b), expected, actual)
    assert actual.out.replace(b, a) == expected.out, args(b)
    assert actual.err.replace(b, a) == expected.err, args(b)
    return actual


def _looks(stack: Stack, g: str) -> str:
    """What an IOThread command can change, as virsh sees it."""
    stats = ok(virsh(stack, "domstats", g, "--iothread")).out
    xml = virsh(stack, "dumpxml", g, "--inactive", "--xpath", "//iothreadids").out
    return "".join(
        (
            ok(virsh(stack, "iothreadinfo", g)).out,
            ok(virsh(stack, "iothreadinfo", g, "--config")).out,
            xml,
            stats,
            ok(virsh(stack, "emulatorpin", g)).out,
            ok(virsh(stack, "emulatorpin", g, "--config")).out,
            ok(virsh(stack, "vcpupin", g)).out,
            ok(virsh(stack, "vcpupin", g, "--config")).out,
        )
    )


def _steps(stack: Stack, a: str, b: str, steps: list[list[str]]) -> list[Outcome]:
    done = []
    for step in steps:
        out = _exact(stack, a, b, lambda g, s=step: [s[0], g, *s[1:]])
        done.append(out)
        assert _looks(stack, b) == _looks(stack, a).replace(a, b), step
    return done


@pytest.mark.real(timeout=240)
def test_iothreads_live_and_config(real_stack, guests):
    needs("iothreadinfo", "iothreadadd", "iothreaddel", "iothreadset", "iothreadpin")
    a, b = "io-live-a", "io-live-b"
    for g in (a, b):
        guests(g, start=True)
    out = same(real_stack, "iothreadinfo", b)
    assert out.out == "No IOThreads found for the domain\n"
    done = _steps(
        real_stack,
        a,
        b,
        [
            ["iothreadadd", "3"],
            ["iothreadadd", "3"],  # taken: same error
            ["iothreadadd", "5", "--config"],
            ["iothreadadd", "6", "--live", "--config"],
            ["iothreadadd", "0"],
            ["iothreadset", "3", "--poll-max-ns", "100", "--poll-grow", "2", "--poll-shrink", "3"],
            ["iothreadset", "3", "--poll-max-ns", "0", "--live"],
            ["iothreadset", "3"],  # nothing to set
            ["iothreadset", "5", "--poll-max-ns", "100", "--config"],  # live only
            ["iothreadset", "9", "--poll-max-ns", "100"],
            ["iothreadset", "3", "--thread-pool-min", "1", "--thread-pool-max", "4"],
            ["iothreadset", "3", "--poll-max-ns", "-1"],
            ["iothreadpin", "3", "0"],
            ["iothreadpin", "5", "0", "--config"],
            ["iothreadpin", "6", "0", "--current"],
            ["iothreadpin", "9", "0"],
            ["iothreadpin", "3", "999"],
            ["iothreaddel", "3"],
            ["iothreaddel", "3"],  # gone: same error
            ["iothreaddel", "5", "--config"],
            ["iothreaddel", "6", "--live", "--config"],
        ],
    )
    assert [o.status for o in done[:2]] == [0, 1]  # the second add of 3 is refused
    assert done[5].status == 0  # iothreadset 3 --poll-max-ns 100 ...
    # del 3, del 3 again (refused), del 5 --config, del 6 --live --config
    assert [o.status for o in done[-4:]] == [0, 1, 0, 0]
    assert same(real_stack, "iothreadinfo", b).out == "No IOThreads found for the domain\n"


@pytest.mark.real(timeout=200)
def test_iothreads_shut_off(real_stack, guests):
    """On a guest that is not running: --config (and --current) only."""
    needs("iothreadinfo", "iothreadadd", "iothreaddel", "iothreadpin")
    a, b = "io-off-a", "io-off-b"
    for g in (a, b):
        guests(g)
    _steps(
        real_stack,
        a,
        b,
        [
            ["iothreadadd", "2"],
            ["iothreadadd", "4", "--live"],
            ["iothreadadd", "4", "--config"],
            ["iothreadpin", "2", "0"],
            ["iothreadpin", "4", "0", "--live"],
            ["iothreadset", "2", "--poll-max-ns", "10"],
        ],
    )
    for extra in ([], ["--config"], ["--live"], ["--current"]):
        same(real_stack, "iothreadinfo", b, *extra)
    # the XML the next boot runs with
    xml = ok(vsh(real_stack, "dumpxml", b, "--inactive", "--xpath", "//iothreadids")).out
    assert re.search(r"<iothread id=\"2\"/>\s*<iothread id=\"4\"/>", xml), xml
    _steps(real_stack, a, b, [["iothreaddel", "2"], ["iothreaddel", "4", "--config"]])


@pytest.mark.real(timeout=200)
def test_emulatorpin_vcpupin(real_stack, guests):
    needs("emulatorpin", "vcpupin")
    a, b = "io-pin-a", "io-pin-b"
    for g in (a, b):
        guests(g, start=True)
    for extra in ([], ["--config"], ["--live"], ["--live", "--config"]):
        same(real_stack, "emulatorpin", b, *extra)
        same(real_stack, "vcpupin", b, *extra)
    _steps(
        real_stack,
        a,
        b,
        [
            ["emulatorpin", "0"],
            ["emulatorpin", "0-1", "--config"],
            ["emulatorpin", "r"],
            ["emulatorpin", "999"],
            ["vcpupin", "0", "0"],
            ["vcpupin", "0", "1", "--config"],
            ["vcpupin", "0", "r", "--live"],
            ["vcpupin", "1", "0"],
        ],
    )
