"""Every ``--json`` document matches the shape its command declares.

Each case runs vsh (no oracle: ``--json`` is a vsh extension) on libvirt's
test driver and checks the printed document with
:func:`vsh.core.jsonshape.problems`: types, required keys, no undeclared
keys.  Commands the test driver does not support (nodememstats,
net-dhcp-leases, secret-list, nwfilter-list, nodedev-list) cannot run here;
their declarations are still checked to exist.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conformance.harness import VSH, run
from vsh.core import registry as table
from vsh.core.jsonshape import problems

DEFAULT = "test:///default"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NODE = f"test://{FIXTURES / 'domains' / 'node.xml'}"
TESTNODE = f"test://{FIXTURES / 'testnode' / 'testnode.xml'}"

SNAPS = "snapshot-create-as test s1; snapshot-create-as test s2 --description two"
CHECKPOINTS = "checkpoint-create-as test c1; checkpoint-create-as test c2"
VOLUME = "vol-create-as default-pool v1 1M"
# @DIR@ is a scratch directory: snapshot-export and snapshot-redefine need files
BUNDLE = f"{SNAPS}; snapshot-export test @DIR@/test.snapshots.xml"

# (uri, setup commands, the --json command line, may the array be empty)
CASES: list[tuple[str, str, str, bool]] = [
    (DEFAULT, "", "list --all", False),
    (NODE, "", "list --all --title", False),
    (NODE, "", "list --all --managed-save", False),
    (DEFAULT, "", "dominfo test", False),
    (TESTNODE, "", "dominfo fc4", False),
    (DEFAULT, "", "domstate test", False),
    (DEFAULT, "", "domblklist test", False),
    (DEFAULT, "", "domiflist test", False),
    (DEFAULT, "", "domblkinfo test vda", False),
    (DEFAULT, "", "domblkinfo test --all", False),
    (DEFAULT, "", "domblkstat test vda", False),
    (DEFAULT, "", "domifstat test testnet0", False),
    (DEFAULT, "", "domif-getlink test testnet0", False),
    (DEFAULT, "", "dommemstat test", False),
    (DEFAULT, "", "domcontrol test", False),
    (DEFAULT, "", "domblkerror test", False),
    (DEFAULT, "", "domtime test", False),
    (DEFAULT, "", "domifaddr test", False),
    (DEFAULT, "", "domstats", False),
    (NODE, "", "domstats --list-inactive", False),
    (DEFAULT, "", "schedinfo test", False),
    (DEFAULT, "", "vcpucount test", False),
    (DEFAULT, "", "vcpucount test --maximum", False),
    (DEFAULT, "", "vcpuinfo test", False),
    (DEFAULT, "memtune test --hard-limit 1G", "memtune test", False),
    (DEFAULT, "", "blkiotune test", False),
    (DEFAULT, "", "numatune test", False),
    (DEFAULT, "", "blkdeviotune test vda", False),
    (DEFAULT, "", "domiftune test testnet0", False),
    (DEFAULT, "", "perf test", False),
    (DEFAULT, "iothreadadd test 2", "iothreadinfo test", False),
    (DEFAULT, "emulatorpin test 1-2 --config", "emulatorpin test --config", False),
    (DEFAULT, "", "emulatorpin test", False),
    (DEFAULT, "", "version", False),
    (DEFAULT, "", "version --daemon", False),
    (DEFAULT, "", "nodeinfo", False),
    (DEFAULT, "", "freecell", False),
    (DEFAULT, "", "freecell --all", False),
    (DEFAULT, "", "nodecpustats", False),
    (DEFAULT, "", "nodecpustats --percent", False),
    (DEFAULT, "", "maxvcpus", False),
    (DEFAULT, "", "cpu-models x86_64", False),
    (DEFAULT, "", "net-list --all", False),
    (TESTNODE, "", "net-list --all", False),
    (DEFAULT, "", "net-info default", False),
    (DEFAULT, "", "pool-list --all", False),
    (DEFAULT, "", "pool-info default-pool", False),
    (DEFAULT, VOLUME, "vol-list default-pool", False),
    (DEFAULT, VOLUME, "vol-info v1 --pool default-pool", False),
    (DEFAULT, "", "iface-list --all", False),
    (DEFAULT, "", "nodedev-info computer", False),
    (DEFAULT, "", "nodedev-info scsi_host1", False),
    (DEFAULT, SNAPS, "snapshot-list test", False),
    (DEFAULT, SNAPS, "snapshot-list test --tree", False),
    (DEFAULT, SNAPS, "snapshot-info test s2", False),
    (DEFAULT, CHECKPOINTS, "checkpoint-list test", False),
    (DEFAULT, CHECKPOINTS, "checkpoint-info test c2", False),
    (DEFAULT, SNAPS, "snapshot-export test @DIR@/out.xml", False),
    (DEFAULT, SNAPS, "snapshot-export --all @DIR@/all", False),
    (DEFAULT, BUNDLE, "snapshot-redefine test @DIR@/test.snapshots.xml --skip-existing", False),
    (
        DEFAULT,
        BUNDLE,
        "snapshot-redefine test @DIR@/test.snapshots.xml --skip-existing --dry-run",
        False,
    ),
    (DEFAULT, BUNDLE, "snapshot-redefine --all @DIR@ --skip-existing --dry-run", False),
    (DEFAULT, BUNDLE, "snapshot-redefine --all @DIR@ --skip-existing", False),
    (DEFAULT, SNAPS, "snapshot-restore s1 test", False),
    (DEFAULT, SNAPS, "snapshot-restore s1 --all --dry-run", False),
    (DEFAULT, SNAPS, "snapshot-rotate test --label n --keep-last 2", False),
    (
        DEFAULT,
        "snapshot-create-as test old --description 'vsh-rotate: label=n'",
        "snapshot-rotate --all --label n --keep-daily 1 --dry-run",
        False,
    ),
    (DEFAULT, "", "domfsinfo test", False),
    (DEFAULT, "", "nodecpumap", False),
    (DEFAULT, "", "freepages --all", False),
    (DEFAULT, "", "freepages 0 2M", False),
]

RUN_HERE = {line.split()[0] for _uri, _setup, line, _empty in CASES}
NOT_ON_TEST_DRIVER = {
    "nodememstats",
    "net-dhcp-leases",
    "net-port-list",  # checked in tests/real/test_network.py
    "secret-list",
    "nwfilter-list",
    "nwfilter-binding-list",
    "nodedev-list",
    "guestinfo",
    "guestvcpus",
    "domjobinfo",
    "migrate-getmaxdowntime",
    "migrate-compcache",
    "migrate-getspeed",
    "node-memory-tune",
    "nodesevinfo",
}


def _json_commands() -> list[str]:
    names = []
    for name in table.entries():
        cmd = table.get_command(name)
        if cmd is not None and cmd.option("json") is not None:
            names.append(name)
    return names


def test_every_json_option_has_a_declaration() -> None:
    names = _json_commands()
    assert len(names) >= 43
    missing = [n for n in names if table.get_command(n).json_shape is None]  # type: ignore[union-attr]
    assert missing == []


def test_only_json_commands_declare_a_shape() -> None:
    declared = [
        name
        for name in table.entries()
        if (cmd := table.get_command(name)) is not None and cmd.json_shape is not None
    ]
    assert sorted(declared) == sorted(_json_commands())


def test_every_json_command_is_run_here_or_known_unsupported() -> None:
    assert set(_json_commands()) == RUN_HERE | NOT_ON_TEST_DRIVER
    assert not RUN_HERE & NOT_ON_TEST_DRIVER


@pytest.mark.parametrize(("uri", "setup", "line", "may_be_empty"), CASES)
def test_document_matches_its_shape(
    uri: str, setup: str, line: str, may_be_empty: bool, tmp_path: Path
) -> None:
    script = f"{setup}; {line} --json" if setup else f"{line} --json"
    out = run(VSH, ["-q", "-c", uri, script.replace("@DIR@", str(tmp_path))])
    assert (out.status, out.err) == (0, ""), out.err
    document = json.loads(out.out)
    cmd = table.get_command(line.split()[0])
    assert cmd is not None and cmd.json_shape is not None
    assert problems(cmd.json_shape, document) == []
    if isinstance(document, list) and not may_be_empty:
        assert document, "an empty array proves little: give the case some data"
