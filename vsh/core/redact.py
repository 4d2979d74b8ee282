"""Command lines with their secret values hidden, for the places that keep or
show a whole line: the ``-d``/``-l`` ``commands: "..."`` line and the shell's
history.

A value is secret when the option it binds to is declared ``sensitive``
(``secret-set-value``'s base64 value).  Each such value's raw word is
replaced by :data:`~vsh.core.grammar.REDACTED`, which is two words, so a
redacted line recalled from history and run again fails to parse instead of
setting a wrong value.  A command with a sensitive option that does not
parse has every word after its name replaced, as what binds where is then
unknown.  virsh itself hides nothing.
"""

from __future__ import annotations

from vsh.core.grammar import (
    END,
    REDACTED,
    WORD,
    Binder,
    Bound,
    GrammarError,
    Lookup,
    Scanner,
    Token,
    is_option_word,
)


class _Words:
    """The scanner's tokens with the raw span of each word, one token of push-back."""

    def __init__(self, text: str) -> None:
        self.scanner = Scanner(text, lenient=True)
        self.span = (0, 0)
        self.pending: Token | None = None

    def next(self) -> Token:
        if self.pending is not None:
            token, self.pending = self.pending, None
            return token
        token = self.scanner.next(False)
        if token[0] == WORD:
            self.span = (self.scanner.start, self.scanner.pos)
        return token


def redact_script(text: str, lookup: Lookup) -> str:
    """``text`` (a virsh command string) with every secret value hidden."""
    words = _Words(text)
    hidden: set[tuple[int, int]] = set()
    while True:
        kind, word = words.next()
        if kind != WORD:
            if kind == END:
                break
            continue
        cmd = lookup(word) if not word.startswith("#") else None
        if cmd is None or not any(o.sensitive for o in cmd.optdefs):
            # not a command that takes a secret: skip to its end
            while kind == WORD:
                kind, word = words.next()
            if kind == END:
                break
            continue
        if _bind(cmd, words, hidden):
            break
    out = text
    for start, end in sorted(hidden, reverse=True):
        raw = out[start:end]
        # an inline --name=value keeps its option name
        keep = raw[: raw.index("=") + 1] if raw.startswith("--") and "=" in raw else ""
        out = out[:start] + keep + REDACTED + out[end:]
    return out


def _bind(cmd: object, words: _Words, hidden: set[tuple[int, int]]) -> bool:
    """Bind one command's words, noting the spans of its sensitive values
    (every word's, when it does not parse); True at the end of the text."""
    trail: list[Bound] = []
    binder = Binder(cmd, trail=trail)  # type: ignore[arg-type]
    spans: list[tuple[int, int]] = []
    data_only = failed = False

    def next_value() -> Token:
        token = words.next()
        if token[0] == WORD:
            spans.append(words.span)
        else:
            words.pending = token  # the command's end, for the loop below
        return token

    while True:
        kind, word = words.next()
        if kind != WORD:
            if failed:
                hidden.update(spans)
            return kind == END
        spans.append(words.span)
        if failed:
            continue
        before = len(trail)
        try:
            if data_only:
                binder.data(word)
            elif is_option_word(word):
                binder.named(word, next_value)
            elif word == "--":
                data_only = True
            else:
                binder.data(word)
        except GrammarError:
            failed = True
            continue
        if any(bound.opt.sensitive for bound in trail[before:]):
            hidden.add(spans[-1])
