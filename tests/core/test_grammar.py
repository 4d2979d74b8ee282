"""Unit tests of vsh.core.grammar: virsh's tokenizer and option binder, run
strictly (execution) and in completion mode.

Fake command definitions stand in for the command table, so these tests
exercise only the grammar.  Expected results come from virsh 9.0 itself
(tools/vsh.c: vshCommandStringGetArg, vshCommandParse, vshCmddefGetOption,
vshCommandCheckOpts; every message checked against /usr/bin/virsh) or from
first principles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsh.core.grammar import (
    END,
    END_CMD,
    WORD,
    Bound,
    GrammarError,
    OptDef,
    OptKind,
    ParsedCommand,
    Scanner,
    TokenError,
    argv_tokens,
    parse,
    parse_argv,
    parse_partial,
    parse_script,
    partial_script,
    script_tokens,
)
from vsh.core.vshutil import shell_quote

B, S, N, D, A, AL = (
    OptKind.BOOL,
    OptKind.STRING,
    OptKind.INT,  # virsh's VSH_OT_INT: a <number>
    OptKind.DATA,
    OptKind.ARGV,
    OptKind.ALIAS,
)


@dataclass
class FakeCommand:
    name: str
    optdefs: Sequence[OptDef] = field(default_factory=list)


TABLE = {
    # virsh's echo: bools, two hidden aliases, then an ARGV option.
    "echo": FakeCommand(
        "echo",
        [
            OptDef("shell", B),
            OptDef("xml", B),
            OptDef("str", AL, alias="string"),
            OptDef("hi", AL, alias="string=hello"),
            OptDef("string", A),
        ],
    ),
    # snapshot-list-like: one required DATA, bools, strings and an int that
    # fill positionally in declaration order, a named-only string.
    "slist": FakeCommand(
        "slist",
        [
            OptDef("domain", D, required=True),
            OptDef("parent", B),
            OptDef("from", S),
            OptDef("tree", B),
            OptDef("start", N),
            OptDef("name", S, named_only=True),
        ],
    ),
    # Two required DATA options and a required INT (the `--X` message form).
    "dump": FakeCommand(
        "dump",
        [
            OptDef("domain", D, required=True),
            OptDef("snapshotname", D, required=True),
            OptDef("count", N, required=True, named_only=True),
        ],
    ),
    "need": FakeCommand("need", [OptDef("files", A, required=True)]),
    "help": FakeCommand("help", [OptDef("command", S)]),
    "noargs": FakeCommand("noargs"),
}


def lookup(name: str) -> FakeCommand | None:
    return TABLE.get(name)


def script(text: str) -> list[ParsedCommand]:
    return parse_script(text, lookup)


def argv(*words: str) -> list[ParsedCommand]:
    return parse_argv(list(words), lookup)


def summary(parsed: list[ParsedCommand]) -> list[tuple[str, dict]]:
    return [(p.cmd.name, p.values) for p in parsed]


def error_of(text: str) -> list[str]:
    with pytest.raises(GrammarError) as info:
        script(text)
    return info.value.messages


def words(text: str) -> list[list[str]]:
    """The words of each command of ``text``, as the tokenizer yields them."""
    out: list[list[str]] = [[]]
    for kind, word in script_tokens(text):
        if kind == WORD:
            out[-1].append(word)
        elif kind == END_CMD:
            out.append([])
    return [w for w in out if w]


# -- tokenizer ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("echo a \t b", [["echo", "a", "b"]]),
        ('echo "a \t b"', [["echo", "a \t b"]]),
        ("echo 'a \t b'", [["echo", "a \t b"]]),
        ("echo a\\ \\\t\\ b", [["echo", "a \t b"]]),
        # quotes concatenate inside one word
        ("echo --s\\h'e'\"l\"l -- a", [["echo", "--shell", "--", "a"]]),
        ("echo '-'\"-\" x", [["echo", "--", "x"]]),
        ("a'b'\"c\"d", [["abcd"]]),
        # backslash escapes inside double quotes but not inside single quotes
        ('"a\\"b"', [['a"b']]),
        ("'a\\'", [["a\\"]]),
        ('"\\x"', [["x"]]),
        ("'\"'", [['"']]),
        ('"\'"', [["'"]]),
        # empty words survive as words
        ("echo '' \"\"", [["echo", "", ""]]),
        # an unterminated single quote runs to the end silently
        ("echo 'a b", [["echo", "a b"]]),
        ("echo 'a;b\nc", [["echo", "a;b\nc"]]),
        # ; and newline end commands, also right after a word
        ("a;b\nc", [["a"], ["b"], ["c"]]),
        (";;\n;", []),
        ("echo a\\;b", [["echo", "a;b"]]),
        ("echo 'a;b' \"c;d\"", [["echo", "a;b", "c;d"]]),
        # backslash-newline is elided, also between words and mid-word
        ("ec\\\nho a", [["echo", "a"]]),
        ("echo \\\n b", [["echo", "b"]]),
        ('"ec\\\nho" a', [["echo", "a"]]),
        ("echo '\\\n b'", [["echo", "\\\n b"]]),
        # '#' at the start of a word comments out the rest of the line
        ("echo a # b; echo c", [["echo", "a"]]),
        ("echo a #b\necho c", [["echo", "a"], ["echo", "c"]]),
        ("echo a#b", [["echo", "a#b"]]),
        ("echo a '#' b", [["echo", "a", "#", "b"]]),
        ("echo a \\# b", [["echo", "a", "#", "b"]]),
        ("#unbalanced; 'quotes\"\necho a", [["echo", "a"]]),
        # a comment ends at the newline even after a backslash
        ("echo a # b\\\necho c", [["echo", "a"], ["echo", "c"]]),
        # blanks are only space and tab
        ("a\rb\x0bc", [["a\rb\x0bc"]]),
    ],
)
def test_tokenizer_words(text: str, expected: list[list[str]]) -> None:
    assert words(text) == expected


def test_tokenizer_token_kinds() -> None:
    assert list(script_tokens(" a ;b\n")) == [
        (WORD, "a"),
        (END_CMD, ""),
        (WORD, "b"),
        (END_CMD, ""),
        (END, ""),
    ]
    assert list(script_tokens("")) == [(END, "")]
    assert list(script_tokens("# only a comment")) == [(END_CMD, ""), (END, "")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("echo a \\", "dangling \\"),
        ("\\", "dangling \\"),
        ('echo "a \\', "dangling \\"),
        ('echo "a', 'missing "'),
        ('echo a"b', 'missing "'),
        ('"', 'missing "'),
        ("echo 'x'\"", 'missing "'),
    ],
)
def test_tokenizer_errors(text: str, message: str) -> None:
    with pytest.raises(GrammarError) as info:
        list(script_tokens(text))
    assert info.value.messages == [message]


def test_tokenizer_is_lazy() -> None:
    """Tokens before the bad one arrive first: virsh reports the first error."""
    tokens = script_tokens('echo a; echo "')
    assert next(tokens) == (WORD, "echo")
    assert next(tokens) == (WORD, "a")
    assert next(tokens) == (END_CMD, "")
    assert next(tokens) == (WORD, "echo")
    with pytest.raises(GrammarError):
        next(tokens)


def test_tokenizer_quiet_mode_accepts_unterminated_double_quote() -> None:
    """send(False): how virsh reads the words of a commented-out command."""
    tokens = script_tokens('x "abc; y')
    assert next(tokens) == (WORD, "x")
    assert tokens.send(False) == (WORD, "abc; y")
    assert next(tokens) == (END, "")


def test_argv_tokens_are_words() -> None:
    assert list(argv_tokens(["a;b", "'", ""])) == [
        (WORD, "a;b"),
        (WORD, "'"),
        (WORD, ""),
        (END, ""),
    ]


# -- binding ----------------------------------------------------------------------


def test_commands_and_empty_commands() -> None:
    assert summary(script(";echo a; ; echo b;")) == [
        ("echo", {"string": ["a"]}),
        ("echo", {"string": ["b"]}),
    ]
    assert summary(script("echo ; echo")) == [("echo", {}), ("echo", {})]
    assert script(";;") == []
    assert script("   ") == []
    assert script("") == []


def test_argv_mode_semicolon_is_data() -> None:
    assert summary(argv("echo", "a", ";", "echo", "b")) == [
        ("echo", {"string": ["a", ";", "echo", "b"]})
    ]


def test_option_value_forms() -> None:
    expected = [("slist", {"domain": "d", "from": "x"})]
    assert summary(script("slist d --from x")) == expected
    assert summary(script("slist d --from=x")) == expected
    assert summary(script("slist --from=x d")) == expected
    # the value is taken verbatim, even when it looks like an option
    assert summary(script("slist d --from --tree")) == [
        ("slist", {"domain": "d", "from": "--tree"})
    ]
    assert summary(script("slist d --from=")) == [("slist", {"domain": "d", "from": ""})]
    assert summary(script("slist d --from=a=b")) == [("slist", {"domain": "d", "from": "a=b"})]


def test_positional_fill_in_declaration_order() -> None:
    # domain, then from, then start: bools are skipped, named_only never filled
    assert summary(script("slist d f 7")) == [("slist", {"domain": "d", "from": "f", "start": "7"})]
    # options given by name are skipped by the positional fill
    assert summary(script("slist --domain d f")) == [("slist", {"domain": "d", "from": "f"})]
    assert summary(script("slist --from f d 7")) == [
        ("slist", {"from": "f", "domain": "d", "start": "7"})
    ]
    assert summary(script("slist --start 7 d f")) == [
        ("slist", {"start": "7", "domain": "d", "from": "f"})
    ]
    with pytest.raises(GrammarError) as info:
        script("slist d f 7 n")
    assert info.value.messages == ["unexpected data 'n'"]


def test_numbers_and_dashes_are_data() -> None:
    """Only `--` + alphanumeric makes an option word: -1, -x, --- and --= are data."""
    assert summary(script("slist d --start -1")) == [("slist", {"domain": "d", "start": "-1"})]
    assert summary(script("echo -1 -x --- --= --_")) == [
        ("echo", {"string": ["-1", "-x", "---", "--=", "--_"]})
    ]


def test_argv_option_swallows_the_rest_and_repeats() -> None:
    assert summary(script("echo a --shell b --string c --str d")) == [
        ("echo", {"string": ["a", "b", "c", "d"], "shell": True})
    ]


def test_double_dash_makes_everything_data() -> None:
    assert summary(script("echo -- --shell a")) == [("echo", {"string": ["--shell", "a"]})]
    assert summary(script("echo -- -- --shell a")) == [("echo", {"string": ["--", "--shell", "a"]})]
    assert summary(argv("echo", "a", "--", "--xml")) == [("echo", {"string": ["a", "--xml"]})]
    # `--` does not end the command in a script
    assert summary(script("echo -- a; echo --shell b")) == [
        ("echo", {"string": ["a"]}),
        ("echo", {"string": ["b"], "shell": True}),
    ]


def test_aliases() -> None:
    assert summary(script("echo --str hello")) == [("echo", {"string": ["hello"]})]
    assert summary(script("echo --str=hello")) == [("echo", {"string": ["hello"]})]
    assert summary(script("echo --hi")) == [("echo", {"string": ["hello"]})]
    assert summary(script("echo --hi --str a")) == [("echo", {"string": ["hello", "a"]})]
    assert error_of("echo --hi=x") == ["invalid '=' after option --hi"]
    assert error_of("echo --str") == ["expected syntax: --string <string>"]


# -- errors, in virsh's words (reference §2.4) ---------------------------------------


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("frobnicate", ["unknown command: 'frobnicate'"]),
        ("''", ["unknown command: ''"]),
        ("slist d --nam x", ["command 'slist' doesn't support option --nam"]),
        ("noargs --x=1", ["command 'noargs' doesn't support option --x"]),
        ("slist d --tree=yes", ["invalid '=' after option --tree"]),
        ("slist d --tree=", ["invalid '=' after option --tree"]),
        ("slist d --from a --from b", ["option --from already seen"]),
        ("slist d --tree --tree", ["option --tree already seen"]),
        ("slist --domain d --domain e", ["option --domain already seen"]),
        ("slist d --from", ["expected syntax: --from <string>"]),
        ("slist d --from; echo", ["expected syntax: --from <string>"]),
        ("slist d --from # comment", ["expected syntax: --from <string>"]),
        ("slist d --start", ["expected syntax: --start <number>"]),
        ("dump d s", ["command 'dump' requires --count option"]),
        ("noargs b", ["unexpected data 'b'"]),
        ("slist", ["command 'slist' requires <domain> option"]),
        ("need", ["command 'need' requires <files> option"]),
        # one line per missing option, in declaration order
        (
            "dump",
            [
                "command 'dump' requires <domain> option",
                "command 'dump' requires <snapshotname> option",
                "command 'dump' requires --count option",
            ],
        ),
        ("dump --count 1 d", ["command 'dump' requires <snapshotname> option"]),
        # --help never takes '='
        ("echo --help=1", ["invalid '=' after option --help"]),
    ],
)
def test_errors(text: str, messages: list[str]) -> None:
    assert error_of(text) == messages
    # argv mode binds the same words the same way
    if "'" not in text and "#" not in text and ";" not in text:
        with pytest.raises(GrammarError) as info:
            argv(*text.split())
        assert info.value.messages == messages


def test_required_given_by_name_or_position() -> None:
    assert summary(script("dump --count 1 d s")) == [
        ("dump", {"count": "1", "domain": "d", "snapshotname": "s"})
    ]
    assert summary(script("need a b")) == [("need", {"files": ["a", "b"]})]
    assert summary(script("need --files a")) == [("need", {"files": ["a"]})]


# -- --help ------------------------------------------------------------------------------


def test_help_option_anywhere_skips_required_checks() -> None:
    (parsed,) = script("slist --help")
    assert parsed.cmd.name == "slist" and parsed.help_requested
    (parsed,) = script("dump x --help")
    assert parsed.help_requested
    # --help may repeat (it is not tracked as seen)
    assert script("slist --help --help")[0].help_requested


def test_help_option_still_rejects_unknown_options_and_data() -> None:
    assert error_of("slist --help --nope") == ["command 'slist' doesn't support option --nope"]
    assert error_of("noargs --help x") == ["unexpected data 'x'"]
    assert error_of("slist --help --from") == ["expected syntax: --from <string>"]


def test_help_command_ignores_unknown_options_and_data() -> None:
    assert summary(script("help --foo bar baz")) == [("help", {"command": "bar"})]
    assert summary(script("help --foo=x a")) == [("help", {"command": "a"})]
    assert summary(script("help a b c")) == [("help", {"command": "a"})]
    # but a missing value of its own option is still an error
    assert error_of("help --command") == ["expected syntax: --command <string>"]


def test_help_command_reports_repeated_option_and_goes_on() -> None:
    """virsh prints `option --command already seen` yet runs `help a`."""
    reported: list[str] = []
    parsed = parse_script("help --command a --command b; echo x", lookup, report=reported.append)
    assert reported == ["option --command already seen"]
    assert summary(parsed) == [("help", {"command": "a"}), ("echo", {"string": ["x"]})]


def test_other_commands_fail_on_repeated_option_even_with_report() -> None:
    reported: list[str] = []
    with pytest.raises(GrammarError):
        parse_script("slist d --from a --from b", lookup, report=reported.append)
    assert reported == []


# -- comments ----------------------------------------------------------------------------


def test_unquoted_hash_comments_out_the_rest_of_the_line() -> None:
    assert summary(script("echo a # b; echo c")) == [("echo", {"string": ["a"]})]
    assert summary(script("echo a # b\necho c")) == [
        ("echo", {"string": ["a"]}),
        ("echo", {"string": ["c"]}),
    ]
    # nothing after the '#' is even tokenized
    assert summary(script('echo a # "unterminated \\')) == [("echo", {"string": ["a"]})]


def test_quoted_hash_in_command_position_comments_out_only_that_command() -> None:
    assert summary(script("'#x' y; echo c")) == [("echo", {"string": ["c"]})]
    assert summary(script("\\# ignored;echo a\n'#also' ignored")) == [("echo", {"string": ["a"]})]
    assert summary(script('"#" frobnicate --bad; echo c')) == [("echo", {"string": ["c"]})]
    # argv mode too: a first word starting with '#' is a comment
    assert argv("#x", "echo", "a") == []


def test_commented_out_command_runs_an_unterminated_quote_to_the_end() -> None:
    """virsh reads those words without error reporting (verified with virsh)."""
    assert script("'#x' \"abc; echo b") == []
    assert summary(script("echo a; '#x' \"abc")) == [("echo", {"string": ["a"]})]
    # a dangling backslash is still an error there
    assert error_of("'#x' a\\") == ["dangling \\"]


# -- first error wins ---------------------------------------------------------------------


def test_first_error_wins() -> None:
    # a bad option in command 1 beats an unterminated quote in command 3
    assert error_of('echo --foo; echo a; echo "') == ["command 'echo' doesn't support option --foo"]
    # the quote error comes first when it is met first
    assert error_of('echo "; frobnicate') == ['missing "']
    # an unknown command is reported before its later words are tokenized
    assert error_of('frobnicate "') == ["unknown command: 'frobnicate'"]
    assert error_of("frobnicate \\") == ["unknown command: 'frobnicate'"]
    # an unknown command after a good one: nothing is returned at all
    assert error_of("echo a; frobnicate; echo b") == ["unknown command: 'frobnicate'"]
    # a missing required option is reported when its command ends
    assert error_of('slist; echo "') == ["command 'slist' requires <domain> option"]


# -- debug lines -----------------------------------------------------------------------------


def test_debug_lines_for_each_bound_option() -> None:
    """virsh -d 1: `<cmd>: <opt>(optdata|bool): <value|(none)>` as options bind."""
    lines: list[str] = []
    with pytest.raises(GrammarError):
        parse_script(
            "echo --hi --shell x; help --foo echo z; slist d --from=; frobnicate",
            lookup,
            debug=lines.append,
        )
    assert lines == [
        "echo: string(optdata): hello\n",
        "echo: shell(bool): (none)\n",
        "echo: string(optdata): x\n",
        "help: command(optdata): echo\n",
        "slist: domain(optdata): d\n",
        "slist: from(optdata): \n",
    ]
    lines.clear()
    parse_argv(["slist", "--help", "d"], lookup, debug=lines.append)
    assert lines == ["slist: help(bool): (none)\n", "slist: domain(optdata): d\n"]


# -- properties ---------------------------------------------------------------------------------

VOCABULARY = st.sampled_from(
    [
        "echo",
        "slist",
        "dump",
        "need",
        "help",
        "noargs",
        "frob",
        "--shell",
        "--str",
        "--hi",
        "--hi=x",
        "--string",
        "--from",
        "--from=",
        "--tree",
        "--tree=1",
        "--start",
        "--count",
        "--name",
        "--help",
        "--domain",
        "--",
        "-1",
        "a",
        "#",
        "#x",
        "'",
        '"',
        "\\",
        "\\\n",
        ";",
        "\n",
        " ",
        "\t",
        "=",
    ]
)
SCRIPTS = st.lists(VOCABULARY | st.text(max_size=4), max_size=20).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), SCRIPTS))
def test_script_parse_returns_or_raises_grammar_error(text: str) -> None:
    try:
        parsed = parse_script(text, lookup, report=lambda _m: None, debug=lambda _m: None)
    except GrammarError as exc:
        assert exc.messages and all(isinstance(m, str) and m for m in exc.messages)
    else:
        assert all(isinstance(p, ParsedCommand) for p in parsed)


@settings(max_examples=300, deadline=None)
@given(st.lists(VOCABULARY | st.text(max_size=6), max_size=12))
def test_argv_parse_returns_or_raises_grammar_error(words_: list[str]) -> None:
    try:
        parsed = parse_argv(words_, lookup)
    except GrammarError as exc:
        assert exc.messages
    else:
        assert len(parsed) <= 1


ARGV_WORDS = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@settings(max_examples=300, deadline=None)
@given(st.lists(ARGV_WORDS, min_size=1, max_size=8))
def test_shell_quoted_words_tokenize_back(words_: list[str]) -> None:
    """echo --shell's quoting (virBufferEscapeShell) is read back word for word."""
    text = " ".join(shell_quote(w) for w in words_)
    tokens = list(script_tokens(text))
    assert tokens == [(WORD, w) for w in words_] + [(END, "")]
    (parsed,) = parse_script("echo -- " + text, lookup)
    assert parsed.values == {"string": words_}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("abc-=,.:/", min_size=1), max_size=8))
def test_plain_words_parse_alike_as_script_and_argv(words_: list[str]) -> None:
    """Without blanks, quotes, ';', '#' or '\\', a script is its argv words."""
    for command in (["echo"], ["slist", "d"], ["help"]):
        try:
            expected = summary(parse_argv([*command, *words_], lookup))
        except GrammarError as exc:
            with pytest.raises(GrammarError) as info:
                parse_script(" ".join([*command, *words_]), lookup)
            assert info.value.messages == exc.messages
        else:
            assert summary(parse_script(" ".join([*command, *words_]), lookup)) == expected


def test_parse_accepts_any_token_iterator() -> None:
    """Without .send (a plain iterator), commented-out words are read normally."""
    tokens = iter([(WORD, "#x"), (WORD, "y"), (END_CMD, ""), (WORD, "echo"), (END, "")])
    assert summary(parse(tokens, lookup)) == [("echo", {})]


# -- positions and leniency (what completion reads) --------------------------------------------


def positions(line: str, *, lenient: bool = False) -> list[tuple[int, str, int, int, str]]:
    """(kind, text, start, pos, quote) per token; start and quote only mean something for words."""
    scanner = Scanner(line, lenient=lenient)
    out = []
    for kind, text in scanner:
        word = kind == WORD
        out.append(
            (kind, text, scanner.start if word else -1, scanner.pos, scanner.quote if word else "")
        )
    return out


def test_scanner_positions_follow_virsh() -> None:
    assert positions("ab  'c d';e ") == [
        (WORD, "ab", 0, 2, ""),
        (WORD, "c d", 4, 9, ""),
        (END_CMD, "", -1, 10, ""),
        (WORD, "e", 10, 11, ""),
        (END, "", -1, 11, ""),  # the end leaves the position before the trailing blank
    ]
    assert positions("a\\\n b")[1][:4] == (WORD, "b", 4, 5)  # backslash-newline is a blank


def test_scanner_lenient_reads_an_unfinished_line() -> None:
    with pytest.raises(TokenError):
        positions('a "bc')
    with pytest.raises(TokenError):
        positions("a bc\\")
    assert positions('a "b c', lenient=True)[1] == (WORD, "b c", 2, 6, '"')
    assert positions("a 'b c", lenient=True)[1] == (WORD, "b c", 2, 6, "'")
    assert positions("a bc\\", lenient=True)[1] == (WORD, "bc", 2, 5, "")
    assert positions('a "b\\', lenient=True)[1] == (WORD, "b", 2, 5, '"')


def test_scanner_notes_a_comment_running_to_the_end() -> None:
    scanner = Scanner("echo a # rest; echo b")
    assert [kind for kind, _text in scanner] == [WORD, WORD, END_CMD, END]
    assert scanner.in_comment
    scanner = Scanner("echo a # rest\necho b")
    assert [kind for kind, _text in scanner][-1] == END and not scanner.in_comment


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), SCRIPTS))
def test_a_words_raw_text_reads_back_as_the_word(text: str) -> None:
    """Completion replaces text[start:pos]: that slice is exactly the word."""
    scanner = Scanner(text, lenient=True)
    for kind, word in scanner:
        if kind == WORD:
            raw = text[scanner.start : scanner.pos]
            assert list(Scanner(raw, lenient=True)) == [(WORD, word), (END, "")]


# -- completion mode (vshCommandParse with `partial`) --------------------------------------------


def target(line: str) -> str | None:
    partial = partial_script(line, lookup)
    found = partial.target if partial else None
    return found.name if found else None


def test_partial_marks_the_word_under_the_cursor() -> None:
    assert target("slist d f") == "from"
    assert target("slist d ") is None  # an empty word: options
    assert target("slist d") == "domain"
    assert target("slist --domain d") == "domain"
    assert target("slist --domain=d") == "domain"
    assert target("slist d --tree") == "tree"


def test_partial_missing_value_is_under_the_cursor_after_exactly_one_blank() -> None:
    assert target("slist d --from ") == "from"
    assert target("slist d --from  ") is None  # virsh's quirk
    assert target("slist d --from") is None
    partial = partial_script("slist d --from ", lookup)
    assert partial is not None and partial.opts[-1] == Bound(OptDef("from", S), None, True)
    assert partial.awaiting == OptDef("from", S)


def test_partial_stops_where_the_strict_parse_fails_keeping_what_it_bound() -> None:
    for line in ("slist d --nosuch x", "slist d --tree=1 x", "slist d --tree --tree", "noargs x"):
        partial = partial_script(line, lookup)
        assert partial is not None and partial.cmd is not None, line
    partial = partial_script("slist d --nosuch --tree", lookup)
    assert partial is not None and [b.opt.name for b in partial.opts] == ["domain"]
    partial = partial_script("frob a", lookup)
    assert partial is not None and partial.cmd is None and partial.opts == []
    # required options are not checked
    partial = partial_script("dump", lookup)
    assert partial is not None and partial.cmd is TABLE["dump"] and partial.opts == []


def test_partial_takes_the_last_command() -> None:
    partial = partial_script("echo a; slist d", lookup)
    assert partial is not None and partial.cmd is TABLE["slist"]
    assert partial_script("echo a;", lookup) is None
    assert partial_script("echo a # b", lookup) is None
    assert partial_script("", lookup) is None


def test_partial_help_option_becomes_help() -> None:
    partial = partial_script("slist --help ", lookup)
    assert partial is not None and partial.cmd is TABLE["help"]
    assert partial.values() == {"command": "slist"}


def test_partial_reports_tokenizer_errors_but_not_in_values() -> None:
    seen: list[str] = []
    partial_script('slist "d', lookup, seen.append)
    partial_script("slist d\\", lookup, seen.append)
    partial_script("'#x' a\\", lookup, seen.append)  # virsh reads it again, reporting
    partial_script('slist --from "d', lookup, seen.append)  # a value: read quietly
    partial_script("slist --from d\\", lookup, seen.append)
    partial_script("slist --nosuch", lookup, seen.append)  # binder errors: never
    assert seen == ['missing "', "dangling \\", "dangling \\"]
    partial = partial_script('slist --from "d e', lookup)
    assert partial is not None and partial.values() == {"from": "d e"}


def test_partial_values() -> None:
    partial = partial_script("echo --string a b --shell --hi c", lookup)
    assert partial is not None
    assert partial.values() == {"string": ["a", "b", "hello", "c"], "shell": True}
    partial = partial_script("slist d --from ", lookup)
    assert partial is not None and partial.values() == {"domain": "d", "from": None}


def test_skip_mode_passes_over_refused_words() -> None:
    """The shell's reading: every command as lenient as `help`, silently, --help kept."""
    words = ["slist", "--nosuch", "d", "--tree=1", "--help", "--tree", "f", "7", "x", "--a=b"]
    partial = parse_partial(argv_tokens(words), lookup, skip=True)
    assert partial is not None and partial.cmd is TABLE["slist"]
    assert partial.values() == {
        "domain": "d",
        "help": True,
        "tree": True,
        "from": "f",
        "start": "7",
    }
    assert partial.binder is not None and partial.binder.peek_data() is None
    partial = parse_partial(argv_tokens(["slist", "--domain"]), lookup, skip=True)
    assert partial is not None and partial.awaiting == OptDef("domain", D, required=True)
    partial = parse_partial(argv_tokens(["echo", "--", "--shell"]), lookup, skip=True)
    assert partial is not None and partial.data_only
    assert partial.binder is not None and partial.binder.peek_data() == OptDef("string", A)
    assert partial.binder.resolve("str") == OptDef("string", A)
    assert partial.binder.resolve("nope") is None


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), SCRIPTS))
def test_completion_mode_never_raises_and_binds_as_execution_does(text: str) -> None:
    """One binder: where a line runs, completing it binds its last command alike."""
    partial = partial_script(text, lookup, lambda _m: None)
    parse_partial(Scanner(text, lenient=True), lookup, point=len(text), skip=True)
    try:
        parsed = parse_script(text, lookup, report=lambda _m: None)
    except GrammarError:
        return
    if partial is None or not parsed or parsed[-1].help_requested:
        return
    assert partial.cmd is parsed[-1].cmd
    assert partial.values() == parsed[-1].values
