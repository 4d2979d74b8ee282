"""vsh.completion.cache: the name cache, its background refresh and the mutation rule."""

from __future__ import annotations

import threading

import pytest

from vsh.completion.cache import NameCache, depends_on, may_change_names
from vsh.core import registry as table
from vsh.core.command import command
from vsh.core.session import Session


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A provider whose answers the test changes; counts calls."""

    def __init__(self, *names: str) -> None:
        self.names = list(names)
        self.calls = 0
        self.gate: threading.Event | None = None

    def __call__(self) -> list[str]:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(5)
        return list(self.names)


def test_hit_and_miss() -> None:
    cache, source = NameCache(), Source("a")
    assert cache.get("k", source) == ["a"]
    source.names = ["b"]
    assert cache.get("k", source) == ["a"]
    assert source.calls == 1 and cache.peek("k") == ["a"] and cache.peek("other") is None


def test_invalidate_drops_names_and_refreshes_in_the_background() -> None:
    cache, source = NameCache(), Source("old")
    cache.get("k", source)
    source.names = ["new"]
    cache.invalidate()
    assert cache.wait_idle(5)
    assert cache.peek("k") == ["new"] and source.calls == 2


def test_invalidate_without_refresh() -> None:
    cache, source = NameCache(), Source("old")
    cache.get("k", source)
    cache.invalidate(refresh=False)
    assert cache.peek("k") is None and cache.wait_idle(1) and source.calls == 1


def test_reset_forgets_names_and_fetchers() -> None:
    cache, source = NameCache(), Source("a")
    cache.get("k", source)
    cache.reset()
    cache.invalidate()  # nothing left to refresh
    assert cache.wait_idle(5)
    assert cache.peek("k") is None and source.calls == 1


def test_stale_entries_are_served_once_while_refreshing() -> None:
    clock = Clock()
    cache, source = NameCache(ttl=10, clock=clock), Source("a")
    cache.get("k", source)
    source.names = ["b"]
    clock.now += 11
    assert cache.get("k", source) == ["a"]
    assert cache.wait_idle(5)
    assert cache.get("k", source) == ["b"]


def test_a_result_fetched_before_an_invalidation_is_not_stored() -> None:
    cache, source = NameCache(), Source("before")
    source.gate = threading.Event()
    result: list[list[str]] = []
    reader = threading.Thread(target=lambda: result.append(cache.get("k", source)))
    reader.start()
    while source.calls == 0:
        pass
    cache.invalidate(refresh=False)  # e.g. a command deleted a name meanwhile
    source.gate.set()
    reader.join(5)
    assert result == [["before"]]
    assert cache.peek("k") is None


def test_refresh_requests_coalesce() -> None:
    cache, source = NameCache(), Source("a")
    cache.get("k", source)
    source.gate = threading.Event()
    for _ in range(20):
        cache.invalidate()
    source.gate.set()
    assert cache.wait_idle(5)
    assert source.calls <= 3  # the first get, the running pass, one more pass


def test_refresh_swallows_provider_errors(capsys: pytest.CaptureFixture[str]) -> None:
    cache = NameCache()

    def failing() -> list[str]:
        raise RuntimeError("libvirt went away")

    assert cache.get("k", failing) == []
    cache.invalidate()
    assert cache.wait_idle(5)
    assert capsys.readouterr() == ("", "")


def test_only_recent_fetchers_are_kept_warm() -> None:
    cache = NameCache(remember=2)
    sources = [Source(str(i)) for i in range(4)]
    for i, source in enumerate(sources):
        cache.get(i, source)
    cache.invalidate()
    assert cache.wait_idle(5)
    assert [s.calls for s in sources] == [1, 1, 2, 2]


def test_depends_on_marks_a_completer() -> None:
    @depends_on("domain", "pool")
    def provider(s: Session, flags: int, values: object) -> list[str]:
        return []

    assert provider.completion_depends_on == ("domain", "pool")  # type: ignore[attr-defined]


# -- which commands refresh names ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "list", "dominfo", "domstate", "domid", "domname", "domuuid", "dumpxml", "uri",
        "hostname", "version", "echo", "help", "snapshot-list", "snapshot-info",
        "snapshot-dumpxml", "snapshot-parent", "snapshot-current", "snapshot-export",
        "checkpoint-list", "checkpoint-info", "checkpoint-dumpxml", "checkpoint-parent",
        "complete", "completion", "pwd", "cd", "quit", "exit", "self-test",
    ],
)  # fmt: skip
def test_read_only_commands(name: str) -> None:
    cmd = table.get_command(name)
    assert cmd is not None and not may_change_names(cmd)


@pytest.mark.parametrize(
    "name",
    [
        "start", "destroy", "suspend", "resume", "define", "undefine", "create", "shutdown",
        "reboot", "reset", "autostart", "snapshot-create", "snapshot-create-as",
        "snapshot-delete", "snapshot-revert", "snapshot-edit", "snapshot-redefine",
        "snapshot-restore", "snapshot-rotate", "checkpoint-create", "checkpoint-create-as",
        "checkpoint-delete",
        "checkpoint-edit",
    ],
)  # fmt: skip
def test_mutating_commands(name: str) -> None:
    cmd = table.get_command(name)
    assert cmd is not None and may_change_names(cmd)


def test_every_command_is_classified() -> None:
    """Unknown commands count as mutating: a new one costs a refresh, never a stale name."""

    @command("net-frobnicate", summary="a future command")
    def future(s: Session) -> bool:
        return True

    @command("net-info", summary="a future getter", mutates=("networks",))
    def declared(s: Session) -> bool:
        return True

    assert may_change_names(future)
    assert may_change_names(declared)  # an explicit declaration wins over the name
