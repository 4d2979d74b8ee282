"""Differential tests: the migration tuning commands (vsh/commands/domain/
migration.py) against virsh 9.0 on test:///default.

The test driver implements none of virDomainMigrate{Set,Get}MaxDowntime,
-{Set,Get}CompressionCache, -{Set,Get}MaxSpeed or -StartPostCopy: these
compare argument parsing and the error paths; the printed values are
unit-tested against a fake in tests/commands/domain/test_migration.py.
"""

from __future__ import annotations

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"
NAMES = [
    "migrate-setmaxdowntime",
    "migrate-getmaxdowntime",
    "migrate-compcache",
    "migrate-setspeed",
    "migrate-getspeed",
    "migrate-postcopy",
]


@pytest.mark.parametrize("name", NAMES)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


CASES = [
    # downtime: ULongLong without a sign, then virsh's own "< 1" check
    "migrate-setmaxdowntime test 10; migrate-setmaxdowntime test 0;"
    " migrate-setmaxdowntime test -1; migrate-setmaxdowntime test abc;"
    " migrate-setmaxdowntime test 18446744073709551615;"
    " migrate-setmaxdowntime test 18446744073709551616; migrate-setmaxdowntime test 0x10;"
    " migrate-setmaxdowntime test ''; migrate-setmaxdowntime --downtime=' 5' test;"
    " migrate-setmaxdowntime nosuch 5; migrate-setmaxdowntime nosuch abc",
    "migrate-getmaxdowntime test; migrate-getmaxdowntime 1; migrate-getmaxdowntime nosuch;"
    " migrate-getmaxdowntime ''; migrate-postcopy test; migrate-postcopy nosuch",
    # compcache: --size is named only and not scaled
    "migrate-compcache test; migrate-compcache test --size 100; migrate-compcache test --size 1k;"
    " migrate-compcache test --size -1; migrate-compcache test --size 18446744073709551616;"
    " migrate-compcache test --size=''; migrate-compcache nosuch --size abc",
    # bandwidth: ULWrap, '-1' wraps
    "migrate-setspeed test 5; migrate-setspeed test -1 --postcopy; migrate-setspeed test abc;"
    " migrate-setspeed test 18446744073709551616; migrate-setspeed test -18446744073709551616;"
    " migrate-setspeed test 0x10; migrate-setspeed test --bandwidth 1k; migrate-setspeed nosuch 5",
    "migrate-getspeed test; migrate-getspeed test --postcopy; migrate-getspeed nosuch --postcopy",
    "destroy test; migrate-getmaxdowntime test; migrate-setspeed test 1; migrate-compcache test",
]


@pytest.mark.parametrize("script", CASES)
def test_default(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize(
    "script",
    [
        "migrate-compcache test 100",
        "migrate-setspeed test",
        "migrate-setmaxdowntime test",
        "migrate-setmaxdowntime",
        "migrate-getspeed test 5",
        "migrate-postcopy test --postcopy",
    ],
)
def test_parse_errors(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_readonly_and_quiet() -> None:
    assert_same(
        [
            "-r",
            "-c",
            DEFAULT,
            "migrate-setspeed test 5; migrate-getspeed test; migrate-postcopy test;"
            " migrate-setmaxdowntime test 5; migrate-compcache test --size 5",
        ]
    )
    assert_same(["-q", "-c", DEFAULT, "migrate-getspeed test; migrate-setmaxdowntime test 0"])
