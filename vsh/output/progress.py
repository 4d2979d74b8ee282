"""A progress bar on stderr for the bulk snapshot commands' long runs.

Only on a terminal and only for runs of at least :data:`PROGRESS_MIN` steps:
never in pipes or cron (the stream is not a tty), never with ``-q`` or
TERM=dumb; NO_COLOR turns colours off.  rich is imported only when a bar is
actually drawn, so no one-shot command pays for it.
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

PROGRESS_MIN = 50  # a progress bar only for runs at least this long


class Progress:
    """``with Progress(...) as bar: bar.update(done)``; a no-op when not enabled."""

    def __init__(self, stream: TextIO, total: int, description: str, *, quiet: bool) -> None:
        self.stream = stream
        self.total = total
        self.description = description
        self.enabled = (
            total >= PROGRESS_MIN
            and not quiet
            and _isatty(stream)
            and os.environ.get("TERM") != "dumb"
        )
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.markup import escape
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
            from rich.progress import Progress as RichProgress

            console = Console(
                file=self.stream, no_color=bool(os.environ.get("NO_COLOR")), stderr=True
            )
            bar = RichProgress(
                TextColumn(escape(self.description)),
                BarColumn(),
                MofNCompleteColumn(),
                console=console,
                transient=True,
            )
            bar.start()
            self._task = bar.add_task("", total=self.total)
            self._bar = bar
        return self

    def update(self, done: int, _total: int = 0, _name: str = "") -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
