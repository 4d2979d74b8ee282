"""vsh.completion.partial (pure): the scanner, virsh's partial parse, the shell's analysis,
POSIX word splitting; and the engine's reading of a shell command line."""

from __future__ import annotations

import pytest

from vsh.completion.engine import parse_command_line
from vsh.completion.partial import (
    END,
    END_CMD,
    ERROR,
    WORD,
    Mode,
    Scanner,
    Word,
    analyse,
    split_posix,
    virsh_partial,
)
from vsh.core import registry as table

lookup = table.get_command


def tokens(line: str, *, lenient: bool = False) -> list[tuple[int, str | None, int]]:
    scanner = Scanner(line, lenient=lenient)
    out = []
    while True:
        kind, word = scanner.next()
        out.append((kind, word.text if word else None, scanner.pos))
        if kind in (END, ERROR):
            return out


# -- the scanner ----------------------------------------------------------------------------------


def test_scanner_positions_follow_virsh() -> None:
    assert tokens("ab  'c d';e ") == [
        (WORD, "ab", 2),
        (WORD, "c d", 9),
        (END_CMD, None, 10),
        (WORD, "e", 11),
        (END, None, 11),  # the end leaves the position before the trailing blank
    ]


def test_scanner_quotes_and_escapes() -> None:
    assert [t[1] for t in tokens(r"""a\ b "c\"d" 'e\f' g'h'"i" """)[:-1]] == [
        "a b",
        'c"d',
        "e\\f",
        "ghi",
    ]


def test_scanner_errors_and_leniency() -> None:
    assert tokens('"abc')[-1][0] == ERROR
    assert tokens("ab\\")[-1][0] == ERROR
    assert tokens('"abc', lenient=True)[0][:2] == (WORD, "abc")
    assert tokens("ab\\", lenient=True)[0][:2] == (WORD, "ab")
    scanner = Scanner('"abc')
    assert scanner.next(report=False)[0] == WORD  # a value virsh reads without reporting


def test_scanner_comments() -> None:
    scanner = Scanner("echo a # rest; echo b")
    kinds = [scanner.next()[0] for _ in range(4)]
    assert kinds == [WORD, WORD, END_CMD, END] and scanner.in_comment


# -- virsh's partial parse ------------------------------------------------------------------------


def target(line: str) -> str | None:
    partial = virsh_partial(line, lookup)
    t = partial.target if partial else None
    return t.name if t else None


def test_partial_marks_the_word_under_the_cursor() -> None:
    assert target("snapshot-info test a") == "snapshotname"
    assert target("snapshot-info test ") is None  # an empty word: options
    assert target("destroy t") == "domain"
    assert target("destroy --domain t") == "domain"
    assert target("destroy --domain=t") == "domain"


def test_partial_missing_value_is_under_the_cursor_after_exactly_one_blank() -> None:
    assert target("snapshot-info test --snapshotname ") == "snapshotname"
    assert target("snapshot-info test --snapshotname  ") is None  # virsh's quirk
    assert target("snapshot-info test --snapshotname") is None


def test_partial_bool_option_under_the_cursor() -> None:
    partial = virsh_partial("destroy --graceful", lookup)
    assert partial is not None and partial.target is not None
    assert partial.target.name == "graceful"


def test_partial_stops_at_errors_keeping_what_it_read() -> None:
    partial = virsh_partial("destroy test --nosuch x", lookup)
    assert partial is not None and [b.opt.name for b in partial.opts] == ["domain"]
    partial = virsh_partial("frob a", lookup)
    assert partial is not None and partial.cmd is None


def test_partial_takes_the_last_command() -> None:
    partial = virsh_partial("echo a; destroy te", lookup)
    assert partial is not None and partial.cmd is not None and partial.cmd.name == "destroy"
    assert virsh_partial("echo a;", lookup) is None
    assert virsh_partial("", lookup) is None


def test_partial_help_option_becomes_help() -> None:
    partial = virsh_partial("destroy --help ", lookup)
    assert partial is not None and partial.cmd is not None and partial.cmd.name == "help"
    assert partial.values() == {"command": "destroy"}


def test_partial_reports_tokenizer_errors() -> None:
    seen: list[str] = []
    virsh_partial('destroy "te', lookup, seen.append)
    virsh_partial("destroy te\\", lookup, seen.append)
    virsh_partial('destroy --domain "te', lookup, seen.append)  # a value: not reported
    assert seen == ['missing "', "dangling \\"]


def test_partial_values() -> None:
    partial = virsh_partial("echo --string a b --shell c", lookup)
    assert partial is not None
    assert partial.values() == {"string": ["a", "b", "c"], "shell": True}


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
