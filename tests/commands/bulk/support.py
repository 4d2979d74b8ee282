"""Helpers for the bulk snapshot command tests, on libvirt's test driver.

The test driver keeps state per connection (``test:///FILE.xml`` starts from
the file on every open), so multi-step scenarios run in ONE session: a
:class:`Shell` runs vsh commands in-process through the runner and the
test inspects and changes the same connection with libvirt-python.
"""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Callable

import pytest

from vsh.core import runner
from vsh.core.session import Session, Settings
from vsh.output.tree import render_tree

libvirt = pytest.importorskip("libvirt")

SHAPES = ("chain", "wide", "random", "balanced")
MIX = ("running", "shutoff", "disk-snapshot", "paused")


class Shell:
    """One vsh session (one libvirt connection) on a fixture."""

    def __init__(self, uri: str, *, readonly: bool = False) -> None:
        self.out, self.err = io.StringIO(), io.StringIO()
        settings = Settings(uri=uri, uri_given=True, readonly=readonly)
        self.session = Session(settings, out=self.out, err=self.err)
        assert self.session.connection.reconnect(readonly=readonly)

    @property
    def conn(self):
        return self.session.conn

    def dom(self, name: str = "dom0"):
        return self.conn.lookupByName(name)

    def run(self, *words: str) -> tuple[bool, str, str]:
        self.out.seek(0), self.out.truncate()
        self.err.seek(0), self.err.truncate()
        parsed = runner.parse_argv(self.session, list(words))
        assert parsed is not None, self.err.getvalue()
        ok = runner.run(self.session, parsed)
        return ok, self.out.getvalue(), self.err.getvalue()

    def close(self) -> None:
        self.session.connection.close()


def parent_of(snap) -> str | None:
    try:
        return snap.getParent().getName()
    except libvirt.libvirtError:
        return None


def current_of(dom) -> str | None:
    try:
        return dom.snapshotCurrent().getName()
    except libvirt.libvirtError:
        return None


# On REDEFINE libvirt aligns a snapshot's disks with its domain and so adds
# "<disk name='vda' snapshot='internal'/>" entries the fixture's snapshots
# lacked (virDomainSnapshotAlignDisks).  That is libvirt's normalisation, not
# a change by vsh (the bundle tests show the XML is passed on byte for byte);
# it is taken out before comparing.  test_round_trip_is_a_fixed_point shows
# a second round trip then changes nothing at all.
_ALIGNED_DISKS = re.compile(
    r"\n  <disks>\n(?:    <disk name='[^']*' snapshot='internal'/>\n)+  </disks>"
)


def snapshot_state(dom, *, raw: bool = False) -> tuple[dict, str | None, dict]:
    """(name -> parent, current, name -> XML) as libvirt-python sees them."""
    snaps = dom.listAllSnapshots(0)
    xml = {s.getName(): s.getXMLDesc(0) for s in snaps}
    if not raw:
        xml = {n: _ALIGNED_DISKS.sub("", x) for n, x in xml.items()}
    return {s.getName(): parent_of(s) for s in snaps}, current_of(dom), xml


def tree_text(parents: dict[str, str | None], current: str | None) -> str:
    """``snapshot-list --tree`` as virsh draws it (strcasecmp order), plus the current."""

    def key(name: str) -> bytes:
        return name.encode().lower()

    kids: dict[str, list[str]] = {n: [] for n in parents}
    for n, p in parents.items():
        if p is not None:
            kids[p].append(n)
    roots = sorted((n for n, p in parents.items() if p is None), key=key)
    lines: list[str] = []
    render_tree(roots, lambda n: sorted(kids[n], key=key), lines.append)
    return "".join(lines) + f"current: {current}\n"


def wipe(dom) -> None:
    """Delete every snapshot, leaves first (the test driver drops only metadata)."""
    for snap in reversed(dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)):
        snap.delete(0)
    assert dom.snapshotNum() == 0


def lv_error(message: str, code: int | None = None, domain: int | None = None):
    err = libvirt.libvirtError(message)
    err.err = (
        libvirt.VIR_ERR_INTERNAL_ERROR if code is None else code,
        libvirt.VIR_FROM_TEST if domain is None else domain,
        message,
        2,
        None,
        None,
        None,
        0,
        0,
    )
    return err


def fail_nth_create(monkeypatch, n: int, make_error: Callable[[], BaseException], *, after=False):
    """Make the n-th snapshotCreateXML fail (``after``: once it has succeeded).

    Calls with DISK_ONLY are not counted: the test driver refuses them and
    vsh resends without the flag (see test_disk_only_flag_and_the_test_driver),
    so the n-th counted call is the n-th snapshot.
    """
    real = libvirt.virDomain.snapshotCreateXML
    calls = {"n": 0}

    def wrapper(self, xml, flags=0):
        if flags & libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY:
            return real(self, xml, flags)
        calls["n"] += 1
        if calls["n"] == n and not after:
            raise make_error()
        result = real(self, xml, flags)
        if calls["n"] == n and after:
            raise make_error()
        return result

    monkeypatch.setattr(libvirt.virDomain, "snapshotCreateXML", wrapper)
    return calls


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)
