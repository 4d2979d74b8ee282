"""Differential tests: blockcommit, blockcopy, blockjob, blockpull.

The test driver has no block jobs: every job API fails with "this function is
not supported", so these compare option parsing, the checks virsh makes
before the call (exclusive and required options, --bandwidth and --timeout
values, --dest/--xml) and the look-ups.  The job flows themselves run on the
real stack (tests/real/test_blockjobs.py).
"""

from __future__ import annotations

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"
COMMANDS = ("blockcommit", "blockcopy", "blockjob", "blockpull")


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


def _script(*lines: str) -> str:
    return "; ".join(lines)


BANDWIDTH = (
    "''",
    "-1",
    "1M",
    "1x",
    "0x10",
    "abc",
    "18446744073709551615",
    "18446744073709551616",
    "16EiB",
    "2048k",
    "1b",
    "' 5'",
    "+5",
)
TIMEOUT = ("0", "-1", "abc", "2147483", "2147484", "0x10", "''")


@pytest.mark.parametrize("name", ("blockcommit", "blockpull"))
def test_bandwidth_and_timeout(name: str) -> None:
    lines = [f"{name} test vda --bandwidth {b}" for b in BANDWIDTH]
    lines += [f"{name} test vda --bandwidth {b} --bytes" for b in ("1M", "-1", "abc")]
    lines += [f"{name} test vda --wait --timeout {t}" for t in TIMEOUT]
    assert_same(["-c", DEFAULT, _script(*lines)])


def test_blockcommit_checks() -> None:
    assert_same(
        [
            "-c",
            DEFAULT,
            _script(
                "blockcommit test vda",
                "blockcommit test vda --active --shallow --delete --keep-relative",
                "blockcommit test vda --pivot --keep-overlay",
                "blockcommit test vda --verbose",
                "blockcommit test vda --async",
                "blockcommit test vda --async --verbose",
                "blockcommit test vda --wait --verbose --async",
                "blockcommit test vda --pivot",
                "blockcommit test vda --keep-overlay --verbose",
                "blockcommit test vda --timeout 5 --verbose",
                "blockcommit test vda --base ''",
                "blockcommit test vda --top ''",
                "blockcommit test vda --base vda[1] --top vda[2]",
                "blockcommit test ''",
                "blockcommit nope vda",
                "blockcommit test",
                "blockcommit test vda 10 base",
                "blockcommit",
            ),
        ]
    )


def test_blockpull_checks() -> None:
    assert_same(
        [
            "-c",
            DEFAULT,
            _script(
                "blockpull test vda",
                "blockpull test vda --verbose",
                "blockpull test vda --async",
                "blockpull test vda --async --verbose",
                "blockpull test vda --wait --verbose",
                "blockpull test vda --base x",
                "blockpull test vda --keep-relative --bytes --bandwidth 1",
                "blockpull test vda --base ''",
                "blockpull test ''",
                "blockpull nope vda",
                "blockpull test",
            ),
        ]
    )


def test_blockcopy_checks() -> None:
    assert_same(
        [
            "-c",
            DEFAULT,
            _script(
                "blockcopy test vda",
                "blockcopy test vda --dest x --xml y",
                "blockcopy test vda --format raw --xml y",
                "blockcopy test vda --blockdev --xml y",
                "blockcopy test vda --dest x --pivot --finish",
                "blockcopy test vda --dest x --verbose",
                "blockcopy test vda --dest x --async",
                "blockcopy test vda --dest x --finish --verbose --async",
                "blockcopy test vda --dest x",
                "blockcopy test vda --dest x --raw --blockdev --shallow --reuse-external",
                "blockcopy test vda --dest x --wait",
                "blockcopy test vda --dest x --transient-job --synchronous-writes",
                "blockcopy test vda --xml /nonexistent/file.xml",
                "blockcopy test vda --dest ''",
                "blockcopy test vda --xml ''",
                "blockcopy test vda --dest x --format ''",
                "blockcopy test vda --dest x --granularity -1",
                "blockcopy test vda --dest x --granularity 4294967296",
                "blockcopy test vda --dest x --buf-size -1",
                "blockcopy test vda --dest x --buf-size abc",
                "blockcopy test vda --dest x --bandwidth 17592186044416 --transient-job",
                "blockcopy test vda --dest x --bandwidth 17592186044415 --transient-job",
                "blockcopy test vda --dest x --bandwidth 17592186044416 --bytes --transient-job",
                "blockcopy test vda --dest x --bandwidth 1k",
                "blockcopy nope vda --dest x",
                "blockcopy test vda /tmp/dest",
            ),
        ]
    )


def test_blockcopy_print_xml() -> None:
    """--print-xml: the <disk> virsh would pass, no job started."""
    assert_same(
        [
            "-c",
            DEFAULT,
            _script(
                "blockcopy test vda --dest /tmp/x.img --print-xml",
                "blockcopy test vda --dest /tmp/x.img --format qcow2 --print-xml",
                "blockcopy test vda --dest /dev/sdz --blockdev --raw --print-xml",
                'blockcopy test vda --dest "a\'<b>&\\"c" --print-xml --granularity 512',
                "blockcopy test vda --dest x --print-xml --bandwidth 17592186044416",
            ),
        ]
    )


def test_blockjob_checks() -> None:
    lines = [
        f"blockjob test vda {a} {b}"
        for a, bs in (
            ("--raw", ("--abort", "--pivot", "--async", "--bandwidth 1")),
            ("--info", ("--abort", "--pivot", "--async", "--bandwidth 1")),
            ("--bytes", ("--abort", "--pivot", "--async")),
        )
        for b in bs
    ]
    lines += [
        "blockjob test vda",
        "blockjob test vda --info",
        "blockjob test vda --raw",
        "blockjob test vda --bytes",
        "blockjob test vda --abort",
        "blockjob test vda --pivot",
        "blockjob test vda --async",
        "blockjob test vda --bandwidth 10",
        "blockjob test vda --bandwidth 10 --bytes",
        "blockjob test vda --bandwidth x",
        "blockjob test vda --bandwidth -1",
        "blockjob test ''",
        "blockjob nope vda",
        "blockjob test",
    ]
    assert_same(["-c", DEFAULT, _script(*lines)])


def test_read_only() -> None:
    assert_same(
        [
            "-r",
            "-c",
            DEFAULT,
            _script(
                "blockcommit test vda",
                "blockpull test vda",
                "blockcopy test vda --dest x",
                "blockjob test vda --abort",
                "blockjob test vda --info",
            ),
        ]
    )


def test_inactive_domain() -> None:
    assert_same(
        ["-c", DEFAULT, _script("destroy test", "blockcommit test vda", "blockjob test vda")]
    )


@pytest.mark.parametrize(
    "line",
    [
        ["blockjob", "test", ""],
        ["blockcommit", "test", "vda", "--base", ""],
        ["blockpull", "test", "--path", "vda", "--base", ""],
        ["blockcopy", "test", "vda", "--format", "q"],
    ],
)
def test_completion(line: list[str]) -> None:
    """--path's disk targets, --base/--top's chain entries, --format's formats."""
    assert_same(["-c", DEFAULT, "complete", "--", *line], timeout=20)
