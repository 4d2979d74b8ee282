"""How fleet mode may start a host's vsh without a new process.

The entry point (the warm client, :mod:`vsh.warm.client`) registers a
launcher when a warm server can run one-shot commands; fleet mode
(:mod:`vsh.fleet.runner`) asks it first and starts ``python -m vsh`` only
when there is none or it declines.  Here, in core, so that neither of those
layers imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import IO, Protocol


class Launched(Protocol):
    """A started one-shot vsh, as much of :class:`subprocess.Popen` as fleet mode uses."""

    pid: int  # also its process group
    stdout: IO[bytes] | None
    stderr: IO[bytes] | None

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


# (vsh's arguments, environment, standard input descriptor) -> a started vsh,
# or None: this launcher cannot (then a process is started instead)
Launcher = Callable[[list[str], Mapping[str, str], int], "Launched | None"]

_launcher: list[Launcher] = []


def set_launcher(launcher: Launcher | None) -> None:
    _launcher.clear()
    if launcher is not None:
        _launcher.append(launcher)


def get_launcher() -> Launcher | None:
    return _launcher[0] if _launcher else None
