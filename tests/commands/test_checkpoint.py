"""Unit tests of the checkpoint commands against a simulated server.

VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL is bit 1<<1 (not the snapshot 1<<10);
a server that rejects it still gets ``--topological`` from vsh, computed
client-side with siblings in server order.
"""

from __future__ import annotations

import io
import json

import click
import libvirt
import pytest

from tests.commands.snapfakes import lverr
from tests.conformance.harness import run_vsh
from vsh.commands import checkpoint
from vsh.core.errors import VshError
from vsh.core.session import Session, Settings
from vsh.virt import lookup

TOPO = libvirt.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL
PARENTS = {"c3": "c1", "c2": "c3", "c1": None, "b": "c1", "z": None}


class FakeCheckpoint:
    def __init__(self, dom: FakeDomain, name: str) -> None:
        self.dom, self.name = dom, name

    def getName(self) -> str:
        return self.name

    def getParent(self, flags: int = 0) -> FakeCheckpoint:
        parent = self.dom.parents[self.name]
        if parent is None:
            raise lverr(libvirt.VIR_ERR_NO_DOMAIN_CHECKPOINT, "no parent")
        return FakeCheckpoint(self.dom, parent)

    def listAllChildren(self, flags: int = 0) -> list[FakeCheckpoint]:
        self.dom.check(flags)
        kids = [n for n, p in self.dom.parents.items() if p == self.name]
        if flags & libvirt.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS:
            out, stack = [], list(reversed(kids))
            while stack:
                n = stack.pop()
                out.append(n)
                stack.extend(reversed([k for k, p in self.dom.parents.items() if p == n]))
            kids = out
        return [FakeCheckpoint(self.dom, n) for n in kids]

    def getXMLDesc(self, flags: int = 0) -> str:
        parent = self.dom.parents[self.name]
        p = f"<parent><name>{parent}</name></parent>" if parent else ""
        return (
            f"<domaincheckpoint><name>{self.name}</name>{p}"
            "<creationTime>1700000000</creationTime></domaincheckpoint>"
        )


class FakeDomain:
    def __init__(self, topological: bool) -> None:
        self.parents = dict(PARENTS)
        self.topological = topological
        self.calls: list[int] = []

    def check(self, flags: int) -> None:
        self.calls.append(flags)
        if flags & TOPO and not self.topological:
            raise lverr(libvirt.VIR_ERR_INVALID_ARG, f"unsupported flags (0x{flags:x})")

    def listAllCheckpoints(self, flags: int = 0) -> list[FakeCheckpoint]:
        self.check(flags)
        names = list(self.parents)
        if flags & libvirt.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS:
            names = [n for n in names if self.parents[n] is None]
        return [FakeCheckpoint(self, n) for n in names]

    def checkpointLookupByName(self, name: str, flags: int = 0) -> FakeCheckpoint:
        return FakeCheckpoint(self, name)

    def name(self) -> str:
        return "fake"


def run(monkeypatch: pytest.MonkeyPatch, dom: FakeDomain, **opts: object) -> tuple[bool, str, str]:
    monkeypatch.setattr(lookup, "domain", lambda s, name, *a, **k: dom)
    s = Session(Settings(), out=io.StringIO(), err=io.StringIO())
    cmd = checkpoint.checkpoint_list
    params = {p.name: (False if p.is_flag else None) for p in cmd.params}
    params.update(opts)
    try:
        # inside the command's Click context, as the runner calls it (option_flags)
        with click.Context(cmd, info_name=cmd.name, obj=s) as ctx:
            ctx.params.update(params)
            ok = cmd.callback(s, **params)
    except VshError as exc:
        for m in exc.messages:
            s.error(m)
        ok = False
    return ok is not False, s.out.getvalue(), s.err.getvalue()


def test_topological_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    dom = FakeDomain(topological=False)
    ok, out, err = run(monkeypatch, dom, name=True, topological=True)
    assert ok and err == ""
    assert out.split() == ["c1", "c3", "c2", "b", "z"]
    assert dom.calls[:2] == [TOPO, 0]
    ok, out, _ = run(monkeypatch, dom, tree=True, topological=True)
    assert out == "c1\n  |\n  +- c3\n  |   |\n  |   +- c2\n  |     \n  +- b\n    \nz\n\n"


def test_topological_fallback_from_descendants(monkeypatch: pytest.MonkeyPatch) -> None:
    dom = FakeDomain(topological=False)
    ok, out, _ = run(
        monkeypatch, dom, name=True, topological=True, descendants=True, **{"from": "c1"}
    )
    assert ok and out.split() == ["c3", "c2", "b"]


def test_topological_accepted_is_verbatim(monkeypatch: pytest.MonkeyPatch) -> None:
    dom = FakeDomain(topological=True)
    _, out, _ = run(monkeypatch, dom, name=True, topological=True)
    assert out.split() == list(PARENTS)  # the (fake) server's own order
    assert dom.calls == [TOPO]


def test_name_order(monkeypatch: pytest.MonkeyPatch) -> None:
    _, out, _ = run(monkeypatch, FakeDomain(topological=True), name=True)
    assert out.split() == ["b", "c1", "c2", "c3", "z"]


def test_listing_error_wording(monkeypatch: pytest.MonkeyPatch) -> None:
    dom = FakeDomain(topological=True)

    def broken(flags: int = 0) -> list[FakeCheckpoint]:
        raise lverr(libvirt.VIR_ERR_RPC, "connection lost")

    dom.listAllCheckpoints = broken  # type: ignore[method-assign]
    monkeypatch.setattr(lookup, "domain", lambda s, name, *a, **k: dom)
    s = Session(Settings(), out=io.StringIO(), err=io.StringIO())
    with pytest.raises(VshError) as exc:
        checkpoint.collect(s, dom, None, 0, False)
    assert exc.value.messages == ["unexpected problem querying checkpoints"]
    assert exc.value.cause.get_error_message() == "connection lost"


# ---------------------------------------------------------------------------
# --json, end to end on test:///default

SCENARIO = (
    "checkpoint-create-as test c1 'd <1>'; checkpoint-create-as test c3; "
    "checkpoint-create-as test c2; "
)


def _json(script: str) -> object:
    outcome = run_vsh(["-q", "-c", "test:///default", SCENARIO + script])
    assert outcome.status == 0 and outcome.err == "", outcome
    return json.loads(outcome.out)


def test_checkpoint_list_json() -> None:
    items = _json("checkpoint-list test --json")
    assert [i["name"] for i in items] == ["c1", "c2", "c3"]
    assert list(items[0]) == [
        "name",
        "parent",
        "creation_time",
        "children",
        "descendants",
        "description",
    ]
    assert items[0]["parent"] is None and items[0]["description"] == "d <1>"
    assert (items[0]["children"], items[0]["descendants"]) == (1, 2)
    assert items[1]["parent"] == "c3" and items[2]["parent"] == "c1"
    assert items[0]["creation_time"].endswith("+00:00")
    items = _json("checkpoint-list test --topological --json")
    assert [i["name"] for i in items] == ["c1", "c3", "c2"]


def test_checkpoint_info_json() -> None:
    info = _json("checkpoint-info test c3 --json")
    assert info["name"] == "c3" and info["domain"] == "test"
    assert info["parent"] == "c1" and info["children"] == 1 and info["descendants"] == 1
