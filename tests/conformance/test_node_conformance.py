"""Differential tests: the host group's node memory, CPU map, SEV and suspend
commands (allocpages, freepages, node-memory-tune, nodecpumap, nodesevinfo,
nodesuspend) against virsh 9.0 on the test driver.

The test driver has a CPU map and made-up free page counts; it implements
neither page allocation, memory parameters, SEV nor suspend, so those are
checked on their option handling and error paths here (the real daemon's
answers are in tests/real/test_storage_node.py).
"""

from __future__ import annotations

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"

COMMANDS = [
    "allocpages",
    "freepages",
    "node-memory-tune",
    "nodecpumap",
    "nodesevinfo",
    "nodesuspend",
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


def test_help_group() -> None:
    assert_same(["-c", DEFAULT, "help host"])


CASES = [
    "nodecpumap",
    "nodecpumap --pretty",
    "nodecpumap x",
    "freepages",
    "freepages --all",
    "freepages --cellno 0 --pagesize 4",
    "freepages 0 4",
    "freepages 0 4K",
    "freepages 0 2M",
    "freepages 0 1G",
    "freepages 0 4097",
    "freepages 0 5G",
    "freepages 1 4",
    "freepages -1 4",
    "freepages -2 4",
    "freepages x 4",
    "freepages 0 x",
    "freepages 0",
    "freepages --pagesize 4",
    "freepages --cellno x",
    "freepages --all --pagesize 2M",
    "freepages --all --pagesize x",
    "freepages --all --cellno 0",
    "allocpages 4 10",
    "allocpages 4 10 --all",
    "allocpages 4 10 --cellno 0 --add",
    "allocpages 4 -1",
    "allocpages x 1",
    "allocpages 4 1 --cellno x",
    "allocpages 4 1 --cellno 0 --all",
    "allocpages 4T 1",
    "allocpages 5T 1",
    "allocpages 4",
    "node-memory-tune",
    "node-memory-tune --shm-pages-to-scan 5",
    "node-memory-tune --shm-pages-to-scan -5",
    "node-memory-tune --shm-sleep-millisecs x",
    "node-memory-tune --shm-merge-across-nodes 1 --shm-pages-to-scan 3",
    "node-memory-tune --shm-merge-across-nodes 4294967296",
    "nodesevinfo",
    "nodesuspend mem 60",
    "nodesuspend disk 0",
    "nodesuspend hybrid 9223372036854775807",
    "nodesuspend foo 60",
    "nodesuspend mem -1",
    "nodesuspend mem x",
    "nodesuspend foo x",
    "nodesuspend '' 60",
    "nodesuspend disk 9223372036854775808",
    "nodesuspend mem",
]


@pytest.mark.parametrize("script", CASES)
def test_node(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize("flag", ["-q", "-r"])
def test_quiet_and_readonly(flag: str) -> None:
    assert_same(
        [flag, "-c", DEFAULT, "nodecpumap; freepages --all; allocpages 4 1; nodesuspend mem 60"]
    )
