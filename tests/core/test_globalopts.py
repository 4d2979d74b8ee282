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


# -- fleet mode (-H, a vsh extension) -------------------------------------------------------------


def fleet_getopt(argv: list[str]) -> tuple[list[tuple[str, str | None, bool]], list[str]]:
    rest: list[str] = []
    return list(globalopts.getopt(argv, rest, fleet=True)), rest


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-H", "@prod", "list"], True),
        (["-qH@prod", "list"], True),
        (["--hosts=a", "list"], True),
        (["--fanout", "3", "-H", "a"], True),
        (["--fanout", "3", "list"], False),
        (["-x", "b", "-H", "a", "list"], True),
        (["-c", "-H", "list"], False),  # -H is -c's argument
        (["list", "-H", "a"], False),  # after the command: the command's word
        (["--", "-H", "a"], False),
        (["-H"], False),  # missing argument: the strict scan reports it
        ([], False),
    ],
)
def test_fleet_requested(argv: list[str], expected: bool) -> None:
    assert globalopts.fleet_requested(argv) is expected


def test_fleet_options_are_scanned_in_fleet_mode() -> None:
    assert fleet_getopt(
        [
            *("-H", "@p", "-x", "a", "--fanout=4", "--connect-t", "2", "--command-timeout", "9"),
            *("--gather", "--diff", "--fail-fast", "--yes", "--json", "-r", "list"),
        ]
    ) == (
        [
            ("H", "@p", False),
            ("x", "a", False),
            ("fanout", "4", True),
            ("connect-timeout", "2", True),
            ("command-timeout", "9", True),
            ("gather", None, True),
            ("diff", None, True),
            ("fail-fast", None, True),
            ("yes", None, True),
            ("json", None, True),
            ("r", None, False),
        ],
        ["list"],
    )


@pytest.mark.parametrize(
    ("argv", "letter"),
    [
        (["--conn", "U"], "c"),  # virsh's abbreviations keep their meaning under -H
        (["--d", "1"], "d"),
        (["--h"], "h"),
        (["--fan", "2"], "fanout"),
        (["--co", "U"], "c"),
        (["--com", "2"], "command-timeout"),
        (["--y"], "yes"),
        (["--j"], "json"),
        (["--hosts", "a"], "H"),
        (["--ex", "a"], "x"),
    ],
)
def test_fleet_abbreviations(argv: list[str], letter: str) -> None:
    assert fleet_getopt(argv)[0][0][0] == letter


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--fa", "1"], "unsupported option '--fa'. See --help."),  # fanout or fail-fast
        (["--zz"], "unsupported option '--zz'. See --help."),
        (["--gather=1"], "unsupported option '--gather'. See --help."),
        (["-z"], "unsupported option '-z'. See --help."),
        (["--fanout"], "option '--fanout' requires an argument"),
        (["-x"], "option '-x'/'--exclude' requires an argument"),
    ],
)
def test_fleet_option_errors(argv: list[str], message: str) -> None:
    with pytest.raises(VshError) as caught:
        fleet_getopt(argv)
    assert caught.value.messages == [message]


@pytest.mark.parametrize("argv", [["-H", "a"], ["-x", "a"], ["--fanout", "3"], ["--json"]])
def test_without_fleet_mode_the_fleet_options_stay_unknown(argv: list[str]) -> None:
    with pytest.raises(VshError, match="unsupported option"):
        getopt(argv)
