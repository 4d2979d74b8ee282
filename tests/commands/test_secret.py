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
