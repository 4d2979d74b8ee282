"""Tests for vsh.editor: virsh's $VISUAL/$EDITOR rules and edit loop (tools/vsh.c,
tools/virsh-edit.c).  Message texts are virsh 9.0's, captured with
`VISUAL=... virsh -c test:///default 'snapshot-create-as test s1; snapshot-edit test s1'`.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from vsh import editor
from vsh.session import Session, Settings


@pytest.fixture
def s() -> Session:
    return Session(Settings(), out=io.StringIO(), err=io.StringIO())


@pytest.fixture(autouse=True)
def _no_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(editor.os, "isatty", lambda fd: False)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)


def err(s: Session) -> str:
    return s.err.getvalue()  # type: ignore[attr-defined]


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "ed.sh"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_editor_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    assert editor.editor_command() == "vi"
    monkeypatch.setenv("EDITOR", "nano")
    assert editor.editor_command() == "nano"
    monkeypatch.setenv("VISUAL", "")
    assert editor.editor_command() == ""  # set but empty still wins


def test_temp_file(s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    path = editor.write_temp(s, "<x/>")
    name = os.path.basename(path)
    assert os.path.dirname(path) == str(tmp_path)
    assert name.startswith("virsh") and name.endswith(".xml") and len(name) == 15
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert Path(path).read_text() == "<x/>"


def test_temp_file_failure(s: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", "/nonexistent")
    with pytest.raises(editor.EditFailed):
        editor.write_temp(s, "<x/>")
    assert err(s) == (
        "error: g_mkstemp_full: failed to create temporary file: No such file or directory\n"
    )


def test_plain_editor_runs_directly(
    s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "argv"
    monkeypatch.setenv("VISUAL", script(tmp_path, f'printf "%s|" "$0" "$@" > {log}\n'))
    target = tmp_path / "f.xml"
    target.write_text("x")
    editor.run_editor(s, str(target))
    assert log.read_text() == f"{tmp_path}/ed.sh|{target}|"


def test_other_editor_goes_through_shell(
    s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "argv"
    ed = script(tmp_path, f'printf "%s|" "$@" > {log}\n')
    monkeypatch.setenv("VISUAL", f"{ed} --opt 'two words'")
    target = tmp_path / "f.xml"
    editor.run_editor(s, str(target))
    assert log.read_text() == f"--opt|two words|{target}|"


def test_shell_editor_refuses_odd_temp_name(s: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISUAL", "true #")
    with pytest.raises(editor.EditFailed):
        editor.run_editor(s, "/tmp/a b/virshXXXXXX.xml")
    assert err(s) == (
        "error: /tmp/a b/virshXXXXXX.xml: temporary filename contains shell meta or other "
        "unacceptable characters (is $TMPDIR wrong?)\n"
    )


@pytest.mark.parametrize(
    ("visual", "message"),
    [
        ("", "Cannot find '' in path: No such file or directory"),
        ("nonexist-ed", "Cannot find 'nonexist-ed' in path: No such file or directory"),
        ("false", "internal error: Child process (false /tmp/f.xml) unexpected exit status 1"),
        (
            "sh -c 'exit 3'",
            "internal error: Child process (sh -c 'sh -c '\\''exit 3'\\'' /tmp/f.xml') "
            "unexpected exit status 3",
        ),
        (
            "kill -9 $$;",
            "internal error: Child process (sh -c 'kill -9 $$; /tmp/f.xml') "
            "unexpected fatal signal 9",
        ),
    ],
)
def test_editor_failures(
    s: Session, monkeypatch: pytest.MonkeyPatch, visual: str, message: str
) -> None:
    monkeypatch.setenv("VISUAL", visual)
    with pytest.raises(editor.EditFailed):
        editor.run_editor(s, "/tmp/f.xml")
    assert err(s) == f"error: {message}\n"


def test_read_back(s: Session, tmp_path: Path) -> None:
    f = tmp_path / "f.xml"
    f.write_bytes(b"<a/>\0rest")
    assert editor.read_back(s, str(f)) == "<a/>"
    with pytest.raises(editor.EditFailed):
        editor.read_back(s, str(tmp_path / "gone.xml"))
    assert (
        err(s)
        == f"error: {tmp_path}/gone.xml: failed to read temporary file: No such file or directory\n"
    )


class Doc:
    """Callbacks for editor.edit with a scripted history."""

    def __init__(self, texts: list[str], define_ok: bool = True) -> None:
        self.texts = texts
        self.defined: list[tuple[str, str]] = []
        self.define_ok = define_ok

    def get_xml(self) -> str:
        return self.texts.pop(0) if len(self.texts) > 1 else self.texts[0]

    def define(self, doc: str, edited: str):
        self.defined.append((doc, edited))
        return ("object", None) if self.define_ok else (None, "cause")


def _edit(s: Session, doc: Doc, done: bool = True):
    return editor.edit(s, doc.get_xml, doc.define, lambda: done)


def test_edit_unchanged(s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("VISUAL", "true")
    doc = Doc(["<a/>"])
    assert _edit(s, doc) is None
    assert doc.defined == [] and list(tmp_path.iterdir()) == []
    # Unchanged but the command wants a redefine anyway (snapshot-edit NAME --current).
    assert _edit(s, doc, done=False) == "object"
    assert doc.defined == [("<a/>", "<a/>")]


def test_edit_changed(s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("VISUAL", "sed -i s/a/b/")
    doc = Doc(["<a/>"])
    assert _edit(s, doc) == "object"
    assert doc.defined == [("<a/>", "<b/>")]
    assert list(tmp_path.iterdir()) == []  # temp file removed


def test_edit_define_failure_without_terminal(
    s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("VISUAL", "sed -i s/a/b/")
    with pytest.raises(editor.EditFailed) as exc:
        _edit(s, Doc(["<a/>"], define_ok=False))
    assert exc.value.cause == "cause"
    assert err(s) == "error: Failed.\n"
    assert list(tmp_path.iterdir()) == []


def test_edit_changed_by_another_user(
    s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("VISUAL", "sed -i s/a/b/")
    doc = Doc(["<a/>", "<c/>"])
    with pytest.raises(editor.EditFailed):
        _edit(s, doc)
    assert err(s) == "error: The XML configuration was changed by another user.\n"
    assert doc.defined == []


def test_find_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ed = script(tmp_path, "")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert editor.find_program("ed.sh") == ed
    assert editor.find_program(ed) == ed
    assert editor.find_program("missing") is None
    assert editor.find_program(str(tmp_path)) is None  # a directory
