"""vsh.virt.hostkey: one key per host, whatever the URI; never the server's text."""

from __future__ import annotations

import libvirt
import pytest

from tests.fixtures.onedomain import open_node
from vsh.virt import hostkey


class FakeConn:
    def __init__(self, caps: str | None, uri: str = "qemu:///system") -> None:
        self.caps, self.uri, self.asked = caps, uri, 0

    def getCapabilities(self) -> str:
        self.asked += 1
        if self.caps is None:
            raise libvirt.libvirtError("not supported")
        return self.caps

    def getURI(self) -> str:
        return self.uri


def caps(uuid: str) -> str:
    return f"<capabilities><host><uuid>{uuid}</uuid><cpu/></host></capabilities>"


def test_the_host_uuid_names_the_host_whatever_the_uri() -> None:
    a = FakeConn(caps("aaaa0000-0000-0000-0000-000000000001"), "qemu:///system")
    b = FakeConn(caps("aaaa0000-0000-0000-0000-000000000001"), "qemu+ssh://hv1/system")
    c = FakeConn(caps("aaaa0000-0000-0000-0000-000000000002"), "qemu:///system")
    keys = [hostkey.host_key(x) for x in (a, b, c)]  # type: ignore[arg-type]
    assert keys[0] == keys[1] != keys[2]
    assert all(len(k) == 12 and set(k) <= set("0123456789abcdef") for k in keys)


def test_asked_once_per_connection_and_hostile_text_stays_out_of_names() -> None:
    conn = FakeConn(caps("../../etc/passwd"))
    key = hostkey.host_key(conn)  # type: ignore[arg-type]
    assert hostkey.host_key(conn) == key and conn.asked == 1  # type: ignore[arg-type]
    assert "/" not in key and "." not in key


@pytest.mark.parametrize("text", [None, "<capabilities/>", "not xml"])
def test_without_a_host_uuid_the_uri_names_it(text: str | None) -> None:
    one, other = FakeConn(text, "qemu+ssh://a/system"), FakeConn(text, "qemu+ssh://b/system")
    assert hostkey.host_key(one) != hostkey.host_key(other)  # type: ignore[arg-type]


def test_on_the_test_driver(tmp_path) -> None:
    conn = open_node(tmp_path)
    try:
        assert len(hostkey.host_key(conn)) == 12
    finally:
        conn.close()
