"""vsh.completion.partial (pure): the shell's analysis of the word under the cursor,
POSIX word splitting; and the engine's reading of a shell command line.

The scanner and virsh's completion-mode parse are vsh.core.grammar's
(tests/core/test_grammar.py)."""

from __future__ import annotations

import pytest

from vsh.completion.engine import parse_command_line
from vsh.completion.partial import Mode, Word, analyse, split_posix
from vsh.core import registry as table

lookup = table.get_command


# -- the shell's analysis -------------------------------------------------------------------------


def test_analyse_modes() -> None:
    assert analyse("", lookup).mode is Mode.COMMAND
    assert analyse("des", lookup).mode is Mode.COMMAND
    assert analyse("destroy ", lookup).mode is Mode.OPTION
    assert analyse("destroy --gr", lookup).mode is Mode.OPTION
    assert analyse("destroy t", lookup).mode is Mode.VALUE
    assert analyse("destroy --domain ", lookup).mode is Mode.VALUE
    assert analyse("frob ", lookup).mode is Mode.NONE
    assert analyse("echo a # x", lookup).mode is Mode.NONE


def test_analyse_is_lenient() -> None:
    a = analyse('destroy --nosuch --graceful "te', lookup)
    assert (a.mode, a.word.text, a.word.quote, a.given) == (Mode.VALUE, "te", '"', {"graceful"})


def test_analyse_inline_value() -> None:
    a = analyse("destroy --domain='te", lookup)
    assert (a.mode, a.inline_prefix, a.word.text, a.word.quote, a.word.start) == (
        Mode.VALUE,
        "--domain=",
        "te",
        "'",
        8,
    )


def test_analyse_passes_the_partial_word_to_completers() -> None:
    a = analyse("reboot test --mode acpi,", lookup)
    assert a.values == {"domain": "test", "mode": "acpi,"}


def test_analyse_keeps_what_a_repeated_argv_option_bound() -> None:
    a = analyse("echo --string a --string ", lookup)
    assert (a.mode, a.target and a.target.name) == (Mode.VALUE, "string")
    assert a.values == {"string": ["a", ""]} and a.given == {"string"}


def test_analyse_ignores_help_and_refused_words() -> None:
    """--help does not turn the line into `help CMD`; extra data is passed over."""
    a = analyse("destroy --help test extra --gr", lookup)
    assert a.command is not None and a.command.name == "destroy"
    assert (a.mode, a.values, a.given) == (Mode.OPTION, {"domain": "test"}, {"domain"})


def test_analyse_data_only() -> None:
    a = analyse("destroy -- ", lookup)
    assert a.data_only and a.next_positional is not None
    assert a.next_positional.name == "domain"


# -- POSIX words and vsh's command line -----------------------------------------------------------


def test_split_posix() -> None:
    assert [w.text for w in split_posix("vsh -c 'a b' \"c\\\"d\" e\\ f ")] == [
        "vsh", "-c", "a b", 'c"d', "e f", ""
    ]  # fmt: skip
    last = split_posix("vsh 'al t")[-1]
    assert (last.text, last.quote, last.start) == ("al t", "'", 4)
    assert split_posix("")[-1] == Word("", 0, 0)
    assert split_posix("a\\")[-1].text == "a"


@pytest.mark.parametrize(
    ("line", "uri", "readonly", "words"),
    [
        ("vsh -c test:///default dominfo t", "test:///default", False, ["dominfo"]),
        ("vsh --connect=qemu:///system -r list ", "qemu:///system", True, ["list"]),
        ("vsh --conn qemu:///x --read list ", "qemu:///x", True, ["list"]),
        ("vsh -rc test:///default list ", "test:///default", True, ["list"]),
        ("vsh -ctest:///default -q -d 4 -l /tmp/log list ", "test:///default", False, ["list"]),
        ("vsh -- list ", None, False, ["list"]),
        ("vsh list -c x ", None, False, ["list", "-c", "x"]),
    ],
)
def test_parse_command_line(line: str, uri: str | None, readonly: bool, words: list[str]) -> None:
    parsed = parse_command_line(line)
    assert (parsed.uri, parsed.readonly) == (uri, readonly)
    assert parsed.words is not None and [w.text for w in parsed.words] == words


def test_parse_command_line_before_the_command() -> None:
    assert parse_command_line("vsh -c ").option_argument
    assert parse_command_line("vsh --log ").option_argument
    parsed = parse_command_line("vsh -r dest")
    assert parsed.globals_only and parsed.current.text == "dest" and parsed.readonly
    assert parse_command_line("vsh --re").globals_only
