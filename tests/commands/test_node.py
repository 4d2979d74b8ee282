"""vsh.commands.node: the ``--json`` extension and the paths the test driver
cannot reach (it has no SEV, no page allocation, no memory parameters, no
suspend), on stand-in connections.

Byte-for-byte agreement with virsh is in tests/conformance/test_node_conformance.py
and, on a real daemon, tests/real/test_storage_node.py.
"""

from __future__ import annotations

import json
from typing import Any

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from tests.conformance.harness import run_vsh
from vsh.commands import node
from vsh.core.jsonshape import problems

DEFAULT = "test:///default"

CAPS = """<capabilities><host>
  <cpu><pages unit='KiB' size='4'/><pages unit='KiB' size='2048'/></cpu>
  <topology><cells num='2'>
    <cell id='0'><pages unit='KiB' size='4'>10</pages></cell>
    <cell id='1'><pages unit='KiB' size='4'>10</pages></cell>
  </cells></topology>
</host></capabilities>"""

CELL_PAGES_ONLY = """<capabilities><host><topology><cells num='2'>
  <cell id='0'><pages size='2048'/><pages size='4'/></cell>
  <cell id='1'><pages size='4'/><pages size='2048'/></cell>
</cells></topology></host></capabilities>"""


def _json(script: str) -> Any:
    outcome = run_vsh(["-c", DEFAULT, script])
    assert outcome.status == 0 and outcome.err == "", outcome
    return json.loads(outcome.out)


def test_nodecpumap_json() -> None:
    data = _json("nodecpumap --json")
    # virsh: "CPUs present: 8", "CPUs online: 3", "CPU map: y-y-y---"
    assert data == {"cpus_present": 8, "cpus_online": 3, "online": [0, 2, 4]}
    assert problems(node.NODECPUMAP_JSON, data) == []


def test_freepages_json() -> None:
    data = _json("freepages --all --json")
    # virsh --all: Node 0 and Node 1, each 4KiB: 19, 8KiB: 45, 2048KiB: 97, 1048576KiB: 201
    pages = [{"size_kib": s, "free": f} for s, f in ((4, 19), (8, 45), (2048, 97), (1048576, 201))]
    assert data == [{"cell": 0, "pages": pages}, {"cell": 1, "pages": pages}]
    assert problems(node.FREEPAGES_JSON, data) == []
    one = _json("freepages 0 2M --json")
    assert one == [{"cell": 0, "pages": [{"size_kib": 2048, "free": 19}]}]


def test_json_is_hidden_from_help() -> None:
    for name in ("freepages", "nodecpumap", "nodesevinfo", "node-memory-tune"):
        assert "--json" not in run_vsh(["help", name]).out


def test_page_sizes_from_cells_sorted_without_duplicates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[tuple[list[int], int]] = []

    def free(_conn: Any, sizes: list[int], cell: int, count: int) -> list[int]:
        asked.append((sizes, cell))
        return [7] * len(sizes)

    monkeypatch.setattr(node.typedcall, "node_free_pages", free)
    s = session_with(Fake(getCapabilities=CELL_PAGES_ONLY))
    assert run_script(s, "freepages --all")
    assert output(s) == ("Node 0:\n4KiB: 7\n2048KiB: 7\n\nNode 1:\n4KiB: 7\n2048KiB: 7\n\n\n", "")
    assert asked == [([4, 2048], 0), ([4, 2048], 1)]


def test_freepages_without_page_sizes() -> None:
    caps = "<capabilities><host><topology><cells/></topology></host></capabilities>"
    s = session_with(Fake(getCapabilities=caps))
    assert not run_script(s, "freepages --all")
    assert output(s)[1] == "error: could not get information about supported page sizes\n"


def test_allocpages_all_cells() -> None:
    conn = Fake(getCapabilities=CAPS, allocPages=0)
    s = session_with(conn)
    assert run_script(s, "allocpages 2M 16 --all --add")
    add = libvirt.VIR_NODE_ALLOC_PAGES_ADD
    assert conn.called("allocPages") == [({2048: 16}, 0, 1, add), ({2048: 16}, 1, 1, add)]
    assert output(s) == ("\n", "")  # the runner's end-of-command newline only


def test_allocpages_one_cell_or_any() -> None:
    conn = Fake(allocPages=0)
    s = session_with(conn)
    assert run_script(s, "allocpages 4 3; allocpages 4097b 1 --cellno 1")
    sets = libvirt.VIR_NODE_ALLOC_PAGES_SET
    assert conn.called("allocPages") == [({4: 3}, -1, 1, sets), ({5: 1}, 1, 1, sets)]


def test_allocpages_bad_cell_id() -> None:
    caps = (
        "<capabilities><host><topology><cells><cell id='x'/></cells></topology></host>"
        "</capabilities>"
    )
    s = session_with(Fake(getCapabilities=caps, allocPages=0))
    assert not run_script(s, "allocpages 4 1 --all")
    assert output(s)[1] == "error: conversion from string failed\n"


SEV = {"pdh": "AAAA", "cert-chain": "BBBB", "cbitpos": 47, "reduced-phys-bits": 1}


def test_nodesevinfo_text_and_json() -> None:
    s = session_with(Fake(getSEVInfo=SEV))
    assert run_script(s, "nodesevinfo")
    assert output(s)[0] == (
        "pdh               : AAAA\n"
        "cert-chain        : BBBB\n"
        "cbitpos           : 47\n"
        "reduced-phys-bits : 1\n\n"
    )
    s = session_with(Fake(getSEVInfo=SEV))
    assert run_script(s, "nodesevinfo --json")
    data = json.loads(output(s)[0])
    assert data == SEV and list(data) == list(SEV)
    assert problems(node.NODESEVINFO_JSON, data) == []


def test_nodesevinfo_failure() -> None:
    err = lv_error(libvirt.VIR_ERR_OPERATION_UNSUPPORTED, "SEV is not supported")
    s = session_with(Fake(getSEVInfo=err))
    assert not run_script(s, "nodesevinfo")
    assert output(s)[1] == (
        "error: Unable to get host SEV information\nerror: SEV is not supported\n"
    )


@pytest.mark.parametrize(("target", "index"), [("mem", 0), ("disk", 1), ("hybrid", 2)])
def test_nodesuspend_targets(target: str, index: int) -> None:
    # A stand-in connection: nothing is ever suspended.
    conn = Fake(suspendForDuration=0)
    s = session_with(conn)
    assert run_script(s, f"nodesuspend {target} 60")
    assert conn.called("suspendForDuration") == [(index, 60, 0)]


def test_nodesuspend_refused() -> None:
    err = lv_error(libvirt.VIR_ERR_OPERATION_INVALID, "Suspend-to-RAM")
    s = session_with(Fake(suspendForDuration=err))
    assert not run_script(s, "nodesuspend mem 60")
    assert output(s)[1] == "error: The host was not suspended\nerror: Suspend-to-RAM\n"


def test_nodesuspend_checks_before_calling() -> None:
    conn = Fake(suspendForDuration=0)
    s = session_with(conn)
    assert not run_script(s, "nodesuspend sleep 60")
    assert not run_script(s, "nodesuspend mem -60")
    assert conn.called("suspendForDuration") == []
    assert output(s)[1] == "error: Invalid target\nerror: Invalid duration\n"


def test_node_memory_tune_json_shape() -> None:
    document = {"shm_pages_to_scan": 100, "shm_sleep_millisecs": 20, "shm_full_scans": 3}
    assert problems(node.NODE_MEMORY_TUNE_JSON, document) == []


def test_completers() -> None:
    from vsh.commands.common import complete_cells

    s = session_with(Fake(getCapabilities=CAPS))
    # virshAllocpagesPagesizeCompleter: the CPU's page sizes, or the cell's with --cellno,
    # as vshPrettyCapacity's "%.0f%s"
    assert node.complete_pagesizes(s, 0, {}) == ["4KiB", "2MiB"]
    assert node.complete_pagesizes(s, 0, {"cellno": "1"}) == ["4KiB"]
    assert node.complete_pagesizes(s, 0, {"cellno": "9"}) == []
    assert complete_cells(s) == ["0", "1"]
    broken = session_with(Fake(getCapabilities=lv_error(libvirt.VIR_ERR_INTERNAL_ERROR)))
    assert node.complete_pagesizes(broken, 0, {}) == []
    assert complete_cells(broken) == []
