"""vsh.core.vshutil: virFileReadAll with VSH_MAX_XML_FILE, vshStringToArray.

Expected results follow libvirt 9.0's C source (virfile.c, vsh.c).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from vsh.core.errors import VshError
from vsh.core.vshutil import VSH_MAX_XML_FILE, read_file_all, shell_quote, split_commas

# ---------------------------------------------------------------------------
# read_file_all (virFileReadAll with VSH_MAX_XML_FILE)


def test_read_file_all(tmp_path: Path) -> None:
    f = tmp_path / "d.xml"
    f.write_text("<domain>é</domain>\n")
    assert read_file_all(str(f)) == "<domain>é</domain>\n"


def test_read_file_all_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xml"
    with pytest.raises(VshError) as exc:
        read_file_all(str(missing))
    assert exc.value.messages == [f"Failed to open file '{missing}': No such file or directory"]
    with pytest.raises(VshError) as exc:
        read_file_all(str(tmp_path))
    assert exc.value.messages == [f"Failed to read file '{tmp_path}': Is a directory"]


def test_read_file_all_limit(tmp_path: Path) -> None:
    assert VSH_MAX_XML_FILE == 10 * 1024 * 1024
    f = tmp_path / "f"
    f.write_bytes(b"x" * 100)
    assert len(read_file_all(str(f), maxlen=100)) == 100
    with pytest.raises(VshError) as exc:
        read_file_all(str(f), maxlen=99)
    assert exc.value.messages == [f"Failed to read file '{f}': {os.strerror(errno.EOVERFLOW)}"]
    assert os.strerror(errno.EOVERFLOW) == "Value too large for defined data type"


def test_read_file_all_stops_at_nul_and_keeps_bad_bytes(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"<a>\xe9</a>\0rest")
    text = read_file_all(str(f))
    assert text == "<a>\udce9</a>"
    assert text.encode("utf-8", "surrogateescape") == b"<a>\xe9</a>"


def test_read_file_all_xml(tmp_path) -> None:
    good = tmp_path / "s.xml"
    good.write_bytes(b"<domainsnapshot/>\0ignored")
    assert read_file_all(str(good)) == "<domainsnapshot/>"
    with pytest.raises(VshError) as exc:
        read_file_all(str(tmp_path / "missing.xml"))
    assert exc.value.messages == [
        f"Failed to open file '{tmp_path / 'missing.xml'}': No such file or directory"
    ]
    with pytest.raises(VshError) as exc:
        read_file_all(str(tmp_path))
    assert exc.value.messages == [f"Failed to read file '{tmp_path}': Is a directory"]


def test_read_file_all_xml_size_limit(tmp_path) -> None:
    big = tmp_path / "big.xml"
    with open(big, "wb") as f:
        f.truncate(VSH_MAX_XML_FILE + 1)
    with pytest.raises(VshError, match="Value too large for defined data type"):
        read_file_all(str(big))
    with open(big, "wb") as f:
        f.truncate(VSH_MAX_XML_FILE)
    assert read_file_all(str(big)) == ""
    os.unlink(big)


def test_split_commas() -> None:
    assert split_commas("a,b") == ["a", "b"]
    assert split_commas("a,,b,c") == ["a,b", "c"]
    assert split_commas("a,") == ["a", ""]
    assert split_commas("a,,") == ["a,"]
    assert split_commas("a,,,") == ["a,", ""]
    assert split_commas("") == [""]


def test_split_commas_more() -> None:
    assert split_commas("a,b") == ["a", "b"]
    assert split_commas("a,,b,c") == ["a,b", "c"]
    assert split_commas(",") == ["", ""]
    assert split_commas("a,") == ["a", ""]


def test_sigint_held_records_ctrl_c_and_restores_the_handler() -> None:
    import os
    import signal

    from vsh.core.vshutil import sigint_held

    before = signal.getsignal(signal.SIGINT)
    with sigint_held() as held:
        os.kill(os.getpid(), signal.SIGINT)  # no KeyboardInterrupt here
    assert held == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is before


def test_sigint_held_outside_the_main_thread_catches_nothing() -> None:
    import signal
    import threading

    from vsh.core.vshutil import sigint_held

    before = signal.getsignal(signal.SIGINT)
    seen: list[object] = []

    def run() -> None:
        with sigint_held() as held:
            seen.append(signal.getsignal(signal.SIGINT))
        seen.append(held)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen == [before, []]


@pytest.mark.parametrize(
    ("word", "quoted"),
    [
        ("plain-word_1.2/x", "plain-word_1.2/x"),
        ("", "''"),
        ("two words", "'two words'"),
        ("it's", "'it'\\''s'"),
        ("$HOME", "'$HOME'"),
        ("a;b", "'a;b'"),
        ("tab\there", "'tab\there'"),
    ],
)
def test_shell_quote(word: str, quoted: str) -> None:
    """virBufferEscapeShell: quote only words with shell-special characters;
    a single quote becomes '\\''."""
    assert shell_quote(word) == quoted
