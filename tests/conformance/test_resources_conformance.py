"""Differential tests: domain resource commands and ``event`` against virsh 9.0.

cpu-stats, qemu-monitor-command, schedinfo, setmaxmem, setmem, setvcpus,
vcpucount, vcpuinfo, vcpupin (vsh/commands/domain/resources.py) and event
(vsh/commands/events.py), on test:///default, libvirt's testnode.xml and
tests/fixtures/domains/node.xml.  Mutations and their effect run as one
script, so the state of a test:/// connection carries over.

vcpuinfo's ``CPU time:`` follows the host's clock on the test driver and is
normalised on both sides.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFAULT = "test:///default"
NODE = f"test://{FIXTURES / 'domains' / 'node.xml'}"
TESTNODE = f"test://{FIXTURES / 'testnode' / 'testnode.xml'}"


def cpu_time(text: str) -> str:
    return re.sub(r"^(CPU time:\s+)[0-9.]+s$", r"\1<varies>s", text, flags=re.M)


def same(*args: str) -> None:
    assert_same(list(args), normalise=cpu_time)


COMMANDS = [
    *("cpu-stats", "qemu-monitor-command", "schedinfo", "setmaxmem", "setmem"),
    *("setvcpus", "vcpucount", "vcpuinfo", "vcpupin", "event"),
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    same("-c", DEFAULT, f"help {name}; {name} --help")


def test_help_group() -> None:
    same("-c", DEFAULT, "help events")


DEFAULT_CASES = [
    # cpu-stats
    "cpu-stats test",
    "cpu-stats test --total",
    "cpu-stats test --start 1",
    "cpu-stats test --count 1",
    "cpu-stats test --start 1 --count 2",
    "cpu-stats test --start 2",
    "cpu-stats test --count 5",
    "cpu-stats test --start 0 --count 0",
    "cpu-stats test --count -1",
    "cpu-stats test --start -1",
    "cpu-stats test --start abc",
    "cpu-stats test --start 42MB",
    "cpu-stats test --start 2147483648",
    "cpu-stats test --count ''",
    "cpu-stats nosuch",
    "cpu-stats 1 --total --start 0",
    # qemu-monitor-command
    "qemu-monitor-command test a",
    "qemu-monitor-command test --hmp info cpus",
    "qemu-monitor-command test --hmp --pretty x",
    "qemu-monitor-command test --hmp --return-value x",
    "qemu-monitor-command test query-status '\"a\":1'",
    'qemu-monitor-command test \'{"execute":"x"}\'',
    "qemu-monitor-command test x '\"a\":1' '\"b\":2'",
    "qemu-monitor-command test --pass-fds a x",
    "qemu-monitor-command test --pass-fds 0 x",
    "qemu-monitor-command test",
    "qemu-monitor-command nosuch x",
    # schedinfo
    "schedinfo test",
    "schedinfo 1 --set j=k",
    "schedinfo test --set weight=abc",
    "schedinfo test weight=5",
    "schedinfo test --weight 7",
    "schedinfo test --weight ''",
    "schedinfo test --cap 3",
    "schedinfo test --set foo",
    "schedinfo test --live --config",
    "schedinfo test --current",
    "schedinfo test --config",
    "schedinfo test --current --live",
    "schedinfo test --current --config",
    "schedinfo test --set weight=-1",
    "schedinfo test --set weight=4294967296",
    "schedinfo test --set weight=1 --set weight=2",
    "schedinfo test --weight 1 --set weight=2",
    "schedinfo nosuch",
    # setmaxmem / setmem
    "setmaxmem test abc",
    "setmaxmem test 42WB",
    "setmaxmem test 42MB --config; dominfo test",
    "setmaxmem test 2147483648 --config",
    "setmaxmem test -1",
    "setmaxmem test 0",
    "setmaxmem test 42 --config",
    "setmaxmem test ''",
    "setmaxmem test ' 5'",
    "setmaxmem test 1e --config",
    "setmaxmem test 99999999999999999G",
    "setmaxmem test 18446744073709551615",
    "setmaxmem test 1x",
    "setmaxmem test 1kb --config",
    "setmaxmem test 1GiB --live",
    "setmaxmem test 1G --current --live",
    "setmaxmem test --kilobytes 100000 --config",
    "setmaxmem test 10000000",
    "setmem test 1024; dominfo test",
    "setmem test 1G --config; dumpxml test --inactive",
    "setmem test 1M --live",
    "setmem test 1M --current",
    "setmem test 1M --current --config",
    "setmem test 0",
    "setmem test abc",
    "setmem test 100TB",
    "setmem test --kilobytes 2048",
    "setmem nosuch 1",
    # setvcpus
    "setvcpus test 1; vcpucount test",
    "setvcpus test 0",
    "setvcpus test -1",
    "setvcpus test abc",
    "setvcpus test 3",
    "setvcpus test 2 --maximum",
    "setvcpus test 1 --maximum --config; vcpucount test",
    "setvcpus test 1 --config; vcpucount test",
    "setvcpus test 1 --live; vcpucount test",
    "setvcpus test 1 --current; vcpucount test",
    "setvcpus test 1 --guest",
    "setvcpus test 1 --guest --config",
    "setvcpus test 1 --current --live",
    "setvcpus test 1 --hotpluggable",
    "setvcpus nosuch 1",
    "setvcpus test",
    # vcpucount
    "vcpucount test",
    "vcpucount test --maximum",
    "vcpucount test --active",
    "vcpucount test --live",
    "vcpucount test --config",
    "vcpucount test --current",
    "vcpucount test --maximum --current",
    "vcpucount test --active --live",
    "vcpucount test --current --live",
    "vcpucount test --maximum --active",
    "vcpucount test --live --config",
    "vcpucount test --guest",
    "vcpucount test --guest --config",
    "vcpucount test --maximum --config",
    # vcpuinfo
    "vcpuinfo test",
    "vcpuinfo test --pretty",
    "vcpuinfo nosuch",
    # vcpupin
    "vcpupin test",
    "vcpupin test 0",
    "vcpupin test 1 --config",
    "vcpupin test --live",
    "vcpupin test --config",
    "vcpupin test --live --config",
    "vcpupin test a 0,1",
    "vcpupin test 100 0,1",
    "vcpupin test -100 0,1",
    "vcpupin test --cpulist 0,1",
    "vcpupin test 100 --live",
    "vcpupin test 100",
    "vcpupin test 100 --config",
    "vcpupin test 100 --current",
    "vcpupin test 0 1; vcpupin test",
    "vcpupin test 0 1-3,^2 --live; vcpupin test",
    "vcpupin test 1 r; vcpupin test",
    "vcpupin test 0 0,2 --config; vcpupin test --config; vcpuinfo test",
    "vcpupin test 0 x",
    "vcpupin test 0 ''",
    "vcpupin test 0 8",
    "vcpupin test 0 1024",
    "vcpupin test 0 0,^0",
    "vcpupin test 0 ' 1 - 3 , 5'",
    "vcpupin test 0 3-1",
    "vcpupin test 0 0 --current --config",
    "vcpupin test 0 0 --live --config; vcpupin test",
    "vcpupin nosuch",
]


@pytest.mark.parametrize("script", DEFAULT_CASES)
def test_default(script: str) -> None:
    same("-c", DEFAULT, script)


NODE_CASES = [
    "vcpucount web",
    "vcpucount alpha",
    "vcpucount fleeting",
    "vcpucount alpha --live",
    "vcpucount alpha --active --live",
    "vcpucount alpha --maximum --live",
    "vcpucount fleeting --config",
    "vcpuinfo alpha",
    "vcpuinfo alpha --pretty",
    "vcpuinfo web",
    "vcpuinfo 'paused one'",
    "vcpupin alpha",
    "vcpupin alpha --live",
    "vcpupin fleeting --config",
    "vcpupin alpha 0 1",
    "vcpupin alpha 5",
    "schedinfo alpha",
    "schedinfo web --set weight=10",
    "cpu-stats alpha",
    "cpu-stats web --total",
    "setmem alpha 1024",
    "setmem alpha 1024 --config; dominfo alpha",
    "setmaxmem alpha 1G; dominfo alpha",
    "setvcpus alpha 1",
    "setvcpus alpha 1 --config; vcpucount alpha",
    "setvcpus 'shut down' 1",
]


@pytest.mark.parametrize("script", NODE_CASES)
def test_node(script: str) -> None:
    same("-c", NODE, script)


TESTNODE_CASES = [
    "vcpucount fv0; vcpuinfo fc4; vcpupin fc5; schedinfo fv0",
    "cpu-stats fc4; vcpuinfo fv0 --pretty",
    "setvcpus fc5 1 --live; vcpucount fc5",
]


@pytest.mark.parametrize("script", TESTNODE_CASES)
def test_testnode(script: str) -> None:
    same("-c", TESTNODE, script)


@pytest.mark.parametrize(
    "script",
    [
        "-r setmem test 1024",
        "-r setmaxmem test 1024",
        "-r setvcpus test 1",
        "-r vcpupin test 0 1",
        "-r schedinfo test --set weight=3",
        "-r vcpucount test",
        "-r cpu-stats test --total",
    ],
)
def test_readonly(script: str) -> None:
    flag, rest = script.split(" ", 1)
    same(flag, "-c", DEFAULT, rest)


def test_debug_lines() -> None:
    same("-k0", "-d0", "-c", DEFAULT, "setvcpus", "--count=2", "test")
    same("-d0", "-c", DEFAULT, "vcpupin 1 0 0,1")


def test_quiet_table() -> None:
    same("-q", "-c", DEFAULT, "vcpupin test")


EVENT_CASES = [
    "event --list",
    "event",
    "event --all --event lifecycle",
    "event --list --all",
    "event --list --event reboot",
    # VSH_EXCLUSIVE_OPTIONS tests presence: an empty value still counts
    "event --all --event ''",
    "event --list --event ''",
    "event --event nosuch",
    "event --event ''",
    "event --all --timeout abc",
    "event --all --timeout 2147484",
    "event --all --timeout 2147483 --domain nosuch",
    "event --all --timeout 42WB",
    "event --all --timeout -1",
    "event --all --timeout 0",
    "event --all --timeout 007 --domain nosuch",
    "event --all --timeout 1",
    "event --event lifecycle --timeout 1 --loop",
    "event --event reboot --domain test --timeout 1 --timestamp",
    "event test --event tunable --timeout 1",
]


@pytest.mark.parametrize("script", EVENT_CASES)
def test_event(script: str) -> None:
    same("-c", DEFAULT, script)


def test_event_quiet() -> None:
    same("-q", "-c", DEFAULT, "event --all --timeout 1")


MORE_CASES = [
    "vcpucount test --current --maximum",
    "destroy test; vcpuinfo test",
    "schedinfo test --set weight=10",
    "schedinfo test weight=10",
    "schedinfo test --set bogus=1",
    "schedinfo test --set weight=x",
    "setmem test -1",
    "setmem test 1T",
    "setmem test 1024 --config --live --current",
    "setmaxmem test 1k",
    "setvcpus test 3 --maximum",
    "setvcpus test 3 --guest",
    "event nosuch --all",
    "event --event bogus",
    "event --timeout -1 --all",
    "event --timeout x --all",
]


@pytest.mark.parametrize("script", MORE_CASES)
def test_more_default(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_more_readonly() -> None:
    assert_same(
        [
            "-r",
            "-c",
            DEFAULT,
            "setmem test 1024; setmaxmem test 1024; setvcpus test 1; "
            "schedinfo test --set weight=10",
        ]
    )
