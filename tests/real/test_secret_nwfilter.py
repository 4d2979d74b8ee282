"""Secrets and network filters on the real daemon, vsh against /usr/bin/virsh.

A command that changes something runs through virsh first, the change is
undone, then the same command runs through vsh and both outcomes must be the
same (:func:`both`).  Secret values must never show up where vsh keeps or shows
whole command lines: the shell's history and the ``-l`` log.
"""

from __future__ import annotations

import base64
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conformance import harness
from tests.conformance.harness import Outcome
from tests.real.util import TIMEOUT, ok, same, virsh, vsh
from tests.realstack.ptyshell import PtyShell
from tests.realstack.stack import Stack

pytestmark = pytest.mark.real

SECRET = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"
SECRET_XML = f"""<secret ephemeral='no' private='no'>
  <uuid>{SECRET}</uuid>
  <description>vsh test</description>
  <usage type='volume'>
    <volume>/var/lib/libvirt/images/vsh-secret.img</volume>
  </usage>
</secret>
"""
FILTER = "vsh-f1"
FILTER_XML = f"""<filter name='{FILTER}' chain='ipv4'>
  <uuid>5c6d49af-b071-6127-b4ec-6f8ed4b55335</uuid>
  <rule action='accept' direction='out' priority='500'>
    <ip srcipaddr='10.0.0.1'/>
  </rule>
</filter>
"""
PORT = "vsh-tap0"  # no such device: the daemon takes the binding anyway
BINDING_XML = f"""<filterbinding>
  <owner>
    <name>vm1</name>
    <uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid>
  </owner>
  <portdev name='{PORT}'/>
  <mac address='52:54:00:00:00:01'/>
  <filterref filter='{FILTER}'/>
</filterbinding>
"""


def both(
    stack: Stack, line: str, undo: str | None = None, env: dict[str, str] | None = None
) -> Outcome:
    """``line`` through virsh, ``undo`` (through virsh), ``line`` through vsh: the
    same stdout, stderr and status; the state is what vsh left."""
    args = ["-c", stack.uri, line]
    expected = harness.run_virsh(args, env=env, timeout=TIMEOUT)
    if undo is not None:
        stack.virsh(undo, check=False)
    actual = harness.run_vsh(args, env=env, timeout=TIMEOUT)
    assert (actual.status, actual.out, actual.err) == (
        expected.status,
        expected.out,
        expected.err,
    ), line
    return actual


def raw_value(stack: Stack, program: list[str] | None = None) -> bytes:
    """secret-get-value --plain's bytes, as they come (virsh's unless ``program``)."""
    proc = subprocess.run(
        [*(program or [harness.VIRSH]), "-c", stack.uri, "secret-get-value", SECRET, "--plain"],
        capture_output=True,
        env=harness.base_env(),
        timeout=60,
        check=True,
    )
    assert proc.stdout.endswith(b"\n")  # the line end both print after a command
    return proc.stdout[:-1]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "secret.xml").write_text(SECRET_XML)
    (tmp_path / "filter.xml").write_text(FILTER_XML)
    (tmp_path / "binding.xml").write_text(BINDING_XML)
    return tmp_path


@pytest.fixture
def secret(real_stack: Stack, files: Path) -> Iterator[Stack]:
    real_stack.virsh("secret-undefine", SECRET, check=False)
    try:
        yield real_stack
    finally:
        real_stack.virsh("secret-undefine", SECRET, check=False)


@pytest.fixture
def nwfilter(real_stack: Stack, files: Path) -> Iterator[Stack]:
    real_stack.virsh("nwfilter-binding-delete", PORT, check=False)
    real_stack.virsh("nwfilter-undefine", FILTER, check=False)
    try:
        yield real_stack
    finally:
        real_stack.virsh("nwfilter-binding-delete", PORT, check=False)
        real_stack.virsh("nwfilter-undefine", FILTER, check=False)


# -- secrets ------------------------------------------------------------------------------------


def test_secret_define_list_undefine(secret: Stack, files: Path) -> None:
    xml = files / "secret.xml"
    out = both(secret, f"secret-define {xml}", f"secret-undefine {SECRET}")
    assert out.out == f"Secret {SECRET} created\n\n"
    both(secret, f"secret-define {xml} --validate")  # modifies the existing one
    same(secret, "secret-list")
    same(secret, f"secret-dumpxml {SECRET}")
    same(secret, f"secret-get-value {SECRET}")  # no value yet
    both(secret, f"secret-undefine {SECRET}", f"secret-define {xml}")
    same(secret, f"secret-undefine {SECRET}")
    same(secret, "secret-list")


def test_secret_values(secret: Stack, files: Path) -> None:
    ok(virsh(secret, f"secret-define {files / 'secret.xml'}"))
    b64 = files / "b64"
    b64.write_bytes(b"Zm9v!!Ym\nFy\n")  # glib skips what is not base64
    both(secret, f"secret-set-value {SECRET} --file {b64}")
    assert raw_value(secret) == b"foobar"
    same(secret, f"secret-get-value {SECRET}")
    same(secret, f"secret-get-value {SECRET} --plain")

    plain = files / "plain"
    plain.write_bytes(b"a\0b\xff\n")  # bytes, NUL included
    both(secret, f"secret-set-value {SECRET} --file {plain} --plain")
    assert raw_value(secret) == raw_value(secret, list(harness.VSH)) == b"a\0b\xff\n"
    same(secret, f"secret-get-value {SECRET}")

    nul = files / "nul"
    nul.write_bytes(b"Zm9v\0YmFy")  # without --plain the text ends at NUL
    both(secret, f"secret-set-value {SECRET} --file {nul}")
    assert raw_value(secret) == b"foo"

    # on the command line: virsh's warning on stderr, then the value set
    line = f"secret-set-value {SECRET} Zm9vYm=F"  # '=' inside the last group
    ok(virsh(secret, line))
    by_virsh = raw_value(secret)
    ok(virsh(secret, f"secret-set-value {SECRET} --base64 eA=="))
    out = both(secret, line)
    assert out.err == "error: Passing secret value as command-line argument is insecure!\n"
    assert raw_value(secret) == by_virsh and by_virsh.startswith(b"foo")
    both(secret, f"secret-set-value {SECRET} --base64 c2VjcmV0")
    assert raw_value(secret) == b"secret"

    big = files / "big"
    big.write_bytes(b"A" * 1025)
    both(secret, f"secret-set-value {SECRET} --file {big}")
    both(secret, f"secret-set-value {SECRET} --file {files / 'nonexistent'}")
    both(secret, f"secret-set-value {SECRET}")
    both(secret, f"secret-set-value {SECRET} --plain --base64 eA==")
    assert raw_value(secret) == b"secret"


def _interactive(stack: Stack, program: list[str], typed: str) -> str:
    """secret-set-value --interactive on a terminal: what the terminal showed."""
    with PtyShell([*program, "-c", stack.uri, "secret-set-value", SECRET, "--interactive"]) as sh:
        sh.expect("Enter new value for secret:")
        time.sleep(0.3)  # the terminal's echo is off before anything is read
        sh.send(typed + "\n")
        rest = sh.settle(quiet=0.5, timeout=30)
        assert sh.proc.wait(30) == 0, rest
    return rest


def test_secret_interactive_from_a_terminal(secret: Stack, files: Path) -> None:
    ok(virsh(secret, f"secret-define {files / 'secret.xml'}"))
    shown = _interactive(secret, [harness.VIRSH], "virsh typed")
    assert raw_value(secret) == b"virsh typed"
    assert _interactive(secret, list(harness.VSH), "vsh  typed") == shown
    assert "typed" not in shown  # no echo
    assert raw_value(secret) == b"vsh  typed"  # --plain implied: no base64 decoding


def test_secret_interactive_needs_a_terminal(secret: Stack, files: Path) -> None:
    """virsh (glibc's getpass) falls back to reading stdin; vsh reads only a terminal."""
    ok(virsh(secret, f"secret-define {files / 'secret.xml'}"))
    ok(virsh(secret, f"secret-set-value {SECRET} --base64 c2VjcmV0"))
    proc = subprocess.run(
        [*harness.VSH, "-c", secret.uri, "secret-set-value", SECRET, "--interactive"],
        input="piped\n",
        capture_output=True,
        text=True,
        env=harness.base_env(),
        start_new_session=True,  # no controlling terminal
        timeout=60,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        1,
        "Enter new value for secret:\n",
        "error: Failed to read secret\n",
    )
    assert raw_value(secret) == b"secret"


def test_secret_value_stays_out_of_history_and_log(secret: Stack, files: Path) -> None:
    ok(virsh(secret, f"secret-define {files / 'secret.xml'}"))
    value = base64.b64encode(b"hushhush-1234").decode()
    log = files / "vsh.log"
    env = {**harness.base_env(), "XDG_CACHE_HOME": str(files / "cache")}
    shell = [*harness.VSH, "-d", "0", "-l", str(log), "-c", secret.uri]
    with PtyShell(shell, env=env) as sh:
        sh.expect(r"vsh # ")
        out = sh.command(f"secret-set-value {SECRET} {value}", "vsh # ")
        assert "Secret value set" in out
        sh.command(f"secret-set-value --secret {SECRET} --base64={value}", "vsh # ")
        sh.command("echo done", "vsh # ")
    history = (files / "cache" / "vsh" / "history").read_text()
    assert "echo done" in history and f"secret-set-value {SECRET} (value hidden)" in history
    assert value not in history and "hushhush" not in history
    text = log.read_text()
    assert "secret-set-value: base64(optdata): (value hidden)" in text
    assert value not in text and "hushhush" not in text
    assert raw_value(secret) == b"hushhush-1234"
    # -d shows the bound options and the command string; not the value
    shown = vsh(secret, "-d", "0", f"secret-set-value {SECRET} {value}")
    ok(shown)
    assert value not in shown.out + shown.err
    assert "secret-set-value: base64(optdata): (value hidden)\n" in shown.out


def _event_while(stack: Stack, program: list[str], args: str, action: Callable[[], None]) -> str:
    """Run the event command, do ``action`` from another process once it waits."""
    result: dict[str, subprocess.CompletedProcess[str]] = {}

    def listen() -> None:
        result["p"] = subprocess.run(
            [*program, "-c", stack.uri, *args.split()],
            capture_output=True,
            text=True,
            env=harness.base_env(),
            timeout=120,
        )

    listener = threading.Thread(target=listen)
    listener.start()
    time.sleep(5)  # registered by then, even on a busy machine
    action()
    listener.join()
    proc = result["p"]
    return f"{proc.returncode}\n{proc.stdout}\n{proc.stderr}"


def test_secret_event(secret: Stack, files: Path) -> None:
    xml = files / "secret.xml"

    def define() -> None:
        secret.virsh("secret-define", str(xml))

    def undefine() -> None:
        secret.virsh("secret-undefine", SECRET, check=False)

    args = "secret-event --event lifecycle --timeout 30"
    expected = _event_while(secret, [harness.VIRSH], args, define)
    undefine()
    actual = _event_while(secret, list(harness.VSH), args, define)
    assert actual == expected
    assert actual == f"0\nevent 'lifecycle' for secret {SECRET}: Defined\nevents received: 1\n\n\n"

    def set_twice() -> None:
        secret.virsh("secret-set-value", SECRET, "--base64", "eA==")
        secret.virsh("secret-set-value", SECRET, "--base64", "eQ==")

    args = f"secret-event --secret {SECRET} --event value-changed --loop --timeout 6"
    expected = _event_while(secret, [harness.VIRSH], args, set_twice)
    actual = _event_while(secret, list(harness.VSH), args, set_twice)
    assert actual == expected
    assert actual.count(f"event 'value-changed' for secret {SECRET}\n") == 2
    assert "event loop timed out\nevents received: 2\n" in actual
    # a secret filter that fails to look up: virsh says so and waits for all secrets
    same(secret, "secret-event --secret nope --event lifecycle --timeout 1")
    same(secret, f"secret-event --secret {SECRET} --event lifecycle --timeout 1 --timestamp")


# -- network filters -------------------------------------------------------------------------


def test_nwfilter_define_dumpxml_list_undefine(nwfilter: Stack, files: Path) -> None:
    xml = files / "filter.xml"
    out = both(nwfilter, f"nwfilter-define {xml}", f"nwfilter-undefine {FILTER}")
    assert out.out == f"Network filter {FILTER} defined from {xml}\n\n"
    both(nwfilter, f"nwfilter-define {xml} --validate")
    same(nwfilter, f"nwfilter-dumpxml {FILTER}")
    same(nwfilter, "nwfilter-list")
    out = vsh(nwfilter, "nwfilter-list --json")
    assert '"name": "vsh-f1"' in ok(out).out
    both(nwfilter, f"nwfilter-undefine {FILTER}", f"nwfilter-define {xml}")
    same(nwfilter, f"nwfilter-undefine {FILTER}")
    same(nwfilter, f"nwfilter-define {files / 'binding.xml'}")  # not a filter


def _editor(files: Path, name: str, body: str) -> str:
    path = files / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def test_nwfilter_edit(nwfilter: Stack, files: Path) -> None:
    xml = files / "filter.xml"
    ok(virsh(nwfilter, f"nwfilter-define {xml}"))
    line = f"nwfilter-edit {FILTER}"
    unchanged = both(nwfilter, line, env={"EDITOR": "true"})
    assert unchanged.out == f"Network filter {FILTER} XML configuration not changed.\n\n"
    raise_priority = _editor(files, "ed1", "sed -i \"s/priority='500'/priority='400'/\" \"$1\"")
    out = both(nwfilter, line, f"nwfilter-define {xml}", env={"EDITOR": raise_priority})
    assert out.out == f"Network filter {FILTER} XML configuration edited.\n\n"
    assert "priority='400'" in nwfilter.virsh("nwfilter-dumpxml", FILTER).stdout
    # without a terminal a failed define is "Failed." and virsh goes on with no filter
    broken = _editor(files, "ed2", 'echo "<filter name=x><bogus" > "$1"')
    out = both(nwfilter, line, env={"EDITOR": broken})
    assert out.err == "error: Failed.\n"
    failing = _editor(files, "ed3", "exit 3")
    args, env = ["-c", nwfilter.uri, line], {"EDITOR": failing}
    outcomes = [run(args, env=env, timeout=TIMEOUT) for run in (harness.run_virsh, harness.run_vsh)]
    shown = [re.sub(r"virsh\w{6}\.xml", "virshXXXXXX.xml", o.err) for o in outcomes]
    assert shown[0] == shown[1] and "unexpected exit status 3" in shown[0]
    assert [(o.status, o.out) for o in outcomes] == [(1, "\n"), (1, "\n")]


def test_nwfilter_bindings(nwfilter: Stack, files: Path) -> None:
    ok(virsh(nwfilter, f"nwfilter-define {files / 'filter.xml'}"))
    xml = files / "binding.xml"
    same(nwfilter, "nwfilter-binding-list")
    out = both(nwfilter, f"nwfilter-binding-create {xml}", f"nwfilter-binding-delete {PORT}")
    assert out.out == f"Network filter binding on {PORT} created from {xml}\n\n"
    same(nwfilter, f"nwfilter-binding-create {xml} --validate")  # already there
    same(nwfilter, "nwfilter-binding-list")
    out = vsh(nwfilter, "nwfilter-binding-list --json")
    assert '"portdev": "vsh-tap0"' in ok(out).out and '"filter": "vsh-f1"' in out.out
    same(nwfilter, f"nwfilter-binding-dumpxml {PORT}")
    same(nwfilter, f"nwfilter-binding-dumpxml {PORT} --xpath //mac --wrap")  # --xpath unread
    same(nwfilter, "nwfilter-binding-dumpxml nosuch")
    out = both(nwfilter, f"nwfilter-binding-delete {PORT}", f"nwfilter-binding-create {xml}")
    assert out.out == f"Network filter binding on {PORT} deleted\n\n"
    same(nwfilter, f"nwfilter-binding-delete {PORT}")
    same(nwfilter, f"nwfilter-binding-create {files / 'filter.xml'}")  # not a binding


def test_not_utf8(nwfilter: Stack, files: Path) -> None:
    """libvirt's parse error names each document type as vsh does (vsh shows the bad
    byte as U+FFFD in the context line, so that line is left out)."""
    bad = files / "bad.xml"
    bad.write_bytes(b"<filter name='x'>\n<description>\xff</description></filter>\n")

    def without_context(text: str) -> str:
        return "\n".join(line for line in text.split("\n") if "<description>" not in line)

    for line in ("secret-define", "nwfilter-define", "nwfilter-binding-create"):
        got = []
        for program in ([harness.VIRSH], list(harness.VSH)):
            proc = subprocess.run(
                [*program, "-c", nwfilter.uri, line, str(bad)],
                capture_output=True,
                env=harness.base_env(),
                timeout=TIMEOUT,
            )
            err = proc.stderr.decode("utf-8", "replace")
            got.append((proc.returncode, proc.stdout, without_context(err)))
        assert got[0] == got[1]
        assert "Input is not proper UTF-8" in got[0][2]


def test_binding_and_secret_completion(nwfilter: Stack, secret: Stack, files: Path) -> None:
    """The shell completes binding port devices and secret UUIDs (virsh's completers)."""
    ok(virsh(nwfilter, f"nwfilter-define {files / 'filter.xml'}"))
    ok(virsh(nwfilter, f"nwfilter-binding-create {files / 'binding.xml'}"))
    ok(virsh(secret, f"secret-define {files / 'secret.xml'}"))
    for words, expected in (
        (["nwfilter-binding-delete", "v"], PORT),
        (["nwfilter-binding-dumpxml", "vsh-"], PORT),
        (["secret-get-value", "0a81"], SECRET),
        (["secret-event", "--event", ""], "lifecycle\nvalue-changed"),
    ):
        out = same(nwfilter, "complete", "--", *words)
        assert out.out == expected + "\n\n", words
