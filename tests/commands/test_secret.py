"""vsh.commands.secret: list fallbacks on a driver without secrets; value decoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import run_virsh, run_vsh
from vsh.commands import secret

UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"Zm9v", b"foo"),
        (b"Zm9vYg==", b"foob"),
        (b"Zm9vYmE=", b"fooba"),
        (b"Zm9 v\n", b"foo"),  # characters outside the alphabet are skipped
        (b"Zm9vY", b"foo"),  # a partial group is dropped
        (b"Zm9v\0YmFy", b"foo"),  # a C string: it ends at NUL
        (b"", b""),
        (b"AA==AAAA", b"\0\0\0\0"),  # '=' only counts in a group's last places
    ],
)
def test_glib_base64_decode(text: bytes, expected: bytes) -> None:
    assert secret.glib_base64_decode(text) == expected


def test_base64_value_is_sensitive() -> None:
    cmd = secret.secret_set_value
    opt = cmd.option("base64")
    assert opt is not None and opt.vsh.sensitive


def test_list_json_error() -> None:
    """--json fails exactly as virsh's table does (both lines of the error)."""
    for line in ("secret-list", "secret-list --private"):
        out = run_vsh(["-c", "test:///default", f"{line} --json"])
        expected = run_virsh(["-c", "test:///default", line])
        assert (out.status, out.out, out.err) == (expected.status, expected.out, expected.err), line
    assert expected.err == "error: Filtering is not supported by this libvirt\n"


VALUE = "c2VjcmV0dmFsdWU="  # base64 of "secretvalue"


@pytest.mark.parametrize(
    "words",
    [
        [f"secret-set-value {UUID} {VALUE}"],
        [f"secret-set-value {UUID} --base64={VALUE}"],
        ["secret-set-value", UUID, VALUE],
        ["secret-set-value", UUID, "--base64", VALUE],
        [f"secret-set-value {UUID} {VALUE} extra"],
    ],
)
def test_value_stays_out_of_debug_output_and_log(tmp_path: Path, words: list[str]) -> None:
    """-d 0 shows each bound option and the command string, -l logs them: virsh
    shows the value there, vsh does not."""
    log = tmp_path / "log"
    out = run_vsh(["-d", "0", "-l", str(log), "-c", "test:///default", *words])
    assert out.status == 1
    text = log.read_text()
    assert "secret-set-value" in text  # the log was written
    for stream in (out.out, out.err, text):
        assert VALUE not in stream and "c2VjcmV0" not in stream
    if "extra" not in words[0]:
        assert "secret-set-value: base64(optdata): (value hidden)\n" in out.out


def test_terminal_read_uses_the_controlling_terminal_without_echo() -> None:
    """--interactive reads /dev/tty (here a pty made the controlling terminal),
    echo off, up to the newline, which it then writes itself."""
    import os
    import pty
    import select
    import termios
    import time

    result_r, result_w = os.pipe()
    pid, master = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        try:
            os.close(result_r)
            line = secret._read_terminal_line()
            os.write(result_w, b"none" if line is None else b"got:" + line)
        finally:
            os._exit(0)
    os.close(result_w)
    seen = b""
    try:
        deadline = time.monotonic() + 20
        while termios.tcgetattr(master)[3] & termios.ECHO:  # the child switches echo off
            assert time.monotonic() < deadline, "echo never switched off"
            time.sleep(0.02)
        os.write(master, b"p4ss w\0rd\n")
        with os.fdopen(result_r, "rb") as result:
            got = result.read()
        while select.select([master], [], [], 0.5)[0]:
            try:
                chunk = os.read(master, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.waitpid(pid, 0)
        os.close(master)
    assert got == b"got:p4ss w"  # a C string: it ends at NUL
    assert b"p4ss" not in seen  # not echoed
    assert seen.endswith(b"\n")  # the newline written after


def test_no_terminal_no_read(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    def no_tty(*_args: object) -> int:
        raise OSError(6, "No such device or address")

    monkeypatch.setattr(os, "open", no_tty)
    monkeypatch.setattr(os, "isatty", lambda fd: False)
    assert secret._read_terminal_line() is None
