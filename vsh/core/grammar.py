"""virsh 9.0's command grammar: the tokenizer and the option binder.

Pure code with no click or libvirt imports, so the parse of a whole script can
be unit-tested and fuzzed on its own.  Two token sources feed one binder:

* a *script* (one argv word, a shell line, a piped line): blanks separate
  words, ``;`` and newlines end commands, quotes and backslashes as in virsh,
  and ``#`` at the start of a word comments out the rest of the line;
* *argv words* (several argv words): each word is one token, ``;`` is data.

The binder resolves each command's words against its option table exactly as
virsh does: ``--opt value``, ``--opt=value``, positional data filling the
non-bool options that may be given positionally in declaration order, ``--``,
duplicates, unknown options, missing values, extra data and missing required
options, all with virsh's wording.  Everything is parsed before anything runs;
the first error aborts the whole parse.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from enum import Enum


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

    __slots__ = ("alias", "kind", "name", "named_only", "required")

    def __init__(
        self,
        name: str,
        kind: OptKind,
        required: bool = False,  # VSH_OFLAG_REQ
        named_only: bool = False,  # VSH_OFLAG_REQ_OPT: may not be given positionally
        alias: str = "",  # ALIAS only: "target" or "target=value"
    ) -> None:
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "kind", kind)
        set_(self, "required", required)
        set_(self, "named_only", named_only)
        set_(self, "alias", alias)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"OptDef is immutable: cannot set {name}")

    def _key(self) -> tuple[str, OptKind, bool, bool, str]:
        return (self.name, self.kind, self.required, self.named_only, self.alias)

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


class CommandDef:
    """What the binder needs to know about a command (VshCommand provides it)."""

    name: str
    optdefs: Sequence[OptDef]


class GrammarError(Exception):
    """A parse error; each message becomes one ``error: ...`` line."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = list(messages)


HELP_OPT = OptDef("help", OptKind.BOOL)


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


def script_tokens(text: str) -> Generator[Token, bool | None, None]:
    """Tokenize a virsh command string lazily, token by token.

    Laziness matters: virsh reports the first error it meets, so a bad option in
    the first command wins over an unterminated quote in the third.

    ``send(False)`` asks for the next token without error reporting, as virsh
    reads the words of a command commented out by a quoted ``'#word'``: there
    an unterminated ``"`` just runs to the end of the text (a dangling ``\\``
    still fails, as virsh then re-reads that word with reporting on).
    """
    pos, n = 0, len(text)
    report: bool | None = True
    while True:
        while pos < n and (
            text[pos] in " \t" or (text[pos] == "\\" and text.startswith("\n", pos + 1))
        ):
            pos += 2 if text[pos] == "\\" else 1
        if pos >= n:
            yield END, ""
            return
        ch = text[pos]
        if ch in ";\n":
            pos += 1
            report = yield END_CMD, ""
            continue
        if ch == "#":  # an unquoted '#' starts a comment to the end of the line
            eol = text.find("\n", pos)
            pos = n if eol < 0 else eol + 1
            report = yield END_CMD, ""
            continue
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
                    raise GrammarError("dangling \\")
                if text[pos] == "\n":  # backslash-newline vanishes
                    pos += 1
                    continue
            elif not single and ch == '"':
                double = not double
                pos += 1
                continue
            word.append(text[pos])
            pos += 1
        if double and report is not False:
            raise GrammarError('missing "')
        report = yield WORD, "".join(word)


def argv_tokens(words: Sequence[str]) -> Generator[Token, bool | None, None]:
    """Each argv word is one token; there is no command separator."""
    for word in words:
        yield WORD, word
    yield END, ""


def _is_option_word(word: str) -> bool:
    return len(word) > 2 and word.startswith("--") and word[2].isascii() and word[2].isalnum()


class _Binder:
    """Binds one command's words to its option table (virsh's per-command loop)."""

    def __init__(
        self, cmd: CommandDef, report: Reporter | None = None, debug: Reporter | None = None
    ) -> None:
        self.cmd = cmd
        self.report = report
        self.debug = debug
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
        if self.is_help:
            return None, inline
        raise GrammarError(f"command '{self.cmd.name}' doesn't support option --{name}")

    def store(self, opt: OptDef, value: str | None) -> None:
        if self.debug is not None:  # virsh's vshDebug(VSH_ERR_INFO) per bound option
            data = (value or "", "optdata") if opt.takes_value else ("(none)", "bool")
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
            if inline is not None:
                raise GrammarError(f"invalid '=' after option --{opt.name}")
            self.store(opt, None)
            return
        if inline is None:
            kind, inline = next_word()
            if kind != WORD:
                what = "number" if opt.kind is OptKind.INT else "string"
                raise GrammarError(f"expected syntax: --{opt.name} <{what}>")
        if opt.kind is not OptKind.ARGV and opt in self.positional:
            self.positional.remove(opt)
        self.store(opt, inline)

    def data(self, word: str) -> None:
        if not self.positional:
            if self.is_help:
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
    commands: list[ParsedCommand] = []

    def next_word() -> Token:
        return next(tokens)

    def next_quiet() -> Token:
        send = getattr(tokens, "send", None)
        return send(False) if send is not None else next(tokens)

    while True:
        binder: _Binder | None = None
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
                binder = _Binder(cmd, report, debug)
            elif data_only:
                binder.data(word)
            elif _is_option_word(word):
                binder.named(word, next_word)
            elif word == "--":
                data_only = True
            else:
                binder.data(word)
            kind, word = next(tokens)
        if binder is not None:
            commands.append(binder.finish())
        if kind == END:
            return commands


def parse_script(
    text: str, lookup: Lookup, *, report: Reporter | None = None, debug: Reporter | None = None
) -> list[ParsedCommand]:
    return parse(script_tokens(text), lookup, report=report, debug=debug)


def parse_argv(
    words: Sequence[str],
    lookup: Lookup,
    *,
    report: Reporter | None = None,
    debug: Reporter | None = None,
) -> list[ParsedCommand]:
    return parse(argv_tokens(words), lookup, report=report, debug=debug)
