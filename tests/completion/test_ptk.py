"""vsh.completion.ptk: the prompt_toolkit completer and the Tab key."""

from __future__ import annotations

import io
import threading
import time

import pytest
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from vsh.completion.cache import NameCache
from vsh.completion.ptk import VshCompleter, _completion, apply_tab, warm
from vsh.core.session import Session, Settings
from vsh.shell.repl import run_shell


def completions(session: Session, text: str) -> list[Completion]:
    completer = VshCompleter(session, NameCache())
    return list(completer.get_completions(Document(text), CompleteEvent(completion_requested=True)))


def test_completions_replace_the_word(session: Session) -> None:
    [only] = completions(session, "echo a; dominfo --domain 'te")
    assert (only.text, only.start_position, only.display_text, only.display_meta_text) == (
        "'test'",
        -3,
        "test",
        "domain",
    )


def test_the_fast_completion_is_a_completion() -> None:
    fast = _completion("al\\ two", -2, "al two", "snapshotname")
    slow = Completion("al\\ two", -2, display="al two", display_meta="snapshotname")
    assert vars(fast) == vars(slow)
    assert (fast.display_text, fast.display_meta_text) == ("al two", "snapshotname")
    assert fast == slow


def test_the_completer_never_raises(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from vsh.completion import ptk

    def explode(*_a: object, **_k: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(ptk, "complete", explode)
    assert completions(session, "dominfo ") == []


def typed(text: str) -> Buffer:
    """A buffer holding ``text`` with the cursor at its end."""
    buffer = Buffer()
    buffer.set_document(Document(text))
    return buffer


def test_apply_tab_unique_match_ends_the_word() -> None:
    buffer = typed("dest")
    apply_tab(buffer, buffer.document, [Completion("destroy", -4)])
    assert buffer.text == "destroy "


def test_apply_tab_directory_or_inline_option_stays_open() -> None:
    for text in ("/tmp/", "--domain="):
        buffer = typed("x")
        apply_tab(buffer, buffer.document, [Completion(text, -1)])
        assert buffer.text == text


def test_apply_tab_inserts_the_common_part_and_lists_the_rest() -> None:
    buffer = typed("snapshot-info test a")
    apply_tab(buffer, buffer.document, [Completion("alpha", -1), Completion("al\\ two", -1)])
    assert buffer.text == "snapshot-info test al"
    assert buffer.complete_state is not None
    assert [c.display_text for c in buffer.complete_state.completions] == ["alpha", "al\\ two"]
    assert buffer.complete_state.complete_index is None


def test_apply_tab_with_nothing_changes_nothing() -> None:
    buffer = typed("frob ")
    apply_tab(buffer, buffer.document, [])
    assert buffer.text == "frob " and buffer.complete_state is None


def test_tab_right_after_typing_completes() -> None:
    """The race prompt_toolkit's own Tab loses: Tab arrives while the completions
    for the text just typed are still being computed."""
    s = Session(Settings(quiet=True), out=io.StringIO(), err=io.StringIO())
    with create_pipe_input() as inp:
        inp.send_text("ech\t")

        def finish() -> None:
            time.sleep(0.5)
            inp.send_text("hi\r\x04")

        typist = threading.Thread(target=finish)
        typist.start()
        assert run_shell(s, input=inp, output=DummyOutput()) == 0
        typist.join()
    assert s.out.getvalue() == "hi\n"  # type: ignore[attr-defined]
    assert s.err.getvalue() == ""  # type: ignore[attr-defined]


def test_warm_fetches_domain_names_in_the_background(session: Session) -> None:
    cache = NameCache()
    warm(session, cache).join(10)
    assert len(cache) == 1 and cache.fetches == 1
