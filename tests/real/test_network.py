"""Virtual networks on the real libvirtd: an active private network with ports,
``net-update`` live and persistent, ``net-event`` and ``net-edit``, each
compared with /usr/bin/virsh.

The session stack runs libvirtd in a network namespace of its own
(``Stack(private_net=True)``), so the bridge, its firewall rules and its
dnsmasq exist only there: nothing here touches the machine's network.  A
kernel that refuses the bridge or the firewall rules makes the tests say so
(a skip with the reason, a failure under ``VSH_REQUIRE_REAL=1``).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conformance.harness import VIRSH, VSH, Outcome, base_env
from tests.real.util import ok, same, virsh, vsh
from tests.realstack.plugin import require_real
from tests.realstack.stack import Stack
from vsh.core import registry as table
from vsh.core.jsonshape import problems

pytestmark = pytest.mark.real

NET = "vshnet"
BRIDGE = "vshbr0"
NET_XML = f"""<network>
  <name>{NET}</name>
  <forward mode='nat'/>
  <bridge name='{BRIDGE}' stp='on' delay='0'/>
  <ip address='10.213.7.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.213.7.10' end='10.213.7.50'/>
    </dhcp>
  </ip>
</network>
"""
EVENT_NET = "vshevnet"
EVENT_XML = f"""<network>
  <name>{EVENT_NET}</name>
  <bridge name='vshbr1'/>
  <ip address='10.213.8.1' netmask='255.255.255.0'/>
</network>
"""
PORT_UUIDS = ("5d1b9a0e-7f3c-4e62-8a15-0c9e2f4b6a71", "0a1b9a0e-7f3c-4e62-8a15-0c9e2f4b6a72")
HOST = "<host mac='52:54:00:aa:bb:01' name='guest1' ip='10.213.7.60'/>"
HOST_MODIFIED = "<host mac='52:54:00:aa:bb:01' name='guest1' ip='10.213.7.61'/>"


def _port_xml(uuid: str, mac: str) -> str:
    return f"""<networkport>
  <uuid>{uuid}</uuid>
  <owner>
    <name>portguest</name>
    <uuid>3c0b5b6e-1b5c-4f3a-9d8e-2b0a1c9d0e11</uuid>
  </owner>
  <mac address='{mac}'/>
</networkport>
"""


def _refused(what: str, detail: str) -> None:
    """The kernel (or its firewall) refused what an active network needs: say so."""
    message = f"this machine refuses {what} in the stack's network namespace: {detail.strip()}"
    if require_real():
        pytest.fail(message + " (VSH_REQUIRE_REAL=1)", pytrace=False)
    pytest.skip(message)


def _start_network(stack: Stack, xml: Path, name: str) -> None:
    # Never start a bridge in the machine's own network namespace.
    if not stack.private_net:
        _refused("a network namespace with a bridge", stack.private_net_refused or "not asked for")
    stack.virsh("net-define", str(xml))
    started = stack.virsh("net-start", name, check=False)
    if started.returncode != 0:
        stack.virsh("net-undefine", name, check=False)
        err = started.stderr
        what = "firewall rules" if "iptables" in err or "firewall" in err else "a bridge"
        _refused(what, err)


def _remove_network(stack: Stack, name: str) -> None:
    stack.virsh("net-destroy", name, check=False)
    stack.virsh("net-undefine", name, check=False)


@pytest.fixture
def network(real_stack: Stack, tmp_path: Path) -> Iterator[str]:
    """The active, persistent network NET, removed after the test."""
    xml = tmp_path / "net.xml"
    xml.write_text(NET_XML)
    _remove_network(real_stack, NET)  # a leftover of an interrupted run
    _start_network(real_stack, xml, NET)
    try:
        yield NET
    finally:
        _remove_network(real_stack, NET)


def _both(stack: Stack, args: list[str], undo: Callable[[], object]) -> Outcome:
    """virsh ARGS, UNDO, vsh ARGS: both print the same bytes and end the same."""
    expected = virsh(stack, *args)
    undo()
    actual = vsh(stack, *args)
    assert (actual.status, actual.out, actual.err) == (expected.status, expected.out, expected.err)
    return actual


def _state(stack: Stack) -> tuple[str, str]:
    live = stack.virsh("net-dumpxml", NET).stdout
    return live, stack.virsh("net-dumpxml", NET, "--inactive").stdout


# ---------------------------------------------------------------------------
# ports


def test_network_is_private(real_stack: Stack, network: str) -> None:
    """The bridge exists in the stack's namespace and not in the machine's."""
    assert ok(vsh(real_stack, "net-info", network)).out.count(BRIDGE) == 1
    assert not Path(f"/sys/class/net/{BRIDGE}").exists()


def test_ports(real_stack: Stack, network: str, tmp_path: Path) -> None:
    first, second = PORT_UUIDS
    files = []
    for i, (uuid, mac) in enumerate(((first, "52:54:00:11:22:33"), (second, "52:54:00:11:22:44"))):
        path = tmp_path / f"port{i}.xml"
        path.write_text(_port_xml(uuid, mac))
        files.append(path)

    def delete(uuid: str) -> Callable[[], object]:
        return lambda: real_stack.virsh("net-port-delete", network, uuid)

    out = _both(real_stack, ["net-port-create", network, str(files[0])], delete(first))
    assert out.out == f"Network port {first} created from {files[0]}\n\n"
    ok(vsh(real_stack, "net-port-create", network, str(files[1])))
    # the same port again, a bad file, a missing one, --validate
    same(real_stack, "net-port-create", network, str(files[1]))
    (tmp_path / "bad.xml").write_text("<networkport>")
    same(real_stack, "net-port-create", network, str(tmp_path / "bad.xml"))
    same(real_stack, "net-port-create", network, str(tmp_path / "missing.xml"))
    same(real_stack, "net-port-create", network, str(files[1]), "--validate")

    listed = same(real_stack, "net-port-list", network)
    assert listed.out.index(second) < listed.out.index(first)  # sorted by UUID
    same(real_stack, "net-port-list", network, "--uuid")
    same(real_stack, "net-port-list", network, "--table")
    same(real_stack, "-q", "net-port-list", network)
    same(real_stack, "net-port-list", network, "--uuid", "--table")
    document = json.loads(ok(vsh(real_stack, "net-port-list", network, "--json")).out)
    assert document == [{"uuid": second}, {"uuid": first}]
    shape = table.get_command("net-port-list").json_shape  # type: ignore[union-attr]
    assert shape is not None and problems(shape, document) == []

    dumped = same(real_stack, "net-port-dumpxml", network, first)
    assert f"<plug type='network' bridge='{BRIDGE}'/>" in dumped.out
    same(real_stack, "net-port-dumpxml", network, first, "--xpath", "//mac/@address")
    same(real_stack, "net-port-dumpxml", network, first, "--xpath", "//owner/name", "--wrap")
    same(real_stack, "net-port-dumpxml", network, first, "--xpath", "")
    same(real_stack, "net-port-dumpxml", network, "11111111-2222-3333-4444-555555555555")
    same(real_stack, "net-port-dumpxml", network, "not-a-uuid")
    same(real_stack, "net-port-dumpxml", "nosuchnet", first)
    same(real_stack, f"complete -- 'net-port-delete --network {network} --port '")

    def recreate() -> None:
        real_stack.virsh("net-port-create", network, str(files[0]))

    out = _both(real_stack, ["net-port-delete", network, first], recreate)
    assert out.out == f"Network port {first} deleted\n\n"
    same(real_stack, "net-port-delete", network, first)  # gone: virsh's status stays 0
    same(real_stack, "net-port-delete", "nosuchnet", first)
    ok(vsh(real_stack, "net-port-delete", network, second))
    assert ok(vsh(real_stack, "net-port-list", network, "--uuid")).out == "\n"
    # an inactive network has no ports
    real_stack.virsh("net-destroy", network)
    same(real_stack, "net-port-list", network)
    same(real_stack, "net-port-create", network, str(files[0]))


# ---------------------------------------------------------------------------
# net-update


def _update_both(stack: Stack, args: list[str], undo: list[str]) -> Outcome:
    """net-update ARGS by virsh, the UNDO update, net-update ARGS by vsh: same
    words and the same live and persistent XML afterwards."""
    expected = virsh(stack, "net-update", NET, *args)
    after_virsh = _state(stack)
    undone = stack.virsh("net-update", NET, *undo, check=False)
    assert undone.returncode == 0, (expected, undone.stderr)
    actual = vsh(stack, "net-update", NET, *args)
    assert (actual.status, actual.out, actual.err) == (expected.status, expected.out, expected.err)
    assert _state(stack) == after_virsh
    return actual


def test_update(real_stack: Stack, network: str, tmp_path: Path) -> None:
    live_host = "10.213.7.60"
    out = _update_both(
        real_stack,
        ["add", "ip-dhcp-host", HOST, "--live"],
        ["delete", "ip-dhcp-host", HOST, "--live"],
    )
    assert out.out == f"Updated network {NET} live state\n"
    live, persistent = _state(real_stack)
    assert live_host in live and live_host not in persistent

    out = _update_both(
        real_stack,
        ["add-last", "ip-dhcp-host", HOST, "--config"],
        ["delete", "ip-dhcp-host", HOST, "--config"],
    )
    assert out.out == f"Updated network {NET} persistent config\n"
    assert live_host in _state(real_stack)[1]

    # from a file, both at once
    changed = tmp_path / "host.xml"
    changed.write_text(HOST_MODIFIED + "\n")
    out = _update_both(
        real_stack,
        ["modify", "ip-dhcp-host", str(changed), "--live", "--config"],
        ["modify", "ip-dhcp-host", HOST, "--live", "--config"],
    )
    assert out.out == f"Updated network {NET} persistent config and live state\n"
    assert all("10.213.7.61" in xml for xml in _state(real_stack))

    # --current on an active network: its live state; --parent-index 0 is the first <ip>
    _update_both(
        real_stack,
        ["delete", "ip-dhcp-host", HOST_MODIFIED, "--parent-index", "0"],
        ["add", "ip-dhcp-host", HOST_MODIFIED, "--live"],
    )
    dns = "<host ip='10.213.7.70'><hostname>web</hostname></host>"
    _update_both(
        real_stack,
        ["add-first", "dns-host", dns, "--live", "--config"],
        ["delete", "dns-host", dns, "--live", "--config"],
    )

    for args in (
        ["delete", "ip-dhcp-host", HOST, "--live"],  # no longer there
        ["add", "ip-dhcp-host", HOST, "--parent-index", "3"],
        ["add", "ip-dhcp-host", "<host", "--live"],
        ["modify", "bridge", f"<bridge name='{BRIDGE}'/>"],
        ["add", "ip-dhcp-range", "<range start='10.213.9.1' end='10.213.9.9'/>", "--live"],
        ["bogus", "ip-dhcp-host", HOST],
        ["add", "bogus", HOST],
        ["add", "ip-dhcp-host", str(tmp_path / "missing.xml")],
        ["add", "ip-dhcp-host", HOST, "--current", "--config"],
    ):
        same(real_stack, "net-update", NET, *args)

    # inactive: --current means the persistent config, --live is refused
    # (the persistent config still has HOST_MODIFIED: --current above was live)
    real_stack.virsh("net-destroy", NET)
    other = "<host mac='52:54:00:aa:bb:02' name='guest2' ip='10.213.7.62'/>"
    out = _update_both(
        real_stack,
        ["add", "ip-dhcp-host", other],
        ["delete", "ip-dhcp-host", other, "--config"],
    )
    assert out.out == f"Updated network {NET} persistent config\n"
    same(real_stack, "net-update", NET, "delete", "ip-dhcp-host", other, "--live")
    same(real_stack, "net-update", NET, "add", "ip-dhcp-host", HOST_MODIFIED)


# ---------------------------------------------------------------------------
# net-event

STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: ")


def _listen(stack: Stack, program: list[str], args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*program, "-c", stack.uri, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=base_env(),
    )


@pytest.mark.parametrize(
    "args",
    [
        ["net-event", "--event", "lifecycle", "--loop", "--timeout", "15"],
        ["net-event", "--event", "lifecycle", "--loop", "--timeout", "15", "--timestamp"],
        # one-shot: the first event ends the wait
        ["net-event", EVENT_NET, "--event", "lifecycle", "--timeout", "20"],
        # a network that is not there: virsh says so, then waits for every network
        ["net-event", "--network", NET, "--event", "lifecycle", "--timeout", "20"],
        ["net-event", "nosuchnet", "--event", "lifecycle", "--loop", "--timeout", "15"],
    ],
)
def test_event(real_stack: Stack, tmp_path: Path, args: list[str]) -> None:
    """virsh and vsh listen at the same time while another process defines,
    starts, stops and undefines a network."""
    xml = tmp_path / "event.xml"
    xml.write_text(EVENT_XML)
    _remove_network(real_stack, EVENT_NET)
    if not real_stack.private_net:
        _refused("a network namespace with a bridge", real_stack.private_net_refused or "")
    listeners = [_listen(real_stack, [VIRSH], args), _listen(real_stack, VSH, args)]
    try:
        # both registered: each starts in well under a second, but a loaded
        # machine (make test runs beside other work) has been seen to need 4 s
        time.sleep(6)
        real_stack.virsh("net-define", str(xml))
        started = real_stack.virsh("net-start", EVENT_NET, check=False)
        if started.returncode != 0:
            _refused("a bridge", started.stderr)
        real_stack.virsh("net-destroy", EVENT_NET)
        real_stack.virsh("net-undefine", EVENT_NET)
        results = [proc.communicate(timeout=30) for proc in listeners]
    finally:
        for proc in listeners:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        _remove_network(real_stack, EVENT_NET)
    (v_out, v_err), (s_out, s_err) = results
    assert STAMP.sub("STAMP: ", s_out) == STAMP.sub("STAMP: ", v_out), (v_err, s_err)
    assert s_err == v_err, (v_out, s_out)
    assert listeners[1].returncode == listeners[0].returncode
    if "--loop" in args:
        assert f"for network {EVENT_NET}: Stopped" in s_out
        if "--timestamp" in args:
            assert STAMP.search(s_out)


# ---------------------------------------------------------------------------
# net-edit


def _editor(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def _temp(text: str) -> str:
    return re.sub(r"virsh[A-Za-z0-9]{6}\.xml", "virshXXXXXX.xml", text)


def test_edit(real_stack: Stack, network: str, tmp_path: Path) -> None:
    original = tmp_path / "net.xml"  # with the network's UUID: a redefine, not a new network
    original.write_text(real_stack.virsh("net-dumpxml", network, "--inactive").stdout)
    editors = {
        "range": _editor(tmp_path, "range.sh", "sed -i 's/10.213.7.50/10.213.7.40/' \"$1\"\n"),
        "same": "true",
        "broken": _editor(tmp_path, "broken.sh", 'echo "<network>broken" > "$1"\n'),
        "fails": _editor(tmp_path, "fails.sh", "exit 3\n"),
    }
    for label, editor in editors.items():
        env = dict(base_env(), EDITOR=editor)
        argv = ["-c", real_stack.uri, "net-edit", network]
        expected = subprocess.run([VIRSH, *argv], capture_output=True, text=True, env=env)
        state = _state(real_stack)
        real_stack.virsh("net-define", str(original))
        actual = subprocess.run([*VSH, *argv], capture_output=True, text=True, env=env)
        assert (actual.returncode, actual.stdout, _temp(actual.stderr)) == (
            expected.returncode,
            expected.stdout,
            _temp(expected.stderr),
        ), label
        assert _state(real_stack) == state, label
        if label == "range":
            assert actual.stdout == f"Network {network} XML configuration edited.\n\n"
            assert "10.213.7.40" in state[1] and "10.213.7.40" not in state[0]
        real_stack.virsh("net-define", str(original))
