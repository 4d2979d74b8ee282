"""vsh.virt.typedcall: typed-parameter calls straight to libvirt, on test:///default."""

from __future__ import annotations

from collections.abc import Iterator

import libvirt
import pytest

from vsh.virt import typedcall
from vsh.virt.typedcall import BOOLEAN, STRING, UINT, ULLONG, Param


@pytest.fixture
def dom() -> Iterator[libvirt.virDomain]:
    conn = libvirt.open("test:///default")
    try:
        yield conn.lookupByName("test")
    finally:
        conn.close()


def test_count_and_fetch_keep_types_and_order(dom: libvirt.virDomain) -> None:
    n = typedcall.count(dom, "virDomainGetBlkioParameters", (), 0)
    params = typedcall.fetch(dom, "virDomainGetBlkioParameters", (), n, 0)
    assert params[0] == Param("weight", UINT, 0)
    assert [p.kind for p in params[1:]] == [STRING] * 5


def test_store_sends_exactly_the_given_fields(dom: libvirt.virDomain) -> None:
    typedcall.store(dom, "virDomainSetMemoryParameters", (), [Param("hard_limit", ULLONG, 100)], 0)
    n = typedcall.count(dom, "virDomainGetMemoryParameters", (), 0)
    got = typedcall.fetch(dom, "virDomainGetMemoryParameters", (), n, 0)
    assert got[0] == Param("hard_limit", ULLONG, 100)


def test_repeated_field_reaches_the_driver(dom: libvirt.virDomain) -> None:
    twice = [Param("cmt", BOOLEAN, True), Param("cmt", BOOLEAN, False)]
    with pytest.raises(libvirt.libvirtError) as err:
        typedcall.store(dom, "virDomainSetPerfEvents", (), twice, 0)
    message = err.value.get_error_message()
    assert message == "invalid argument: parameter 'cmt' occurs multiple times"


def test_string_argument_and_allocated_fetch(dom: libvirt.virDomain) -> None:
    with pytest.raises(libvirt.libvirtError) as err:
        typedcall.fetch(dom, "virDomainGetInterfaceParameters", ("zz",), 7, 0)
    assert "'zz' is not a known interface" in err.value.get_error_message()
    events = typedcall.fetch_allocated(dom, "virDomainGetPerfEvents", 0)
    assert events[0] == Param("cmt", BOOLEAN, False)


def test_migrate_to_uri3_reaches_the_driver(dom: libvirt.virDomain) -> None:
    params = [Param("migrate_uri", STRING, "tcp://h"), Param("bandwidth", ULLONG, 5)]
    with pytest.raises(libvirt.libvirtError) as err:
        typedcall.migrate_to_uri3(dom, "test:///default", params, libvirt.VIR_MIGRATE_PEER2PEER)
    message = err.value.get_error_message()
    assert message == "argument unsupported: p2p migration is not supported by the source host"


def test_migrate3_takes_the_destination_connection(dom: libvirt.virDomain) -> None:
    dconn = libvirt.open("test:///default")
    try:
        with pytest.raises(libvirt.libvirtError) as err:
            typedcall.migrate3(dom, dconn, [], 0)
    finally:
        dconn.close()
    message = err.value.get_error_message()
    assert message == "this function is not supported by the connection driver: virDomainMigrate3"


@pytest.fixture
def conn() -> Iterator[libvirt.virConnect]:
    c = libvirt.open("test:///default")
    try:
        yield c
    finally:
        c.close()


def test_node_free_pages_reads_the_counts(conn: libvirt.virConnect) -> None:
    # The test driver fills x = 2x + 7 from 6 and returns 0 (the binding then
    # reports nothing); virsh's `freepages --all` prints 19, 45, 97, 201.
    assert typedcall.node_free_pages(conn, [4, 8], 0, 2) == [19, 45, 97, 201]
    assert typedcall.node_free_pages(conn, [2048], -1, 1) == [19]


def test_node_memory_parameters_report_the_drivers_error(conn: libvirt.virConnect) -> None:
    with pytest.raises(libvirt.libvirtError) as err:
        typedcall.node_count(conn, "virNodeGetMemoryParameters", 0)
    assert "virNodeGetMemoryParameters" in str(err.value)
    param = Param(libvirt.VIR_NODE_MEMORY_SHARED_PAGES_TO_SCAN, UINT, 5)
    with pytest.raises(libvirt.libvirtError) as err:
        typedcall.node_store(conn, "virNodeSetMemoryParameters", [param], 0)
    # the set call itself, not a fetch made first (as the binding does)
    assert "virNodeSetMemoryParameters" in str(err.value)
