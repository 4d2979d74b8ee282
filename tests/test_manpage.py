"""The manual is generated from the command table and must stay in step with it."""

from __future__ import annotations

import shutil
import subprocess

from vsh import manpage, table


def test_committed_page_is_current() -> None:
    assert manpage.MAN_PATH.read_text(encoding="utf-8") == manpage.render(), (
        "man/vsh.1 is stale: run `make man`"
    )


def test_every_visible_command_has_an_entry() -> None:
    text = manpage.MAN_PATH.read_text(encoding="utf-8")
    for name, entry in table.entries().items():
        if entry.hidden:
            continue
        assert f".SS {manpage.roff(name)}\n" in text, name


def test_roff_escaping() -> None:
    assert manpage.roff("a-b\\c") == "a\\-b\\ec"
    assert manpage.roff(".start\n'quote") == "\\&.start\n\\&'quote"


def test_man_reports_no_warnings() -> None:
    man = shutil.which("man")
    assert man is not None, "man-db is required (make test installs it)"
    proc = subprocess.run(
        [man, "--warnings", "-l", str(manpage.MAN_PATH)],
        capture_output=True,
        text=True,
        env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert "NAME" in proc.stdout
