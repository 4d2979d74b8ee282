"""prompt_toolkit adapter: the shell's completer and its Tab key.

The completer never raises and never prints, and it runs in a thread of its
own (:class:`BackgroundCompleter`), so a slow libvirt call never freezes the
prompt.  prompt_toolkit's ``ThreadedCompleter`` does the same while you
type, but when the prompt is accepted, prompt_toolkit waits for the
completions still being computed (its thread must finish before the prompt
returns), so Enter would wait for a slow host; ours abandons them.

prompt_toolkit's own Tab handler loses a race with complete-while-typing:
if Tab arrives while the completions for the text just typed are still
being computed, it "selects the next completion" of an empty list and the
completions then merely show as a menu.  :func:`tab_bindings` replaces it:
Tab either moves through a menu that is showing or computes the
completions itself (in a worker thread) and inserts their common part,
readline style.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import AsyncGenerator, Callable, Iterable
from typing import TypeVar

from prompt_toolkit.buffer import Buffer
from prompt_toolkit.completion import (
    CompleteEvent,
    Completer,
    Completion,
    get_common_complete_suffix,
)
from prompt_toolkit.document import Document
from prompt_toolkit.filters import has_completions, has_selection, is_searching
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from vsh.completion.cache import NameCache
from vsh.completion.engine import complete
from vsh.core.session import Session

T = TypeVar("T")


class VshCompleter(Completer):
    """Completes commands, options and live names; never raises, never prints."""

    def __init__(self, session: Session, cache: NameCache) -> None:
        self.session = session
        self.cache = cache

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        line = document.text_before_cursor
        try:
            start, candidates = complete(self.session, line, cache=self.cache)
        except Exception:  # completion must never disturb the prompt
            return
        position = start - len(line)
        for text, display, meta in candidates:
            yield _completion(text, position, display, meta)


def in_background(work: Callable[[], T]) -> asyncio.Future[T]:
    """Run ``work`` in a daemon thread; a future for its result on the running loop.

    Cancelling the future does not wait for the thread: its result is dropped
    (unlike ``run_in_executor``, whose threads the event loop waits for when
    it shuts down).
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(settle: Callable[[], object]) -> None:
        if not future.done():
            settle()

    def run() -> None:
        settle: Callable[[], object]
        try:
            settle = functools.partial(future.set_result, work())
        except BaseException as exc:
            settle = functools.partial(future.set_exception, exc)
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            loop.call_soon_threadsafe(deliver, settle)

    threading.Thread(target=run, name="vsh-complete", daemon=True).start()
    return future


class BackgroundCompleter(Completer):
    """Computes another completer's completions in a thread, abandoned if no longer wanted."""

    def __init__(self, completer: Completer) -> None:
        self.completer = completer

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        return self.completer.get_completions(document, complete_event)

    async def get_completions_async(
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        completions = await in_background(
            lambda: _collect(self.completer, document, complete_event)
        )
        for completion in completions:
            yield completion


def _completion(text: str, position: int, display: str, meta: str) -> Completion:
    """``Completion(text, position, display=display, display_meta=meta)``, made faster.

    A snapshot list can offer 10,000 names; Completion's constructor converts
    ``display`` to formatted text through a generic path each time.  The
    attributes set here are those it sets, with the plain-string case done
    directly (checked against the constructor by the tests).
    """
    completion = Completion.__new__(Completion)
    completion.text = text
    completion.start_position = position
    completion._display_meta = meta
    # FormattedText is a list subclass that costs 3x a plain list to build; the
    # menu reads the plain list the same way.
    completion.display = [("", display)]  # type: ignore[assignment]
    completion.style = ""
    completion.selected_style = ""
    return completion


def tab_bindings(completer: Completer) -> KeyBindings:
    """Tab (and Shift-Tab) that work however fast they follow the typing."""
    bindings = KeyBindings()
    idle = ~has_selection & ~is_searching

    @bindings.add("tab", filter=idle & has_completions)
    def _next(event: KeyPressEvent) -> None:
        event.current_buffer.complete_next()

    @bindings.add("s-tab", filter=idle & has_completions)
    def _previous(event: KeyPressEvent) -> None:
        event.current_buffer.complete_previous()

    @bindings.add("tab", filter=idle & ~has_completions)
    def _complete(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        document = buffer.document
        # Drop a complete-while-typing round still loading: its result
        # would no longer match what Tab asks for.
        buffer.complete_state = None

        async def run() -> None:
            event = CompleteEvent(completion_requested=True)
            completions = await in_background(lambda: _collect(completer, document, event))
            if buffer.document == document:
                apply_tab(buffer, document, completions)

        event.app.create_background_task(run())

    return bindings


def _collect(completer: Completer, document: Document, event: CompleteEvent) -> list[Completion]:
    try:
        return list(completer.get_completions(document, event))
    except Exception:
        return []


def apply_tab(buffer: Buffer, document: Document, completions: list[Completion]) -> None:
    """Readline's Tab: insert what all candidates share; list them if several remain."""
    if not completions:
        return
    common = get_common_complete_suffix(document, completions)
    if len(completions) == 1:
        buffer.apply_completion(completions[0])
        # readline: a unique match ends its word, unless more is meant to follow.
        after = buffer.document.text_after_cursor
        if not completions[0].text.endswith(("/", "=")) and not after[:1].isspace():
            buffer.insert_text(" ")
        return
    if common:
        buffer.insert_text(common)
        completions = [c.new_completion_from_position(len(common)) for c in completions]
    buffer.complete_state = None
    buffer._set_completions(completions)  # show the menu, nothing selected


def warm(session: Session, cache: NameCache) -> threading.Thread:
    """Fetch the domain names in the background so the first Tab is instant."""

    def run() -> None:
        with contextlib.suppress(Exception):
            complete(session, "dominfo ", cache=cache)

    thread = threading.Thread(target=run, name="vsh-names-warm", daemon=True)
    thread.start()
    return thread
