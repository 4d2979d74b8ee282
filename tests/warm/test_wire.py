"""vsh.warm.wire: the request encoding and the client's identity."""

from __future__ import annotations

import os

import pytest

from vsh.warm import wire


def _decode(data: bytes) -> wire.Request:
    length = wire.parse_header(data)
    assert len(data) == wire.HEADER.size + length
    return wire.Request(data[wire.HEADER.size :])


def test_run_request_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VSH_PROBE", "a=b c")
    os.environb[b"VSH_BYTES"] = b"\xff\xfe"
    try:
        args = ["-c", "test:///default", "dominfo \udcff; list", "", "--opt=x"]
        fields = wire.run_fields("/usr/bin/vsh", args, b"/some/dir \xff", 0o027)
        request = _decode(wire.encode_request("run", "ident/1", fields))
    finally:
        del os.environb[b"VSH_BYTES"]
    assert request.kind == "run"
    assert request.ident == "ident/1"
    assert request.args == args  # empty words and undecodable bytes survive
    assert request.argv0 == "/usr/bin/vsh"
    assert request.cwd == b"/some/dir \xff"
    assert request.umask == 0o027
    assert request.env[b"VSH_PROBE"] == b"a=b c"  # split at the first '=' only
    assert request.env[b"VSH_BYTES"] == b"\xff\xfe"


def test_control_requests_carry_no_command() -> None:
    request = _decode(wire.encode_request("status", "x"))
    assert (request.kind, request.ident, request.args) == ("status", "x", [])


@pytest.mark.parametrize(
    "data",
    [
        b"XXXX\x00\x00\x00\x00",
        wire.HEADER.pack(wire.MAGIC, wire.MAX_REQUEST + 1),
    ],
)
def test_bad_headers_are_refused(data: bytes) -> None:
    with pytest.raises(wire.ProtocolError):
        wire.parse_header(data)


@pytest.mark.parametrize(
    "payload",
    [b"run", b"run\0id\0/\0not-octal", b"run\0id\0/\0022\0vsh\0" + b"3\0a"],
)
def test_malformed_run_requests_are_refused(payload: bytes) -> None:
    with pytest.raises(wire.ProtocolError):
        wire.Request(payload)


def test_coerced_c_locale_is_sent_as_c(monkeypatch: pytest.MonkeyPatch) -> None:
    """PEP 538 turned LANG=C into LC_CTYPE=C.UTF-8 here; the worker must see C."""
    monkeypatch.setattr(wire, "_coerced", lambda environ: True)
    monkeypatch.setenv("LC_CTYPE", "C.UTF-8")
    request = _decode(wire.encode_request("run", "i", wire.run_fields("vsh", [], b"/", 0)))
    assert request.env[b"LC_CTYPE"] == b"C"


def test_identity_names_version_and_files() -> None:
    import vsh

    ident = wire.identity()
    assert ident.startswith(vsh.__version__ + "/")
    assert ident == wire.identity()  # stable while nothing changes
    assert len(ident.split("/")) == 4
