"""The shell's reading of the text before the cursor: which command, which
option, which word.

Pure code (no libvirt, no prompt_toolkit).  The words are bound by virsh's own
parser (:func:`vsh.core.grammar.parse_partial`), so completion and execution
read a line alike; what stays here is what completing adds to it:

* :func:`analyse` reads a vsh line with the lenient :class:`~vsh.core.grammar.Scanner`
  (an unterminated quote is fine) and keeps only its last command;
  :func:`analyse_words` does the same for words a POSIX shell has already
  split (bash, zsh and fish completion: :func:`split_posix`);
* the word under the cursor is not bound but classified: a command name, an
  option name, or the value of an option (``--opt=value`` completes the
  value), and the binder's ``skip`` mode passes over unknown or repeated
  options rather than stopping at them.

Virsh's own completion (the hidden ``complete`` command) uses
:func:`vsh.core.grammar.partial_script` directly.  Word positions are kept so
the completer knows which text to replace and whether it was quoted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from vsh.core.grammar import (
    END,
    END_CMD,
    HELP_OPT,
    CommandDef,
    Lookup,
    OptDef,
    OptKind,
    Scanner,
    argv_tokens,
    parse_partial,
    values_of,
)


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # the word with quotes and escapes removed
    start: int  # offset of its first raw character in the line
    end: int = -1  # offset just after its last raw character
    quote: str = ""  # the quote still open at its end, if any


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
        kind, text = scanner.next()
        if kind == END:
            break
        if kind == END_CMD:
            words = []
            continue
        words.append(Word(text, scanner.start, scanner.pos, scanner.quote))
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
    partial = parse_partial(argv_tokens([w.text for w in before]), lookup, skip=True)
    if partial is None or partial.cmd is None or partial.binder is None:
        return Analysis(Mode.NONE, current)  # a comment, an unknown command
    binder = partial.binder
    pending = partial.awaiting  # the line ends before this option's value
    # What the words bind, leaving out the --help the shell ignores and the
    # pending option (the last one bound, with no value yet).
    opts = partial.opts[:-1] if pending is not None else partial.opts
    bound = [b for b in opts if b.opt is not HELP_OPT]
    values = values_of(bound)
    given = {b.opt.name for b in bound}
    data_only = partial.data_only
    analysis = Analysis(Mode.OPTION, current, partial.cmd, None, values, given, data_only=data_only)
    if pending is not None:
        analysis.mode, analysis.target = Mode.VALUE, pending
    elif not data_only and current.text.startswith("-"):
        name, eq, inline = current.text[2:].partition("=")
        opt = binder.resolve(name) if current.text.startswith("--") and eq else None
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
