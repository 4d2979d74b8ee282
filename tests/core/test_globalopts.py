"""vsh.core.globalopts: virsh's global option table and its getopt scanner.

Strict mode is what the front end runs (virsh's errors, checked
differentially in tests/conformance/test_shell_conformance.py); lenient
mode is what shell completion runs on an unfinished command line.
"""

from __future__ import annotations

import pytest

from vsh.core import globalopts
from vsh.core.errors import VshError

# -- getopt semantics -----------------------------------------------------------------------------


def getopt(argv: list[str]) -> tuple[list[tuple[str, str | None, bool]], list[str]]:
    rest: list[str] = []
    return list(globalopts.getopt(argv, rest)), rest


@pytest.mark.parametrize(
    ("argv", "options", "rest"),
    [
        (["-qt", "echo"], [("q", None, False), ("t", None, False)], ["echo"]),
        (["-cURI", "x"], [("c", "URI", False)], ["x"]),
        (["-c", "URI"], [("c", "URI", False)], []),
        (["-qcURI"], [("q", None, False), ("c", "URI", False)], []),
        (["-qc", "URI", "a"], [("q", None, False), ("c", "URI", False)], ["a"]),
        (["-c", "-q"], [("c", "-q", False)], []),
        (["--connect=URI"], [("c", "URI", True)], []),
        (["--connect", "URI"], [("c", "URI", True)], []),
        (["--connect="], [("c", "", True)], []),
        (["--conn", "U"], [("c", "U", True)], []),
        (["--c=U"], [("c", "U", True)], []),
        (["--read", "--ti"], [("r", None, True), ("t", None, True)], []),
        (["--version"], [("v", None, True)], []),
        (["--version", "long"], [("v", None, True)], ["long"]),
        (["--version=long"], [("v", "long", True)], []),
        (["--vers="], [("v", "", True)], []),
        (["-v", "-V"], [("v", None, False), ("V", None, False)], []),
        (["--", "-q"], [], ["-q"]),
        (["-", "-q"], [], ["-", "-q"]),
        (["echo", "-q"], [], ["echo", "-q"]),
        (["-q", "echo a", "-t"], [("q", None, False)], ["echo a", "-t"]),
        ([], [], []),
    ],
)
def test_getopt(argv: list[str], options: list, rest: list[str]) -> None:
    assert getopt(argv) == (options, rest)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-c"], "option '-c'/'--connect' requires an argument"),
        (["-qd"], "option '-d'/'--debug' requires an argument"),
        (["--log"], "option '-l'/'--log' requires an argument"),
        (["--keepalive-count"], "option '-K'/'--keepalive-count' requires an argument"),
        (["--bogus"], "unsupported option '--bogus'. See --help."),
        (["--bogus=1"], "unsupported option '--bogus=1'. See --help."),
        (["--k", "1"], "unsupported option '--k'. See --help."),  # ambiguous
        (["--=x"], "unsupported option '--=x'. See --help."),
        (["--quiet=1"], "unsupported option '-q'. See --help."),
        (["-x"], "unsupported option '-x'. See --help."),
        (["-qx"], "unsupported option '-x'. See --help."),
    ],
)
def test_getopt_errors(argv: list[str], message: str) -> None:
    with pytest.raises(VshError) as info:
        getopt(argv)
    assert info.value.messages == [message]


def test_getopt_is_lazy() -> None:
    """Options before a bad one are delivered first (virsh acts on each in turn)."""
    options = globalopts.getopt(["-v", "-x"], [])
    assert next(options) == ("v", None, False)
    with pytest.raises(VshError):
        next(options)


# -- lenient mode (completion) ---------------------------------------------------------------------


def lenient(argv: list[str]) -> tuple[list[tuple[str, str | None, bool]], list[str]]:
    rest: list[str] = []
    return list(globalopts.getopt(argv, rest, lenient=True)), rest


@pytest.mark.parametrize(
    ("argv", "options", "rest"),
    [
        (["--bogus", "-r", "list"], [("r", None, False)], ["list"]),
        (["--k", "1", "list"], [], ["1", "list"]),  # ambiguous: skipped, alone
        (["--quiet=1", "list"], [("q", None, True)], ["list"]),
        (["-xc", "URI", "list"], [("c", "URI", False)], ["list"]),
        (["-qc", "URI", "a"], [("q", None, False), ("c", "URI", False)], ["a"]),
        (["--", "-q"], [], ["-q"]),
    ],
)
def test_lenient(argv: list[str], options: list, rest: list[str]) -> None:
    assert lenient(argv) == (options, rest)


@pytest.mark.parametrize("argv", [["-c"], ["-r", "--log"], ["-qd"], ["--connect"]])
def test_missing_argument_in_both_modes(argv: list[str]) -> None:
    with pytest.raises(globalopts.MissingArgument):
        lenient(argv)
    with pytest.raises(globalopts.MissingArgument):
        getopt(argv)


def test_long_names() -> None:
    names = globalopts.long_names()
    assert names[0] == "--connect"
    assert "--keepalive-interval" in names
    assert len(names) == len(globalopts.OPTIONS) == 11
