"""A cache of completion names (plain strings, never libvirt objects).

Plain strings matter: a live libvirt object would keep a test:///default
state or a remote connection alive.

* An entry is fetched on first use.  In the shell that happens on
  prompt_toolkit's completion thread, so the prompt never waits.
* After a command that may have changed names, :meth:`NameCache.invalidate`
  drops every entry (a deleted snapshot must not be offered again) and a
  daemon thread refetches the names in use, so the next Tab is instant.
  Requests made while it works are coalesced into one more pass.
* An entry older than ``ttl`` (changes made by other clients) is still
  served once while the thread refreshes it.
* ``connect``, or a reconnection, calls :meth:`NameCache.reset`: nothing
  from the previous connection may be offered, and nothing is refetched
  until asked for.

Which commands trigger a refresh is :func:`may_change_names`'s rule, below.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from vsh.core.command import VshCommand

Fetch = Callable[[], list[str]]
F = TypeVar("F", bound=Callable[..., Iterable[str]])

DEFAULT_TTL = 60.0
MAX_REMEMBERED = 32  # fetchers the background refresh keeps warm (most recent first)


def depends_on(*names: str) -> Callable[[F], F]:
    """Declare which option values a completer reads, so its results can be cached.

    The values of those options become part of the cache key (the snapshot
    names of ``--domain test`` are not those of ``--domain web``).  A
    completer taking ``values`` but lacking this declaration is never cached:
    it may read the word being typed (comma-separated lists do).
    """

    def mark(completer: F) -> F:
        # A function attribute, read back with getattr (F is any callable).
        completer.completion_depends_on = tuple(names)  # type: ignore[attr-defined]
        return completer

    return mark


class NameCache:
    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
        remember: int = MAX_REMEMBERED,
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self.remember = remember
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._entries: dict[Hashable, tuple[float, list[str]]] = {}
        self._fetchers: OrderedDict[Hashable, Fetch] = OrderedDict()
        self._generation = 0
        self._pending = False
        self._worker: threading.Thread | None = None
        self.fetches = 0  # how many times a fetcher ran (for tests and benchmarks)

    # -- reading ---------------------------------------------------------------------------
    def get(self, key: Hashable, fetch: Fetch) -> list[str]:
        """The names under ``key``, fetched (in the calling thread) on a miss."""
        with self._lock:
            entry = self._entries.get(key)
            self._fetchers[key] = fetch
            self._fetchers.move_to_end(key)
            while len(self._fetchers) > self.remember:
                self._fetchers.popitem(last=False)
            generation = self._generation
        if entry is not None:
            if self.clock() - entry[0] >= self.ttl:
                self._request_refresh()
            return entry[1]
        names = self._fetch(fetch)
        self._store(key, names, generation)
        return names

    def peek(self, key: Hashable) -> list[str] | None:
        with self._lock:
            entry = self._entries.get(key)
        return None if entry is None else entry[1]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    # -- invalidation ------------------------------------------------------------------------
    def invalidate(self, refresh: bool = True) -> None:
        """Forget every name; refetch the ones in use in the background."""
        with self._lock:
            self._entries.clear()
            self._generation += 1
        if refresh:
            self._request_refresh()

    def reset(self) -> None:
        """A new connection: forget names and what was asked for."""
        with self._lock:
            self._entries.clear()
            self._fetchers.clear()
            self._generation += 1

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait for the background refresh to finish; False on timeout."""
        deadline = None if timeout is None else self.clock() + timeout
        with self._idle:
            while self._worker is not None:
                remaining = None if deadline is None else deadline - self.clock()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    # -- internals ---------------------------------------------------------------------------
    def _fetch(self, fetch: Fetch) -> list[str]:
        self.fetches += 1
        try:
            return [str(name) for name in fetch()]
        except Exception:  # a provider failing must never surface in the prompt
            return []

    def _store(self, key: Hashable, names: list[str], generation: int) -> None:
        with self._lock:
            if generation == self._generation:  # not invalidated while we fetched
                self._entries[key] = (self.clock(), names)

    def _request_refresh(self) -> None:
        with self._lock:
            self._pending = True
            if self._worker is not None:
                return  # the running pass will go round once more
            self._worker = threading.Thread(target=self._refresh, name="vsh-names", daemon=True)
            self._worker.start()

    def _refresh(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._worker = None
                    self._idle.notify_all()
                    return
                self._pending = False
                generation = self._generation
                fetchers = list(self._fetchers.items())
            for key, fetch in reversed(fetchers):  # most recently used first
                with self._lock:
                    if generation != self._generation:
                        break  # invalidated again: the next pass starts over
                names = self._fetch(fetch)
                self._store(key, names, generation)


# -- which commands refresh the names ---------------------------------------------------------

# Commands that never change which names exist or the states completers filter
# on (running, shut off, has snapshots...).  Everything else is assumed to.
READ_ONLY_COMMANDS = frozenset(
    {
        "cd",
        "complete",
        "completion",
        "connect",  # handled apart: it resets the cache
        "domid",
        "domname",
        "domuuid",
        "dumpxml",
        "echo",
        "exit",
        "find-storage-pool-sources",
        "find-storage-pool-sources-as",
        "freepages",
        "help",
        "hostname",
        "list",
        "nodecpumap",
        "pool-event",  # waits for events only
        "pwd",
        "quit",
        "secret-event",
        "secret-get-value",
        "secret-set-value",  # a value, never a name
        "self-test",
        "snapshot-current",  # moves the "current" mark; names and states stay
        "snapshot-export",  # writes a file
        "uri",
        "version",
    }
)
# virsh's naming: getters end like this (dominfo, snapshot-list, net-dumpxml...).
READ_ONLY_SUFFIXES = ("info", "-list", "-dumpxml", "-parent", "state", "stats")


def may_change_names(cmd: VshCommand) -> bool:
    """Whether a successful ``cmd`` may have changed what completion offers.

    The rule: a command declaring ``mutates=(...)`` does; otherwise a command
    does unless it is listed in :data:`READ_ONLY_COMMANDS` or its name ends
    like a virsh getter (:data:`READ_ONLY_SUFFIXES`).  Unknown commands count
    as mutating, so a new command can only cost a needless refresh, never a
    stale name.
    """
    if getattr(cmd, "mutates", ()):
        return True
    name = cmd.name or ""
    return name not in READ_ONLY_COMMANDS and not name.endswith(READ_ONLY_SUFFIXES)
