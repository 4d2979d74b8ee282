"""Differential tests: migrate and the migration tuning commands (vsh/commands/
domain/migration.py) against virsh 9.0 on test:///default.

The test driver implements none of virDomainMigrate{Set,Get}MaxDowntime,
-{Set,Get}CompressionCache, -{Set,Get}MaxSpeed or -StartPostCopy: these
compare argument parsing and the error paths; the printed values are
unit-tested against a fake in tests/commands/domain/test_migration.py.

Nor does it migrate: ``migrate`` is compared on every check virsh makes
before the migration call and on the driver's refusals (real migrations
between two daemons are in tests/real/test_migration.py).  virsh 9.0 can
hang for good when its migrate worker fails at once (it quits the event loop
before the loop runs): such a run is retried, not counted; vsh runs once.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conformance.harness import assert_same, run_virsh, run_vsh

DEFAULT = "test:///default"
NAMES = [
    "migrate",
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


def _same_migrate(args: list[str], notes: list[str]) -> None:
    """assert_same with virsh's lost-wakeup hang retried (a failed migrate takes
    milliseconds on the test driver, so a virsh still running after 3 s hangs).
    A virsh that hangs on every try gives nothing to compare with: the case is
    reported in the terminal summary, not counted (vsh must still answer)."""
    for _ in range(10):
        try:
            expected = run_virsh(args, timeout=3)
        except subprocess.TimeoutExpired:
            continue
        break
    else:
        expected = None
    try:
        actual = run_vsh(args, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"vsh hung: {args!r}")
    if expected is None:
        notes.append(
            f"virsh hung on every one of 10 tries (not counted): {args!r};"
            f" vsh answered with status {actual.status}"
        )
        return
    assert (actual.err, actual.out, actual.status) == (
        expected.err,
        expected.out,
        expected.status,
    ), f"differs for {args!r}"


D = DEFAULT
MIGRATE = [
    # the API choice: virDomainMigrate3 through a destination connection, or
    # MigrateToURI3 for --p2p/--direct; the test driver refuses each its way
    f"test {D}",
    f"test {D} --live --verbose",
    f"test {D} --p2p",
    f"test {D} --direct",
    f"test {D} --p2p --tunneled",
    f"test {D} --tunnelled",
    f"1 {D} --offline --persistent --undefinesource",
    f"6695eb01-f6a4-8304-79aa-97f2502e193f {D} --suspend --change-protection",
    f"--domain test --desturi {D} --copy-storage-all --copy-storage-synchronous-writes",
    f"test {D} --copy-storage-inc --copy-storage-synchronous-writes --unsafe",
    f"test {D} --compressed --auto-converge --rdma-pin-all --abort-on-error --zerocopy",
    f"test {D} --postcopy --postcopy-after-precopy",
    f"test {D} --postcopy --postcopy-resume --p2p",
    f"test {D} --tls --tls-destination host --parallel --parallel-connections 4",
    # typed parameters: the driver without extensible parameters says so
    f"test {D} --migrateuri tcp://h --graphicsuri spice://h --listen-address 0.0.0.0",
    f"test {D} --dname new --migrate-disks vda,,vdb --disks-port 0 --disks-uri tcp://h",
    f"test {D} --disks-port 49152 --comp-methods mt,xbzrle --comp-mt-level 0",
    f"test {D} --comp-mt-threads -1 --comp-mt-dthreads 2 --comp-xbzrle-cache 0",
    f"test {D} --auto-converge-initial 5 --auto-converge-increment 5 --bandwidth 0",
    f"test {D} --postcopy-bandwidth 18446744073709551615 --p2p",
    f"test {D} tcp://positional",  # migrateuri fills positionally
    # the destination connection
    "test qemu:///nonexist",
    "test nosuch",
    "test 'a b'",
    "test qemu:///nonexist --disks-port abc",  # the connection fails first
    "test ''",
    "test '' --p2p",  # checked in the worker
    "test",
    "nosuch test:///default",
    "nosuch test:///default --p2p",
    "'' test:///default",
    # cmdMigrate's own checks, in its order
    f"test {D} --live --offline",
    f"test {D} --timeout-suspend --timeout-postcopy",
    f"test {D} --postcopy-after-precopy",
    f"test {D} --postcopy-resume",
    f"test {D} --timeout-postcopy --timeout 5 --live",
    f"test {D} --persistent-xml ''",
    f"test {D} --tls-destination x",
    f"nosuch {D} --postcopy-after-precopy",
    f"nosuch {D} --timeout abc",
    f"test {D} --timeout 5",
    f"test {D} --timeout 5 --offline",
    f"test {D} --timeout -1 --live",
    f"test {D} --timeout abc --live",
    f"test {D} --timeout 4294967296 --live",
    f"test {D} --timeout 0 --timeout-suspend",
    f"test {D} --timeout-suspend",
    f"test {D} --timeout 0 --live",
    # the worker's options, in its order
    f"test {D} --migrateuri ''",
    f"test {D} --graphicsuri '' --migrateuri ''",
    f"test {D} --listen-address ''",
    f"test {D} --disks-port abc --bandwidth abc",
    f"test {D} --disks-port 2147483648",
    f"test {D} --disks-uri ''",
    f"test {D} --dname ''",
    f"test {D} --migrate-disks ''",
    f"test {D} --comp-methods ''",
    f"test {D} --comp-mt-level 0x10",
    f"test {D} --comp-mt-threads 1k",
    f"test {D} --comp-mt-dthreads ''",
    f"test {D} --comp-xbzrle-cache -1",
    f"test {D} --comp-xbzrle-cache 18446744073709551616",
    f"test {D} --xml ''",
    f"test {D} --xml /nonexistent/file.xml --bandwidth abc",
    f"test {D} --persistent --persistent-xml /nonexistent/file.xml",
    f"test {D} --persistent --persistent-xml /",
    f"test {D} --auto-converge-initial abc",
    f"test {D} --auto-converge-increment 2147483648",
    f"test {D} --postcopy-bandwidth -1",
    f"test {D} --parallel-connections abc",
    f"test {D} --bandwidth 1k",
    f"test {D} --bandwidth -1",
    f"test {D} --tls --tls-destination ''",
    f"test {D} --copy-storage-synchronous-writes",
    f"test {D} --copy-storage-synchronous-writes --bandwidth x",
    f"test {D} --unknown",
]


@pytest.mark.parametrize("line", MIGRATE)
def test_migrate(line: str, generated_notes: list[str]) -> None:
    _same_migrate(["-c", DEFAULT, f"migrate {line}"], generated_notes)


def test_migrate_xml_files(tmp_path: Path, generated_notes: list[str]) -> None:
    xml = tmp_path / "dest.xml"
    xml.write_text("<domain type='test'><name>test</name></domain>\n")
    _same_migrate(["-c", DEFAULT, f"migrate test {D} --xml {xml}"], generated_notes)
    _same_migrate(
        ["-c", DEFAULT, f"migrate test {D} --persistent --persistent-xml {xml} --p2p"],
        generated_notes,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["-r", "-c", DEFAULT, f"migrate test {D}"],
        ["-r", "-c", DEFAULT, f"migrate test {D} --p2p"],
        ["-q", "-c", DEFAULT, f"migrate test {D} --verbose"],
        ["-k", "5", "-c", DEFAULT, f"migrate test {D}"],  # keepalive forced on the destination
        ["-d", "0", "-c", DEFAULT, f"migrate test {D} --live --timeout 3 --p2p"],
        ["-d", "0", "-c", DEFAULT, f"migrate test {D} --verbose"],
    ],
)
def test_migrate_global_options(args: list[str], generated_notes: list[str]) -> None:
    _same_migrate(args, generated_notes)


@pytest.mark.parametrize(
    "line",
    [
        ["migrate", ""],
        ["migrate", "te"],
        ["migrate", "test", "--tunn"],
        ["migrate", "--comp-methods", ""],
        ["migrate", "--comp-methods", "mt,"],
        ["migrate", "test", "--migrate-disks", ""],
        ["migrate", "--domain", "test", "--migrate-disks", "hda,"],
        ["migrate", "test", "test:///default", "--migrateuri", ""],
    ],
)
def test_migrate_completion(line: list[str]) -> None:
    """--comp-methods' methods and --migrate-disks' disk targets, comma-separated."""
    assert_same(["-c", DEFAULT, "complete", "--", *line], timeout=20)
