"""Shell history on disk, kept to a fixed number of entries (VSH_HISTSIZE)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from prompt_toolkit.history import FileHistory


class TrimmedFileHistory(FileHistory):
    """prompt_toolkit's FileHistory, trimmed to ``size`` entries when loaded.

    The file lives in a private directory (0700) because commands can carry
    URIs and names an admin may not want world-readable.
    """

    def __init__(self, path: Path, size: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        self.size = size
        super().__init__(str(path))

    def load_history_strings(self) -> Iterable[str]:
        # FileHistory yields newest first; keep the newest `size`.
        strings = list(super().load_history_strings())[: self.size]
        return strings

    def store_string(self, string: str) -> None:
        if self.size > 0:
            super().store_string(string)
