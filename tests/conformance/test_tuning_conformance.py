"""Differential tests: the typed-parameter tuning commands against virsh 9.0.

blkdeviotune, blkiotune, domiftune, memtune, numatune, perf
(vsh/commands/domain/tuning.py) on test:///default, whose driver implements
every get and set.  A set and the get showing its effect run as one script,
so the state of the test:/// connection carries over; each case is one
process pair.
"""

from __future__ import annotations

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"
MAC = "aa:bb:cc:dd:ee:ff"

TUNING = ("blkdeviotune", "blkiotune", "domiftune", "memtune", "numatune", "perf")
IOTHREADS = ("iothreadadd", "iothreaddel", "iothreadinfo", "iothreadpin", "iothreadset")


@pytest.mark.parametrize("name", TUNING + IOTHREADS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


CASES = [
    # memtune
    "memtune test; memtune test --config; memtune test --live",
    "memtune test --hard-limit 100 --swap-hard-limit 2G; memtune test",
    "memtune test --soft-limit 1025b --hard-limit -1; memtune test --current",
    "memtune test --hard-limit 1M --swap-hard-limit 1k",
    "memtune test --min-guarantee 10",
    "memtune test --hard-limit abc",
    "memtune test --hard-limit ''",
    "memtune test --hard-limit 1x",
    "memtune test --hard-limit 99999999999999999999",
    "memtune test --hard-limit 9999999999999999E",
    "memtune test --hard-limit ' -5x'; memtune test",
    "memtune test 5 6",
    "memtune nosuch",
    "memtune test --live --current",
    "memtune test --config --current --hard-limit 1",
    # blkiotune
    "blkiotune test; blkiotune test --config",
    "blkiotune test --weight 500 --device-weights /dev/sda,100; blkiotune test",
    "blkiotune test --device-read-iops-sec /dev/sda,10 --device-write-iops-sec /dev/sda,20"
    " --device-read-bytes-sec /dev/sda,30 --device-write-bytes-sec /dev/sda,40; blkiotune test",
    "blkiotune test --weight 0",
    "blkiotune test --weight -1",
    "blkiotune test --weight abc",
    "blkiotune test --weight 2147483648",
    "blkiotune test --device-weights ''",
    "blkiotune test --device-weights bogus",
    "blkiotune nosuch --weight 1",
    "blkiotune test --live --current",
    # numatune
    "numatune test; numatune test --config",
    "numatune test --nodeset 0; numatune test",
    "numatune test --mode interleave --nodeset 0; numatune test",
    "numatune test --mode 0x1 --nodeset 0-1; numatune test",
    "numatune test --mode 7",
    "numatune test --mode -1",
    "numatune test --mode bogus",
    "numatune test --mode ''",
    "numatune test --nodeset ''",
    "numatune test --nodeset x",
    "numatune nosuch",
    # blkdeviotune
    "blkdeviotune test vda; blkdeviotune test vda --config",
    "blkdeviotune test vda --total-bytes-sec-max 20k --total-bytes-sec 10k --group-name g;"
    " blkdeviotune test vda",
    "blkdeviotune test vda --read-iops-sec 5 --write_iops_sec 6 --size-iops-sec 7"
    " --read-bytes-sec-max-length 1; blkdeviotune test vda",
    "blkdeviotune test vda --total-bytes-sec 10k",
    "blkdeviotune test vdb --total-bytes-sec 10",
    "blkdeviotune test vdb",
    "blkdeviotune test vda --total-bytes-sec abc",
    "blkdeviotune test vda --total-bytes-sec 1x",
    "blkdeviotune test vda --total-bytes-sec 99999999999E",
    "blkdeviotune test vda --total-iops-sec -1",
    "blkdeviotune test vda --total-iops-sec abc",
    "blkdeviotune test vda --total-iops-sec 18446744073709551616",
    "blkdeviotune test vda --group-name ''",
    "blkdeviotune test ''",
    "blkdeviotune test",
    "blkdeviotune nosuch vda",
    # domiftune
    f"domiftune test {MAC}; domiftune test {MAC} --config",
    f"domiftune test {MAC} --inbound 100,200,300; domiftune test {MAC}",
    f"domiftune test {MAC} --inbound 100,,,50 --outbound 10,20; domiftune test {MAC}",
    f"domiftune test {MAC} --inbound 0,,,5; domiftune test {MAC}",
    f"domiftune test {MAC} --inbound 1,2,3,4,5",
    f"domiftune test {MAC} --outbound 1,,,4",
    f"domiftune test {MAC} --outbound 0,4",
    f"domiftune test {MAC} --inbound 99999999999",
    f"domiftune test {MAC} --inbound 0,1",
    f"domiftune test {MAC} --inbound x",
    f"domiftune test {MAC} --inbound ''",
    "domiftune test zz --inbound 100",
    "domiftune test zz",
    "domiftune test",
    # perf
    "perf test; perf test --config",
    "perf test --enable cmt,,mbmt --disable cpu_clock; perf test",
    "perf test --enable cmt --disable cmt",
    "perf test --enable cmt,foo",
    "perf test --enable ''",
    "perf nosuch --enable ''",
    "perf nosuch",
    "perf test --live --current",
    # iothreads (vsh/commands/domain/iothreads.py)
    "iothreadinfo test; iothreadadd test 3; iothreadadd test 5 --config; iothreadinfo test;"
    " iothreadinfo test --config; iothreadpin test 3 0; iothreadinfo test;"
    " iothreadpin test 3 r --config; iothreadinfo test --config",
    "iothreadadd test 3; iothreadset test 3 --poll-max-ns 100 --poll-grow 2 --poll-shrink 3"
    " --thread-pool-min 1 --thread-pool-max 4; iothreaddel test 3; iothreadinfo test",
    "iothreadadd test 2; iothreadadd test 2",
    "iothreadadd test 0",
    "iothreadadd test -1",
    "iothreadadd test abc",
    "iothreadadd test 2147483648",
    "iothreadadd test",
    "iothreadadd nosuch 1",
    "iothreadadd test 1 --live --current",
    "iothreaddel test 7",
    "iothreaddel test 0",
    "iothreaddel test x",
    "iothreadpin test 9 0",
    "iothreadpin test -1 0",
    "iothreadpin test abc 0",
    "iothreadadd test 1; iothreadpin test 1 x",
    "iothreadadd test 1; iothreadpin test 1 5000",
    "iothreadadd test 1; iothreadpin test 1 1000",
    "iothreadadd test 1; iothreadpin test 1 ^0",
    "iothreadadd test 1; iothreadpin test 1 ''",
    "iothreadpin test 1",
    "iothreadset test 1",
    "iothreadset test 0 --poll-grow 1",
    "iothreadset test 1 --poll-max-ns -1",
    "iothreadset test 1 --poll-grow -1",
    "iothreadset test 1 --thread-pool-min abc",
    "iothreadset test 9 --poll-grow 1",
    "iothreadinfo nosuch",
    "iothreadinfo test --live --config",
]


@pytest.mark.parametrize("script", CASES)
def test_default(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_quiet() -> None:
    assert_same(["-q", "-c", DEFAULT, "perf test --enable cmt; perf test; iothreadinfo test"])
    assert_same(["-q", "-c", DEFAULT, "iothreadadd test 1; iothreadinfo test"])


def test_readonly() -> None:
    assert_same(
        [
            "-r",
            "-c",
            DEFAULT,
            "memtune test --hard-limit 1; blkiotune test --weight 1; numatune test --nodeset 0;"
            f" blkdeviotune test vda --total-iops-sec 1; domiftune test {MAC} --inbound 1;"
            " perf test --enable cmt; memtune test; iothreadadd test 1; iothreaddel test 1;"
            " iothreadpin test 1 0; iothreadset test 1 --poll-grow 1; iothreadinfo test",
        ]
    )


def test_inactive() -> None:
    assert_same(
        [
            "-c",
            DEFAULT,
            "destroy test; memtune test --live; blkiotune test --live; numatune test --live;"
            f" blkdeviotune test vda --live; domiftune test {MAC} --live; perf test --live;"
            " memtune test --hard-limit 1 --live; perf test --enable cmt --live;"
            " iothreadinfo test --live; iothreadadd test 2 --live; iothreadinfo test",
        ]
    )
