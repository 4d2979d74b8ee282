"""virsh 9.0's command grammar: one tokenizer and one option binder, for
running commands and for completing them.

Pure code with no click or libvirt imports, so the parse of a whole script can
be unit-tested and fuzzed on its own.  Two token sources feed one binder:

* a *script* (one argv word, a shell line, a piped line) read by
  :class:`Scanner`: blanks separate words, ``;`` and newlines end commands,
  quotes and backslashes as in virsh, and ``#`` at the start of a word
  comments out the rest of the line.  The scanner keeps each word's offsets
  and open quote, and can read an unfinished line leniently;
* *argv words* (several argv words): each word is one token, ``;`` is data.

The binder resolves each command's words against its option table exactly as
virsh does: ``--opt value``, ``--opt=value``, positional data filling the
non-bool options that may be given positionally in declaration order, ``--``,
duplicates, unknown options, missing values, extra data and missing required
options, all with virsh's wording.

:func:`parse` runs it strictly: everything is parsed before anything runs and
the first error aborts the whole parse.  :func:`parse_partial` is virsh's
completion mode (``vshCommandParse`` with ``partial``): the same loop binds
what it can, notes which option the word under the cursor fills, and ends
quietly where the strict parse would fail.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from enum import Enum
from typing import Protocol


class OptKind(Enum):
    BOOL = "bool"
    STRING = "string"
    INT = "number"
    DATA = "data"  # a required-capable positional string, shown as <name>
    ARGV = "argv"  # takes all remaining data; may repeat
    ALIAS = "alias"  # hidden second name: "target" or "target=value"


class OptDef:
    """One option of a command, in virsh's terms (immutable).

    A plain class rather than a dataclass: this module is on every start-up
    path, and generating dataclass methods costs more than the whole parse.
    """

    __slots__ = ("alias", "kind", "name", "named_only", "required", "sensitive")
    name: str
    kind: OptKind
    required: bool
    named_only: bool
    alias: str
    sensitive: bool

    def __init__(
        self,
        name: str,
        kind: OptKind,
        required: bool = False,  # VSH_OFLAG_REQ
        named_only: bool = False,  # VSH_OFLAG_REQ_OPT: may not be given positionally
        alias: str = "",  # ALIAS only: "target" or "target=value"
        sensitive: bool = False,  # a secret value: never shown in debug output or logs
    ) -> None:
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "kind", kind)
        set_(self, "required", required)
        set_(self, "named_only", named_only)
        set_(self, "alias", alias)
        set_(self, "sensitive", sensitive)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"OptDef is immutable: cannot set {name}")

    def _key(self) -> tuple[str, OptKind, bool, bool, str, bool]:
        return (self.name, self.kind, self.required, self.named_only, self.alias, self.sensitive)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OptDef) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"OptDef(name={self.name!r}, kind={self.kind}, required={self.required}, "
            f"named_only={self.named_only}, alias={self.alias!r})"
        )

    @property
    def takes_value(self) -> bool:
        return self.kind not in (OptKind.BOOL, OptKind.ALIAS)

    @property
    def positional(self) -> bool:
        return self.takes_value and not self.named_only


class CommandDef(Protocol):
    """What the binder needs to know about a command (VshCommand provides it).

    ``name`` is ``str | None`` because VshCommand inherits Click's attribute
    type; every command in the table has a name.
    """

    @property
    def name(self) -> str | None: ...

    @property
    def optdefs(self) -> Sequence[OptDef]: ...


class GrammarError(Exception):
    """A parse error; each message becomes one ``error: ...`` line."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = list(messages)


HELP_OPT = OptDef("help", OptKind.BOOL)

# What debug output and logs show instead of a sensitive option's value.
REDACTED = "(value hidden)"


class ParsedCommand:
    """A command with its options bound: name -> str | True | list[str]."""

    __slots__ = ("cmd", "help_requested", "values")

    def __init__(
        self,
        cmd: CommandDef,
        values: dict[str, str | bool | list[str]] | None = None,
        help_requested: bool = False,
    ) -> None:
        self.cmd = cmd
        self.values: dict[str, str | bool | list[str]] = {} if values is None else values
        self.help_requested = help_requested

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParsedCommand) and (
            self.cmd,
            self.values,
            self.help_requested,
        ) == (other.cmd, other.values, other.help_requested)

    def __repr__(self) -> str:
        return f"ParsedCommand({self.cmd!r}, {self.values!r}, {self.help_requested!r})"


# Receives a message as it happens (a non-fatal error, a debug line).
Reporter = Callable[[str], None]

# Token stream: a word, an end of command, or the end of input.
WORD, END_CMD, END = 0, 1, 2
Token = tuple[int, str]


class TokenError(GrammarError):
    """A tokenizer error (``missing "``, ``dangling \\``): virsh prints these
    even while completing, unlike the binder's."""


class Scanner:
    """virsh's command-string tokenizer (vshCommandStringGetArg), with positions.

    An iterator of tokens, read lazily: virsh reports the first error it
    meets, so a bad option in the first command wins over an unterminated
    quote in the third.  ``send(False)`` (or ``next(False)``) reads the next
    token without error reporting, as virsh reads the words of a command
    commented out by a quoted ``'#word'`` and, when completing, option
    values: there an unterminated ``"`` just runs to the end of the text (a
    dangling ``\\`` still fails).

    After a word, ``start`` is the offset of its first raw character, ``pos``
    the offset just after its last one and ``quote`` the quote still open at
    its end.  ``pos`` moves as virsh's ``parser->pos``: at the end of the
    text it stays before the trailing blanks.  A ``lenient`` scanner never
    fails: an unterminated ``"`` or a trailing ``\\`` is the word so far.
    """

    __slots__ = ("done", "in_comment", "lenient", "pos", "quote", "start", "text")

    def __init__(self, text: str, *, lenient: bool = False) -> None:
        self.text = text
        self.lenient = lenient
        self.pos = 0
        self.start = 0
        self.quote = ""
        self.in_comment = False  # the text ends inside a '#' comment
        self.done = False  # END was returned

    def __iter__(self) -> Scanner:
        return self

    def next(self, report: bool = True) -> Token:
        if self.done:
            raise StopIteration
        text, n = self.text, len(self.text)
        pos = self.pos
        while pos < n and (
            text[pos] in " \t" or (text[pos] == "\\" and text.startswith("\n", pos + 1))
        ):
            pos += 2 if text[pos] == "\\" else 1
        if pos >= n:
            self.done = True
            return END, ""
        ch = text[pos]
        if ch in ";\n":
            self.pos = pos + 1
            return END_CMD, ""
        if ch == "#":  # an unquoted '#' starts a comment to the end of the line
            eol = text.find("\n", pos)
            self.in_comment = eol < 0
            self.pos = n if eol < 0 else eol + 1
            return END_CMD, ""
        self.start = pos
        word: list[str] = []
        single = double = False
        while pos < n:
            ch = text[pos]
            if not single and not double and ch in " \t;\n":
                break
            if not double and ch == "'":
                single = not single
                pos += 1
                continue
            if not single and ch == "\\":
                pos += 1
                if pos >= n:
                    if self.lenient:
                        break
                    raise TokenError("dangling \\")
                if text[pos] == "\n":  # backslash-newline vanishes
                    pos += 1
                    continue
            elif not single and ch == '"':
                double = not double
                pos += 1
                continue
            word.append(text[pos])
            pos += 1
        if double and report and not self.lenient:
            raise TokenError('missing "')
        self.pos = pos
        self.quote = "'" if single else '"' if double else ""
        return WORD, "".join(word)

    __next__ = next

    def send(self, report: bool | None) -> Token:
        """The generator protocol's ``send``: ``send(False)`` reads quietly."""
        return self.next(report is not False)


def script_tokens(text: str) -> Scanner:
    """Tokenize a virsh command string lazily, token by token (see :class:`Scanner`)."""
    return Scanner(text)


def argv_tokens(words: Sequence[str]) -> Generator[Token, bool | None, None]:
    """Each argv word is one token; there is no command separator."""
    for word in words:
        yield WORD, word
    yield END, ""


def is_option_word(word: str) -> bool:
    """virsh: ``--`` followed by an ASCII letter or digit."""
    return len(word) > 2 and word.startswith("--") and word[2].isascii() and word[2].isalnum()


class Bound:
    """One option as bound, in line order (virsh's ``vshCmdOpt``): what completion reads.

    ``data`` is None for a bool, and for an option whose value is still to be
    typed; ``complete_this`` marks the word under the cursor.
    """

    __slots__ = ("complete_this", "data", "opt")

    def __init__(self, opt: OptDef, data: str | None, complete_this: bool = False) -> None:
        self.opt = opt
        self.data = data
        self.complete_this = complete_this

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bound) and (self.opt, self.data, self.complete_this) == (
            other.opt,
            other.data,
            other.complete_this,
        )

    def __repr__(self) -> str:
        return f"Bound({self.opt.name!r}, {self.data!r}, {self.complete_this!r})"


# Whether the word just read ends that many characters before the cursor.
Cursor = Callable[[int], bool]


class Binder:
    """Binds one command's words to its option table (virsh's per-command loop:
    vshCmddefOptParse, vshCmddefGetOption, vshCmddefGetData, vshCommandCheckOpts).

    In completion mode (``trail`` given) each bound option is also kept in
    order, with whether its word is under the cursor; an option still waiting
    for its value ends the parse quietly.  ``skip`` reads every command as
    leniently as virsh reads ``help``, and silently: a word the table refuses
    (an unknown or repeated option, extra data) is ignored, and a bool's
    ``=value`` too (``--tree=1`` binds ``--tree``).
    """

    __slots__ = (
        "cmd",
        "cursor",
        "debug",
        "is_help",
        "opts",
        "parsed",
        "positional",
        "report",
        "seen",
        "skip",
        "trail",
    )

    def __init__(
        self,
        cmd: CommandDef,
        report: Reporter | None = None,
        debug: Reporter | None = None,
        *,
        trail: list[Bound] | None = None,
        cursor: Cursor | None = None,
        skip: bool = False,
    ) -> None:
        self.cmd = cmd
        self.report = report
        self.debug = debug
        self.trail = trail
        self.cursor = cursor
        self.skip = skip
        self.opts = list(cmd.optdefs)
        self.parsed = ParsedCommand(cmd)
        self.seen: set[str] = set()
        # Options still open for positional data, in declaration order.
        self.positional = [o for o in self.opts if o.positional]
        self.is_help = cmd.name == "help"

    def find(self, name: str, inline: str | None) -> tuple[OptDef | None, str | None]:
        if name == "help":
            return HELP_OPT, inline
        for opt in self.opts:
            if opt.name != name:
                continue
            if opt.kind is OptKind.ALIAS:
                target, eq, value = opt.alias.partition("=")
                if eq:
                    if inline is not None:
                        raise GrammarError(f"invalid '=' after option --{opt.name}")
                    inline = value
                name = target
                continue
            if opt.name in self.seen and opt.kind is not OptKind.ARGV:
                raise GrammarError(f"option --{name} already seen")
            self.seen.add(opt.name)
            return opt, inline
        if self.is_help or self.skip:
            return None, inline
        raise GrammarError(f"command '{self.cmd.name}' doesn't support option --{name}")

    def resolve(self, name: str) -> OptDef | None:
        """The option ``--name`` stands for (aliases followed), without binding it."""
        for opt in self.opts:
            if opt.name == name:
                if opt.kind is not OptKind.ALIAS:
                    return opt
                name = opt.alias.partition("=")[0]
        return None

    def peek_data(self) -> OptDef | None:
        """The option the next positional word would fill."""
        return self.positional[0] if self.positional else None

    def store(self, opt: OptDef, value: str | None) -> None:
        if self.trail is not None:
            self.trail.append(Bound(opt, value, self.cursor is not None and self.cursor(0)))
        if self.debug is not None:  # virsh's vshDebug(VSH_ERR_INFO) per bound option
            data = (value or "", "optdata") if opt.takes_value else ("(none)", "bool")
            if opt.sensitive and value:
                # virsh shows the value; a secret must not reach -d output or the -l log.
                data = (REDACTED, "optdata")
            self.debug(f"{self.cmd.name}: {opt.name}({data[1]}): {data[0]}\n")
        if opt is HELP_OPT:
            self.parsed.help_requested = True
        elif opt.kind is OptKind.BOOL:
            self.parsed.values[opt.name] = True
        elif opt.kind is OptKind.ARGV:
            current = self.parsed.values.setdefault(opt.name, [])
            assert isinstance(current, list)
            current.append(value or "")
        else:
            self.parsed.values[opt.name] = value or ""

    def named(self, word: str, next_word: Callable[[], Token]) -> None:
        name, eq, rest = word[2:].partition("=")
        try:
            opt, inline = self.find(name, rest if eq else None)
        except GrammarError as exc:
            if self.skip:
                return
            if not self.is_help:
                raise
            # virsh prints the error (`help --command a --command b`) but 'help'
            # goes on parsing, ignoring the option.
            for message in exc.messages:
                if self.report is not None:
                    self.report(message)
            return
        if opt is None:  # 'help' ignores options it does not know
            return
        if opt.kind is OptKind.BOOL or opt is HELP_OPT:
            if inline is not None and not self.skip:
                raise GrammarError(f"invalid '=' after option --{opt.name}")
            self.store(opt, None)
            return
        if inline is None:
            kind, inline = next_word()
            if kind != WORD:
                if self.trail is not None:  # completing: the value is yet to be typed
                    self.trail.append(Bound(opt, None, self.cursor is not None and self.cursor(1)))
                    raise GrammarError()
                what = "number" if opt.kind is OptKind.INT else "string"
                raise GrammarError(f"expected syntax: --{opt.name} <{what}>")
        if opt.kind is not OptKind.ARGV and opt in self.positional:
            self.positional.remove(opt)
        self.store(opt, inline)

    def data(self, word: str) -> None:
        if not self.positional:
            if self.is_help or self.skip:
                return
            raise GrammarError(f"unexpected data '{word}'")
        opt = self.positional[0]
        if opt.kind is not OptKind.ARGV:
            self.positional.pop(0)
        self.seen.add(opt.name)
        self.store(opt, word)

    def finish(self) -> ParsedCommand:
        if self.parsed.help_requested:
            return self.parsed
        missing = [o for o in self.opts if o.required and o.name not in self.seen]
        if missing:
            raise GrammarError(
                *(
                    f"command '{self.cmd.name}' requires <{o.name}> option"
                    if o.kind in (OptKind.DATA, OptKind.ARGV)
                    else f"command '{self.cmd.name}' requires --{o.name} option"
                    for o in missing
                )
            )
        return self.parsed


Lookup = Callable[[str], CommandDef | None]


class Partial:
    """The last command as completion mode leaves it (virsh's partial ``vshCmd``).

    ``binder`` is its option table as the parse left it (what the next
    positional word would fill); ``data_only`` is true after ``--``.
    """

    __slots__ = ("binder", "cmd", "data_only", "opts")

    def __init__(
        self,
        cmd: CommandDef | None,
        opts: list[Bound],
        binder: Binder | None = None,
        data_only: bool = False,
    ) -> None:
        self.cmd = cmd
        self.opts = opts
        self.binder = binder
        self.data_only = data_only

    def __repr__(self) -> str:
        name = self.cmd.name if self.cmd is not None else None
        return f"Partial({name!r}, {self.opts!r}, data_only={self.data_only!r})"

    @property
    def target(self) -> OptDef | None:
        """vshReadlineCommandFindOpt: the first option flagged as under the cursor."""
        return next((b.opt for b in self.opts if b.complete_this), None)

    @property
    def awaiting(self) -> OptDef | None:
        """The option whose value the line ends before (``--domain `` then nothing)."""
        last = self.opts[-1] if self.opts else None
        if last is not None and last.data is None and last.opt.takes_value:
            return last.opt
        return None

    def values(self) -> dict[str, object]:
        """Option values as a completer reads them (see :func:`values_of`)."""
        return values_of(self.opts)


def values_of(opts: Iterable[Bound]) -> dict[str, object]:
    """Bound options by name: True for a bool, a list for ARGV, else the first value."""
    out: dict[str, object] = {}
    for b in opts:
        if b.opt.kind is OptKind.ARGV:
            current = out.setdefault(b.opt.name, [])
            if isinstance(current, list) and b.data is not None:
                current.append(b.data)
        elif b.opt.name not in out:
            out[b.opt.name] = True if b.opt.kind is OptKind.BOOL else b.data
    return out


class _Completing:
    """What completion mode adds to the parse loop: a trail per command, the cursor."""

    __slots__ = ("current", "last", "point", "skip", "tokens")

    def __init__(self, tokens: Iterator[Token], point: int, skip: bool) -> None:
        self.tokens = tokens
        self.point = point
        self.skip = skip
        self.current: Binder | None = None  # the command being bound
        self.last: Partial | None = None  # the last command bound to its end

    def cursor(self, back: int) -> bool:
        return self.point >= 0 and getattr(self.tokens, "pos", -1) == self.point - back

    def binder(self, cmd: CommandDef) -> Binder:
        self.current = Binder(cmd, trail=[], cursor=self.cursor, skip=self.skip)
        return self.current

    def finished(self, binder: Binder | None, lookup: Lookup, data_only: bool) -> None:
        """A command ended (None: an empty one, which virsh's completion sees as nothing)."""
        self.current = None
        if binder is None:
            self.last = None
            return
        cmd: CommandDef = binder.cmd
        opts = binder.trail or []
        help_cmd = lookup("help") if binder.parsed.help_requested and not self.skip else None
        if help_cmd is not None:
            # virsh replaces `CMD ... --help` by `help CMD`; the shell's reading
            # (skip) goes on completing CMD's own options.
            opts, cmd = [Bound(help_cmd.optdefs[0], cmd.name)], help_cmd
        self.last = Partial(cmd, opts, binder, data_only)

    def stopped(self) -> Partial:
        binder = self.current
        if binder is None:
            return Partial(None, [])
        return Partial(binder.cmd, binder.trail or [], binder)

    def next_value(self) -> Token:
        """virsh reads an option's value without reporting, and a failure there stays silent."""
        send = getattr(self.tokens, "send", None)
        try:
            return send(False) if send is not None else next(self.tokens)
        except TokenError:
            raise GrammarError() from None


def _parse(
    tokens: Iterator[Token],
    lookup: Lookup,
    report: Reporter | None,
    debug: Reporter | None,
    completing: _Completing | None,
) -> list[ParsedCommand]:
    """virsh's vshCommandParse: the one loop, strict or (``completing``) partial."""
    commands: list[ParsedCommand] = []

    def next_word() -> Token:
        return next(tokens)

    def next_quiet() -> Token:
        send = getattr(tokens, "send", None)
        return send(False) if send is not None else next(tokens)

    next_value = next_word if completing is None else completing.next_value
    while True:
        binder: Binder | None = None
        data_only = False
        kind, word = next(tokens)
        while kind == WORD:
            if binder is None:
                if word.startswith("#"):  # a quoted '#word' comments out this command
                    while kind == WORD:
                        kind, word = next_quiet()
                    break
                cmd = lookup(word)
                if cmd is None:
                    raise GrammarError(f"unknown command: '{word}'")
                if completing is None:
                    binder = Binder(cmd, report, debug)
                else:
                    binder = completing.binder(cmd)
            elif data_only:
                binder.data(word)
            elif is_option_word(word):
                binder.named(word, next_value)
            elif word == "--":
                data_only = True
            else:
                binder.data(word)
            kind, word = next(tokens)
        if completing is not None:
            completing.finished(binder, lookup, data_only)
        elif binder is not None:
            commands.append(binder.finish())
        if kind == END:
            return commands


def parse(
    tokens: Iterator[Token],
    lookup: Lookup,
    *,
    report: Reporter | None = None,
    debug: Reporter | None = None,
) -> list[ParsedCommand]:
    """Parse a whole token stream into bound commands, or raise GrammarError.

    ``lookup`` maps a command name (or alias) to its definition, or None.
    ``report`` receives errors virsh prints without failing the parse; ``debug``
    receives virsh's ``-d`` lines for each bound option (``echo: shell(bool): (none)``),
    both as they happen.
    """
    return _parse(tokens, lookup, report, debug, None)


def parse_script(
    text: str, lookup: Lookup, *, report: Reporter | None = None, debug: Reporter | None = None
) -> list[ParsedCommand]:
    return parse(Scanner(text), lookup, report=report, debug=debug)


def parse_argv(
    words: Sequence[str],
    lookup: Lookup,
    *,
    report: Reporter | None = None,
    debug: Reporter | None = None,
) -> list[ParsedCommand]:
    return parse(argv_tokens(words), lookup, report=report, debug=debug)


def parse_partial(
    tokens: Iterator[Token],
    lookup: Lookup,
    *,
    report: Reporter | None = None,
    point: int = -1,
    skip: bool = False,
) -> Partial | None:
    """Completion mode: the last command of ``tokens`` as far as it binds; never raises.

    Where the strict parse would fail the parse ends, keeping what it bound
    (virsh's ``goto syntaxError``); required options are not checked.  None
    when the last command is empty.  ``point`` is the cursor's offset in a
    :class:`Scanner`'s text (the words ending there are under the cursor).
    ``report`` receives the tokenizer errors virsh prints even while
    completing (``missing "``, ``dangling \\``).  ``skip``: see :class:`Binder`.
    """
    completing = _Completing(tokens, point, skip)
    try:
        _parse(tokens, lookup, None, None, completing)
    except GrammarError as exc:
        if isinstance(exc, TokenError) and report is not None:
            for message in exc.messages:
                report(message)
        return completing.stopped()
    return completing.last


def partial_script(line: str, lookup: Lookup, report: Reporter | None = None) -> Partial | None:
    """The last command of ``line`` as virsh's completion sees it (cursor at the end)."""
    return parse_partial(Scanner(line), lookup, report=report, point=len(line))
