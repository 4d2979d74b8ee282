"""Unit tests of the snapshot commands against simulated servers.

The fakes (tests/commands/snapfakes.py) play servers virsh 9.0 can meet but
the test driver cannot show: one that rejects VIR_DOMAIN_SNAPSHOT_LIST_
TOPOLOGICAL (libvirt < 5.2, where vsh computes the order itself), one
without the status/location filters, one with only the pre-0.9.13 APIs.
Expected results follow virsh-snapshot.c and libvirt's listing semantics.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import click
import libvirt
import pytest

from tests.commands.snapfakes import TOPO, FakeDomain, lverr
from tests.conformance.harness import run_vsh
from vsh.commands import snapshot
from vsh.core.errors import VshError
from vsh.core.session import Session, Settings
from vsh.snapshots import moments
from vsh.virt import lookup

# Server order deliberately not parents-first; siblings b2 before b1.
PARENTS = {
    "g1": "b1",
    "b2": "root",
    "root": None,
    "b1": "root",
    "g2": "b2",
    "other": None,
    "gg": "g1",
}
TOPO_ORDER = ["root", "b2", "g2", "b1", "g1", "gg", "other"]  # stable parents-first


def session() -> Session:
    return Session(Settings(), out=io.StringIO(), err=io.StringIO())


def names(entries: list[moments.Entry]) -> list[str]:
    return [e.name for e in entries]


def run(
    monkeypatch: pytest.MonkeyPatch, dom: FakeDomain, cmd, **opts: object
) -> tuple[bool, str, str]:
    """Call a command's callback with ``dom`` as the looked-up domain."""
    monkeypatch.setattr(lookup, "domain", lambda s, name, *a, **k: dom)
    s = session()
    params = {p.name: (False if p.is_flag else (() if p.multiple else None)) for p in cmd.params}
    params.update({k.replace("-", "_"): v for k, v in opts.items()})
    try:
        # inside the command's Click context, as the runner calls it (option_flags)
        with click.Context(cmd, info_name=cmd.name, obj=s) as ctx:
            ctx.params.update(params)
            ok = cmd.callback(s, **params)
    except VshError as exc:
        for m in exc.messages:
            s.error(m)
        if exc.cause is not None:
            s.error(exc.cause.get_error_message())
        ok = False
    return ok is not False, s.out.getvalue(), s.err.getvalue()


def is_parents_first(order: list[str], parents: dict[str, str | None]) -> bool:
    pos = {n: i for i, n in enumerate(order)}
    return all(parents[n] not in pos or pos[parents[n]] < pos[n] for n in order)


# ---------------------------------------------------------------------------
# --topological on a server that rejects the flag


def test_topological_fallback_whole_list() -> None:
    dom = FakeDomain(PARENTS, topological=False)
    got = snapshot.collect(session(), dom, None, TOPO, tree=False)
    assert names(got) == TOPO_ORDER
    assert is_parents_first(names(got), PARENTS)
    # The flag was tried first, then the plain listing.
    lists = [f for c, f in dom.calls if c == "virDomainListAllSnapshots"]
    assert lists == [TOPO, 0]


def test_topological_accepted_keeps_server_order() -> None:
    dom = FakeDomain(PARENTS, topological=True)
    got = snapshot.collect(session(), dom, None, TOPO, tree=False)
    assert names(got) == dom.all_names(TOPO)  # verbatim, no client-side work
    assert not [c for c in dom.calls if c[0] == "getParent"]


def test_topological_fallback_from_descendants() -> None:
    dom = FakeDomain(PARENTS, topological=False)
    start = dom.snapshotLookupByName("root")
    flags = TOPO | libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS
    got = snapshot.collect(session(), dom, start, flags, tree=False)
    assert names(got) == ["b2", "g2", "b1", "g1", "gg"]


def test_topological_fallback_keeps_filters() -> None:
    dom = FakeDomain(PARENTS, topological=False)
    got = snapshot.collect(
        session(), dom, None, TOPO | libvirt.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES, False
    )
    assert names(got) == ["g2", "other", "gg"]  # all roots here: server order


def test_topological_fallback_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    dom = FakeDomain(PARENTS, topological=False)
    ok, out, err = run(monkeypatch, dom, snapshot.snapshot_list, topological=True, name=True)
    assert ok and err == ""
    assert out == "".join(n + "\n" for n in TOPO_ORDER)
    ok, out, err = run(monkeypatch, dom, snapshot.snapshot_list, topological=True, tree=True)
    assert ok and err == ""
    assert out == (
        "root\n  |\n  +- b2\n  |   |\n  |   +- g2\n  |     \n  +- b1\n      |\n"
        "      +- g1\n          |\n          +- gg\n            \n"
        "other\n\n"
    )
    ok, out, _ = run(
        monkeypatch, dom, snapshot.snapshot_list, topological=True, tree=True, **{"from": "b1"}
    )
    assert ok and out == "b1\n  |\n  +- g1\n    \n"


def test_topological_fallback_large_chain_no_recursion() -> None:
    import sys

    n = 5000
    parents = {f"s{i}": (f"s{i - 1}" if i else None) for i in reversed(range(n))}
    dom = FakeDomain(parents, topological=False)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(300)
    try:
        got = snapshot.collect(session(), dom, None, TOPO, tree=False)
    finally:
        sys.setrecursionlimit(limit)
    assert names(got) == [f"s{i}" for i in range(n)]


# ---------------------------------------------------------------------------
# Plain listings: virsh's name order and tree


def test_name_order_and_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    dom = FakeDomain(PARENTS)
    ok, out, _ = run(monkeypatch, dom, snapshot.snapshot_list, name=True)
    assert ok
    assert out == "b1\nb2\ng1\ng2\ngg\nother\nroot\n"
    _, out, _ = run(monkeypatch, dom, snapshot.snapshot_list, tree=True)
    assert out.startswith("other\n\nroot\n  |\n  +- b1\n")


def test_tree_from_without_descendants_shows_children_only(monkeypatch: pytest.MonkeyPatch) -> None:
    dom = FakeDomain(PARENTS)
    _, out, _ = run(monkeypatch, dom, snapshot.snapshot_list, tree=True, **{"from": "root"})
    assert out == "root\n  |\n  +- b1\n  +- b2\n    \n"


# ---------------------------------------------------------------------------
# Old servers (virshSnapshotListCollect's fallbacks)


@pytest.fixture(params=["modern", "no-filters", "old-0.9.7", "old-0.8"])
def server(request: pytest.FixtureRequest) -> Iterator[FakeDomain]:
    states = {"b1": "shutoff", "g2": "disk-snapshot"}
    kind = request.param
    yield FakeDomain(
        PARENTS,
        states=states,
        filters=kind == "modern",
        modern=kind in ("modern", "no-filters"),
        has_child_names=kind != "old-0.8",
        has_get_parent=kind != "old-0.8",
        roots_flag=kind != "old-0.8",
        current="b1",
    )


@pytest.mark.parametrize(
    ("opts", "expected"),
    [
        ({}, ["b1", "b2", "g1", "g2", "gg", "other", "root"]),
        ({"roots": True}, ["other", "root"]),
        ({"from": "root"}, ["b1", "b2"]),
        ({"from": "root", "descendants": True}, ["b1", "b2", "g1", "g2", "gg"]),
        ({"current": True, "descendants": True}, ["g1", "gg"]),
        ({"inactive": True}, ["b1"]),
        ({"active": True, "internal": True}, ["b2", "g1", "gg", "other", "root"]),
        ({"disk-only": True}, ["g2"]),
        ({"external": True}, ["g2"]),
        ({"topological": True, "from": "root", "descendants": True}, None),
    ],
)
def test_old_servers_list_the_same(
    monkeypatch: pytest.MonkeyPatch, server: FakeDomain, opts: dict, expected: list[str] | None
) -> None:
    ok, out, err = run(monkeypatch, server, snapshot.snapshot_list, name=True, **opts)
    assert ok, err
    got = out.split()
    if expected is None:
        assert sorted(got) == ["b1", "b2", "g1", "g2", "gg"]
        assert is_parents_first(got, PARENTS)
    else:
        assert got == expected


def test_old_servers_tree(monkeypatch: pytest.MonkeyPatch, server: FakeDomain) -> None:
    ok, out, _ = run(monkeypatch, server, snapshot.snapshot_list, tree=True)
    modern = FakeDomain(PARENTS)
    ok2, expected, _ = run(monkeypatch, modern, snapshot.snapshot_list, tree=True)
    assert ok and ok2 and out == expected
    ok, out, _ = run(monkeypatch, server, snapshot.snapshot_list, tree=True, **{"from": "b2"})
    assert out == "b2\n  |\n  +- g2\n    \n"


def test_old_server_parent_from_xml(monkeypatch: pytest.MonkeyPatch) -> None:
    dom = FakeDomain(PARENTS, has_get_parent=False)
    s = session()
    snap = dom.snapshotLookupByName("g1")
    assert snapshot.parent_name(s, snap) == "b1"
    assert s.connection.features[snapshot.OLD_API]
    ok, out, _ = run(monkeypatch, dom, snapshot.snapshot_parent, snapshotname="gg")
    assert ok and out == "g1"


def test_no_metadata_emulation_on_old_server() -> None:
    dom = FakeDomain(PARENTS, modern=False)
    got = snapshot.collect(
        session(), dom, None, libvirt.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA, False
    )
    assert got == []


# ---------------------------------------------------------------------------
# create / revert fallbacks


class CreatingDomain(FakeDomain):
    def __init__(self, reject: int, code: int, **kw: object) -> None:
        super().__init__({}, **kw)
        self.reject = reject
        self.code = code
        self.created: list[int] = []

    def snapshotCreateXML(self, xml: str, flags: int = 0):
        self.created.append(flags)
        if flags & self.reject:
            raise lverr(self.code, f"unsupported flags (0x{flags & self.reject:x})")
        self.parents["made"] = None
        return self.snapshotLookupByName("made")


def test_halt_emulated_when_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    halt = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT
    dom = CreatingDomain(halt, libvirt.VIR_ERR_INVALID_ARG)
    ok, out, err = run(monkeypatch, dom, snapshot.snapshot_create_as, halt=True)
    assert ok and out == "Domain snapshot made created" and err == ""
    assert dom.created == [halt, 0]
    assert ("destroy", None) in dom.calls
    dom = CreatingDomain(halt, libvirt.VIR_ERR_INVALID_ARG)
    dom.persistent = False
    ok, out, err = run(monkeypatch, dom, snapshot.snapshot_create_as, halt=True)
    assert not ok and err == "error: cannot halt after snapshot of transient domain\n"
    assert dom.created == [halt]


def test_validate_retried_only_without_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    validate = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE
    dom = CreatingDomain(validate, libvirt.VIR_ERR_NO_SUPPORT)
    ok, _, _ = run(monkeypatch, dom, snapshot.snapshot_create, validate=True)
    assert ok and dom.created == [validate, 0]
    xml = tmp_path / "s.xml"
    xml.write_text("<domainsnapshot/>")
    dom = CreatingDomain(validate, libvirt.VIR_ERR_NO_SUPPORT)
    ok, _, err = run(monkeypatch, dom, snapshot.snapshot_create, validate=True, xmlfile=str(xml))
    assert not ok and dom.created == [validate] and "unsupported flags" in err


class RevertingDomain(FakeDomain):
    def __init__(self, risky: bool) -> None:
        super().__init__({"s": None})
        self.risky = risky
        self.reverts: list[int] = []

    def revertToSnapshot(self, snap, flags: int = 0) -> int:
        self.reverts.append(flags)
        if self.risky and not flags & libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE:
            raise lverr(libvirt.VIR_ERR_SNAPSHOT_REVERT_RISKY, "revert requires force")
        return 0


def test_revert_force_only_after_risky(monkeypatch: pytest.MonkeyPatch) -> None:
    force = libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE
    dom = RevertingDomain(risky=False)
    ok, out, _ = run(monkeypatch, dom, snapshot.snapshot_revert, snapshotname="s", force=True)
    assert ok and dom.reverts == [0] and out == "Domain snapshot s reverted\n"
    dom = RevertingDomain(risky=True)
    ok, _, _ = run(monkeypatch, dom, snapshot.snapshot_revert, snapshotname="s", force=True)
    assert ok and dom.reverts == [0, force]
    dom = RevertingDomain(risky=True)
    ok, _, err = run(monkeypatch, dom, snapshot.snapshot_revert, snapshotname="s")
    assert not ok and dom.reverts == [0]
    assert err == "error: Failed to revert snapshot s\nerror: revert requires force\n"


# ---------------------------------------------------------------------------
# --json (vsh extension), end to end on test:///default

SCENARIO = (
    "snapshot-create-as test s1 'first <one>'; snapshot-create-as test s2; "
    "snapshot-revert test s1; snapshot-create-as test s3; "
)


def _json(script: str) -> object:
    outcome = run_vsh(["-q", "-c", "test:///default", script], env={"TZ": "Asia/Kolkata"})
    assert outcome.status == 0 and outcome.err == "", outcome
    return json.loads(outcome.out)


def test_snapshot_list_json() -> None:
    items = _json(SCENARIO + "snapshot-list test --json")
    assert [i["name"] for i in items] == ["s1", "s2", "s3"]
    first = items[0]
    assert list(first) == [
        "name", "parent", "current", "state", "location", "creation_time",
        "children", "descendants", "metadata", "description",
    ]  # fmt: skip
    assert first["parent"] is None and first["description"] == "first <one>"
    assert (first["children"], first["descendants"]) == (2, 2)
    assert first["state"] == "running" and first["location"] == "internal"
    assert first["metadata"] is True and first["current"] is False
    assert first["creation_time"].endswith("+05:30") and "T" in first["creation_time"]
    assert items[2]["current"] is True and items[2]["parent"] == "s1"


def test_snapshot_list_json_follows_order_and_filters() -> None:
    items = _json(SCENARIO + "snapshot-list test --leaves --json")
    assert [i["name"] for i in items] == ["s2", "s3"]
    assert items[0]["children"] == 0
    items = _json(SCENARIO + "snapshot-list test --tree --json")
    assert [i["name"] for i in items] == ["s1", "s2", "s3"]
    items = _json(SCENARIO + "snapshot-list test --topological --json")
    assert items[0]["name"] == "s1"


def test_snapshot_info_json() -> None:
    info = _json(SCENARIO + "snapshot-info test --current --json")
    assert info["name"] == "s3" and info["domain"] == "test" and info["current"] is True
    assert info["parent"] == "s1" and info["children"] == 0 and info["descendants"] == 0


def test_json_is_not_in_help() -> None:
    outcome = run_vsh(["help", "snapshot-list"])
    assert "json" not in outcome.out
