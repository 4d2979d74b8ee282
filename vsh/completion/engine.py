"""Turn the text before the cursor into completion candidates.

One engine, three front ends:

* :func:`complete` serves the interactive shell: commands, the options not
  given yet (mutually exclusive ones hidden, vsh's extensions shown), option
  values from each option's completer (through the name cache), quoted so
  the line parses back to the name;
* :func:`complete_virsh` is virsh's readline completion as its hidden
  ``complete`` command prints it (bash completion's protocol), quirks
  included, so that ``complete`` output matches virsh's;
* :func:`complete_command_line` serves vsh's own bash, zsh and fish scripts:
  it reads the shell's command line (global options such as ``-c`` and
  ``-r`` included) and quotes for that shell.

Completers are called ``completer(session, flags, values)``; older ones
taking ``(session, flags)`` are called that way.  Whatever a completer
raises, completion offers nothing rather than failing.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple, cast

from vsh.completion.partial import (
    Analysis,
    Mode,
    Word,
    analyse,
    analyse_words,
    split_posix,
)
from vsh.core import globalopts
from vsh.core import registry as table
from vsh.core.grammar import OptKind, partial_script

if TYPE_CHECKING:
    from vsh.completion.cache import NameCache
    from vsh.core.command import VshCommand, VshOption
    from vsh.core.session import Session

Prepare = Callable[[], object]


class Candidate(NamedTuple):
    text: str  # what replaces the word, quoted or escaped as needed
    display: str  # the plain name
    meta: str = ""  # "command", "option", or the option a value is for


# -- names ---------------------------------------------------------------------------------


def command_names() -> list[str]:
    """Visible commands in help order (vshReadlineCommandGenerator)."""
    return [name for name, entry in table.entries().items() if not entry.hidden]


def option_names(
    cmd: VshCommand, given: Iterable[str], *, hide_exclusive: bool, extensions: bool
) -> list[str]:
    """``--options`` not given yet, in declaration order (ARGV ones stay offered).

    ``hide_exclusive`` drops options that clash with a given one
    (``VshCommand.exclusive``); ``extensions`` keeps vsh's additions such as
    ``--json``.  virsh's completion does neither.
    """
    given = set(given)
    excluded: set[str] = set()
    if hide_exclusive:
        for first, second in cmd.exclusive:
            if first in given:
                excluded.add(second)
            if second in given:
                excluded.add(first)
    out = []
    for opt in cmd.vsh_options:
        d = opt.vsh
        if d.kind is OptKind.ALIAS or d.name in excluded:
            continue
        if opt.extension and not extensions:
            continue
        if d.name in given and d.kind is not OptKind.ARGV:
            continue
        out.append(f"--{d.name}")
    return out


def local_paths(prefix: str) -> list[str]:
    """Files and directories matching ``prefix`` (directories end in '/')."""
    directory, _, stem = prefix.rpartition("/")
    base = directory + "/" if directory or prefix.startswith("/") else ""
    try:
        entries = os.listdir(directory or ("/" if prefix.startswith("/") else "."))
    except OSError:
        return []
    out = []
    for entry in sorted(entries):
        if not entry.startswith(stem) or (entry.startswith(".") and not stem.startswith(".")):
            continue
        path = base + entry
        out.append(path + "/" if os.path.isdir(path) else path)
    return out


# -- calling completers ---------------------------------------------------------------------------


@lru_cache(maxsize=512)
def takes_values(completer: Callable[..., object]) -> bool:
    """Whether ``completer`` accepts the third ``values`` argument."""
    try:
        params = inspect.signature(completer).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = 0
    for p in params:
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            return True
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 3


def call_completer(
    completer: Callable[..., Iterable[str]],
    session: Session,
    flags: int,
    values: Mapping[str, object],
) -> list[str]:
    """Call a completer in whichever form it takes; never raises."""
    try:
        if takes_values(completer):
            result = completer(session, flags, values)
        else:
            result = completer(session, flags)
        return [str(x) for x in result or ()]
    except Exception:
        return []


def cache_key(
    completer: Callable[..., object], flags: int, values: Mapping[str, object]
) -> Hashable | None:
    """What a completer's result depends on, or None when it must not be cached.

    Two-argument completers depend on the connection only; completers taking
    ``values`` say which ones they read with ``@depends_on`` (else they may
    read the word being typed and are called every time).
    """
    deps = getattr(completer, "completion_depends_on", None)
    if deps is None:
        if takes_values(completer):
            return None
        deps = ()
    context = tuple((name, _hashable(values.get(name))) for name in deps)
    return (completer, flags, context)


def _hashable(value: object) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


def option_values(
    session: Session,
    opt: VshOption,
    values: Mapping[str, object],
    word: str,
    cache: NameCache | None = None,
    *,
    files: bool = True,
    prepare: Prepare | None = None,
) -> list[str]:
    """Every value ``opt``'s completer offers (unfiltered), sorted as readline lists them."""
    completer = opt.completer
    if completer is not None:
        if prepare is not None:
            prepare()
        key = cache_key(completer, opt.completer_flags, values)

        def fetch() -> list[str]:
            return sorted(call_completer(completer, session, opt.completer_flags, values))

        if cache is not None and key is not None:
            return cache.get(key, fetch)
        return fetch()
    if files and opt.value_kind == "file":
        return local_paths(word)
    return []


# -- quoting -----------------------------------------------------------------------------------

_VSH_SPECIAL = frozenset(" \t'\"\\;")
_BASH_SPECIAL = frozenset(" \t\"'\\$`&;|<>()*?[]{}!")
_VSH_PLAIN = re.compile(r"[^ \t'\"\\;\n#][^ \t'\"\\;\n]*")  # needs no quoting at all


def quote_vsh(value: str, word: Word) -> str:
    """A name as a word of vsh's (virsh's) grammar that parses back to it."""
    if not word.quote and _VSH_PLAIN.fullmatch(value):
        return value  # the common case, kept fast for 10,000 snapshot names
    if word.quote == "'" or (not word.quote and "\n" in value):
        return "'" + value.replace("'", "'\\''") + "'"
    if word.quote == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    out = "".join("\\" + ch if ch in _VSH_SPECIAL else ch for ch in value)
    return "\\" + out if out.startswith("#") else out


def quote_bash(value: str, word: Word) -> str:
    """A name as a bash word, continuing the quote the user opened, if any."""
    if word.quote == "'" or (not word.quote and "\n" in value):
        return "'" + value.replace("'", "'\\''") + "'"
    if word.quote == '"':
        return '"' + "".join("\\" + ch if ch in '"\\$`' else ch for ch in value) + '"'
    out = "".join("\\" + ch if ch in _BASH_SPECIAL else ch for ch in value)
    return "\\" + out if out.startswith(("#", "~")) else out


# -- the shell -------------------------------------------------------------------------------


def gather(
    session: Session,
    analysis: Analysis,
    cache: NameCache | None = None,
    *,
    prepare: Prepare | None = None,
) -> list[tuple[str, str]]:
    """(value, meta) pairs for the analysed word, prefix-filtered, without duplicates.

    Written for 10,000 snapshot names: each source is filtered with plain
    list comprehensions before anything is built per name.
    """
    prefix = analysis.word.text
    cmd = cast("VshCommand | None", analysis.command)

    def pick(names: list[str], meta: str, *, dashes: bool = True) -> list[tuple[str, str]]:
        chosen = [v for v in names if v.startswith(prefix)] if prefix else names
        if not dashes:  # a name starting with "--" would be read as an option here
            chosen = [v for v in chosen if not v.startswith("--")]
        return [(v, meta) for v in dict.fromkeys(chosen)]

    if analysis.mode is Mode.COMMAND:
        return pick(command_names(), "command")
    if cmd is None:
        return []
    if analysis.mode is Mode.VALUE and analysis.target is not None:
        opt = cmd.option(analysis.target.name)
        if opt is None:
            return []
        names = option_values(session, opt, analysis.values, prefix, cache, prepare=prepare)
        return pick(names, opt.vsh.name)
    if analysis.mode is not Mode.OPTION:
        return []
    found: list[tuple[str, str]] = []
    positional = analysis.next_positional
    if positional is not None and not prefix:
        opt = cmd.option(positional.name)
        if opt is not None:
            names = option_values(session, opt, analysis.values, "", cache, prepare=prepare)
            found = pick(names, opt.vsh.name, dashes=analysis.data_only)
    if not analysis.data_only:
        options = option_names(cmd, analysis.given, hide_exclusive=True, extensions=True)
        found += pick(options, "option")
    return found


_plain = _VSH_PLAIN.fullmatch


def complete(
    session: Session, line: str, *, cache: NameCache | None = None
) -> tuple[int, list[Candidate]]:
    """The interactive shell's candidates for the word ending ``line``, and where it starts."""
    analysis = analyse(line, table.get_command)
    word = analysis.word
    pairs = gather(session, analysis, cache)
    inline = analysis.inline_prefix
    if word.quote or inline:
        candidates = [Candidate(inline + quote_vsh(v, word), v, m) for v, m in pairs]
    else:  # the common case, inlined for long lists
        candidates = [Candidate(v if _plain(v) else quote_vsh(v, word), v, m) for v, m in pairs]
    return word.start, candidates


# -- virsh's `complete` ----------------------------------------------------------------------


def complete_virsh(
    session: Session, words: Sequence[str], report: Callable[[str], None] | None = None
) -> list[str]:
    """What virsh's ``complete -- WORDS`` prints, one entry per line.

    The words are joined by spaces into a line (so a word holding a blank
    becomes two), the last word is the text to complete, and candidates are
    escaped (spaces only) *before* they are prefix-filtered, all as virsh.
    ``report`` receives the parse errors virsh prints while completing.
    """
    line = " ".join(words)
    text = words[-1] if words else ""
    partial = partial_script(line, table.get_command, report)
    cmd = cast("VshCommand | None", partial.cmd if partial is not None else None)
    if cmd is not None and cmd.name == text:
        cmd = None  # "dump<TAB>" completes command names (dump, dumpxml)
    target = partial.target if partial is not None else None
    found: list[str]
    if cmd is None or partial is None:
        found = command_names()
    elif target is None or target.kind is OptKind.BOOL:
        given = [b.opt.name for b in partial.opts]
        found = option_names(cmd, given, hide_exclusive=False, extensions=False)
    else:
        opt = cmd.option(target.name)
        found = []
        if opt is not None and opt.completer is not None:
            found = call_completer(opt.completer, session, opt.completer_flags, partial.values())
    escaped = (value.replace(" ", "\\ ") for value in found)
    return [value for value in escaped if value.startswith(text)]


# -- vsh's bash/zsh/fish scripts -------------------------------------------------------------

SHELLS = ("bash", "zsh", "fish")


@dataclass
class CommandLine:
    """A shell command line invoking vsh, as far as completion needs it."""

    uri: str | None = None  # -c/--connect
    readonly: bool = False  # -r/--readonly
    words: list[Word] | None = None  # the vsh command's words before the cursor
    current: Word = field(default_factory=lambda: Word("", 0, 0))
    raw: str = ""  # the current word as typed (quotes and all)
    option_argument: bool = False  # the cursor is on a global option's argument
    globals_only: bool = False  # no command yet: the word is a global option or the command


def parse_command_line(line: str) -> CommandLine:
    """Split a shell's line (``vsh -c URI -r cmd args...``) into globals and command words.

    Global options are read by :func:`vsh.core.globalopts.getopt`, leniently
    (an unknown option is skipped, not fatal).
    """
    split = split_posix(line)
    current, before = split[-1], split[1:-1]
    out = CommandLine(current=current, raw=line[current.start :])
    rest: list[str] = []
    try:
        options = globalopts.getopt([w.text for w in before], rest, lenient=True)
        for letter, value, _long in options:
            _apply_global(out, letter, value)
    except globalopts.MissingArgument:
        out.option_argument = True
        return out
    out.words = before[len(before) - len(rest) :]
    out.globals_only = not out.words
    return out


def _apply_global(out: CommandLine, letter: str, value: str | None) -> None:
    if letter == "c":
        out.uri = value
    elif letter == "r":
        out.readonly = True


def global_option_names() -> list[str]:
    return globalopts.long_names()


def complete_command_line(
    session: Session,
    parsed: CommandLine,
    shell: str,
    *,
    cur: str | None = None,
    prepare: Prepare | None = None,
) -> list[str]:
    """Candidates for a shell's completion function, one output line each.

    bash gets words quoted for bash, minus whatever part of the word bash
    itself split off (``cur`` is bash's idea of the word, ``parsed.raw`` ours);
    zsh and fish get plain names (they quote themselves), fish with a tab and
    a description.
    """
    current = parsed.current
    if parsed.option_argument:
        return []
    if parsed.globals_only:
        if current.text.startswith("-"):
            pairs = [(n, "option") for n in global_option_names()]
        else:
            pairs = [(n, "command") for n in command_names()]
        pairs = [(v, m) for v, m in pairs if v.startswith(current.text)]
        analysis = Analysis(Mode.COMMAND, current)
    else:
        assert parsed.words is not None
        analysis = analyse_words(parsed.words, current, table.get_command)
        pairs = gather(session, analysis, None, prepare=prepare)
    prefix = analysis.inline_prefix
    if shell == "bash":
        replies = [prefix + quote_bash(value, analysis.word) for value, _meta in pairs]
        if cur is not None and parsed.raw.endswith(cur):
            cut = parsed.raw[: len(parsed.raw) - len(cur)]
            replies = [r[len(cut) :] for r in replies if r.startswith(cut)]
        return replies
    if shell == "fish":
        return [f"{prefix}{value}\t{meta}" for value, meta in pairs]
    return [prefix + value for value, _meta in pairs]
