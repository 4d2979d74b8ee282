"""Tests for vsh.virt.editor: virsh's $VISUAL/$EDITOR rules and edit loop (tools/vsh.c,
tools/virsh-edit.c).  Message texts are virsh 9.0's, captured with
`VISUAL=... virsh -c test:///default 'snapshot-create-as test s1; snapshot-edit test s1'`.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from vsh.core.session import Session, Settings
from vsh.virt import editor


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
    # Debian's virsh (patch Use-sensible-editor-by-default): not upstream's vi.
    assert editor.editor_command() == "sensible-editor"
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


# ---------------------------------------------------------------------------
# "Try again?" (vshAskReedit) and the relax choice (EDIT_RELAX)


def test_reedit_prompt_and_help() -> None:
    # Texts of tools/vsh.c vshAskReedit; the same bytes come back from virsh
    # in tests/conformance/test_state_conformance.py (test_edit_on_a_terminal).
    assert editor.reedit_prompt("Failed.", True) == "\rFailed. Try again? [y,n,i,f,?]: "
    assert editor.reedit_prompt("Failed.", False) == "\rFailed. Try again? [y,n,f,?]: "
    common = (
        "\r\ny - yes, start editor again\r\nn - no, throw away my changes\r\n",
        "f - force, try to redefine again\r\n? - print this help\r\n",
    )
    assert editor.reedit_help(False) == "".join(common)
    assert editor.reedit_help(True) == (
        common[0] + "i - turn off validation and try to redefine again\r\n" + common[1]
    )


class Answers:
    """A scripted user at the "Try again?" prompt; records what was offered."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = answers
        self.offered: list[bool] = []

    def __call__(self, _s: Session, _msg: str, _cause: object, relax_avail: bool = False) -> str:
        self.offered.append(relax_avail)
        return self.answers.pop(0)


class Strict(Doc):
    """Defines succeed only once validation is off."""

    def __init__(self) -> None:
        super().__init__(["<a/>"])
        self.validate = True

    def define(self, doc: str, edited: str):
        self.defined.append((doc, edited))
        return (None, "invalid") if self.validate else ("object", None)

    def relax(self) -> None:
        self.validate = False


def test_relax_redefines_without_validation(
    s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("VISUAL", "sed -i s/a/b/")
    doc = Strict()
    user = Answers(["i"])
    monkeypatch.setattr(editor, "ask_reedit", user)
    assert editor.edit(s, doc.get_xml, doc.define, lambda: True, doc.relax) == "object"
    assert user.offered == [True]
    assert doc.defined == [("<a/>", "<b/>")] * 2  # once validated, once relaxed
    assert list(tmp_path.iterdir()) == []


def test_relax_is_offered_once_per_editor_run(
    s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # f keeps the choice off after i; y (a new editor run) offers it again, as
    # virsh sets relax_avail at its reedit label.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("VISUAL", "sed -i s/a/b/")
    doc = Strict()
    relaxed: list[bool] = []
    user = Answers(["i", "f", "y", "n"])

    def define(d: str, e: str):
        doc.defined.append((d, e))
        return None, "still failing"

    monkeypatch.setattr(editor, "ask_reedit", user)
    with pytest.raises(editor.EditFailed):
        editor.edit(s, doc.get_xml, define, lambda: True, lambda: relaxed.append(True))
    assert relaxed == [True]
    assert user.offered == [True, False, False, True]
    assert len(doc.defined) == 4


def test_no_relax_choice_without_a_relax_step(
    s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("VISUAL", "sed -i s/a/b/")
    doc = Strict()
    user = Answers(["f", "n"])
    monkeypatch.setattr(editor, "ask_reedit", user)
    with pytest.raises(editor.EditFailed):
        editor.edit(s, doc.get_xml, doc.define, lambda: True)
    assert user.offered == [False, False]
    assert len(doc.defined) == 2


def _reedit_in_pty(relax_avail: bool, keys: str) -> str:
    """Run ask_reedit in a child on a pseudo-terminal, typing ``keys`` one per
    prompt; everything the child wrote (its answer last, in <>)."""
    import sys

    from tests.realstack.ptyshell import PtyShell

    code = (
        "import sys; from vsh.virt import editor; from vsh.core.session import Session; "
        f"a = editor.ask_reedit(Session(), 'Failed.', None, {relax_avail}); "
        "sys.stdout.write(f'<{a}>'); sys.stdout.flush()"
    )
    with PtyShell([sys.executable, "-c", code]) as sh:
        for key in keys:
            sh.expect(r"Try again\? \[[^\]]*\]: ")
            sh.send(key)
        sh.expect(r"<.>")
        sh.proc.wait(10)
        return sh.buffer


def test_terminal_prompt_accepts_i_only_when_offered() -> None:
    text = _reedit_in_pty(True, "?xI")
    assert text == (
        editor.reedit_prompt("Failed.", True)
        + editor.reedit_help(True)
        + editor.reedit_prompt("Failed.", True) * 2
        + "\r\r\n<i>"
    )
    text = _reedit_in_pty(False, "?if")
    assert text == (
        editor.reedit_prompt("Failed.", False)
        + editor.reedit_help(False)
        + editor.reedit_prompt("Failed.", False) * 2
        + "\r\r\n<f>"
    )


@pytest.mark.parametrize(
    ("make", "status", "reason"),
    [
        (None, 127, "No such file or directory"),
        (0o644, 126, "Permission denied"),
    ],
    ids=["missing", "not-executable"],
)
def test_editor_that_cannot_be_executed(
    s: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make: int | None,
    status: int,
    reason: str,
) -> None:
    # virsh's child reports the failed exec (libvirt's default error output)
    # and exits 127 or 126; the parent reports that status.
    path = tmp_path / "ed"
    if make is not None:
        path.write_text("#!/bin/sh\n")
        path.chmod(make)
    monkeypatch.setenv("VISUAL", str(path))
    with pytest.raises(editor.EditFailed):
        editor.run_editor(s, "/tmp/f.xml")
    assert err(s) == (
        f"libvirt:  error : cannot execute binary {path}: {reason}\n"
        "error: internal error: Child process "
        f"({path} /tmp/f.xml) unexpected exit status {status}\n"
    )
