"""The manual is generated from the command table and must stay in step with it."""

from __future__ import annotations

import re
import shutil
import subprocess

from vsh.core import registry as table
from vsh.core.jsonshape import (
    INT,
    NULL,
    STR,
    Arr,
    JsonType,
    Map,
    Obj,
    array_of,
    object_of,
    prop,
    shape,
    type_text,
)
from vsh.devtools import manpage


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


def _help_listing() -> list[str]:
    """The command names `vsh help` prints, as a user sees them."""
    from tests.conformance.harness import run_vsh

    out = run_vsh(["help"])
    assert out.status == 0, out.err
    return [line.split()[0] for line in out.out.splitlines() if line.startswith("    ")]


def test_every_command_in_help_has_a_man_entry_and_a_help_page() -> None:
    from tests.conformance.harness import run_vsh

    names = _help_listing()
    assert len(names) > 100 and "list" in names and "nodedev-list" in names
    text = manpage.MAN_PATH.read_text(encoding="utf-8")
    missing = [n for n in names if f".SS {manpage.roff(n)}\n" not in text]
    assert missing == []
    # one process for every --help page: each must print its NAME section
    out = run_vsh(["; ".join(f"{n} --help" for n in names)])
    assert out.status == 0, out.err
    assert out.err == ""
    for name in names:
        assert f"  NAME\n    {name} - " in out.out, name


def test_every_json_output_is_documented() -> None:
    names = manpage.json_commands()
    assert {"list", "dominfo", "nodeinfo", "pool-list", "vol-info", "cpu-models"} <= set(names)
    text = manpage.MAN_PATH.read_text(encoding="utf-8")
    section = text[text.index(".SH JSON OUTPUT") : text.index(".SH EXIT STATUS")]
    for name in names:
        entry = section.split(f"\\fB{manpage.roff(name)} \\-\\-json\\fR\n", 1)[1]
        entry = re.split(r"\n\.TP\n\\fB\S+ \\-\\-json\\fR\n", entry)[0]
        shape = table.get_command(name).json_shape  # type: ignore[union-attr]
        assert shape is not None, name
        # every declared key is on the page, with its type
        for key, types in _keys(shape.types):
            assert f"\\fB{manpage.roff(key)}\\fR: {manpage.roff(type_text(types))}" in entry, (
                name,
                key,
            )


def _keys(types: tuple[JsonType, ...]) -> list[tuple[str, tuple[JsonType, ...]]]:
    out: list[tuple[str, tuple[JsonType, ...]]] = []
    todo = list(types)
    while todo:
        t = todo.pop()
        if isinstance(t, Arr):
            todo += t.items
        elif isinstance(t, Map):
            todo += t.values
        elif isinstance(t, Obj):
            for f in t.fields:
                out.append((f.name, f.types))
                todo += f.types
    return out


def test_json_entry_layout() -> None:
    declared = shape(
        array_of(
            object_of(
                prop("name", STR, doc="the name"),
                prop("tags", array_of(object_of(prop("tag", STR))), optional=True),
            )
        ),
        doc="In some order.",
    )
    assert manpage.json_entry(declared) == [
        "An array of objects. In some order.",
        ".RS",
        ".TP",
        "\\fBname\\fR: string",
        "the name",
        ".PD 0",
        ".TP",
        "\\fBtags\\fR: array of objects (may be absent)",
        ".RS",
        ".PD 0",
        ".TP",
        "\\fBtag\\fR: string",
        ".PD",
        ".RE",
        ".PD",
        ".RE",
    ]


def test_json_entry_alternatives_say_when() -> None:
    declared = shape(
        object_of(prop("n", INT), when="alone"),
        array_of(object_of(prop("n", INT, NULL)), when="with --all"),
    )
    lines = manpage.json_entry(declared)
    assert lines[0] == "An object (alone), or an array of objects (with \\-\\-all)."
    assert ".IP" in lines and "An object (alone):" in lines
    assert "\\fBn\\fR: integer | null" in lines


def test_required_sections() -> None:
    text = manpage.MAN_PATH.read_text(encoding="utf-8")
    for title in (
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "JSON OUTPUT",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
        "DIFFERENCES FROM VIRSH",
    ):
        assert f"\n.SH {title}\n" in text, title
    assert "history" in text and "libvirt.conf" in text and "cron" in text


def test_pyproject_installs_the_page() -> None:
    import tomllib

    pyproject = manpage.MAN_PATH.parent.parent / "pyproject.toml"
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    assert data["tool"]["setuptools"]["data-files"]["share/man/man1"] == ["man/vsh.1"]
