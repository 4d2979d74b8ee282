"""vsh.completion.engine: what the interactive shell offers as you type.

``completions(line)`` is the set of plain names offered for the word ending
``line``; ``texts(line)`` what would replace that word (quoted as needed).
Besides the real command table, a command declared here (``snapcmd``) wires
the snapshot and checkpoint providers the way snapshot.py and checkpoint.py
do, plus an old-style two-argument completer and a file option.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import libvirt
import pytest

from tests.completion.conftest import ODD_SNAPSHOTS, run
from vsh.completion import engine
from vsh.completion.cache import NameCache
from vsh.completion.engine import complete
from vsh.completion.providers import checkpoint_names, snapshot_names
from vsh.core import registry as table
from vsh.core import runner
from vsh.core.command import VshCommand, command, option
from vsh.core.grammar import OptKind
from vsh.core.session import Session
from vsh.virt import lookup

HAS_SNAPSHOT = libvirt.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT
calls: list[tuple[Any, ...]] = []


def old_style(s: Session, flags: int) -> list[str]:
    """A completer of the older ``(session, flags)`` form."""
    calls.append(("old", flags))
    return ["fast", "slow"]


def broken(s: Session, flags: int, values: object) -> list[str]:
    raise TypeError("a bug inside the completer, not a signature mismatch")


@command(
    "snapcmd",
    summary="a command for completion tests",
    group="snapshot",
    exclusive=(("current", "snapshotname"),),
)
@option(
    "domain",
    OptKind.DATA,
    "domain name, id or uuid",
    required=True,
    completer=lookup.complete_domain_names,
    completer_flags=HAS_SNAPSHOT,
)
@option("snapshotname", OptKind.STRING, "snapshot name", completer=snapshot_names)
@option("current", OptKind.BOOL, "the current snapshot")
@option("checkpoint", OptKind.STRING, "checkpoint", named_only=True, completer=checkpoint_names)
@option("speed", OptKind.STRING, "speed", named_only=True, completer=old_style, completer_flags=7)
@option("bug", OptKind.STRING, "buggy values", named_only=True, completer=broken)
@option("file", OptKind.STRING, "a file", named_only=True, value_kind="file")
@option("json", OptKind.BOOL, "print JSON", extension=True)
def _snapcmd(s: Session, **_kw: object) -> bool:
    return True


@pytest.fixture
def cmd(register: Callable[[VshCommand], None]) -> VshCommand:
    register(_snapcmd)
    calls.clear()
    return _snapcmd


def completions(s: Session, line: str, cache: NameCache | None = None) -> set[str]:
    return {c.display for c in complete(s, line, cache=cache)[1]}


def texts(s: Session, line: str) -> list[str]:
    return [c.text for c in complete(s, line)[1]]


# -- command names ------------------------------------------------------------------------------


def test_command_names(session: Session) -> None:
    assert completions(session, "dest") == {"destroy"}
    assert completions(session, "snapshot-cr") == {"snapshot-create", "snapshot-create-as"}
    everything = completions(session, "")
    assert {"list", "start", "snapshot-list", "connect"} <= everything
    assert not {"complete", "self-test"} & everything  # hidden
    assert engine.command_names() == [n for n, e in table.entries().items() if not e.hidden]


def test_an_exact_command_name_still_completes_names(session: Session) -> None:
    """virsh: 'dump<TAB>' offers dump and dumpxml; only a blank moves on to options."""
    assert completions(session, "snapshot-create") == {"snapshot-create", "snapshot-create-as"}


def test_completion_after_a_semicolon(session: Session) -> None:
    assert completions(session, "echo a; dest") == {"destroy"}
    assert completions(session, "echo a;dest") == {"destroy"}
    assert completions(session, "echo 'a; dest") == set()  # inside quotes: data
    assert "--graceful" in completions(session, "list; destroy --")


def test_nothing_for_unknown_commands_and_comments(session: Session) -> None:
    assert completions(session, "frobnicate ") == set()
    assert completions(session, "echo a # dest") == set()
    assert completions(session, "'#x' ") == set()


# -- options ------------------------------------------------------------------------------------


def test_options_not_given_yet(cmd: VshCommand, snap_session: Session) -> None:
    assert completions(snap_session, "snapcmd dom0 --") == {
        "--snapshotname", "--current", "--checkpoint", "--speed", "--bug", "--file", "--json",
    }  # fmt: skip
    assert "--speed" not in completions(snap_session, "snapcmd dom0 --speed fast --")


def test_mutually_exclusive_options_are_hidden(cmd: VshCommand, snap_session: Session) -> None:
    assert "--snapshotname" not in completions(snap_session, "snapcmd dom0 --current --")
    assert "--current" not in completions(snap_session, "snapcmd dom0 --snapshotname alpha --")
    assert completions(snap_session, "echo --shell --") == {"--err", "--string"}
    assert completions(snap_session, "echo --xml --s") == {"--string"}


def test_argv_options_stay_offered(session: Session) -> None:
    assert "--string" in completions(session, "echo --string a --")


def test_positional_words_bind_as_virsh_binds_them(cmd: VshCommand, snap_session: Session) -> None:
    # dom0 fills --domain, so --domain is no longer offered; --snapshotname is.
    got = completions(snap_session, "snapcmd dom0 --")
    assert "--domain" not in got and "--snapshotname" in got


def test_an_empty_word_offers_the_next_positional_value_and_options(
    cmd: VshCommand, snap_session: Session
) -> None:
    got = completions(snap_session, "snapcmd dom0 ")
    assert {"alpha", "al two", "#hash", "--current", "--json"} <= got


def test_option_value_completion_after_flags(cmd: VshCommand, snap_session: Session) -> None:
    assert completions(snap_session, "snapcmd dom0 --snapshotname al") == {"alpha", "al two"}
    assert completions(snap_session, "snapcmd --snapshotname al") == set()  # no domain yet
    assert completions(snap_session, "snapcmd --domain dom0 --snapshotname b") == {"beta"}
    assert completions(snap_session, "snapcmd --domain=dom0 --current --speed ") == {"fast", "slow"}
    assert completions(snap_session, "snapcmd --snapshotname=al") == set()


def test_inline_option_values(cmd: VshCommand, snap_session: Session) -> None:
    assert sorted(texts(snap_session, "snapcmd dom0 --snapshotname=al")) == [
        "--snapshotname=al\\ two",
        "--snapshotname=alpha",
    ]
    assert texts(snap_session, "snapcmd dom0 --snapshotname='al t") == ["--snapshotname='al two'"]
    start, _ = complete(snap_session, "snapcmd dom0 --snapshotname=al")
    assert start == len("snapcmd dom0 ")


def test_domain_names_come_from_the_option_completer(session: Session) -> None:
    assert completions(session, "dominfo ") >= {"test"}
    assert completions(session, "dominfo t") == {"test"}
    assert completions(session, "dominfo --domain t") == {"test"}
    assert completions(session, "dominfo --domain=t") == {"test"}


def test_snapshot_names_of_the_domain_typed_earlier(session: Session) -> None:
    run(session, "snapshot-create-as test alpha; snapshot-create-as test beta")
    if table.get_command("snapshot-revert").option("snapshotname").completer is None:
        pytest.skip("snapshot.py does not wire the snapshot name completer yet")
    assert completions(session, "snapshot-revert test al") == {"alpha"}
    assert completions(session, "snapshot-revert --domain test --snapshotname ") == {
        "alpha",
        "beta",
    }
    assert completions(session, "snapshot-revert test --snapshotname b") == {"beta"}
    assert completions(session, "snapshot-info nosuch a") == set()


def test_checkpoint_names(cmd: VshCommand, session: Session) -> None:
    # The test driver keeps checkpoints only for running domains with disks; none here.
    assert completions(session, "snapcmd test --checkpoint ") == set()


# -- quoting --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "name", "replacement"),
    [
        ("al", "al two", "al\\ two"),
        ("'al", "al two", "'al two'"),
        ('"al', "al two", '"al two"'),
        ("it", "it's", "it\\'s"),
        ("'it", "it's", "'it'\\''s'"),
        ('"it', "it's", '"it\'s"'),
        ("say", 'say "hi"', 'say\\ \\"hi\\"'),
        ('"say', 'say "hi"', '"say \\"hi\\""'),
        ("semi", "semi;colon", "semi\\;colon"),
        ("\\#", "#hash", "\\#hash"),
        ("'#", "#hash", "'#hash'"),
    ],
)
def test_names_are_quoted_so_they_parse_back(
    cmd: VshCommand, snap_session: Session, typed: str, name: str, replacement: str
) -> None:
    line = f"snapcmd dom0 {typed}"
    start, candidates = complete(snap_session, line)
    assert start == len("snapcmd dom0 ")
    by_name = {c.display: c.text for c in candidates}
    assert by_name[name] == replacement
    parsed = runner.parse_script(snap_session, line[:start] + replacement)
    assert parsed is not None and parsed[0].values["snapshotname"] == name


def test_every_odd_name_round_trips(cmd: VshCommand, snap_session: Session) -> None:
    for name in ODD_SNAPSHOTS:
        prefix = "snapcmd dom0 --snapshotname "
        found = {c.display: c.text for c in complete(snap_session, prefix)[1]}
        parsed = runner.parse_script(snap_session, prefix + found[name])
        assert parsed is not None and parsed[0].values["snapshotname"] == name


def test_names_starting_with_dashes_are_not_offered_positionally(
    cmd: VshCommand, snap_session: Session
) -> None:
    """'--dash' typed positionally would be read as an option."""
    positional = {
        c.display for c in complete(snap_session, "snapcmd dom0 ")[1] if c.meta != "option"
    }
    assert "--dash" not in positional and "alpha" in positional
    assert "--dash" in completions(snap_session, "snapcmd dom0 --snapshotname ")
    assert "--dash" in completions(snap_session, "snapcmd -- dom0 ")  # after --, all is data


def test_a_comment_start_needs_escaping(cmd: VshCommand, snap_session: Session) -> None:
    assert completions(snap_session, "snapcmd dom0 #") == set()  # the cursor is in a comment
    assert "#hash" in completions(snap_session, "snapcmd dom0 ")


# -- completers of every shape, and the cache ------------------------------------------------


def test_old_style_completers_get_two_arguments(cmd: VshCommand, snap_session: Session) -> None:
    assert completions(snap_session, "snapcmd dom0 --speed f") == {"fast"}
    assert calls == [("old", 7)]


def test_a_failing_completer_offers_nothing(
    cmd: VshCommand, snap_session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    assert completions(snap_session, "snapcmd dom0 --bug ") == set()
    assert capsys.readouterr() == ("", "")


def test_file_values(cmd: VshCommand, snap_session: Session, tmp_path: Path) -> None:
    (tmp_path / "snap.xml").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").write_text("")
    base = f"snapcmd dom0 --file {tmp_path}/"
    assert completions(snap_session, base) == {f"{tmp_path}/snap.xml", f"{tmp_path}/sub/"}
    assert completions(snap_session, base + ".") == {f"{tmp_path}/.hidden"}


def test_the_cache_serves_repeated_completions(cmd: VshCommand, snap_session: Session) -> None:
    cache = NameCache()
    line = "snapcmd dom0 --speed "
    completions(snap_session, line, cache)
    completions(snap_session, line, cache)
    assert calls == [("old", 7)]
    assert completions(snap_session, "snapcmd dom0 --snapshotname al", cache) == {
        "alpha",
        "al two",
    }
    before = cache.fetches
    completions(snap_session, "snapcmd dom0 --snapshotname b", cache)
    assert cache.fetches == before  # same domain: same entry


def test_snapshot_names_are_cached_per_domain(session: Session, cmd: VshCommand) -> None:
    run(session, "snapshot-create-as test one")
    cache = NameCache()
    assert completions(session, "snapcmd test --snapshotname ", cache) == {"one"}
    assert completions(session, "snapcmd 1 --snapshotname ", cache) == {"one"}  # by ID
    assert completions(session, "snapcmd nosuch --snapshotname ", cache) == set()
    assert cache.fetches == 3


def test_value_completers_reading_the_word_are_not_cached(session: Session) -> None:
    cache = NameCache()
    assert completions(session, "reboot test --mode acpi,", cache) == {
        "acpi,agent",
        "acpi,initctl",
        "acpi,signal",
        "acpi,paravirt",
    }
    assert completions(session, "reboot test --mode signal,a", cache) == {
        "signal,acpi",
        "signal,agent",
    }


def test_takes_values() -> None:
    assert engine.takes_values(snapshot_names)
    assert not engine.takes_values(old_style)
    assert engine.takes_values(lambda *args: [])
    assert not engine.takes_values(lookup.complete_domain_names)


def test_call_completer_never_raises(session: Session) -> None:
    def raises(s: Session, flags: int) -> Iterable[str]:
        raise libvirt.libvirtError("gone")

    assert engine.call_completer(raises, session, 0, {}) == []
    assert engine.call_completer(lambda s, f, v: None, session, 0, {}) == []


def test_cache_keys() -> None:
    assert engine.cache_key(old_style, 1, {"x": "y"}) == (old_style, 1, ())
    assert engine.cache_key(snapshot_names, 0, {"domain": "a", "snapshotname": "s"}) == (
        snapshot_names,
        0,
        (("domain", "a"),),
    )
    assert engine.cache_key(broken, 0, {}) is None


# -- per-command domain filters (virsh's completer flags) ------------------------------------

ACTIVE = {"web", "paused one", "fleeting", "crashed", "sleepy", "shut down", "deprecated", "meta"}
SHUT_OFF = {
    "00000000-0000-4000-8000-000000000001", "42", "alpha", "Beta", "saved", "snappy",
    "storage", "Zeta", "ünïcode 雪 \"q\" 'a' & <x>",
}  # fmt: skip


def domains_for(s: Session, command: str) -> set[str]:
    return {c.display for c in complete(s, f"{command} ")[1] if c.meta == "domain"}


def test_start_offers_inactive_domains(node_session: Session) -> None:
    assert domains_for(node_session, "start") == SHUT_OFF


def test_destroy_offers_active_domains(node_session: Session) -> None:
    assert domains_for(node_session, "destroy") == ACTIVE


def test_suspend_offers_running_and_resume_paused_domains(node_session: Session) -> None:
    assert domains_for(node_session, "suspend") == {"web", "fleeting", "deprecated", "meta"}
    assert domains_for(node_session, "resume") == {"paused one"}


def test_snapshot_commands_offer_domains_with_snapshots(node_session: Session) -> None:
    assert domains_for(node_session, "snapshot-list") == {"snappy"}
    assert domains_for(node_session, "snapshot-create-as") == ACTIVE | SHUT_OFF


def test_dominfo_offers_every_domain(node_session: Session) -> None:
    assert domains_for(node_session, "dominfo") == ACTIVE | SHUT_OFF


# virsh 9.0's completer flags for the <domain> option (tools/virsh-domain.c,
# virsh-domain-monitor.c, virsh-snapshot.c, virsh-checkpoint.c).
L = libvirt
VIRSH_DOMAIN_FLAGS = {
    "autostart": L.VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
    "destroy": L.VIR_CONNECT_LIST_DOMAINS_ACTIVE,
    "domid": L.VIR_CONNECT_LIST_DOMAINS_ACTIVE,
    "domuuid": 0,
    "dumpxml": 0,
    "reboot": L.VIR_CONNECT_LIST_DOMAINS_ACTIVE,
    "reset": L.VIR_CONNECT_LIST_DOMAINS_ACTIVE,
    "resume": L.VIR_CONNECT_LIST_DOMAINS_PAUSED,
    "shutdown": L.VIR_CONNECT_LIST_DOMAINS_ACTIVE,
    "start": L.VIR_CONNECT_LIST_DOMAINS_SHUTOFF,
    "suspend": L.VIR_CONNECT_LIST_DOMAINS_RUNNING,
    "undefine": L.VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
    "dominfo": 0,
    "domstate": 0,
    **{f"snapshot-{v}": 0 for v in ("create", "create-as")},
    **{
        f"snapshot-{v}": HAS_SNAPSHOT
        for v in ("current", "delete", "dumpxml", "edit", "info", "list", "parent", "revert")
    },
    "checkpoint-create": L.VIR_CONNECT_LIST_DOMAINS_ACTIVE,
    "checkpoint-create-as": L.VIR_CONNECT_LIST_DOMAINS_ACTIVE,
    "checkpoint-delete": L.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT
    | L.VIR_CONNECT_LIST_DOMAINS_ACTIVE,
    **{
        f"checkpoint-{v}": L.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT
        for v in ("dumpxml", "edit", "info", "list", "parent")
    },
}


@pytest.mark.parametrize("name", sorted(VIRSH_DOMAIN_FLAGS))
def test_domain_completer_flags_match_virsh(name: str) -> None:
    found = table.get_command(name)
    assert found is not None
    opt = found.option("domain")
    assert opt is not None and opt.completer is lookup.complete_domain_names
    assert opt.completer_flags == VIRSH_DOMAIN_FLAGS[name]


def test_domname_completes_uuids(node_session: Session) -> None:
    got = completions(node_session, "domname 00000000-0000-4000-8000-00000000000")
    assert "00000000-0000-4000-8000-000000000001" in got


def test_values_are_listed_sorted_as_readline_lists_them(
    cmd: VshCommand, snap_session: Session
) -> None:
    """virsh's completers return server (hash) order; readline shows them sorted."""
    shown = [c.display for c in complete(snap_session, "snapcmd dom0 --snapshotname ")[1]]
    assert shown == sorted(ODD_SNAPSHOTS)
    # An empty word: values first, then the options in declaration order.
    shown = [c.display for c in complete(snap_session, "snapcmd dom0 ")[1]]
    values = [n for n in sorted(ODD_SNAPSHOTS) if not n.startswith("--")]
    assert shown[: len(values)] == values
    assert shown[len(values) :] == [
        "--snapshotname", "--current", "--checkpoint", "--speed", "--bug", "--file", "--json",
    ]  # fmt: skip
