"""Differential tests: domain and monitor commands against virsh 9.0.

Every case runs the same command line through /usr/bin/virsh and vsh and
compares stdout, stderr and exit status byte for byte.  State of a test:///
connection lives in one process, so each multi-step scenario is one script.

Connections: ``test:///default`` (one running domain "test"),
tests/fixtures/domains/node.xml (domains in every state, odd names, managed
save, a snapshot, storage volumes, driver messages) and libvirt's own
tests/fixtures/testnode/testnode.xml (fv0, fc4, fc5).

Only the ``CPU time:`` of dominfo is normalised: the test driver reports the
host's clock as each running domain's CPU time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DOMAINS = FIXTURES / "domains"
DEFAULT = "test:///default"
NODE = f"test://{DOMAINS / 'node.xml'}"
TESTNODE = f"test://{FIXTURES / 'testnode' / 'testnode.xml'}"

ODD = """"odd name \\"with\\" 'quotes' 雪\""""  # as one word of a virsh script
UNICODE = """"ünïcode 雪 \\"q\\" 'a' & <x>\""""
UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"  # test:///default's "test"


def cpu_time(text: str) -> str:
    return re.sub(r"^(CPU time:\s+)[0-9.]+s$", r"\1<varies>s", text, flags=re.M)


def same(*args: str, **kw: object) -> None:
    assert_same(list(args), normalise=cpu_time, **kw)


# ---------------------------------------------------------------------------
# help: virsh's option tables, in order, with their texts

COMMANDS = [
    *("autostart", "create", "define", "destroy", "domid", "domname", "domuuid"),
    *("dumpxml", "reboot", "reset", "resume", "shutdown", "start", "suspend"),
    *("undefine", "dominfo", "domstate", "list"),
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    same("-c", DEFAULT, f"help {name}; {name} --help")


def test_help_without_connection() -> None:
    same("help list")
    same("dominfo", "--help")


# ---------------------------------------------------------------------------
# list


LIST_SCRIPTS = [
    "list",
    "list --all",
    "list --inactive",
    "list --all --name",
    "list --all --uuid",
    "list --all --id",
    "list --id",
    "list --all --id --name",
    "list --all --uuid --name",
    "list --all --uuid --id --name",
    "list --all --title",
    "list --all --managed-save",
    "list --all --title --managed-save",
    "list --title --name",
    "list --all --table",
    "list --persistent --all",
    "list --transient --all",
    "list --persistent --transient --all",
    "list --with-snapshot --all",
    "list --without-snapshot --all",
    "list --with-checkpoint --all",
    "list --without-checkpoint --all",
    "list --state-running",
    "list --state-paused",
    "list --state-shutoff",
    "list --state-other",
    "list --all --state-other",
    "list --state-running --state-paused --state-other",
    "list --all --state-shutoff --state-running",
    "list --autostart --all",
    "list --no-autostart --all",
    "list --with-managed-save --all",
    "list --without-managed-save --all",
    "list --with-managed-save --managed-save --all",
    "list --inactive --transient",
    "list --all --persistent --state-running --no-autostart --without-managed-save",
]


@pytest.mark.parametrize("uri", [DEFAULT, NODE, TESTNODE])
@pytest.mark.parametrize("script", LIST_SCRIPTS)
def test_list(uri: str, script: str) -> None:
    same("-c", uri, script)


@pytest.mark.parametrize(
    "script",
    [
        "list --table --name",
        "list --table --uuid",
        "list --table --id",
        "list --name --table --title",
        "list --bogus",
        "list --all=yes",
        "list extra",
        "list --all --all",
        "list --all; list --table --uuid; list --name",
    ],
)
def test_list_option_errors(script: str) -> None:
    same("-c", NODE, script)


def test_list_quiet_and_readonly() -> None:
    same("-q", "-c", NODE, "list --all --title --managed-save; list --name; list --all --uuid")
    same("-r", "-c", NODE, "list --all; list --all --title")


def test_list_locale_c() -> None:
    """Outside a UTF-8 locale virsh escapes every non-ASCII byte of a cell."""
    same("-c", NODE, "list --all --title", env={"LANG": "C"})


def test_list_follows_state_changes() -> None:
    same(
        "-c",
        DEFAULT,
        "list --all; destroy test; list --all; list --inactive; list --state-shutoff; "
        "start test; suspend test; list --state-paused; list --state-running; "
        "autostart test; list --autostart; list --no-autostart --all",
    )


# ---------------------------------------------------------------------------
# dominfo, domstate


@pytest.mark.parametrize(
    "domain",
    ["test", "1", UUID, "nosuch", "2", "-1", "6695eb01-f6a4-8304-79aa-97f2502e193e", "' test'"],
)
def test_dominfo_domstate_default(domain: str) -> None:
    same("-c", DEFAULT, f"dominfo {domain}; domstate {domain}; domstate {domain} --reason")


NODE_DOMAINS = [
    "web",
    "'paused one'",
    "saved",
    "fleeting",
    "crashed",
    "sleepy",
    "'shut down'",
    "Zeta",
    "42",
    "00000000-0000-4000-8000-000000000001",
    "00000000-0000-4000-8000-00000000000b",
    UNICODE,
    "snappy",
    "deprecated",
    "meta",
    "1",
    "8",
]


@pytest.mark.parametrize("domain", NODE_DOMAINS)
def test_dominfo_domstate_node(domain: str) -> None:
    same("-c", NODE, f"dominfo {domain}; domstate {domain}; domstate --reason --domain {domain}")


@pytest.mark.parametrize("domain", ["fv0", "fc4", "fc5", "2", "EF86180145B911CB88E3AFBFE5370493"])
def test_dominfo_testnode(domain: str) -> None:
    same("-c", TESTNODE, f"dominfo {domain}; domstate {domain} --reason")


@pytest.mark.parametrize(
    "script",
    [
        "dominfo",
        "dominfo ''",
        "dominfo --domain",
        "dominfo test extra",
        "dominfo test --reason",
        "domstate",
        "domstate test --reason=yes",
        "domstate ''; domstate test",
    ],
)
def test_dominfo_domstate_errors(script: str) -> None:
    same("-c", DEFAULT, script)


def test_domstate_reasons_through_life_cycle() -> None:
    same(
        "-c",
        DEFAULT,
        "domstate test --reason; suspend test; domstate test --reason; resume test; "
        "domstate test --reason; shutdown test; domstate test --reason; start test --paused; "
        "domstate test --reason; destroy test; domstate test --reason; start test; "
        "domstate test --reason; reboot test; domstate test --reason",
    )


# ---------------------------------------------------------------------------
# domid, domname, domuuid


@pytest.mark.parametrize(
    "script",
    [
        f"domid test; domid {UUID}; domid 1; domname 1; domname {UUID}; domname test; "
        f"domuuid test; domuuid 1; domuuid {UUID}",
        "destroy test; domid test; domuuid test; domname 1",
        "domid; domname ''",
        "domid nosuch",
        "domname 4294967298; quit",
    ],
)
def test_domid_domname_domuuid_default(script: str) -> None:
    same("-c", DEFAULT, script)


def test_domid_domname_domuuid_node() -> None:
    same(
        "-c",
        NODE,
        "domid 42; domid web; domid saved; domname 42; domname 1; domuuid 42; domuuid 1; "
        "domname 00000000-0000-4000-8000-000000000001; domid 00000000-0000-4000-8000-000000000001; "
        f"domuuid 00000000-0000-4000-8000-000000000001; domid {UNICODE}; domuuid {UNICODE}",
    )


# ---------------------------------------------------------------------------
# life cycle: start, shutdown, destroy, reboot, reset, suspend, resume, autostart


@pytest.mark.parametrize(
    "script",
    [
        "start test",
        "start 1",
        f"start {UUID}",
        "start nosuch",
        "destroy test; start 1",
        f"destroy test; start {UUID}; list",
        "destroy test; start test --paused; domstate test --reason",
        "destroy test; start test --autodestroy --bypass-cache",
        "destroy test; start test --force-boot; domstate test --reason",
        "destroy test; start test --reset-nvram",
        "destroy test; start test --pass-fds 0,1",
        "destroy test; start test --pass-fds abc",
        "destroy test; start test --pass-fds 1,,2",
        "destroy test; start test --pass-fds 1,",
        "destroy test; start test --pass-fds ''; domstate test",
        "destroy test; start test --console",
        "start test --console",
        "start test --pass-fds abc",
        "start",
        "start ''",
    ],
)
def test_start(script: str) -> None:
    same("-c", DEFAULT, script)


def test_start_node() -> None:
    same("-c", NODE, "start saved; domstate saved --reason; start Zeta --force-boot; start web")
    same("-c", NODE, f"start {UNICODE}; list --name; start 00000000-0000-4000-8000-000000000001")
    same("-c", NODE, "start saved --force-boot; dominfo saved")


@pytest.mark.parametrize(
    "script",
    [
        "shutdown test; list --all",
        "shutdown 1",
        f"shutdown {UUID}",
        "shutdown test --mode acpi",
        "shutdown test --mode agent",
        "shutdown test --mode initctl",
        "shutdown test --mode signal",
        "shutdown test --mode paravirt",
        "shutdown test --mode acpi,agent,initctl",
        "shutdown test --mode bogus",
        "shutdown test --mode acpi,",
        "shutdown test --mode ''",
        "shutdown nosuch --mode bogus",
        "shutdown nosuch",
        "shutdown test; shutdown test",
        "reboot test",
        "reboot 1 --mode acpi",
        "reboot test --mode agent,signal",
        "reboot test --mode initctl,paravirt",
        "reboot test --mode nope",
        "reboot test --mode ''",
        "destroy test; reboot test",
        "reset test",
        "reset 1",
        "destroy test; reset test",
        "destroy test",
        "destroy 1; destroy 1",
        f"destroy {UUID} --graceful",
        "destroy test --remove-logs",
        "destroy test --graceful --remove-logs; list --all",
        "suspend test; suspend test; resume test; resume test",
        "suspend 1; domstate 1 --reason; resume 1; domstate 1 --reason",
        "destroy test; suspend test; resume test",
        "autostart test; dominfo test; autostart test --disable; dominfo test",
        "autostart 1; autostart --disable 1",
        "autostart nosuch; autostart --disable nosuch",
    ],
)
def test_life_cycle(script: str) -> None:
    same("-c", DEFAULT, script)


def test_life_cycle_node() -> None:
    same(
        "-c",
        NODE,
        "suspend web; resume 'paused one'; destroy fleeting; list --all; "
        "autostart fleeting; autostart saved; list --autostart --all; "
        "reset crashed; reboot sleepy; shutdown 'shut down'; destroy deprecated",
    )


@pytest.mark.parametrize(
    "script",
    [
        "destroy test",
        "start test",
        "shutdown test",
        "shutdown test --mode acpi",
        "reboot test",
        "reset test",
        "suspend test",
        "resume test",
        "autostart test",
        "autostart test --disable",
        "undefine test",
        f"define {DOMAINS / 'plain.xml'}",
        f"create {DOMAINS / 'plain.xml'}",
        "dumpxml test --security-info",
        "dumpxml test --migratable --xpath //name",
        "list --all; dominfo test; domstate test --reason; domid test; domname 1; domuuid 1",
    ],
)
def test_read_only(script: str) -> None:
    same("-r", "-c", DEFAULT, script)


def test_quiet_suppresses_status_lines() -> None:
    same(
        "-q",
        "-c",
        DEFAULT,
        f"suspend test; resume test; reset test; reboot test; autostart test; "
        f"autostart test --disable; shutdown test; start test; destroy test; "
        f"define {DOMAINS / 'plain.xml'}; create {DOMAINS / 'odd.xml'}; undefine plain",
    )


# ---------------------------------------------------------------------------
# define, create, undefine


def test_define_odd_names() -> None:
    odd = DOMAINS / "odd.xml"
    same(
        "-c",
        DEFAULT,
        f"define {odd}; list --all --title; dominfo {ODD}; domstate {ODD}; start {ODD}; "
        f"list; dumpxml {ODD} --xpath //name; suspend {ODD}; resume {ODD}; destroy {ODD}; "
        f"autostart {ODD}; undefine {ODD}; list --all",
    )


@pytest.mark.parametrize(
    "script",
    [
        "define {d}/plain.xml; define {d}/plain.xml; list --all",
        "define --validate {d}/plain.xml; dumpxml plain",
        "define {d}/invalid.xml --validate",
        "define {d}/invalid.xml; list --all",
        "define {d}/broken.xml",
        "define --file {d}/odd.xml",
        "define /nonexistent/dir/x.xml",
        "define {d}",
        "define /dev/null",
        "define ''",
        "define",
        "define {d}/plain.xml extra",
        "create {d}/plain.xml; list --all; create {d}/plain.xml; destroy plain; list --all",
        "create {d}/plain.xml --paused; domstate plain --reason",
        "create {d}/plain.xml --autodestroy --validate",
        "create {d}/invalid.xml --validate",
        "create {d}/broken.xml",
        "create {d}/plain.xml --reset-nvram",
        "create {d}/plain.xml --pass-fds 0",
        "create {d}/plain.xml --pass-fds x",
        "create /nonexistent.xml --pass-fds x",
        "create {d}/plain.xml --console; list",
        "create /nonexistent.xml",
        "create {d}",
        "create",
        "create ''",
        "define {d}/plain.xml; create {d}/plain.xml; list --all",
    ],
)
def test_define_create(script: str) -> None:
    same("-c", DEFAULT, script.format(d=DOMAINS))


def test_define_relative_path() -> None:
    same("-c", DEFAULT, "define plain.xml; create odd.xml; list --all", cwd=str(DOMAINS))


def test_define_file_limits(tmp_path: Path) -> None:
    xml = (DOMAINS / "plain.xml").read_text()
    limit = 10 * 1024 * 1024
    exact = tmp_path / "exact.xml"
    exact.write_text(xml + " " * (limit - len(xml.encode())))
    over = tmp_path / "over.xml"
    over.write_text(xml + " " * (limit - len(xml.encode()) + 1))
    nul = tmp_path / "nul.xml"
    nul.write_bytes(xml.encode() + b"\0<not xml")
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    same("-c", DEFAULT, f"define {exact}; undefine plain; define {over}; list --all")
    same("-c", DEFAULT, f"define {nul}; create {empty}")
    same("-c", DEFAULT, f"create {over}")


def test_define_from_fifo(tmp_path: Path) -> None:
    """A FIFO is read to its end like a file (libvirt's virsh-read-non-seekable)."""
    import threading

    from tests.conformance.harness import run_virsh, run_vsh

    fifo = tmp_path / "fifo.xml"
    os.mkfifo(fifo)
    xml = (DOMAINS / "plain.xml").read_bytes()
    args = ["-c", DEFAULT, f"define {fifo}; list --all --name"]

    def fed(run: object) -> object:
        def feed() -> None:
            with open(fifo, "wb") as f:
                f.write(xml)

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        outcome = run(args)  # type: ignore[operator]
        writer.join(timeout=10)
        return outcome

    assert fed(run_vsh) == fed(run_virsh)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_define_unreadable(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text((DOMAINS / "plain.xml").read_text())
    secret.chmod(0)
    same("-c", DEFAULT, f"define {secret}")


@pytest.mark.parametrize(
    "script",
    [
        "undefine test; dominfo test; destroy test; dominfo test",
        "undefine 1; dominfo 1",
        f"undefine {UUID}; list --all",
        "shutdown test; undefine test; dominfo test",
        "undefine nosuch",
        "undefine",
        "undefine test --managed-save --snapshots-metadata --checkpoints-metadata; list --all",
        "undefine test --nvram",
        "undefine test --keep-nvram --keep-tpm",
        "undefine test --tpm",
        "undefine test --nvram --keep-nvram",
        "undefine test --tpm --keep-tpm",
        "undefine test --delete-snapshots",
        "undefine test --delete-storage-volume-snapshots --nvram --keep-nvram",
        "undefine test --wipe-storage",
        "undefine test --storage '' --wipe-storage",
        "undefine test --storage vda",
        "undefine test --remove-all-storage",
        "undefine test --storage vda --remove-all-storage",
        "destroy test; undefine test --storage vda --remove-all-storage",
        "destroy test; undefine test --storage vda",
        "destroy test; undefine test --storage nothing,vda",
        "destroy test; undefine test --remove-all-storage --wipe-storage",
        "destroy test; undefine test --remove-all-storage --delete-snapshots",
        "destroy test; undefine test; list --all",
    ],
)
def test_undefine_default(script: str) -> None:
    same("-c", DEFAULT, script)


@pytest.mark.parametrize(
    "script",
    [
        "undefine storage --remove-all-storage; list --all",
        "undefine storage --remove-all-storage --delete-snapshots",
        "undefine storage --remove-all-storage --wipe-storage; list --all",
        "undefine storage --storage vda,vdb,nothing; list --all",
        "undefine storage --storage vda,/pool/vol-b; list --all",
        "undefine storage --storage vda,vda",
        "undefine storage --storage vdc",
        "undefine storage --storage vdd",
        "undefine storage --storage 'vdb,'",
        "undefine storage --storage vda --wipe-storage",
        "undefine snappy; undefine snappy --snapshots-metadata; list --all",
        "undefine snappy --snapshots-metadata --checkpoints-metadata --managed-save",
        "undefine saved; undefine saved --managed-save; list --all --managed-save",
        "undefine web; list --all; dominfo web; destroy web; list --all",
        "undefine web --remove-all-storage",
        "undefine fleeting",
        "undefine Zeta --nvram; undefine alpha --tpm",
        "undefine Beta --keep-nvram --keep-tpm --checkpoints-metadata --snapshots-metadata",
        f"undefine {UNICODE}; list --all --name",
        "undefine 42; undefine 00000000-0000-4000-8000-000000000001; list --all --name",
    ],
)
def test_undefine_node(script: str) -> None:
    same("-c", NODE, script)


# ---------------------------------------------------------------------------
# dumpxml


@pytest.mark.parametrize(
    "options",
    [
        "",
        "--inactive",
        "--security-info",
        "--update-cpu",
        "--migratable",
        "--inactive --security-info --migratable",
        "--xpath //name",
        "--xpath /domain/devices/disk",
        "--xpath ./devices/disk",
        "--xpath //disk --wrap",
        "--xpath //@type",
        "--xpath //@type --wrap",
        "--xpath //name/text()",
        "--xpath '//name/text() | //os/type/text()' --wrap",
        "--xpath '//name/text() | //os' --wrap",
        "--xpath '//os/type/@arch | //name'",
        "--xpath /nothing",
        "--xpath /nothing --wrap",
        "--xpath /",
        "--xpath / --wrap",
        "--xpath .",
        "--xpath ..",
        "--xpath 'namespace::*'",
        "--xpath '//devices/*[1]/@* | //name/text()' --wrap",
        "--xpath '//devices/node()[1]' --wrap",
        "--xpath 'count(//disk)'",
        "--xpath 'string(//name)'",
        "--xpath 'true()'",
        "--xpath '1 div 0'",
        "--xpath '//['",
        "--xpath '//b/@@'",
        "--xpath 'foo()'",
        "--xpath 'foo('",
        "--xpath '//name[bar()]'",
        "--xpath '$x'",
        "--xpath 'concat('",
        "--xpath 'x:foo()'",
        "--xpath '//x:name'",
        "--xpath 'x:foo(1) | //y:name'",
        "--xpath '//y:name | x:foo()'",
        "--xpath 'foo:bar:baz()'",
        "--xpath ''",
        "--xpath",
        "--wrap",
        "//name",
        "--xpath=//uuid --inactive",
    ],
)
def test_dumpxml_default(options: str) -> None:
    same("-c", DEFAULT, f"dumpxml test {options}")


@pytest.mark.parametrize(
    "options",
    [
        "",
        "--xpath //metadata",
        "--xpath //metadata --wrap",
        "--xpath '//*[local-name()=\"item\"]'",
        "--xpath '//*[local-name()=\"item\"]' --wrap",
        "--xpath '//*[local-name()=\"other\"]/*' --wrap",
        "--xpath '//*[local-name()=\"other\"]/*'",
        "--xpath '//@*'",
        "--xpath '//@*' --wrap",
        "--xpath '//comment() | //text()'",
        "--xpath '//comment() | //text()' --wrap",
        "--xpath //description",
        "--xpath //description --wrap",
        "--xpath //devices",
        "--xpath /",
        "--xpath / --wrap",
    ],
)
def test_dumpxml_namespaces_and_text(options: str) -> None:
    same("-c", NODE, f"dumpxml meta {options}")


@pytest.mark.parametrize(
    "script",
    [
        f"dumpxml {UNICODE}",
        f"dumpxml {UNICODE} --xpath /",
        f"dumpxml {UNICODE} --xpath //name --wrap",
        f"dumpxml {UNICODE} --xpath //title/text()",
        "dumpxml 1; dumpxml 42 --inactive; dumpxml 00000000-0000-4000-8000-000000000001",
        "dumpxml storage --xpath //disk/source --wrap",
        "dumpxml nosuch --xpath //name",
        "dumpxml deprecated --xpath //cpu --update-cpu",
    ],
)
def test_dumpxml_node(script: str) -> None:
    same("-c", NODE, script)


def test_dumpxml_round_trip(tmp_path: Path) -> None:
    """libvirt's virsh-define-dev-segfault pattern: define, then dump."""
    same("-c", DEFAULT, f"define {DOMAINS / 'odd.xml'}; dumpxml {ODD}; dumpxml {ODD} --inactive")


# ---------------------------------------------------------------------------
# -d: virsh's debug lines on stdout (lookups, dominfo's persistence flag)


@pytest.mark.parametrize("level", ["0", "1"])
@pytest.mark.parametrize(
    "script",
    [
        f"dominfo test; domstate 1; domid {UUID}; domname 1; domuuid test; list --all",
        "dumpxml 1 --xpath //name; suspend test; resume test; autostart test; reboot test",
        "reset test; shutdown test --mode acpi; start test; destroy test; undefine test",
        f"define {DOMAINS / 'plain.xml'}; start plain --pass-fds 0; dominfo nosuch",
    ],
)
def test_debug_output(level: str, script: str) -> None:
    same("-d", level, "-c", DEFAULT, script)


def test_debug_output_node() -> None:
    same(
        "-d0", "-c", NODE, "list --all --title; dominfo deprecated; undefine storage --storage vda"
    )
