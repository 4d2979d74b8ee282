"""Unit tests of the pure invocation generator (tests/conformance/generator.py)."""

from __future__ import annotations

from tests.conformance import generator as gen
from tests.conformance.generator import ARGV, BOOL, DATA, INT, STRING, CommandSpec, OptSpec

POOLS = gen.Pools(
    {"domain": ("test", "1"), "vol": ("/pool/v1",)},
    ("dom.xml", "missing.xml"),
)
SAVE = CommandSpec(
    "save",
    (
        OptSpec("domain", DATA, required=True),
        OptSpec("file", DATA, required=True),
        OptSpec("bypass-cache", BOOL),
        OptSpec("xml", STRING),
        OptSpec("verbose", BOOL),
    ),
)
ECHO = CommandSpec("echo", (OptSpec("shell", BOOL), OptSpec("string", ARGV)))
SEND = CommandSpec(
    "send-key",
    (
        OptSpec("domain", DATA, required=True),
        OptSpec("codeset", STRING, named_only=True),
        OptSpec("holdtime", INT, named_only=True),
        OptSpec("keycode", ARGV, required=True),
    ),
)
EVENT = CommandSpec(
    "event",
    (OptSpec("domain", STRING), OptSpec("timeout", INT), OptSpec("list", BOOL)),
    forced=(("timeout", ("abc",)),),
)
TABLE = [SAVE, ECHO, SEND, EVENT]


def cases(seed: int, count: int = 200) -> list[gen.Case]:
    return [gen.generate(seed, i, TABLE, POOLS) for i in range(count)]


def test_a_seed_reproduces_each_case_alone() -> None:
    first = cases(7)
    assert [gen.generate(7, i, TABLE, POOLS) for i in (150, 3, 42)] == [
        first[150],
        first[3],
        first[42],
    ]
    assert cases(8) != first


def test_every_command_is_covered_once_per_round() -> None:
    names = [c.command for c in cases(3, len(TABLE))]
    assert sorted(names) == sorted(s.name for s in TABLE)


def test_forms_and_values_vary() -> None:
    words = [w for c in cases(1) for w in c.words]
    assert "--file" in words and any(w.startswith("--file=") for w in words)
    assert "" in words
    assert {"2147483648", "18446744073709551616", "0x10", "1k", "abc", "-1"} & set(words)


def test_bare_words_bind_in_declaration_order() -> None:
    """Bare words are, in order, values of save's positional options: domain, file, xml."""
    domains = POOLS.named["domain"] + gen.WRONG + gen.EMPTY + gen.NUMBERS
    files = (*POOLS.files, "")
    seen = set()
    for case in cases(2, 400):
        if case.command != "save":
            continue
        rest = list(case.words[1:])
        bare = []
        while rest:
            word = rest.pop(0)
            if word.startswith("--"):
                if "=" not in word and word not in ("--bypass-cache", "--verbose", "--bogus"):
                    rest.pop(0)  # its value
            elif word != "extra":
                bare.append(word)
        assert len(bare) <= 3, case.line
        for word, pool in zip(bare, (domains, files, files), strict=False):
            assert word in pool, case.line
        seen.add(len(bare))
    assert seen == {0, 1, 2, 3}


def test_named_only_options_are_never_bare() -> None:
    for case in cases(4, 400):
        if case.command != "send-key":
            continue
        words = case.words
        for i, word in enumerate(words):
            if word in gen.ENUMS["codeset"] and word not in gen.ENUMS["keycode"]:
                assert words[i - 1] == "--codeset", case.line


def test_file_values_are_relative_names_from_the_pool() -> None:
    for case in cases(5, 400):
        words = case.words
        for i, word in enumerate(words):
            value = None
            if word in ("--file", "--xml"):
                value = words[i + 1]
            elif word.startswith(("--file=", "--xml=")):
                value = word.partition("=")[2]
            if value is not None:
                assert value in (*POOLS.files, ""), case.line
                assert not value.startswith("/")


def test_forced_options_always_appear_with_their_pool() -> None:
    for case in cases(6, 400):
        if case.command != "event":
            continue
        line = " ".join(case.words)
        assert "--timeout abc" in line or "--timeout=abc" in line or " abc" in line, line


def test_line_quotes_what_a_shell_would_split() -> None:
    case = gen.Case(1, 0, ("echo", "a b", "", "it's", "--x=1"))
    assert case.line == "echo 'a b' '' 'it'\\''s' --x=1"


def test_optspec_kinds() -> None:
    assert OptSpec("size", "alias", alias="size").takes_value
    assert not OptSpec("shareable", "alias", alias="mode=shareable").takes_value
    assert not OptSpec("shareable", "alias", alias="mode=shareable").positional
    assert not OptSpec("codeset", STRING, named_only=True).positional
    assert OptSpec("domain", DATA).positional
