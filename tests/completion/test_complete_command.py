"""The hidden ``complete`` command: virsh's bash-completion protocol, compared with virsh.

Each case runs one script word through /usr/bin/virsh and vsh (``-q -c URI``):
stderr and exit status must match exactly, stdout line for line except for
order, because snapshot and domain names come back in the test driver's
hash-table order, which is randomly seeded per process.  vsh implements
fewer commands than virsh, so cases whose answer lists command names are
left out where the two tables differ.

``complete --shell SHELL`` (vsh's own scripts) is tested here in-process.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from tests.completion.conftest import NODE_URI
from tests.conformance.harness import both
from vsh.commands import builtins
from vsh.core import runner
from vsh.core.session import Session, Settings

SNAPS = (
    "snapshot-create-as test alpha; snapshot-create-as test 'al two'; snapshot-create-as test beta"
)


def assert_same_completion(uri: str, script: str) -> None:
    expected, actual = both(["-q", "-c", uri, script])
    assert actual.err == expected.err, f"stderr differs for {script!r}"
    assert sorted(actual.out.splitlines()) == sorted(expected.out.splitlines()), script
    assert actual.status == expected.status, f"exit status differs for {script!r}"


@pytest.mark.parametrize(
    "script",
    [
        # options of a command; an empty word never offers positional values
        "complete -- destroy ''",
        "complete -- start ''",
        "complete -- list --",
        "complete -- echo --s",
        "complete -- echo --string a --s",
        "complete -- echo --shell --xml ''",  # virsh does not hide exclusive options
        "complete -- snapshot-create-as test --print-xml --no-metadata ''",
        "complete -- destroy --gr",
        "complete -- destroy --graceful",  # a complete bool name: nothing (virsh's quirk)
        "complete -- destroy --graceful ''",
        "complete -- destroy --help ''",
        "complete -- dominfo test ''",
        "complete -- dominfo --domain test --domain ''",
        # values
        "complete -- destroy t",
        "complete -- destroy --domain ''",
        "complete -- destroy --domain=t",  # the whole word is the text: nothing
        "complete -- dominfo 'te",
        "complete -- domname ''",
        "complete -- reboot test --mode ''",
        "complete -- reboot test --mode acpi,",
        "complete -- shutdown test --mode 'acpi,ag'",
        "complete -- undefine test --storage ''",
        "complete -- undefine nosuch --storage ''",
        "complete -- snapshot-create-as test --name ''",
        "complete -- dumpxml --xpath ''",
        "complete -- create ''",
        "complete -- connect ''",
        # snapshots of the domain typed earlier
        f"{SNAPS}; complete -- snapshot-info test ''",
        f"{SNAPS}; complete -- snapshot-info test a",
        f"{SNAPS}; complete -- snapshot-info test 'al t'",
        f"{SNAPS}; complete -- snapshot-info test --snapshotname ''",
        f"{SNAPS}; complete -- snapshot-revert test ''",
        f"{SNAPS}; complete -- snapshot-revert test b",
        f"{SNAPS}; complete -- snapshot-revert --domain test --snapshotname a",
        f"{SNAPS}; complete -- snapshot-list test --from ''",
        f"{SNAPS}; complete -- snapshot-delete test --snapshotname=a",
        f"{SNAPS}; complete -- snapshot-dumpxml test a",
        f"{SNAPS}; complete -- snapshot-current test a",
        f"{SNAPS}; complete -- snapshot-parent 1 --snapshotname ''",
        f"{SNAPS}; complete -- snapshot-edit test ''",
        "complete -- snapshot-info nosuch a",
        "complete -- snapshot-info test a",
        "complete -- checkpoint-info test ''",
        "checkpoint-create-as test c1; checkpoint-create-as test c2; "
        "complete -- checkpoint-info test c",
        "checkpoint-create-as test c1; complete -- checkpoint-delete test --checkpointname ''",
        "checkpoint-create-as test c1; complete -- checkpoint-list test --from ''",
        "checkpoint-create-as test c1; complete -- checkpoint-list ''",
        # the line is the words joined by blanks, parsed by virsh's rules
        "complete -- echo a\\; dest",
        "complete -- '#x' dest",
        "complete -- destroy '\"t'",
        "complete -- destroy 't\\'",
        "complete -- destroy --domain '\"t'",
        # help: command names (prefixes where vsh's table and virsh's agree)
        "complete -- help --command checkpoint",
        "complete -- help snapshot-cr",
        "complete -- help ech",
        "complete -- help --command=sn",
        "complete -- help --command help ''",
        # vcpupin: vCPU ids of the domain, host CPUs as a comma list
        "complete -- vcpupin test --vcpu ''",
        "complete -- vcpupin test --vcpu 1",
        "complete -- vcpupin test --vcpu=''",
        "complete -- vcpupin 1 --vcpu ''",
        "complete -- vcpupin nosuch --vcpu ''",
        "complete -- vcpupin --vcpu ''",
        "setvcpus test 1 --config; complete -- vcpupin test --vcpu ''",
        "setvcpus test 1 --config --maximum; complete -- vcpupin test --vcpu ''",
        "complete -- vcpupin test --cpulist ''",
        "complete -- vcpupin test 1 ''",
        "complete -- vcpupin test 1 1,",
        "complete -- vcpupin test --cpulist 1,3",
        "complete -- vcpupin test --cpulist 1,3,",
        "complete -- vcpupin test --cpulist 0,1,2,3,4,5,6,",
        "complete -- vcpupin nosuch --cpulist ''",
        # net-dhcp-leases --mac: the test driver has no leases (virsh's errors)
        "complete -- net-dhcp-leases default --mac ''",
        "complete -- net-dhcp-leases nosuch --mac ''",
        "complete -- net-dhcp-leases --mac ''",
        "complete -- net-dhcp-leases dd8fe884-6c02-601e-7551-cca97df1c5df --mac ''",
        # failures
        "complete",
        "complete -- ",
        "complete -- dominfo 1",
    ],
)
def test_same_as_virsh_on_the_default_host(script: str) -> None:
    assert_same_completion("test:///default", script)


@pytest.mark.parametrize(
    "script",
    [
        "complete -- start ''",
        "complete -- start a",
        "complete -- start ''",
        "complete -- destroy ''",
        "complete -- destroy p",
        "complete -- suspend ''",
        "complete -- resume ''",
        "complete -- autostart ''",
        "complete -- undefine ''",
        "complete -- domid ''",
        "complete -- domuuid ''",
        "complete -- domname ''",
        "complete -- dominfo ''",
        "complete -- dominfo ü",
        "complete -- dominfo 'paused o'",
        "complete -- snapshot-list ''",
        "complete -- snapshot-info snappy ''",
        "complete -- snapshot-info snappy s",
        "complete -- snapshot-create-as ''",
        "complete -- checkpoint-list ''",
        "complete -- checkpoint-delete ''",
        "complete -- checkpoint-create ''",
        "complete -- vcpupin web --vcpu ''",
        "complete -- vcpupin saved --vcpu ''",
        "complete -- vcpupin 42 --vcpu ''",
        "complete -- vcpupin 00000000-0000-4000-8000-000000000001 --vcpu ''",
        "complete -- vcpupin web --cpulist ''",
    ],
)
def test_same_as_virsh_per_command_domain_filters(script: str) -> None:
    """Domains in every state: each command offers those virsh offers."""
    assert_same_completion(NODE_URI, script)


@pytest.mark.parametrize(
    "words",
    ["''", "a", "'al t'", "it", "'say \"'", "semi", "'#'", "--", "'--d'"],
)
def test_same_as_virsh_with_names_needing_quotes(snap_node: str, words: str) -> None:
    assert_same_completion(snap_node, f"complete -- snapshot-info dom0 --snapshotname {words}")
    assert_same_completion(snap_node, f"complete -- snapshot-info dom0 {words}")


def test_without_a_connection_nothing_is_printed() -> None:
    expected, actual = both(["-q", "-c", "test:///default", "connect nosuch:///; complete -- dest"])
    assert (actual.out, actual.status) == (expected.out, expected.status)


# -- vsh's own scripts' protocol -------------------------------------------------------------------


@pytest.fixture
def complete_in_process(monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[bool, str, str]]:
    monkeypatch.setattr(builtins, "_close_stdin", lambda _s: None)
    sessions: list[Session] = []

    def call(*words: str) -> tuple[bool, str, str]:
        s = Session(Settings(quiet=True), out=io.StringIO(), err=io.StringIO())
        sessions.append(s)
        parsed = runner.parse_argv(s, ["complete", *words])
        assert parsed is not None
        ok = runner.run(s, parsed)
        return ok, s.out.getvalue(), s.err.getvalue()  # type: ignore[attr-defined]

    yield call
    for s in sessions:
        if s._connection is not None:
            s.connection.close()


def test_script_protocol_bash(complete_in_process: Callable[..., tuple[bool, str, str]]) -> None:
    call = complete_in_process
    assert call("--shell", "bash", "--", "vsh -c test:///default dominfo t", "t")[1] == "test\n"
    assert call("--shell", "bash", "--", "vsh -c test:///default dest", "dest")[1] == "destroy\n"
    # bash split "--domain=t" at '=': only "t" is replaced
    out = call("--shell", "bash", "--", "vsh -c test:///default dominfo --domain=t", "t")[1]
    assert out == "test\n"
    out = call("--shell", "bash", "--", "vsh -c test:///default dominfo --domain=", "=")[1]
    assert out == "=test\n"
    # global options before the command
    assert call("--shell", "bash", "--", "vsh --re", "--re")[1] == "--readonly\n"
    assert call("--shell", "bash", "--", "vsh -c ", "")[1] == ""
    out = call("--shell", "bash", "--", "vsh -c test:///default echo --sh", "--sh")[1]
    assert out == "--shell\n"


def test_script_protocol_connects_only_for_values(
    complete_in_process: Callable[..., tuple[bool, str, str]],
) -> None:
    ok, out, err = complete_in_process("--shell", "bash", "--", "vsh -c nosuch:/// dest", "dest")
    assert (ok, out, err) == (True, "destroy\n", "")
    ok, out, err = complete_in_process("--shell", "bash", "--", "vsh -c nosuch:/// dominfo ", "")
    assert out.splitlines() == ["--domain", "--json"]
    assert "failed to connect to the hypervisor" in err


def test_script_protocol_zsh_and_fish(
    complete_in_process: Callable[..., tuple[bool, str, str]],
) -> None:
    line = "vsh -c test:///default destroy "
    assert complete_in_process("--shell", "zsh", "--", line)[1].splitlines() == [
        "test",
        "--domain",
        "--graceful",
        "--remove-logs",
    ]
    assert complete_in_process("--shell", "fish", "--", line)[1].splitlines() == [
        "test\tdomain",
        "--domain\toption",
        "--graceful\toption",
        "--remove-logs\toption",
    ]


def test_script_protocol_rejects_unknown_shells(
    complete_in_process: Callable[..., tuple[bool, str, str]],
) -> None:
    ok, _out, err = complete_in_process("--shell", "tcsh", "--", "vsh ")
    assert not ok and err == "error: unsupported shell 'tcsh': use bash, zsh or fish\n"


def test_completion_prints_scripts(
    complete_in_process: Callable[..., tuple[bool, str, str]],
) -> None:
    s = Session(Settings(quiet=True), out=io.StringIO(), err=io.StringIO())
    for shell in ("bash", "zsh", "fish"):
        parsed = runner.parse_argv(s, ["completion", shell])
        assert parsed is not None and runner.run(s, parsed)
    text = s.out.getvalue()  # type: ignore[attr-defined]
    assert "complete -o default -F _vsh_complete vsh" in text
    assert "compdef _vsh vsh" in text
    assert "complete -c vsh -f -a '(__vsh_complete)'" in text
    parsed = runner.parse_argv(s, ["completion", "tcsh"])
    assert parsed is not None and not runner.run(s, parsed)


def test_script_protocol_honours_readonly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtins, "_close_stdin", lambda _s: None)
    s = Session(Settings(quiet=True), out=io.StringIO(), err=io.StringIO())
    parsed = runner.parse_argv(
        s, ["complete", "--shell", "bash", "--", "vsh -r -c test:///default dominfo t", "t"]
    )
    assert parsed is not None and runner.run(s, parsed)
    assert s.out.getvalue() == "test\n"  # type: ignore[attr-defined]
    assert s.connection.uri == "test:///default" and s.connection.readonly
    s.connection.close()
