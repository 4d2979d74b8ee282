"""virsh's global options and their getopt-style scanner.

One table and one scanner for both readers of a vsh command line: the front
end (:mod:`vsh.cli`, strict: virsh's errors) and shell completion
(:mod:`vsh.completion.engine`, lenient: an unfinished line, where a bad
option is skipped rather than fatal).

The rules are getopt_long's with virsh's ``+:c:d:e:hk:K:l:qrtvV``: options
stop at the first non-option word (or after ``--``), short options cluster
(``-qc URI``, ``-cURI``), long names may be abbreviated to any unambiguous
prefix, and ``--version`` takes an optional ``=ARG``.
"""

from __future__ import annotations

from vsh.core.errors import VshError

# Lean on purpose (no typing, no collections): the warm client scans argv with
# this module before it knows whether it needs the rest of vsh.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

# getopt's has_arg values.
NO_ARGUMENT, REQUIRED_ARGUMENT, OPTIONAL_ARGUMENT = 0, 1, 2


class GlobalOption:
    __slots__ = ("argument", "letter", "name")

    def __init__(self, name: str, argument: int, letter: str) -> None:
        self.name = name  # long name, without "--"
        self.argument = argument  # NO_ARGUMENT, REQUIRED_ARGUMENT or OPTIONAL_ARGUMENT
        self.letter = letter  # the short option it stands for


OPTIONS = (
    GlobalOption("connect", REQUIRED_ARGUMENT, "c"),
    GlobalOption("debug", REQUIRED_ARGUMENT, "d"),
    GlobalOption("escape", REQUIRED_ARGUMENT, "e"),
    GlobalOption("help", NO_ARGUMENT, "h"),
    GlobalOption("keepalive-interval", REQUIRED_ARGUMENT, "k"),
    GlobalOption("keepalive-count", REQUIRED_ARGUMENT, "K"),
    GlobalOption("log", REQUIRED_ARGUMENT, "l"),
    GlobalOption("quiet", NO_ARGUMENT, "q"),
    GlobalOption("readonly", NO_ARGUMENT, "r"),
    GlobalOption("timing", NO_ARGUMENT, "t"),
    GlobalOption("version", OPTIONAL_ARGUMENT, "v"),
)
SHORT_WITH_ARG = frozenset("cdekKl")
SHORT_FLAGS = frozenset("hqrtvV")

# Fleet mode (a vsh extension): accepted only when -H/--hosts is among the
# global options, so that without -H every option error, abbreviation and
# ambiguity stays virsh's.  Long-only options are keyed by their long name.
FLEET_OPTIONS = (
    GlobalOption("hosts", REQUIRED_ARGUMENT, "H"),
    GlobalOption("exclude", REQUIRED_ARGUMENT, "x"),
    GlobalOption("fanout", REQUIRED_ARGUMENT, "fanout"),
    GlobalOption("connect-timeout", REQUIRED_ARGUMENT, "connect-timeout"),
    GlobalOption("command-timeout", REQUIRED_ARGUMENT, "command-timeout"),
    GlobalOption("gather", NO_ARGUMENT, "gather"),
    GlobalOption("diff", NO_ARGUMENT, "diff"),
    GlobalOption("fail-fast", NO_ARGUMENT, "fail-fast"),
    GlobalOption("yes", NO_ARGUMENT, "yes"),
    GlobalOption("json", NO_ARGUMENT, "json"),
)
FLEET_SHORT_WITH_ARG = frozenset("Hx")

# (letter, argument or None, given in its long form)
Found = tuple[str, str | None, bool]


class MissingArgument(VshError):
    """The last word is an option that needs an argument (raised in both modes)."""


def long_names() -> list[str]:
    """``--connect``, ``--debug``, ... in the table's order."""
    return [f"--{option.name}" for option in OPTIONS]


def _long_option(name: str, fleet: bool = False) -> GlobalOption | None:
    """The option ``name`` names exactly, or else as the only one it abbreviates.

    In fleet mode virsh's options are tried first, so an abbreviation that
    worked without -H (``--conn``, ``--d``) means the same with it.
    """
    tables = (OPTIONS, FLEET_OPTIONS) if fleet else (OPTIONS,)
    for table in tables:
        matches = [o for o in table if o.name == name]
        if matches:
            return matches[0]
    for table in tables:
        matches = [o for o in table if o.name.startswith(name)]
        if matches:
            return matches[0] if len(matches) == 1 else None
    return None


def _missing(letter: str) -> MissingArgument:
    long_name = next(o.name for o in OPTIONS + FLEET_OPTIONS if o.letter == letter)
    if len(letter) > 1:
        return MissingArgument(f"option '--{long_name}' requires an argument")
    return MissingArgument(f"option '-{letter}'/'--{long_name}' requires an argument")


def fleet_requested(argv: Sequence[str]) -> bool:
    """Whether -H/--hosts is among the global options (fleet mode, a vsh extension)."""
    try:
        return any(letter == "H" for letter, _v, _l in getopt(argv, [], lenient=True, fleet=True))
    except VshError:
        return False


def getopt(
    argv: Sequence[str], rest: list[str], *, lenient: bool = False, fleet: bool = False
) -> Iterator[Found]:
    """getopt_long with "+:" semantics: yields each option found, then fills ``rest``.

    Lazy like getopt: virsh acts on each option before reading the next, so
    ``-v -x`` prints the version and ``-d 9 -x`` warns before failing.
    ``lenient`` (completion) skips unknown, ambiguous and misused options
    instead of raising virsh's error; a missing argument raises
    :class:`MissingArgument` in both modes.  ``fleet`` adds the fleet
    options (:data:`FLEET_OPTIONS`) to virsh's.
    """
    with_arg = SHORT_WITH_ARG | FLEET_SHORT_WITH_ARG if fleet else SHORT_WITH_ARG
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            rest.extend(argv[i + 1 :])
            return
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            option = _long_option(name, fleet)
            i += 1
            if option is None:
                if lenient:
                    continue
                raise VshError(f"unsupported option '{word}'. See --help.")
            letter = option.letter
            if option.argument == NO_ARGUMENT:
                if eq and not lenient:
                    shown = f"--{letter}" if len(letter) > 1 else f"-{letter}"
                    raise VshError(f"unsupported option '{shown}'. See --help.")
                yield letter, None, True
            elif option.argument == OPTIONAL_ARGUMENT:
                yield letter, value if eq else None, True
            elif eq:
                yield letter, value, True
            elif i < len(argv):
                i += 1
                yield letter, argv[i - 1], True
            else:
                raise _missing(letter)
            continue
        if not word.startswith("-") or word == "-":
            break
        i += 1
        pos = 1
        while pos < len(word):
            letter = word[pos]
            pos += 1
            if letter in SHORT_FLAGS:
                yield letter, None, False
            elif letter in with_arg:
                if pos < len(word):
                    yield letter, word[pos:], False
                elif i < len(argv):
                    i += 1
                    yield letter, argv[i - 1], False
                else:
                    raise _missing(letter)
                break
            elif not lenient:
                raise VshError(f"unsupported option '-{letter}'. See --help.")
    rest.extend(argv[i:])
