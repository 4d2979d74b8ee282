"""Analyse the text before the cursor: which command, which option, which word.

Pure code (no libvirt, no prompt_toolkit).  Two analyses share one scanner
and one option binder:

* :func:`virsh_partial` is a port of virsh's partial parse
  (``vshCommandParse`` with ``partial``, tools/vsh.c), quirks included, for
  the hidden ``complete`` command, whose output must match virsh's;
* :func:`analyse` is the shell's lenient reading: unterminated quotes are
  fine, unknown or repeated options are skipped, ``--opt=value`` completes
  the value, and only the last command of a ``;``-separated line matters.
  :func:`analyse_words` does the same for words a POSIX shell has already
  split (bash, zsh and fish completion).

Word positions are kept so the completer knows which text to replace and
whether it was quoted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from vsh.core.grammar import CommandDef, OptDef, OptKind


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # the word with quotes and escapes removed
    start: int  # offset of its first raw character in the line
    end: int = -1  # offset just after its last raw character
    quote: str = ""  # the quote still open at its end, if any


# -- the virsh tokenizer, with positions (vshCommandStringGetArg) --------------------------------

WORD, END_CMD, END, ERROR = range(4)


class Scanner:
    """virsh's command-string tokenizer; ``pos`` moves as virsh's ``parser->pos`` does.

    At the end of the text ``pos`` stays before the trailing blanks (virsh
    returns VSH_TK_END without moving), which is what decides whether an
    option with a missing value is "under the cursor".  ``lenient`` never
    fails: an unterminated ``"`` or a trailing ``\\`` is just the word so far.
    """

    def __init__(self, line: str, *, lenient: bool = False) -> None:
        self.line = line
        self.pos = 0
        self.lenient = lenient
        self.in_comment = False  # the text ends inside a '#' comment
        self.error = ""  # why the last ERROR was returned

    def next(self, report: bool = True) -> tuple[int, Word | None]:
        line, n = self.line, len(self.line)
        p = self.pos
        while p < n and (line[p] in " \t" or (line[p] == "\\" and line.startswith("\n", p + 1))):
            p += 2 if line[p] == "\\" else 1
        if p >= n:
            return END, None
        ch = line[p]
        if ch in ";\n":
            self.pos = p + 1
            return END_CMD, None
        if ch == "#":
            eol = line.find("\n", p)
            self.in_comment = eol < 0
            self.pos = n if eol < 0 else eol + 1
            return END_CMD, None
        start = p
        chars: list[str] = []
        single = double = False
        while p < n:
            ch = line[p]
            if not single and not double and ch in " \t;\n":
                break
            if not double and ch == "'":
                single = not single
                p += 1
                continue
            if not single and ch == "\\":
                p += 1
                if p >= n:
                    if self.lenient:
                        break
                    self.error = "dangling \\"
                    return ERROR, None
                if line[p] == "\n":
                    p += 1
                    continue
            elif not single and ch == '"':
                double = not double
                p += 1
                continue
            chars.append(line[p])
            p += 1
        if double and report and not self.lenient:
            self.error = 'missing "'
            return ERROR, None
        self.pos = p
        quote = "'" if single else '"' if double else ""
        return WORD, Word("".join(chars), start, p, quote)


# -- POSIX shell words (bash, zsh and fish hand us their command line) ---------------------------


def split_posix(line: str) -> list[Word]:
    """Split a shell command line leniently; the last word may be open (or empty).

    Blanks separate words, ``'...'`` is literal, ``"..."`` and ``\\`` escape
    as in sh.  The result always ends with the word under the cursor, empty
    when the line ends with a blank.
    """
    words: list[Word] = []
    pos, n = 0, len(line)
    while True:
        while pos < n and line[pos] in " \t\n":
            pos += 1
        if pos >= n:
            words.append(Word("", n, n))
            return words
        start = pos
        chars: list[str] = []
        quote = ""
        while pos < n:
            ch = line[pos]
            if not quote and ch in " \t\n":
                break
            if quote == "'":
                if ch == "'":
                    quote = ""
                else:
                    chars.append(ch)
            elif ch == "\\" and quote == "":
                pos += 1
                if pos < n and line[pos] != "\n":
                    chars.append(line[pos])
            elif ch == "\\" and quote == '"':
                if pos + 1 < n and line[pos + 1] in '"\\$`':
                    pos += 1
                chars.append(line[pos] if pos < n else "\\")
            elif ch == '"':
                quote = "" if quote else '"'
            elif ch == "'" and quote == "":
                quote = "'"
            else:
                chars.append(ch)
            pos += 1
        pos = min(pos, n)
        words.append(Word("".join(chars), start, pos, quote))
        if pos >= n:
            return words


# -- the option binder (vshCmddefOptParse / GetOption / GetData) ---------------------------------

HELP_OPT = OptDef("help", OptKind.BOOL)


def is_option_word(text: str) -> bool:
    """virsh: ``--`` followed by an ASCII letter or digit."""
    return len(text) > 2 and text.startswith("--") and text[2].isascii() and text[2].isalnum()


class Binder:
    """One command's option table as virsh's parser walks it."""

    def __init__(self, cmd: CommandDef) -> None:
        self.cmd = cmd
        self.defs = list(cmd.optdefs)
        # Options positional data may fill, in declaration order (opts_need_arg).
        self.need_arg = [i for i, o in enumerate(self.defs) if o.positional]
        self.seen: set[int] = set()

    @property
    def is_help(self) -> bool:
        return self.cmd.name == "help"

    def find(self, name: str, inline: str | None) -> tuple[OptDef, str | None, int] | None:
        """vshCmddefGetOption: (option, inline value, index), or None if refused."""
        if name == "help":
            return HELP_OPT, inline, -1
        i = 0
        while i < len(self.defs):
            opt = self.defs[i]
            if opt.name == name:
                if opt.kind is OptKind.ALIAS:
                    target, eq, value = opt.alias.partition("=")
                    if eq:
                        if inline is not None:
                            return None
                        inline = value
                    name = target
                    i += 1
                    continue
                if i in self.seen and opt.kind is not OptKind.ARGV:
                    return None
                self.seen.add(i)
                return opt, inline, i
            i += 1
        return None

    def lookup(self, name: str) -> OptDef | None:
        """The option ``--name`` stands for (aliases followed), without binding it."""
        for opt in self.defs:
            if opt.name == name:
                if opt.kind is not OptKind.ALIAS:
                    return opt
                name = opt.alias.partition("=")[0]
        return None

    def got_value(self, index: int) -> None:
        """A named option received its value: positional data no longer fills it."""
        if index in self.need_arg and self.defs[index].kind is not OptKind.ARGV:
            self.need_arg.remove(index)

    def next_data(self) -> OptDef | None:
        """vshCmddefGetData: the option the next positional word fills."""
        if not self.need_arg:
            return None
        i = self.need_arg[0]
        opt = self.defs[i]
        if opt.kind is not OptKind.ARGV:
            self.need_arg.pop(0)
        self.seen.add(i)
        return opt

    def peek_data(self) -> OptDef | None:
        return self.defs[self.need_arg[0]] if self.need_arg else None


Lookup = Callable[[str], CommandDef | None]


# -- virsh's partial parse -----------------------------------------------------------------------


@dataclass
class Bound:
    """An option virsh's partial parse recorded (a ``vshCmdOpt``)."""

    opt: OptDef
    data: str | None
    complete_this: bool = False


@dataclass
class Partial:
    cmd: CommandDef | None = None
    opts: list[Bound] = field(default_factory=list)

    @property
    def target(self) -> OptDef | None:
        """vshReadlineCommandFindOpt: the first option flagged as under the cursor."""
        return next((b.opt for b in self.opts if b.complete_this), None)

    def values(self) -> dict[str, object]:
        """Option values as a completer reads them (the first occurrence wins)."""
        out: dict[str, object] = {}
        for b in self.opts:
            if b.opt.kind is OptKind.ARGV:
                current = out.setdefault(b.opt.name, [])
                if isinstance(current, list) and b.data is not None:
                    current.append(b.data)
            elif b.opt.name not in out:
                out[b.opt.name] = True if b.opt.kind is OptKind.BOOL else b.data
        return out


def virsh_partial(
    line: str, lookup: Lookup, report: Callable[[str], None] | None = None
) -> Partial | None:
    """The last command of ``line`` as virsh's completion sees it (cursor at the end).

    ``report`` receives the tokenizer errors virsh prints even while
    completing (``missing "``, ``dangling \\``).
    """
    if not line:
        return None
    point = len(line)
    scanner = Scanner(line)

    def failed(reported: bool) -> None:
        if reported and report is not None and scanner.error:
            report(scanner.error)

    while True:
        cmd: CommandDef | None = None
        binder: Binder | None = None
        opts: list[Bound] = []
        data_only = False
        partial: Partial | None = None
        while True:
            kind, word = scanner.next(report=True)
            if kind == ERROR:
                failed(True)
                return Partial(cmd, opts)
            if kind != WORD:
                break
            assert word is not None
            text = word.text
            if binder is None:
                if text.startswith("#"):
                    while kind == WORD:
                        kind, word = scanner.next(report=False)
                    if kind == ERROR:
                        failed(True)  # virsh reads it again, reporting
                        return Partial(None, opts)
                    break
                cmd = lookup(text)
                if cmd is None:
                    return Partial(None, opts)
                binder = Binder(cmd)
                continue
            opt: OptDef | None
            data: str | None = None
            if not data_only and is_option_word(text):
                name, eq, inline = text[2:].partition("=")
                found = binder.find(name, inline if eq else None)
                if found is None:
                    if binder.is_help:
                        continue
                    return Partial(cmd, opts)
                opt, value, index = found
                if opt.kind is not OptKind.BOOL:
                    if value is None:
                        kind, word = scanner.next(report=False)
                        if kind == ERROR:
                            return Partial(cmd, opts)
                        if kind != WORD:
                            opts.append(Bound(opt, None, scanner.pos == point - 1))
                            return Partial(cmd, opts)
                        assert word is not None
                        value = word.text
                    if opt.kind is not OptKind.ARGV:
                        binder.got_value(index)
                    data = value
                elif value is not None:
                    return Partial(cmd, opts)  # invalid '=' after a bool
            elif not data_only and text == "--":
                data_only = True
                continue
            else:
                opt = binder.next_data()
                if opt is None:
                    if binder.is_help:
                        continue
                    return Partial(cmd, opts)
                data = text
            opts.append(Bound(opt, data, scanner.pos == point))
        if cmd is not None:
            if any(b.opt is HELP_OPT for b in opts):
                help_cmd = lookup("help")
                if help_cmd is not None:
                    opts = [Bound(help_cmd.optdefs[0], cmd.name)]
                    cmd = help_cmd
            partial = Partial(cmd, opts)
        if kind == END:
            return partial


# -- the shell's analysis ----------------------------------------------------------------------


class Mode(Enum):
    NONE = "none"  # nothing to offer (unknown command, a comment...)
    COMMAND = "command"  # completing the command name
    OPTION = "option"  # an option name (or, for an empty word, options and the next value)
    VALUE = "value"  # the value of ``target``


@dataclass
class Analysis:
    mode: Mode
    word: Word  # what is being completed (for ``--opt=val``, just ``val``)
    command: CommandDef | None = None
    target: OptDef | None = None  # the option whose value is being typed
    values: dict[str, object] = field(default_factory=dict)  # what the line binds
    given: set[str] = field(default_factory=set)  # options present before the word
    next_positional: OptDef | None = None  # what an empty word would fill
    inline_prefix: str = ""  # "--name=" when the value is typed inline
    data_only: bool = False  # after "--": every word is data


def analyse(line: str, lookup: Lookup) -> Analysis:
    """What the word at the end of ``line`` is, in the context of its command."""
    scanner = Scanner(line, lenient=True)
    words: list[Word] = []
    while True:
        kind, word = scanner.next()
        if kind == END:
            break
        if kind == END_CMD:
            words = []
            continue
        assert word is not None
        words.append(word)
    if scanner.in_comment:
        return Analysis(Mode.NONE, Word("", len(line), len(line)))
    if words and words[-1].end == len(line):
        current, before = words[-1], words[:-1]
    else:
        current, before = Word("", len(line), len(line)), words
    return analyse_words(before, current, lookup)


def analyse_words(before: Sequence[Word], current: Word, lookup: Lookup) -> Analysis:
    """The shell's reading of a command's words, ``current`` being under the cursor."""
    if not before:
        mode = Mode.NONE if current.text.startswith("#") else Mode.COMMAND
        return Analysis(mode, current)
    if before[0].text.startswith("#"):
        return Analysis(Mode.NONE, current)
    cmd = lookup(before[0].text)
    if cmd is None:
        return Analysis(Mode.NONE, current)
    binder = Binder(cmd)
    values: dict[str, object] = {}
    given: set[str] = set()
    pending: tuple[OptDef, int] | None = None
    data_only = False

    def bind(opt: OptDef, value: object) -> None:
        given.add(opt.name)
        if opt.kind is OptKind.ARGV:
            current_list = values.setdefault(opt.name, [])
            if isinstance(current_list, list):
                current_list.append(value)
        else:
            values.setdefault(opt.name, value)

    for word in before[1:]:
        text = word.text
        if pending is not None:
            binder.got_value(pending[1])
            bind(pending[0], text)
            pending = None
        elif not data_only and is_option_word(text):
            name, eq, inline = text[2:].partition("=")
            found = binder.find(name, inline if eq else None)
            if found is None or found[0] is HELP_OPT:
                continue  # being lenient: an unknown or repeated option is skipped
            opt, value, index = found
            if opt.kind is OptKind.BOOL:
                bind(opt, True)
            elif value is not None:
                binder.got_value(index)
                bind(opt, value)
            else:
                pending = (opt, index)
        elif not data_only and text == "--":
            data_only = True
        else:
            target = binder.next_data()
            if target is not None:
                bind(target, text)
    analysis = Analysis(Mode.OPTION, current, cmd, None, values, given, data_only=data_only)
    if pending is not None:
        analysis.mode, analysis.target = Mode.VALUE, pending[0]
    elif not data_only and current.text.startswith("-"):
        name, eq, inline = current.text[2:].partition("=")
        opt = binder.lookup(name) if current.text.startswith("--") and eq else None
        if opt is not None and opt.takes_value:
            analysis.mode, analysis.target = Mode.VALUE, opt
            analysis.inline_prefix = f"--{name}="
            analysis.word = Word(inline, current.start, current.end, current.quote)
    elif current.text:
        target = binder.peek_data()
        analysis.mode = Mode.VALUE if target is not None else Mode.NONE
        analysis.target = target
    else:
        analysis.next_positional = binder.peek_data()
    if analysis.mode is Mode.VALUE and analysis.target is not None:
        # Completers see the partial word too (comma lists build on it).
        name = analysis.target.name
        if analysis.target.kind is OptKind.ARGV:
            listed = values.setdefault(name, [])
            if isinstance(listed, list):
                values[name] = [*listed, analysis.word.text]
        else:
            values.setdefault(name, analysis.word.text)
    return analysis
