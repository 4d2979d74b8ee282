"""vsh.shell.history: a history file that really stays within VSH_HISTSIZE entries."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from prompt_toolkit.history import FileHistory

from vsh.shell.history import Entry, TrimmedFileHistory, parse


def entries(path: Path) -> list[str]:
    return [e.text for e in parse(path.read_text())]


def test_new_file_and_directory_are_private(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "vsh" / "history"
    TrimmedFileHistory(path, 10)
    assert path.exists() and path.read_text() == ""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_existing_wide_open_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "history"
    path.write_text("")
    path.chmod(0o644)
    TrimmedFileHistory(path, 10)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_stays_within_size_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "history"
    history = TrimmedFileHistory(path, 3)
    for i in range(10):
        history.store_string(f"echo {i}")
        assert len(entries(path)) == min(i + 1, 3)
    assert entries(path) == ["echo 7", "echo 8", "echo 9"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(TrimmedFileHistory(path, 3).load_history_strings()) == [
        "echo 9",
        "echo 8",
        "echo 7",
    ]


def test_a_long_file_is_trimmed_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "history"
    old = FileHistory(str(path))
    for i in range(20):
        old.store_string(f"cmd {i}")
    TrimmedFileHistory(path, 5)
    assert entries(path) == [f"cmd {i}" for i in range(15, 20)]


def test_the_file_stays_readable_by_prompt_toolkit(tmp_path: Path) -> None:
    path = tmp_path / "history"
    history = TrimmedFileHistory(path, 2)
    for text in ("one", "two\nlines", "three"):
        history.store_string(text)
    assert list(FileHistory(str(path)).load_history_strings()) == ["three", "two\nlines"]


def test_timestamps_survive_a_trim(tmp_path: Path) -> None:
    path = tmp_path / "history"
    path.write_text("\n# stamp-1\n+a\n\n# stamp-2\n+b\n\n# stamp-3\n+c\n")
    TrimmedFileHistory(path, 2)
    assert path.read_text() == "\n# stamp-2\n+b\n\n# stamp-3\n+c\n"


def test_size_zero_keeps_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history"
    path.write_text("\n# x\n+old\n")
    history = TrimmedFileHistory(path, 0)
    history.store_string("new")
    assert path.read_text() == ""
    assert list(history.load_history_strings()) == []


def test_other_writers_are_counted(tmp_path: Path) -> None:
    """Two shells share the file: a trim re-reads what the other appended."""
    path = tmp_path / "history"
    first, second = TrimmedFileHistory(path, 4), TrimmedFileHistory(path, 4)
    for i in range(3):
        first.store_string(f"first {i}")
        second.store_string(f"second {i}")
    assert entries(path) == ["first 1", "second 1", "first 2", "second 2"]


def test_trim_is_atomic_no_temporary_files_left(tmp_path: Path) -> None:
    path = tmp_path / "history"
    history = TrimmedFileHistory(path, 1)
    for i in range(5):
        history.store_string(str(i))
    assert sorted(os.listdir(tmp_path)) == ["history"]


def test_parse_and_render_round_trip() -> None:
    entry = Entry("# when", "multi\nline")
    assert parse(entry.render()) == [entry]
    assert parse("+no stamp\n") == [Entry("", "no stamp")]
    assert parse("") == []


def test_non_utf8_bytes_survive(tmp_path: Path) -> None:
    path = tmp_path / "history"
    history = TrimmedFileHistory(path, 1)
    name = b"echo \xff".decode("utf-8", "surrogateescape")
    history.store_string("first")
    history.store_string(name)
    assert path.read_bytes().endswith(b"+echo \xff\n")


@pytest.mark.parametrize("size", [1, 50])
def test_concurrent_processes_stay_within_size(tmp_path: Path, size: int) -> None:
    path = tmp_path / "history"
    script = (
        "import sys; from vsh.shell.history import TrimmedFileHistory as H\n"
        "h = H(sys.argv[1], int(sys.argv[2]))\n"
        "for i in range(40): h.store_string(f'{sys.argv[3]} {i}')\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(path), str(size), f"p{n}"])
        for n in range(4)
    ]
    assert all(p.wait(60) == 0 for p in procs)
    assert 0 < len(entries(path)) <= size


def test_a_short_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "history"
    text = "\n# s1\n+a\n\n# s2\n+b\n\n# s3\n+c\n"
    path.write_text(text)
    history = TrimmedFileHistory(path, 10)
    assert path.read_text() == text
    assert list(history.load_history_strings()) == ["c", "b", "a"]


def test_redact_rewrites_what_is_kept_in_memory_and_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "history"
    history = TrimmedFileHistory(path, 10, lambda line: line.replace("SECRET", "(hidden)"))
    history.append_string("secret-set-value u SECRET")
    assert entries(path) == ["secret-set-value u (hidden)"]
    assert list(history.get_strings()) == ["secret-set-value u (hidden)"]
    assert "SECRET" not in path.read_text()
